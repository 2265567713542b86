"""Broadcasts, for staff with the `broadcaster` role (`/siaran`, `/siaran status`).

    start -> text -> photo -> audience -> [provinces | categories | role | program]
          -> when -> [where (asked once) -> at] -> confirm (preview) -> END

Times are the broadcaster's, in the zone of their province (WIB, WITA, WIT), labelled
wherever they are asked or shown; one without a province is asked it once. The preview
shows the message as its recipients will read it, then who they are, how many, and when.
    start -> status (counts; stop one that is still sending) -> END
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from conversations import broadcasts, moments, programs, staff, vocabulary
from conversations.answers import Answer, Invalid, Province, Text, clean, fold
from conversations.choices import NEXT_PAGE, PREVIOUS_PAGE, Choice, MultiChoice
from conversations.context import Context
from conversations.flow import END, Branch, Flow, OwnMessage, Step
from conversations.flows.office import ProvinceList, reach_of
from conversations.i18n import N_, translator
from conversations.messages import Inbound, Option
from conversations.provinces import zone_of
from storage.models import Broadcast
from storage.statuses import BroadcastStatus

NEW, STATUS = "new", "status"
SKIP = "skip"
EVERYONE, BY_PROVINCE, BY_CATEGORY, BY_ROLE = "everyone", "provinces", "categories", "role"
SIGNED, SUITED = broadcasts.SIGNED, broadcasts.SUITED
NOW, LATER = "now", "later"
SEND, DONT = "send", "dont"
DONE = "done"
FURTHEST = timedelta(days=90)
PAGE = 5  # programs a page
SHOWN = 4  # latest broadcasts in the status, which stays one short message
ANNOUNCEMENT_MOST = broadcasts.TEXT_MOST
ROLE_LABELS = {vocabulary.ARTISAN: N_("Artisans"), vocabulary.LAPAS_OFFICER: N_("Lapas officers")}


def _start(ctx: Context) -> str:
    words = fold(ctx.inbound.text or "").split()
    return STATUS if "status" in words else NEW


class OptionalPhoto(Answer):
    """One photo to go with the text, or none."""

    takes_photos = True
    skip = Choice(choices=((SKIP, N_("No photo")),),
                  words={SKIP: ("lewati", "skip", "tidak", "tidak ada", "no")})

    def options(self, ctx: Context) -> list[Option]:
        return self.skip.options(ctx)

    def parse(self, inbound: Inbound, ctx: Context) -> str:
        if inbound.photos:
            return inbound.photos[0].ref
        try:
            self.skip.parse(inbound, ctx)
        except Invalid as error:
            raise Invalid(ctx._("Please send one photo, or type lewati for none.")) from error
        return ""


class Moment(Answer):
    """A day and time in the broadcaster's zone: '09.00', 'besok 09.00', '5/3 09.00'."""

    def parse(self, inbound: Inbound, ctx: Context) -> str:
        moment = moments.parse(clean(inbound.text), ctx.now, ctx.tr.zone)
        if moment is None:
            raise Invalid(ctx._("Please write the time, for example: 09.00, besok 09.00 or "
                                "5/3 09.00 (in {zone}).").format(zone=ctx.tr.zone_label))
        if moment <= ctx.now or moment > ctx.now + FURTHEST:
            raise Invalid(ctx._("Please choose a time in the next 90 days (in {zone}).")
                          .format(zone=ctx.tr.zone_label))
        return moment.isoformat()


def _province(ctx: Context) -> str | None:
    """The broadcaster's province, whose zone their times are in, when known."""
    return ctx.user.province if ctx.user is not None and ctx.user.province else None


def _keep_province(ctx: Context) -> str | None:
    """Asked once: kept on the broadcaster's row, and their times follow its zone."""
    user = ctx.user
    if user is not None:
        user.province = ctx.answers["where"]
        user.updated_at = ctx.now
        ctx.tr = translator(ctx.tr.lang, zone_of(user.province, ctx.settings.default_zone))
    return None


def at_text(ctx: Context) -> str:
    return ctx._("At what day and time, in {zone}? For example: 09.00, besok 09.00 or "
                 "5/3 09.00").format(zone=ctx.tr.zone_label)


def audience_of(answers: dict[str, Any]) -> dict[str, Any]:
    chosen = answers.get("audience")
    if chosen == BY_PROVINCE:
        return {"provinces": answers.get("provinces") or []}
    if chosen == BY_CATEGORY:
        return {"categories": answers.get("categories") or []}
    if chosen == BY_ROLE:
        return {"role": answers.get("role")}
    if chosen in (SIGNED, SUITED):
        return {"program": answers.get("program"), "program_mode": chosen}
    return {}


def _found(ctx: Context) -> tuple[list[Any], int]:
    """The programs this office runs, a page of them (a national office runs them all)."""
    if "programs" not in ctx.cache:
        reach = reach_of(ctx)
        ctx.cache["programs"] = programs.find(
            ctx.session, ctx.now, office_id=reach.program_office if reach else None,
            offset=_page(ctx) * PAGE, limit=PAGE)
    return ctx.cache["programs"]


