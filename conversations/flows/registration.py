"""Registration: consent first (UU PDP), then who you are.

    [same_person -> link_code]
      -> consent -> role -> artisan:  [name_offer] -> name -> business -> province -> city
                                      -> categories -> [phone]
                        officer:  invite_code -> [name_offer] -> name -> [phone]
      -> confirm (save, or change one field and come back)

Steps in brackets are skipped when the channel cannot help: `same_person` when no one with
this phone number registered on another channel (when someone did, a code sent there proves
the two are one person), `name_offer` when the channel does not tell
the sender's profile name, `phone` when it does not vouch for their number.
"""

from __future__ import annotations

import dataclasses
import hmac
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from conversations import lapas, privacy, users, vocabulary
from conversations.answers import Invalid, PersonName, Text
from conversations.choices import NO, YES, Choice, yes_no
from conversations.context import Context
from conversations.flow import END, Branch, EditField, Flow, Step
from conversations.flows import fields
from conversations.i18n import N_
from conversations.messages import Inbound
from conversations.outbox import MessageKind, notify, translator_for
from storage.models import User

AGREE, DECLINE = "agree", "decline"
LINK_CODE_TTL = timedelta(minutes=15)
LINK_TRIES = 3
SAVE, EDIT = "save", "edit"
INVITE_TRIES = 3
INFO = "info"
CONSENT_CHOICES = ((AGREE, N_("I agree")), (DECLINE, N_("I do not agree")),
                   (INFO, N_("Read the full privacy notice")))
CONSENT_WORDS = {
    INFO: ("info", "informasi", "privasi", "baca", "notice", "privacy"),
    AGREE: ("setuju", "saya setuju", "ya", "iya", "y", "yes", "ok", "oke", "okay", "agree",
            "boleh", "siap", "lanjut", "mau"),
    DECLINE: ("tidak", "tidak setuju", "tdk", "gak", "nggak", "no", "n"),
}


def consent_text(ctx: Context) -> str:
    return privacy.consent_summary(ctx.tr, ctx.settings.privacy_url)


def _agree_or_not(ctx: Context) -> str:
    return ctx._("Do you agree? Reply 1 if you agree, 2 if you do not.")


def _consented(step: str) -> Callable[[Context], str | list[str] | None]:
    def answered(ctx: Context) -> str | list[str] | None:
        answer = ctx.answers[step]
        if answer == INFO:  # the whole notice, then the question in short
            return privacy.chat_pages(ctx.tr)
        if answer == DECLINE:
            return ctx._("That's fine: nothing about you has been kept. "
                         "Send a message any time if you change your mind.")
        ctx.scratch["consent_at"] = ctx.now.isoformat()
        return None
    return answered


class InviteCode(Text):
    """The code `kriya lapas add` printed; the value is the Lapas' id."""

    def parse(self, inbound: Inbound, ctx: Context) -> int:
        code = super().parse(inbound, ctx)
        found = lapas.by_code(ctx.session, code)
        if found is None:
            raise Invalid(ctx._("That invite code is not right. It has 8 letters and digits, "
                                "for example KX7P-3M9Q."))
        return int(found.id or 0)


def _fields_of(answers) -> list[str]:
    if answers.get("role") == vocabulary.ARTISAN:
        return fields.ARTISAN_FIELDS
    return fields.OFFICER_FIELDS


def confirm_text(ctx: Context) -> str:
    values = dict(ctx.answers)
    text = ctx._("Please check your data:") + "\n" + fields.summary(
        ctx, values, _fields_of(ctx.answers)
    )
    if ctx.answers.get("role") == vocabulary.LAPAS_OFFICER:
        workshop = lapas.get(ctx.session, ctx.answers.get("invite_code"))
        text += "\n" + ctx._("Lapas: {name}").format(name=workshop.name if workshop else "-")
    return text + "\n\n" + ctx._("Is everything right?")


def _field_choices(ctx: Context) -> list[tuple[str, str]]:
    return [(f, fields.LABELS[f]) for f in _fields_of(ctx.answers)]


