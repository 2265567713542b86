"""Siaran: composing a broadcast in the console.

The form holds the text, an optional photo (checked and cleaned as the chat does), the
audience (provinces of the office's reach, crafts, artisans or Lapas, the sign-ups of one
of the office's programs or those it suits who have not signed up) and when it goes: now,
at a time in the staff member's zone, or spread over hours in each recipient's zone. With
no script on the page, "Count recipients / Preview" posts the form and it comes back with
everything kept, the count and the preview; "Send" queues it.
"""

from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from starlette.datastructures import UploadFile
from starlette.responses import Response

from bot.console import broadcast_preview
from bot.console.broadcast_preview import photo_token
from bot.console.web import Desk, Refused
from conversations import audit, broadcasts, programs, provinces
from conversations.flows.broadcast import FURTHEST
from conversations.i18n import N_
from conversations.photos import NotAPhoto, store_photo
from conversations.quiet_hours import NIGHT, QuietHours
from conversations.spread import NoHoursLeft, SendWindow
from conversations.vocabulary import ARTISAN, CATEGORIES, LAPAS_OFFICER
from storage.media import MediaStore

NOW, AT, SPREAD = "now", "at", "spread"
SIGNED, SUITED = broadcasts.SIGNED, broadcasts.SUITED
ROLES = {ARTISAN: N_("Artisans"), LAPAS_OFFICER: N_("Lapas officers")}
PHOTO_MOST = 2 * 1024 * 1024  # as any file the console takes
KEPT_PHOTO = re.compile(r"[0-9a-f]{2}/[0-9a-f]{64}\.jpg")
PROGRAMS_SHOWN = 200


