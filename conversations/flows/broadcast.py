"""Broadcasts, for staff with the `broadcaster` role (`/siaran`, `/siaran status`).

    start -> text -> photo -> audience -> [provinces | categories | role | program]
          -> when -> [at] -> confirm (count and preview) -> END
    start -> status (counts; stop one that is still sending) -> END
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from conversations import broadcasts, programs, provinces, staff, vocabulary
from conversations.answers import Answer, Invalid, Text, clean, fold
from conversations.choices import Choice, MultiChoice
from conversations.context import Context
from conversations.flow import END, Flow, Step
from conversations.i18n import N_
from conversations.messages import Inbound, Option
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


class ProvinceList(Answer):
    """Provinces separated by commas: 'NTB, Jatim, Sumatera Selatan'."""

    def parse(self, inbound: Inbound, ctx: Context) -> list[str]:
        text = clean(inbound.text)
        found = []
        for part in re.split(r"[,;\n]|\b(?:dan|and)\b", text):
            if not part.strip():
                continue
            match, candidates = provinces.match(part.strip())
            if match is None:
                names = ", ".join(p.name for p in candidates)
                raise Invalid(ctx._("I don't know the province \"{text}\".").format(
                    text=part.strip()[:40]) + (f" ({names})" if names else ""))
            found.append(match.name)
        if not found:
            raise Invalid(ctx._("Please type one or more provinces, separated by commas."))
        return list(dict.fromkeys(found))


class Moment(Answer):
    """A day and time in the user's zone: '5/3 09.00', '2027-03-05 09:00'."""

    def parse(self, inbound: Inbound, ctx: Context) -> str:
        text = clean(inbound.text).replace(".", ":")
        local = ctx.now.astimezone(ctx.tr.tz)
        moment = None
        for pattern in ("%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M", "%d/%m %H:%M", "%d-%m-%Y %H:%M"):
            try:
                parsed = datetime.strptime(text, pattern)
            except ValueError:
                continue
            if "%Y" not in pattern:
                parsed = parsed.replace(year=local.year)
            moment = parsed.replace(tzinfo=ctx.tr.tz)
            break
        if moment is None:
            raise Invalid(ctx._("Please write the day and time, for example: 5/3 09.00."))
        if moment <= ctx.now or moment > ctx.now + FURTHEST:
            raise Invalid(ctx._("Please choose a time in the next 90 days."))
        return moment.isoformat()


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


def _programs(ctx: Context) -> list[tuple[str, str]]:
    found, _ = programs.find(ctx.session, ctx.now, limit=10)
    return [(p.id, p.title) for p in found]


def confirm_text(ctx: Context) -> str:
    n = broadcasts.count(ctx.session, audience_of(ctx.answers))
    at = ctx.answers.get("at")
    when = (ctx.tr.datetime(datetime.fromisoformat(at)) if ctx.answers.get("when") == LATER
            and at else ctx._("now"))
    return "\n".join([
        ctx.tr.ngettext("It goes to {n} person, {when}. This is how they will see it:",
                        "It goes to {n} people, {when}. This is how they will see it:",
                        n).format(n=n, when=when),
        "",
        ctx.answers.get("text", ""),
    ])


def _media(ctx: Context) -> tuple[str, ...]:
    photo = ctx.answers.get("photo")
    return (photo,) if photo else ()


def _send(ctx: Context) -> str | None:
    if ctx.answers.get("confirm") != SEND:
        return ctx._("Not sent.")
    if not staff.is_broadcaster(ctx.user):
        return ctx._("You are no longer a broadcaster, so nothing was sent.")
    at = ctx.answers.get("at") if ctx.answers.get("when") == LATER else None
    broadcast = broadcasts.queue(
        ctx.session, ctx.answers["text"], audience_of(ctx.answers), now=ctx.now,
        send_at=datetime.fromisoformat(at) if at else None, media=_media(ctx),
        created_by=ctx.user, default_zone=ctx.settings.default_zone, quiet=ctx.settings.quiet)
    return ctx._("Broadcast {id} is queued for {n} recipients. Type /siaran status to follow "
                 "it.").format(id=broadcast.id, n=broadcast.recipients)


def _recent(ctx: Context) -> list[tuple[Broadcast, dict[str, int]]]:
    """This staff member's latest broadcasts with their counts, read once a message (the
    question and its options both need them)."""
    if "recent" not in ctx.cache:
        user = ctx.user
        ctx.cache["recent"] = [
            (b, broadcasts.counts(ctx.session, b.id or 0))
            for b in broadcasts.recent(ctx.session, user.id if user is not None else None)]
    return ctx.cache["recent"]


def status_text(ctx: Context) -> str:
    found = _recent(ctx)
    if not found:
        return ctx._("You have not sent any broadcast yet.")
    lines = []
    for broadcast, counted in found:
        lines.append(ctx._("#{id} {when}: {text}").format(
            id=broadcast.id, when=ctx.tr.short_date(broadcast.send_at),
            text=broadcast.text[:40]))
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
    stopped = broadcasts.stop(ctx.session, int(choice), ctx.now)
    if stopped is None:
        return None
    return ctx._("Broadcast {id} stopped: {n} messages not sent.").format(id=int(choice),
                                                                        n=stopped)


broadcast = Flow("broadcast", title=N_("Send an announcement (/siaran)"), work=True, steps=[
    Step("start", N_("Broadcast"), Choice(choices=((NEW, N_("New broadcast")),
                                                   (STATUS, N_("Status")))),
         then={NEW: "text", STATUS: "status"}, known_answer=_start),
    Step("text", N_("Write the announcement exactly as people should read it."),
         Text(min_len=5, max_len=1000)),
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
         Choice(choices=((vocabulary.ARTISAN, N_("Artisans")),
                         (vocabulary.LAPAS_OFFICER, N_("Lapas officers")))), then="when"),
    Step("program", N_("Which program?"), Choice(choices=_programs), then="when"),
    Step("when", N_("When should it go?"),
         Choice(choices=((NOW, N_("Now")), (LATER, N_("At a time I choose"))),
                words={NOW: ("sekarang",), LATER: ("nanti", "jadwalkan")}),
         then={NOW: "confirm", LATER: "at"}),
    Step("at", N_("At what day and time (your time)? For example: 5/3 09.00"), Moment()),
    Step("confirm", confirm_text,
         Choice(choices=((SEND, N_("Send")), (DONT, N_("Do not send"))),
                words={SEND: ("kirim", "ya"), DONT: ("jangan", "tidak")}),
         then=END, on_answer=_send, media=_media),
    Step("status", status_text, Choice(choices=_status_choices, words={DONE: ("selesai",)}),
         then=END, on_answer=_stop),
])