def save_user(ctx: Context) -> str | None:
    if ctx.answers["confirm"] != SAVE:
        return None
    answers = ctx.answers
    user = ctx.user or User(channel=ctx.inbound.channel, address=ctx.inbound.address)
    user.role = answers["role"]
    user.name = answers["name"]
    user.phone = answers["phone"]
    if user.role == vocabulary.ARTISAN:
        user.business_name = answers["business"]
        user.province = answers["province"]
        user.city = answers["city"]
        user.categories = list(answers["categories"])
    else:
        workshop = lapas.get(ctx.session, answers["invite_code"])
        user.lapas_id = workshop.id if workshop else None
        user.province = workshop.province if workshop else None
    user.language = ctx.tr.lang
    user.consent_at = datetime.fromisoformat(ctx.scratch["consent_at"])
    user.consent_version = ctx.settings.consent_version
    user.registered_at = ctx.now
    user.updated_at = ctx.now
    ctx.user = user
    return ctx._("Thank you, {name}! You are registered.").format(name=user.name)


def _after_name(answers) -> str:
    return "business" if answers.get("role") == vocabulary.ARTISAN else "phone"


# The same person on another channel: a WhatsApp sender whose number someone registered
# with on Telegram is offered that registration instead of a second one.


def _registered_elsewhere(ctx: Context) -> User | None:
    if ctx.user is not None:
        return None
    return users.registered_elsewhere(ctx.session, ctx.inbound.phone, ctx.inbound.channel)


def _no_one_elsewhere(ctx: Context) -> str | None:
    return None if _registered_elsewhere(ctx) is not None else NO


def same_person_text(ctx: Context) -> str:
    other = _registered_elsewhere(ctx)
    # No name here: a phone number typed on Telegram was never confirmed, so whoever holds
    # this one may not be the person who typed it.
    return ctx._(
        "This number is already registered with Kriya on {channel}. Did you register there? "
        "If so, we will send a code to your Kriya chat on {channel} to connect the two."
    ).format(channel=ctx.settings.channel_title(other.channel if other else ""))


def _send_code(ctx: Context) -> str | None:
    """A one-time code to the registration on the other channel: only its owner sees it."""
    if ctx.answers["same_person"] != YES:
        return None
    other = _registered_elsewhere(ctx)
    if other is None or other.unreachable:  # gone meanwhile, or cannot be reached there
        ctx.answers["same_person"] = NO
        return None
    code = f"{secrets.randbelow(10**6):06d}"
    ctx.scratch["link"] = {"user": other.id, "code": code,
                           "until": (ctx.now + LINK_CODE_TTL).isoformat()}
    notify(ctx.session, other, MessageKind.VERIFICATION,
           f"link:{ctx.inbound.channel}:{ctx.inbound.address}:{code}", ctx.now,
           ctx.settings.default_zone, lambda tr: tr._(
               "Someone is connecting the {channel} number {phone} to your Kriya "
               "registration. If it is you, type this code there: {code}\nIf it is not you, "
               "ignore this message: nothing changes."
           ).format(channel=ctx.settings.channel_title(ctx.inbound.channel),
                    phone=fields.show_phone(ctx.inbound.phone), code=code))
    return None


def link_code_text(ctx: Context) -> str:
    other = users.get(ctx.session, (ctx.scratch.get("link") or {}).get("user"))
    return ctx._(
        "We have sent a 6-digit code to your Kriya chat on {channel}. Please type it here. "
        "(Not yours? Type cancel, then write again to register here as someone new.)"
    ).format(channel=ctx.settings.channel_title(other.channel if other else ""))


class LinkCode(Text):
    """The code sent to the other channel, before it expires."""

    def parse(self, inbound: Inbound, ctx: Context) -> str:
        typed = "".join(super().parse(inbound, ctx).split())
        link = ctx.scratch.get("link") or {}
        if ctx.now > datetime.fromisoformat(link.get("until", "1970-01-01T00:00:00+00:00")):
            raise Invalid(ctx._("That code has expired. Type cancel, then write again for a "
                                "new one."))
        if not hmac.compare_digest(typed.encode(), str(link.get("code", "")).encode()):
            raise Invalid(ctx._("That code is not right. It has 6 digits, for example "
                                "123456."))
        return typed


def _link(ctx: Context) -> str | None:
    link = ctx.scratch.pop("link", None) or {}
    other = users.get(ctx.session, link.get("user"))
    if other is None or other.registered_at is None:
        return ctx._("That registration no longer exists. Write again to register here.")
    ctx.user = other  # this conversation now belongs to them: their data, their language
    ctx.conversation.language = other.language
    ctx.tr = translator_for(other, ctx.settings.default_zone)
    return ctx._("Welcome back, {name}! You can use Kriya here as well; your data is "
                 "the same on both.").format(name=other.name)


# The profile name the channel tells (WhatsApp's ProfileName), offered instead of asked.


