"""Logging in with a one-time link, and out.

Opening a link shows a button; only pressing it uses the link. Chat apps open links in
messages to draw a preview, and that visit must not spend it.
"""

from __future__ import annotations

import time
from collections import defaultdict, deque

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from bot.console import web
from bot.console.web import PREFIX, Console
from conversations import logins
from conversations.i18n import N_, translator
from conversations.logins import LoginRefused, Refusal
from storage.db import session_scope
from storage.models import utcnow

# Tries of links from one address: this many in this many seconds, then a pause.
TRIES, WINDOW = 10, 600.0

REFUSALS = {
    Refusal.UNKNOWN: (N_("This login link does not work"),
                      N_("Check that the whole link was opened, or type /konsol in your Kriya "
                         "chat to get a new one.")),
    Refusal.USED: (N_("This login link was already used"),
                   N_("Each link opens the console once. Type /konsol in your Kriya chat to get "
                      "a new one.")),
    Refusal.EXPIRED: (N_("This login link has expired"),
                      N_("A link works for 10 minutes. Type /konsol in your Kriya chat to get a "
                         "new one.")),
    Refusal.NOT_STAFF: (N_("This account has no staff role"),
                        N_("Ask your office's Kriya administrator to give you a role, then type "
                           "/konsol in your Kriya chat.")),
}


class Tries:
    """How often each address tried a link lately (in this process)."""

    def __init__(self, limit: int = TRIES, window: float = WINDOW) -> None:
        self.limit, self.window = limit, window
        self._seen: dict[str, deque[float]] = defaultdict(deque)

    def allow(self, address: str) -> bool:
        """Whether this address may try a link now."""
        seen = self._seen.get(address)
        if not seen:
            return True
        now = time.monotonic()
        while seen and seen[0] <= now - self.window:
            seen.popleft()
        return len(seen) < self.limit

    def failed(self, address: str) -> None:
        """A link from this address did not work: it counts (good links never do, so a
        whole office behind one address logs in freely)."""
        self._seen[address].append(time.monotonic())
        if len(self._seen) > 10_000:  # forget the quiet ones rather than grow forever
            for key in [k for k, v in self._seen.items() if not v]:
                del self._seen[key]


def routes(console: Console) -> list[Route]:
    tries = Tries()

    def too_many(request: Request) -> Response | None:
        if tries.allow(_address(request)):
            return None
        return web.plain_page(request, console, N_("Too many tries"),
                              N_("Wait ten minutes, then open the newest link from your "
                                 "Kriya chat."), 429)

    async def login(request: Request) -> Response:
        if (refused := too_many(request)) is not None:
            return refused
        token = request.path_params["token"]
        answer = _offer if request.method == "GET" else _open
        response = await run_in_threadpool(answer, console, request, token)
        if response.status_code >= 400:
            tries.failed(_address(request))
        return response

    async def login_needed(request: Request) -> Response:
        if request.cookies.get(web.COOKIE):
            with session_scope(console.database) as session:
                if logins.signed_in(session, request.cookies[web.COOKIE], utcnow()):
                    return RedirectResponse(f"{PREFIX}/", status_code=303)
        return web.plain_page(request, console, N_("Log in to the Kriya console"),
                              N_("Type /konsol in your Kriya chat on Telegram or WhatsApp. "
                                 "You will get a login link that works once, for 10 "
                                 "minutes."),
                              200)

    def logout(desk: web.Desk) -> Response:
        logins.end(desk.session, desk.staff_session, desk.now)
        response = web.plain_page(desk.request, console, N_("You have logged out"),
                                  N_("To come back, type /konsol in your Kriya chat."),
                                  200)
        web.clear_session_cookie(response, console)
        return response

    return [Route("/login/{token}", login, methods=["GET", "POST"]),
            Route("/masuk", login_needed, methods=["GET"]),
            Route("/keluar", web.staff_page(console, logout, reads=True), methods=["POST"])]


def _address(request: Request) -> str:
    return request.client.host if request.client else "?"


def _refused(console: Console, request: Request, reason: Refusal) -> HTMLResponse:
    title, text = REFUSALS[reason]
    return web.plain_page(request, console, title, text, 410 if reason != Refusal.UNKNOWN
                          else 404)


def _offer(console: Console, request: Request, token: str) -> Response:
    with session_scope(console.database) as session:
        reason = logins.check(session, token, utcnow())
    if reason is not None:
        return _refused(console, request, reason)
    tr = translator(web.language(request), console.default_zone)
    body = web.render("console/login.html", tr, action=f"{PREFIX}/login/{token}")
    return HTMLResponse(body, headers={"Cache-Control": "no-store",
                                       "Referrer-Policy": "no-referrer"})


def _open(console: Console, request: Request, token: str) -> Response:
    agent = request.headers.get("user-agent", "")
    try:
        with session_scope(console.database) as session:
            secret, _ = logins.redeem(session, token, utcnow(), agent)
    except LoginRefused as refusal:
        return _refused(console, request, refusal.reason)
    response = RedirectResponse(f"{PREFIX}/", status_code=303)
    web.set_session_cookie(response, console, secret)
    return response
