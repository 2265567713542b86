"""Siaran: the office's broadcasts with how each stands; one broadcast's page, which
refreshes itself while messages are still to go, with a Stop button for those who send
broadcasts. Another office's broadcast is a 404, like a missing one."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from bot.console import broadcast_form, web
from bot.console.broadcast_preview import photo_url
from bot.console.web import Console, Desk, NotFound, Pages
from conversations import audit, broadcast_view, broadcasts, programs
from conversations.broadcast_view import Progress
from conversations.i18n import N_
from conversations.spread import SendWindow
from conversations.vocabulary import CATEGORIES
from storage import broadcasts as broadcast_rows
from storage.models import Broadcast
from storage.statuses import BroadcastStatus

STATES = {"scheduled": N_("scheduled"), "sending": N_("sending"),
          "finished": N_("finished"), "stopped": N_("stopped")}
DONE = {"queued": N_("The broadcast is queued. This page shows how it goes."),
        "stopped": N_("The broadcast is stopped: what had not left will not be sent."),
        "already": N_("This broadcast was already stopped. Nothing changed.")}


def state_of(desk: Desk, broadcast: Broadcast, progress: Progress) -> str:
    if broadcast.status == BroadcastStatus.STOPPED:
        return "stopped"
    if progress.finished:
        return "finished"
    return "scheduled" if not progress.sent and broadcast.send_at > desk.now else "sending"


def owned(desk: Desk) -> Broadcast:
    """The broadcast of the address, if it is this office's (a national office's: any)."""
    try:
        broadcast_id = int(desk.request.path_params["broadcast_id"])
    except ValueError:
        raise NotFound from None
    found = broadcast_rows.get(desk.session, broadcast_id)
    if found is None or not (desk.reach.national or found.office_id == desk.reach.office.id):
        raise NotFound
    return found


def when_text(desk: Desk, broadcast: Broadcast) -> str:
    if broadcast.spread:
        window = SendWindow.parse(broadcast.spread)
        return desk._("spread between {start} and {end} in each recipient's own zone, "
                      "from {first}").format(
            start=f"{window.start:%H.%M}", end=f"{window.end:%H.%M}",
            first=desk.tr.datetime(broadcast.send_at))
    return desk.tr.datetime(broadcast.send_at)


def audience_text(desk: Desk, audience: dict[str, Any]) -> str:
    _ = desk._
    parts = []
    if audience.get("provinces"):
        parts.append(_("provinces {names}").format(names=", ".join(audience["provinces"])))
    if audience.get("categories"):
        parts.append(_("crafts {names}").format(names=", ".join(
            _(CATEGORIES.get(c, c)) for c in audience["categories"])))
    if audience.get("role"):
        parts.append(_(broadcast_form.ROLES.get(audience["role"], audience["role"])))
    if audience.get("program"):
        program = programs.get(desk.session, audience["program"])
        title = program.title if program is not None else audience["program"]
        parts.append((_("signed up for {title}") if audience.get("program_mode") ==
                      broadcasts.SIGNED else _("suited to {title}, not signed up"))
                     .format(title=title))
    return "; ".join(parts) or _("everyone registered")


def list_page(desk: Desk) -> Response:
    number = desk.page_number()
    found, total = broadcast_rows.of_office(
        desk.session, desk.reach.office.id if not desk.reach.national else None,
        (number - 1) * web.PAGE_SIZE, web.PAGE_SIZE)
    rows = []
    for broadcast in found:
        progress = broadcast_view.progress(desk.session, broadcast.id or 0, desk.now)
        rows.append({"broadcast": broadcast, "progress": progress,
                     "state": state_of(desk, broadcast, progress),
                     "when": when_text(desk, broadcast),
                     "audience": audience_text(desk, broadcast.audience)})
    return desk.render("console/broadcasts.html", here="broadcasts", rows=rows,
                       pages=Pages(number, total), states=STATES,
                       page_link=lambda n: f"?hal={n}")


def broadcast_page(desk: Desk) -> Response:
    broadcast = owned(desk)
    progress = broadcast_view.progress(desk.session, broadcast.id or 0, desk.now)
    state = state_of(desk, broadcast, progress)
    key = desk.query("ok")
    return desk.render(
        "console/broadcast.html", here="broadcasts", broadcast=broadcast, progress=progress,
        state=state, states=STATES, when=when_text(desk, broadcast),
        audience=audience_text(desk, broadcast.audience),
        photos=[photo_url(desk, path) for path in broadcast.media],
        refresh=state in ("scheduled", "sending"), done=desk._(DONE[key]) if key in DONE
        else None, may_stop=desk.reach.sends_broadcasts and state != "stopped"
        and not progress.finished)


def stop(desk: Desk) -> Response:
    broadcast_form.need_sender(desk)
    broadcast = owned(desk)
    stopped = broadcasts.stop_once(desk.session, broadcast.id or 0, desk.now, by=desk.user,
                                   via=audit.CONSOLE)
    if stopped is None:
        raise NotFound
    return desk.redirect(f"/siaran/{broadcast.id}",
                         ok="already" if stopped.already else "stopped")


def photo(desk: Desk) -> Response:
    """A broadcast's photo, or one just uploaded to the form, by its signed link."""
    params = desk.request.path_params
    path = params["path"]
    if not broadcast_form.KEPT_PHOTO.fullmatch(path):
        raise NotFound
    return desk.stored_file("broadcast-photo", path, path)


def routes(console: Console) -> list[Route]:
    def page(path: str, handler: web.Handler, methods: tuple[str, ...] = ("GET",),
             **options: bool) -> Route:
        return web.route(console, path, handler, methods, **options)

    return [
        page("/siaran", list_page),
        page("/siaran/baru", broadcast_form.new_form, changes=True),
        page("/siaran/baru", broadcast_form.compose, ("POST",)),
        page("/siaran/foto/{token}/{path:path}", photo),
        page("/siaran/{broadcast_id}", broadcast_page),
        page("/siaran/{broadcast_id}/berhenti", stop, ("POST",)),
    ]