def _offer_name(ctx: Context) -> str | None:
    profile = (ctx.inbound.profile_name or "").strip()
    if not profile:
        return NO  # nothing to offer: ask for the name
    try:
        offered = PersonName().parse(replace_text(ctx.inbound, profile), ctx)
    except Invalid:  # an emoji or a shop name as a profile name: ask instead
        return NO
    # Kept with the answers: it is what "yes" refers to, whatever the next message carries.
    ctx.scratch["offered_name"] = offered
    return None


def name_offer_text(ctx: Context) -> str:
    return ctx._("Is your name {name}? Reply 1 if it is, or type your full name.").format(
        name=ctx.scratch.get("offered_name", "-"))


class NameOrYes(PersonName):
    """"Yes" (by number, button or word) for the offered name, "no", or the name typed."""

    def options(self, ctx: Context) -> list:
        return _YES_NO.options(ctx)

    def parse(self, inbound: Inbound, ctx: Context) -> str:
        try:
            return _YES_NO.parse(inbound, ctx)
        except Invalid:
            return super().parse(inbound, ctx)


_YES_NO = yes_no(N_("Yes, that is my name"), N_("No"))


def _took_name(ctx: Context) -> str | None:
    answer = ctx.answers["name_offer"]
    if answer == YES:
        ctx.answers["name"] = ctx.scratch["offered_name"]
    elif answer != NO:
        ctx.answers["name"] = answer  # they typed their name instead
    return None


def _after_offer(answers) -> str:
    return "name" if answers.get("name_offer") == NO else _after_name(answers)


def replace_text(inbound: Inbound, text: str) -> Inbound:
    return dataclasses.replace(inbound, text=text, choice=None, photos=())


registration = Flow("registration", title=N_("Registration"), work=True, steps=[
    Step("same_person", same_person_text,
         yes_no(N_("Yes, I registered there"), N_("No, register me here")),
         then={YES: "link_code", NO: "consent"}, known_answer=_no_one_elsewhere,
         on_answer=_send_code),
    Step("link_code", link_code_text, LinkCode(max_len=20), then=END, on_answer=_link,
         max_tries=LINK_TRIES,
         on_give_up=N_("The code was wrong three times. Write again to register here as "
                       "someone new.")),
    Step("consent", consent_text,
         Choice(choices=CONSENT_CHOICES, words=CONSENT_WORDS),
         then={AGREE: "role", DECLINE: END, INFO: "consent_again"},
         on_answer=_consented("consent"), reask=N_("Reply 1 if you agree, 2 if you do not.")),
    Step("consent_again", _agree_or_not, Choice(choices=CONSENT_CHOICES, words=CONSENT_WORDS),
         then={AGREE: "role", DECLINE: END, INFO: "consent_again"},
         on_answer=_consented("consent_again"),
         reask=N_("Reply 1 if you agree, 2 if you do not.")),
    Step("role", N_("Are you an artisan (craft business) or a Lapas (prison) officer?"),
         Choice(choices=tuple(vocabulary.ROLES.items()),
                words={vocabulary.ARTISAN: ("perajin", "pengrajin", "ikm", "ukm", "umkm"),
                       vocabulary.LAPAS_OFFICER: ("lapas", "petugas", "officer")}),
         then={vocabulary.ARTISAN: "name_offer", vocabulary.LAPAS_OFFICER: "invite_code"}),
    Step("invite_code", N_("Please type the invite code of your Lapas, given to you by staff."),
         InviteCode(max_len=20), then="name_offer", max_tries=INVITE_TRIES,
         on_give_up=N_("The invite code was wrong three times. Please contact the staff of "
                       "your regional office (Kanwil) or the trade office for the right code, "
                       "then send a message here again.")),
    Step("name_offer", name_offer_text, NameOrYes(),
         then=Branch(_after_offer, ("name", "business", "phone")), known_answer=_offer_name,
         on_answer=_took_name),
    fields.name(then=Branch(_after_name, ("business", "phone"))),
    fields.business(),
    fields.province(),
    fields.city(),
    fields.categories(),
    fields.phone(then="confirm"),
    Step("confirm", confirm_text,
         Choice(choices=((SAVE, N_("Yes, save")), (EDIT, N_("Change something"))),
                words={SAVE: ("ya", "simpan", "benar", "yes", "save"),
                       EDIT: ("ubah", "ganti", "salah", "change", "edit")}),
         then={SAVE: END, EDIT: "field"}, on_answer=save_user),
    Step("field", N_("What do you want to change?"), Choice(choices=_field_choices),
         then=EditField("field", back_to="confirm", targets=tuple(fields.ARTISAN_FIELDS))),
])
