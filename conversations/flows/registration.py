"""Registration: consent first (UU PDP), then who you are.

    consent -> role -> artisan:  name -> business -> province -> city -> categories -> phone
                       officer:  invite_code -> name -> phone
            -> confirm (save, or change one field and come back)
"""

from __future__ import annotations

from datetime import datetime

from conversations import domain
from conversations.answers import Choice, Invalid, Text
from conversations.context import Context
from conversations.flow import END, Branch, EditField, Flow, Step
from conversations.flows import fields
from conversations.i18n import N_
from conversations.messages import Inbound
from storage import store
from storage.models import User

AGREE, DECLINE = "agree", "decline"
SAVE, EDIT = "save", "edit"
INVITE_TRIES = 3


def consent_text(ctx: Context) -> str:
    return ctx._(
        "Welcome to Kriya: government programs for craft businesses, on your phone.\n\n"
        "Before we start, we need your consent (Law No. 27/2022 on Personal Data Protection):\n"
        "- What we keep: your name, business name, province, city or regency, crafts and "
        "phone number.\n"
        "- Why: to find programs that fit you, sign you up for them and remind you of dates.\n"
        "- How long: while you are registered; deleted when you ask.\n"
        "- Your rights: see, change or delete your data at any time under \"My data\"; "
        "type BERHENTI to stop reminders.\n"
        "Your data goes only to the organisers of programs you sign up for.\n\n"
        "Do you agree?"
    )


def _consented(ctx: Context) -> str | None:
    if ctx.answers["consent"] == DECLINE:
        return ctx._("That's fine: nothing about you has been kept. "
                     "Send a message any time if you change your mind.")
    ctx.answers["consent_at"] = ctx.now.isoformat()
    return None


class InviteCode(Text):
    """The code `kriya lapas add` printed; the value is the Lapas' id."""

    def parse(self, inbound: Inbound, ctx: Context) -> int:
        code = super().parse(inbound, ctx)
        lapas = store.lapas_by_code(ctx.session, code)
        if lapas is None:
            raise Invalid(ctx._("That invite code is not right. It has 8 letters and digits, "
                                "for example KX7P-3M9Q."))
        return int(lapas.id or 0)


def _fields_of(answers) -> list[str]:
    return fields.ARTISAN_FIELDS if answers.get("role") == domain.ARTISAN else fields.OFFICER_FIELDS


def confirm_text(ctx: Context) -> str:
    values = dict(ctx.answers)
    text = ctx._("Please check your data:") + "\n" + fields.summary(
        ctx, values, _fields_of(ctx.answers)
    )
    if ctx.answers.get("role") == domain.LAPAS_OFFICER:
        lapas = store.lapas_by_id(ctx.session, ctx.answers.get("invite_code"))
        text += "\n" + ctx._("Lapas: {name}").format(name=lapas.name if lapas else "-")
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
    if user.role == domain.ARTISAN:
        user.business_name = answers["business"]
        user.province = answers["province"]
        user.city = answers["city"]
        user.categories = list(answers["categories"])
    else:
        lapas = store.lapas_by_id(ctx.session, answers["invite_code"])
        user.lapas_id = lapas.id if lapas else None
        user.province = lapas.province if lapas else None
    user.language = ctx.tr.lang
    user.consent_at = datetime.fromisoformat(answers["consent_at"])
    user.consent_version = ctx.settings.consent_version
    user.registered_at = ctx.now
    user.updated_at = ctx.now
    ctx.user = user
    return ctx._("Thank you, {name}! You are registered.").format(name=user.name)


def _after_name(answers) -> str:
    return "business" if answers.get("role") == domain.ARTISAN else "phone"


registration = Flow("registration", [
    Step("consent", consent_text,
         Choice(choices=((AGREE, N_("I agree")), (DECLINE, N_("I do not agree"))),
                words={AGREE: ("setuju", "ya", "yes", "ok", "agree"),
                       DECLINE: ("tidak", "tidak setuju", "no")}),
         then={AGREE: "role", DECLINE: END}, done=_consented),
    Step("role", N_("Are you an artisan (craft business) or a Lapas officer?"),
         Choice(choices=tuple(domain.ROLES.items()),
                words={domain.ARTISAN: ("perajin", "pengrajin", "ikm", "ukm", "umkm"),
                       domain.LAPAS_OFFICER: ("lapas", "petugas", "officer")}),
         then={domain.ARTISAN: "name", domain.LAPAS_OFFICER: "invite_code"}),
    Step("invite_code", N_("Please type the invite code of your Lapas, given to you by staff."),
         InviteCode(max_len=20), then="name", max_tries=INVITE_TRIES,
         on_give_up=N_("The invite code was wrong three times. Please contact the staff of "
                       "your regional office (Kanwil) or the trade office for the right code, "
                       "then send a message here again.")),
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
         then={SAVE: END, EDIT: "field"}, done=save_user),
    Step("field", N_("What do you want to change?"), Choice(choices=_field_choices),
         then=EditField("field", back_to="confirm", targets=tuple(fields.ARTISAN_FIELDS))),
])