def _audience(ctx: Context) -> dict[str, Any] | None:
    """Who it goes to: the audience chosen, within the office's reach; None when nobody
    of it is (the office changed meanwhile)."""
    reach = reach_of(ctx)
    if reach is None:
        return audience_of(ctx.answers)
    try:
        return broadcasts.within_reach(ctx.session, audience_of(ctx.answers), reach)
    except broadcasts.OutOfReach:
        return None


def _page(ctx: Context) -> int:
    return int(ctx.scratch.get("page", 0))


def _programs(ctx: Context) -> list[tuple[str, str]]:
    return [(p.id, p.title) for p in _found(ctx)[0]]


def _first_program(ctx: Context) -> int:
    return _page(ctx) * PAGE + 1


def _program_pages(ctx: Context) -> tuple[bool, bool]:
    found, total = _found(ctx)
    return _page(ctx) > 0, _page(ctx) * PAGE + len(found) < total


def _turn_page(ctx: Context) -> str | None:
    step = {NEXT_PAGE: 1, PREVIOUS_PAGE: -1}.get(ctx.answers["program"], 0)
    ctx.scratch["page"] = max(0, _page(ctx) + step)
    ctx.cache.pop("programs", None)
    return None


def _audience_text(ctx: Context, audience: dict[str, Any] | None) -> str:
    """Who it goes to, within the office's reach: "Recipients: provinces NTB, Papua"."""
    _ = ctx._
    if audience is None:
        return _("Audience: outside your office's reach")
    where = ", ".join(audience.get("provinces") or ())
    chosen = ctx.answers.get("audience")
    if chosen == BY_PROVINCE:
        return _("Audience: provinces {names}").format(names=where)
    if chosen == BY_CATEGORY:
        text = _("Audience: crafts {names}").format(names=", ".join(
            _(vocabulary.CATEGORIES.get(c, c)) for c in audience.get("categories") or ()))
    elif chosen == BY_ROLE:
        text = _("Audience: {role}").format(role=_(ROLE_LABELS.get(audience.get("role"), "-")))
    elif chosen in (SIGNED, SUITED):
        program = programs.get(ctx.session, audience.get("program"))
        title = program.title if program is not None else audience.get("program")
        text = (_("Audience: signed up for {title}") if chosen == SIGNED
                else _("Audience: suited to {title}, not signed up")).format(title=title)
    else:
        text = _("Audience: everyone registered")
    # A provincial office reaches its own provinces only.
    return text + ("\n" + _("In: {names}").format(names=where) if where else "")


def _when(ctx: Context) -> datetime | None:
    at = ctx.answers.get("at")
    return datetime.fromisoformat(at) if ctx.answers.get("when") == LATER and at else None


def confirm_text(ctx: Context) -> str:
    audience = _audience(ctx)
    n = broadcasts.count(ctx.session, audience) if audience is not None else 0
    when = _when(ctx)
    return "\n".join([
        ctx._("Preview of your broadcast (the message above, as they will see it):"),
        _audience_text(ctx, audience),
        ctx.tr.ngettext("Recipients: {n} person", "Recipients: {n} people", n).format(n=n),
        ctx._("Sent: {when}").format(when=ctx.tr.datetime(when) if when else ctx._("now")),
        "",
        ctx._("Send it?"),
    ])


def _preview(ctx: Context) -> str | None:
    """The announcement as its recipients will read it, shown before the final yes (a
    message of its own: with the summary it would be too long to read)."""
    text = ctx.answers.get("text")
    return OwnMessage(text) if text else None


def _preview_now(ctx: Context) -> str | None:
    return _preview(ctx) if ctx.answers.get("when") == NOW else None  # else a time first


def _media(ctx: Context) -> tuple[str, ...]:
    photo = ctx.answers.get("photo")
    return (photo,) if photo else ()


def _send(ctx: Context) -> str | None:
    if ctx.answers.get("confirm") != SEND:
        return ctx._("Not sent.")
    if not staff.is_broadcaster(ctx.user):
        return ctx._("You are no longer a broadcaster, so nothing was sent.")
    at = ctx.answers.get("at") if ctx.answers.get("when") == LATER else None
    try:
        broadcast = broadcasts.queue(
            ctx.session, ctx.answers["text"], audience_of(ctx.answers), now=ctx.now,
            send_at=datetime.fromisoformat(at) if at else None, media=_media(ctx),
            created_by=ctx.user, default_zone=ctx.settings.default_zone,
            quiet=ctx.settings.quiet)
    except broadcasts.OutOfReach:
        return ctx._("That audience is outside your office's reach, so nothing was sent.")
    when = _when(ctx)
    return ctx._("Broadcast {id} is queued for {n} recipients, to go {when}. Type /siaran "
                 "status to follow it.").format(
        id=broadcast.id, n=broadcast.recipients,
        when=ctx.tr.datetime(when) if when else ctx._("now"))