@dataclass
class Draft:
    """The form as posted: what the staff member typed and chose."""

    text: str = ""
    photo: str = ""  # in the media store, once checked
    provinces: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    role: str = ""
    program: str = ""
    program_mode: str = SIGNED
    when: str = NOW
    at_date: str = ""
    at_time: str = ""
    spread_from: str = "08:00"
    spread_to: str = "16:00"
    # Made when the form is first shown and kept through its previews: sending the same
    # form twice (a double click) sends one broadcast.
    form_key: str = field(default_factory=lambda: secrets.token_urlsafe(18))

    def audience(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        if self.provinces:
            found["provinces"] = list(self.provinces)
        if self.categories:
            found["categories"] = list(self.categories)
        if self.role:
            found["role"] = self.role
        if self.program:
            found.update(program=self.program, program_mode=self.program_mode)
        return found


def _many(desk: Desk, name: str) -> list[str]:
    if desk.form is None:
        return []
    return [v for v in desk.form.getlist(name) if isinstance(v, str) and v]


def draft_of(desk: Desk) -> Draft:
    text = desk.form.get("text") if desk.form is not None else None
    return Draft(
        text=text.strip() if isinstance(text, str) else "",
        photo=desk.field("photo") if _photo_ok(desk, desk.field("photo"),
                                               desk.field("photo_token")) else "",
        provinces=_many(desk, "provinces"), categories=_many(desk, "categories"),
        role=desk.field("role") if desk.field("role") in ROLES else "",
        program=desk.field("program"),
        program_mode=SUITED if desk.field("program_mode") == SUITED else SIGNED,
        when=desk.field("when") if desk.field("when") in (AT, SPREAD) else NOW,
        at_date=desk.field("at_date"), at_time=desk.field("at_time"),
        spread_from=desk.field("spread_from"), spread_to=desk.field("spread_to"),
        form_key=desk.field("form_key")[:40] or secrets.token_urlsafe(18))


# The photo


def _photo_ok(desk: Desk, path: str, token: str) -> bool:
    return bool(KEPT_PHOTO.fullmatch(path)) and hmac.compare_digest(
        token, photo_token(desk, path))


def _take_photo(desk: Desk, draft: Draft, errors: dict[str, str]) -> None:
    """A new photo from the form replaces the kept one; one that is not a photo is
    refused beside its field, and the kept one stays."""
    upload = desk.form.get("photo_file") if desk.form is not None else None
    if not isinstance(upload, UploadFile) or not upload.filename:
        if desk.field("no_photo"):
            draft.photo = ""
        return
    data = upload.file.read(PHOTO_MOST + 1)
    if len(data) > PHOTO_MOST:
        errors["photo"] = desk._("The photo is larger than 2 MB. Choose a smaller one.")
        return
    try:
        draft.photo = store_photo(MediaStore(desk.console.media_root), data).path
    except NotAPhoto:
        errors["photo"] = desk._("That file is not a photo. Choose a JPEG, PNG or WebP "
                                 "picture.")


# Checking


def _moment(desk: Desk, draft: Draft, errors: dict[str, str]) -> datetime | None:
    """The chosen time in the staff member's zone, in the next 90 days."""
    try:
        day = datetime.strptime(f"{draft.at_date} {draft.at_time}", "%Y-%m-%d %H:%M")
    except ValueError:
        errors["at"] = desk._("Please give the date and the time, e.g. 2027-03-01 and "
                              "09:00 ({zone}).").format(zone=desk.tr.zone_label)
        return None
    moment = day.replace(tzinfo=ZoneInfo(desk.tr.zone))
    if moment <= desk.now or moment > desk.now + FURTHEST:
        errors["at"] = desk._("Please choose a time in the next 90 days (in {zone}).").format(
            zone=desk.tr.zone_label)
        return None
    return moment


def _window(desk: Desk, draft: Draft, errors: dict[str, str]) -> SendWindow | None:
    try:
        window = SendWindow.parse(f"{draft.spread_from}-{draft.spread_to}")
        window.outside(quiet_hours(desk))
    except NoHoursLeft:
        errors["spread"] = desk._("Those hours are all in the night, when nothing is sent. "
                                  "Choose hours of the day.")
        return None
    except ValueError:
        errors["spread"] = desk._("Please give two times of one day, the second later, "
                                  "e.g. 08:00 and 16:00.")
        return None
    return window


def _reached(desk: Desk, draft: Draft, errors: dict[str, str]) -> dict[str, Any] | None:
    """The audience as the office may send to it; refused beside the field when any
    province or the program is outside its reach."""
    unknown = [p for p in draft.provinces if provinces.by_name(p) is None]
    if unknown:
        errors["provinces"] = desk._("Province not recognised: {name}.").format(
            name=unknown[0])
        return None
    try:
        audience = broadcasts.within_reach(desk.session, draft.audience(), desk.reach)
    except broadcasts.OutOfReach:
        audience = None
    if audience is None or (draft.provinces and
                            set(audience.get("provinces") or ()) != set(draft.provinces)):
        key = "program" if draft.program and audience is None else "provinces"
        errors[key] = desk._("That is outside your office's reach. Choose among the "
                             "provinces and programs shown.")
        return None
    return audience


def check(desk: Desk, draft: Draft, errors: dict[str, str]) -> dict[str, Any]:
    """What the form asks for, checked: the audience, the moment, the window."""
    found: dict[str, Any] = {"audience": _reached(desk, draft, errors)}
    if not draft.text:
        errors["text"] = desk._("Write the announcement.")
    elif len(draft.text) > broadcasts.TEXT_MOST:
        errors["text"] = desk._("At most {n} characters: it is read on small phones.").format(
            n=broadcasts.TEXT_MOST)
    if draft.categories and set(draft.categories) - set(CATEGORIES):
        errors["categories"] = desk._("Choose crafts from the list.")
    if draft.when == AT:
        found["at"] = _moment(desk, draft, errors)
    if draft.when == SPREAD:
        found["spread"] = _window(desk, draft, errors)
    return found


# The pages


def office_programs(desk: Desk) -> list[tuple[str, str]]:
    found, _ = programs.managed(desk.session, desk.reach.program_office, desk.now,
                                limit=PROGRAMS_SHOWN)
    return [(program.id, program.title) for program, _counts in found if not program.draft]


def province_choices(desk: Desk) -> list[str]:
    reached = desk.reach.provinces
    return [p.name for p in provinces.PROVINCES if reached is None or p.name in reached]


def form_page(desk: Desk, draft: Draft | None = None, errors: dict[str, str] | None = None,
              preview: Any = None, status: int = 200) -> Response:
    draft = draft or Draft()
    return desk.render(
        "console/broadcast_form.html", status=status, here="broadcasts", draft=draft,
        errors=errors or {}, preview=preview, provinces=province_choices(desk),
        crafts={code: desk._(label) for code, label in CATEGORIES.items()},
        roles={code: desk._(label) for code, label in ROLES.items()},
        programs=office_programs(desk),
        photo_token=photo_token(desk, draft.photo) if draft.photo else "",
        zone_label=desk.tr.zone_label)


def new_form(desk: Desk) -> Response:
    need_sender(desk)
    return form_page(desk)


def need_sender(desk: Desk) -> None:
    if not desk.reach.sends_broadcasts:
        raise Refused


def quiet_hours(desk: Desk) -> QuietHours | None:
    return desk.console.settings.quiet if desk.console.settings else NIGHT


def compose(desk: Desk) -> Response:
    """Count and preview, or send: the form again with what is wrong, or the new
    broadcast's page."""
    need_sender(desk)
    draft, errors = draft_of(desk), {}
    _take_photo(desk, draft, errors)
    checked = check(desk, draft, errors)
    audience = checked["audience"]
    people = broadcasts.recipients(desk.session, audience) if audience is not None else []
    preview = broadcast_preview.of(desk, draft, people)
    if desk.field("action") != "send" or errors:
        return form_page(desk, draft, errors, preview, status=400 if errors else 200)
    if not people:
        errors["audience"] = desk._("Nobody is in this audience, so there is nobody to send "
                                    "it to. Choose a wider audience.")
        return form_page(desk, draft, errors, preview, status=400)
    broadcast = broadcasts.queue(
        desk.session, draft.text, audience, now=desk.now, send_at=checked.get("at"),
        media=(draft.photo,) if draft.photo else (), created_by=desk.user,
        default_zone=desk.console.default_zone,
        quiet=quiet_hours(desk),
        via=audit.CONSOLE, spread=checked.get("spread"), form_key=draft.form_key)
    return desk.redirect(f"/siaran/{broadcast.id}", ok="queued")
