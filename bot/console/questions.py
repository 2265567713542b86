"""Pesan: the questions people asked the office through Tanya petugas, open first with how
long each has waited for an answer and who has it; one thread's messages beside the
person's data, with the answer form, assigning to a colleague and closing. Viewers read;
every other role of the office answers."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.responses import Response
from starlette.routing import Route

from bot.console import web
from bot.console.web import Console, Desk, NotFound, Pages
from conversations import people, threads
from conversations.i18n import N_
from conversations.threads import ThreadRefused

FILTERS = {"open": N_("Open"), "mine": N_("Mine"), "closed": N_("Closed")}
DONE = {"answered": N_("Your answer was sent."), "assigned": N_("The conversation was "
        "assigned."), "closed": N_("The conversation is closed; the person was told.")}


def photo_token(desk: Desk, thread_id: int, path: str) -> str:
    return desk.signature("thread-photo", f"{thread_id}:{path}")


def photo_url(desk: Desk, thread_id: int, path: str) -> str:
    return f"{web.PREFIX}/pesan/{thread_id}/foto/{photo_token(desk, thread_id, path)}/{path}"


def list_page(desk: Desk) -> Response:
    which = desk.query("tampil")
    which = which if which in FILTERS else ""
    number = desk.page_number()
    found, total = threads.listing(desk.session, desk.reach, desk.user, which, desk.now,
                                   offset=(number - 1) * web.PAGE_SIZE, limit=web.PAGE_SIZE)
    return desk.render("console/threads.html", here="threads", rows=found, which=which,
                       filters=FILTERS, pages=Pages(number, total),
                       page_link=lambda n: "?" + urlencode({"tampil": which, "hal": n}
                                                           if which else {"hal": n}))


def _thread_id(desk: Desk) -> int:
    try:
        return int(desk.request.path_params["thread_id"])
    except ValueError:
        raise NotFound from None


def thread_page(desk: Desk, problem: str | None = None, typed: str = "",
                field_problem: str | None = None, status: int = 200) -> Response:
    thread = threads.visible(desk.session, desk.reach, _thread_id(desk))
    if thread is None or thread.id is None:
        raise NotFound
    found = threads.messages(desk.session, thread)
    names = threads.names(desk.session, [m.staff_id for m in found]
                          + [thread.assigned_to, thread.closed_by])
    person = people.person(desk.session, desk.reach, thread.user_id)
    shown = [_shown(desk, thread.id, message, names) for message in found]
    done = desk.query("ok")
    return desk.render(
        "console/thread.html", status=status, here="threads", thread=thread, shown=shown,
        person=person, phone=people.phone_shown(person.user.phone) if person else None,
        names=names, colleagues=threads.colleagues(desk.session, desk.reach),
        waited=threads.waited(thread, desk.now),
        problem=problem, typed=typed, field_problem=field_problem, most=threads.MAX_TEXT,
        done=desk._(DONE[done]) if done in DONE else None)


def _shown(desk: Desk, thread_id: int, message: Any, names: dict[int, str]) -> dict[str, Any]:
    who = names.get(message.staff_id or 0) or desk._("Staff") if message.from_staff else None
    return {"message": message, "who": who, "when": desk.tr.datetime(message.at),
            "photo": photo_url(desk, thread_id, message.photo) if message.photo else None,
            "thumb": photo_url(desk, thread_id, message.thumb or message.photo)
            if message.photo else None}


def _refused(desk: Desk, refused: ThreadRefused, typed: str = "") -> Response:
    """The thread's page again, saying why; what was typed stays in the form."""
    text = desk._(refused.message).format(n=threads.MAX_TEXT)
    if refused.typed:
        return thread_page(desk, typed=typed, field_problem=text, status=400)
    return thread_page(desk, problem=text, typed=typed, status=409)


def answer(desk: Desk) -> Response:
    typed = desk.form.get("text") if desk.form is not None else None
    typed = typed if isinstance(typed, str) else ""
    try:
        done = threads.answer(desk.session, desk.user, desk.reach, _thread_id(desk), typed,
                              desk.now, desk.console.default_zone)
    except ThreadRefused as refused:
        return _refused(desk, refused, typed)
    if done is None:
        raise NotFound
    return desk.redirect(f"/pesan/{done.thread_id}", ok="answered")


def assign(desk: Desk) -> Response:
    chosen = desk.field("to")
    try:
        assignee = int(chosen) if chosen else None
        done = threads.assign(desk.session, desk.user, desk.reach, _thread_id(desk),
                              assignee, desk.now)
    except ValueError:
        return _refused(desk, ThreadRefused(N_("Choose a colleague of your office.")))
    except ThreadRefused as refused:
        return _refused(desk, refused)
    if done is None:
        raise NotFound
    return desk.redirect(f"/pesan/{done.id}", ok="assigned")


def close(desk: Desk) -> Response:
    try:
        done = threads.close(desk.session, desk.user, desk.reach, _thread_id(desk), desk.now,
                             desk.console.default_zone)
    except ThreadRefused as refused:
        return _refused(desk, refused)
    if done is None:
        raise NotFound
    return desk.redirect(f"/pesan/{done.id}", ok="closed")


def photo(desk: Desk) -> Response:
    params = desk.request.path_params
    thread_id, path = _thread_id(desk), params["path"]
    if not threads.shows_file(desk.session, desk.reach, thread_id, path):
        raise NotFound
    return desk.stored_file("thread-photo", f"{thread_id}:{path}", path)


def routes(console: Console) -> list[Route]:
    def page(path: str, handler: web.Handler, methods: tuple[str, ...] = ("GET",)) -> Route:
        return web.route(console, path, handler, methods)

    return [
        page("/pesan", list_page),
        page("/pesan/{thread_id}", thread_page),
        page("/pesan/{thread_id}/balas", answer, ("POST",)),
        page("/pesan/{thread_id}/tugaskan", assign, ("POST",)),
        page("/pesan/{thread_id}/tutup", close, ("POST",)),
        page("/pesan/{thread_id}/foto/{token}/{path:path}", photo),
    ]