def _recent(ctx: Context) -> list[tuple[Broadcast, dict[str, int]]]:
    """This staff member's latest broadcasts with their counts, read once a message (the
    question and its options both need them)."""
    if "recent" not in ctx.cache:
        user = ctx.user
        ctx.cache["recent"] = [
            (b, broadcasts.counts(ctx.session, b.id or 0))
            for b in broadcasts.recent(ctx.session, user.id if user is not None else None,
                                       limit=SHOWN)]
    return ctx.cache["recent"]


def status_text(ctx: Context) -> str:
    found = _recent(ctx)
    if not found:
        return ctx._("You have not sent any broadcast yet.")
    lines = []
    for broadcast, counted in found:
        lines.append(ctx._("#{id} {when}: {text}").format(
            id=broadcast.id, text=broadcast.text[:30],
            when=f"{ctx.tr.short_date(broadcast.send_at)} {ctx.tr.time(broadcast.send_at)}"))
        lines.append(ctx._("sent {sent}, delivered {delivered}, failed {failed}, blocked "
                           "{blocked}, pending {pending}").format(**counted))
    return "\n".join(lines)


def _status_choices(ctx: Context) -> list[tuple[str, str]]:
    running = [b for b, counted in _recent(ctx)
               if b.status == BroadcastStatus.SENDING and counted["pending"]]
    return [*((str(b.id), ctx._("Stop #{id}").format(id=b.id)) for b in running),
            (DONE, N_("Done"))]


def _stop(ctx: Context) -> str | None:
    choice = ctx.answers.get("status")
    if choice == DONE or not staff.is_broadcaster(ctx.user):
        return None
    stopped = broadcasts.stop(ctx.session, int(choice), ctx.now, by=ctx.user)
    if stopped is None:
        return None
    return ctx._("Broadcast {id} stopped: {n} messages not sent.").format(id=int(choice),
                                                                        n=stopped)


broadcast = Flow("broadcast", title=N_("Send an announcement (/siaran)"), work=True, steps=[
    Step("start", N_("Broadcast"), Choice(choices=((NEW, N_("New broadcast")),
                                                   (STATUS, N_("Status")))),
         then={NEW: "text", STATUS: "status"}, known_answer=_start),
    Step("text", N_("Write the announcement exactly as people should read it."),
         Text(min_len=5, max_len=ANNOUNCEMENT_MOST)),
    Step("photo", N_("Send one photo to go with it, or choose No photo."), OptionalPhoto()),
    Step("audience", N_("Who should receive it?"),
         Choice(choices=((EVERYONE, N_("Everyone")), (BY_PROVINCE, N_("By province")),
                         (BY_CATEGORY, N_("By craft")), (BY_ROLE, N_("Artisans or Lapas")),
                         (SIGNED, N_("Signed up for a program")),
                         (SUITED, N_("Suited to a program, not signed up"))),
                words={EVERYONE: ("semua", "everyone"), BY_PROVINCE: ("provinsi",),
                       BY_CATEGORY: ("kriya", "kerajinan"), BY_ROLE: ("peran", "lapas"),
                       SIGNED: ("pendaftar",), SUITED: ("belum daftar",)}),
         then={EVERYONE: "when", BY_PROVINCE: "provinces", BY_CATEGORY: "categories",
               BY_ROLE: "role", SIGNED: "program", SUITED: "program"}),
    Step("provinces", N_("Which provinces? Separate them with commas (for example: NTB, "
                         "Jatim)."), ProvinceList(), then="when"),
    Step("categories", N_("Which crafts? (for example: 1, 3)"),
         MultiChoice(choices=tuple(vocabulary.CATEGORIES.items()), words=vocabulary.CATEGORY_WORDS),
         then="when"),
    Step("role", N_("Artisans or Lapas officers?"),
         Choice(choices=tuple(ROLE_LABELS.items())), then="when"),
    Step("program", N_("Which program?"),
         Choice(choices=_programs, start=_first_program, pages=_program_pages),
         then=Branch(lambda a: "program" if a.get("program") in (NEXT_PAGE, PREVIOUS_PAGE)
                     else "when", ("program", "when")), on_answer=_turn_page),
    Step("when", N_("When should it go?"),
         Choice(choices=((NOW, N_("Now")), (LATER, N_("At a time I choose"))),
                words={NOW: ("sekarang",), LATER: ("nanti", "jadwalkan")}),
         then={NOW: "confirm", LATER: "where"}, on_answer=_preview_now),
    Step("where", N_("In which province are you? Broadcast times use its time zone."),
         Province(), then="at", known_answer=_province, on_answer=_keep_province),
    Step("at", at_text, Moment(), on_answer=_preview),
    Step("confirm", confirm_text,
         Choice(choices=((SEND, N_("Send")), (DONT, N_("Do not send"))),
                words={SEND: ("kirim", "ya"), DONT: ("jangan", "tidak")}),
         then=END, on_answer=_send, media=_media),
    Step("status", status_text, Choice(choices=_status_choices, words={DONE: ("selesai",)}),
         then=END, on_answer=_stop),
])
