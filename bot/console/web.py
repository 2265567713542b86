"""The console's plumbing: who is logged in, in which language, what they reach; pages
rendered on the server from Jinja2 templates; refusals as plain pages.

Every page is a function of a `Desk` (one request, one transaction). A page that does
not exist, or belongs to another office, raises `NotFound`: both get the same 404.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy import Engine as Database
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from bot import channels
from bot.media_links import file_response
from conversations import logins, reach
from conversations.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGE_NAMES,
    LANGUAGES,
    N_,
    Translator,
    translator,
)
from conversations.provinces import zone_of
from conversations.reach import Reach
from storage.access_models import StaffSession
from storage.db import session_scope
from storage.models import User, utcnow

log = logging.getLogger("kriya.console")

COOKIE = "kriya_console"
LANG_COOKIE = "kriya_lang"
PREFIX = "/console"
PAGE_SIZE = 20
MAX_PAGE = 100_000  # beyond any list here; a bigger number is a typo or a probe
MAX_BODY = 3 * 1024 * 1024  # a form, or a program file of 2 MB with its envelope


class NotFound(Exception):
    """Nothing here for this staff member: missing, or another office's."""


class Refused(Exception):
    """Not allowed to this staff member (a viewer changing something, a non-admin)."""


class FormExpired(Exception):
    """A changing request without this session's CSRF token."""


@dataclass(frozen=True)
class Console:
    """What every page needs from the server."""

    database: Database
    public_url: str | None
    default_zone: str
    settings: Any = None  # conversations.context.Settings, for domain calls that need it

    @property
    def media_root(self) -> Path:
        """The folder of photos and files, as `kriya serve` keeps them."""
        return Path(self.settings.media_dir if self.settings else "media")

    @property
    def secure(self) -> bool:
        return bool(self.public_url and self.public_url.startswith("https://"))


@dataclass
class Desk:
    """One request of a logged-in staff member."""

    console: Console
    request: Request
    session: Session
    user: User
    reach: Reach
    staff_session: StaffSession
    secret: str
    tr: Translator
    now: datetime
    form: FormData | None = None
    cookies: dict[str, str] = field(default_factory=dict)

    def _(self, message: str) -> str:
        return self.tr._(message)

    @property
    def csrf(self) -> str:
        return logins.csrf_token(self.secret)

    def signature(self, purpose: str, subject: str) -> str:
        """A mark made with this session's secret for one file shown on a page: a link that
        cannot be guessed, and is worthless in another browser or after logout."""
        key = hashlib.sha256(f"{purpose}:{self.secret}".encode()).digest()
        return hmac.new(key, subject.encode(), hashlib.sha256).hexdigest()[:32]

    def stored_file(self, purpose: str, subject: str, path: str) -> Response:
        """A file of the media folder, for a link this session signed (else NotFound)."""
        token = self.request.path_params.get("token", "")
        if not hmac.compare_digest(token, self.signature(purpose, subject)):
            raise NotFound
        found = file_response(self.console.media_root, path,
                              {"Cache-Control": "private, max-age=3600"})
        if found is None:
            raise NotFound
        return found

    def query(self, name: str, default: str = "") -> str:
        return (self.request.query_params.get(name) or default).strip()

    def field(self, name: str, default: str = "") -> str:
        value = self.form.get(name) if self.form is not None else None
        return value.strip() if isinstance(value, str) else default

    def page_number(self) -> int:
        try:
            return min(max(1, int(self.query("hal", "1"))), MAX_PAGE)
        except ValueError:
            return 1

    def render(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        return HTMLResponse(render(template, self.tr, desk=self, **context), status_code=status)

    def redirect(self, path: str, **params: Any) -> RedirectResponse:
        query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
        return RedirectResponse(f"{PREFIX}{path}" + (f"?{query}" if query else ""),
                                status_code=303)

    def need_changes(self) -> None:
        if not self.reach.changes_things:
            raise Refused

    def need_admin(self) -> None:
        if not self.reach.admin:
            raise Refused


@dataclass(frozen=True)
class Pages:
    """Paging of a list: which page, how many in all."""

    number: int
    total: int
    size: int = PAGE_SIZE

    @property
    def count(self) -> int:
        return max(1, math.ceil(self.total / self.size))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size


@cache
def environment() -> Environment:
    env = Environment(loader=PackageLoader("bot", "templates"),
                      autoescape=select_autoescape(default=True))
    env.globals.update(prefix=PREFIX, languages=LANGUAGE_NAMES, channel_titles=channels.titles())
    env.filters["browser"] = browser_of
    return env


_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("SamsungBrowser", "Samsung Internet"),
             ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari"))
_SYSTEMS = (("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"),
            ("Windows", "Windows"), ("Mac OS", "macOS"), ("CrOS", "ChromeOS"),
            ("Linux", "Linux"))


def browser_of(agent: str) -> str:
    """'Chrome, Android': what a person recognises of their browser's long name."""
    found = [next((name for mark, name in table if mark in agent), "")
             for table in (_BROWSERS, _SYSTEMS)]
    return ", ".join(part for part in found if part) or agent[:40]


def render(template: str, tr: Translator, **context: Any) -> str:
    """A page in the reader's language: `_` and `ngettext` in the template are theirs."""
    return environment().get_template(template).render(
        _=tr._, ngettext=tr.ngettext, tr=tr, lang=tr.lang, **context)


def language(request: Request, user: User | None = None) -> str:
    asked = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    if asked in LANGUAGES:
        return asked
    if user is not None and user.language in LANGUAGES:
        return user.language
    return DEFAULT_LANGUAGE


def plain_page(request: Request, console: Console, title: str, text: str, status: int,
               link: tuple[str, str] | None = None) -> HTMLResponse:
    """A page that says what happened and what to do, and nothing else."""
    tr = translator(language(request), console.default_zone)
    body = render("console/plain.html", tr, title=tr._(title), text=tr._(text),
                  link=(tr._(link[0]), link[1]) if link else None)
    return HTMLResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


def not_found(request: Request, console: Console) -> HTMLResponse:
    return plain_page(request, console, N_("Page not found"),
                      N_("This page does not exist, or it belongs to another office."),
                      404,
                      (N_("Back to the summary"), f"{PREFIX}/"))


Handler = Callable[[Desk], Response]


def route(console: Console, path: str, handler: Handler, methods: tuple[str, ...] = ("GET",),
          **options: bool) -> Route:
    """A console route to a staff page (`options` as for `staff_page`)."""
    return Route(path, staff_page(console, handler, **options), methods=list(methods))


def staff_page(console: Console, handler: Handler, *, changes: bool = False,
               reads: bool = False, programs: bool = False
               ) -> Callable[[Request], Awaitable[Response]]:
    """An endpoint for logged-in staff. POSTs must carry the CSRF token and are refused
    to viewers, unless `reads` (a search posted to keep it out of the address); `changes`
    pages refuse viewers even for GET (a form that could only be refused); `programs`
    changes are for those who run programs (admins, curators)."""

    async def endpoint(request: Request) -> Response:
        if request.method == "POST" and COOKIE not in request.cookies:
            return _to_login(request, console)  # nothing read from a stranger
        if _length(request) > MAX_BODY:
            return plain_page(request, console, N_("The file is too large"),
                              N_("Nothing was changed. A file may be at most 2 MB."), 413)
        form = await request.form() if request.method == "POST" else None
        try:
            changing = changes or (form is not None and not reads)
            return await run_in_threadpool(_handle, console, handler, request, form,
                                           changing, programs and changing)
        except NotFound:
            return not_found(request, console)
        except FormExpired:
            return plain_page(request, console, N_("The form has expired"),
                              N_("Nothing was changed. Open the page again and repeat."),
                              403,
                              (N_("Back to the summary"), f"{PREFIX}/"))
        except Refused:
            return plain_page(request, console, N_("Not allowed"),
                              N_("Your role does not allow this. Ask your office's "
                                 "Kriya administrator if you need it."), 403,
                              (N_("Back to the summary"), f"{PREFIX}/"))
        except Exception:  # a page never shows a traceback; the log has it
            log.exception("console page %s failed", request.url.path)
            return plain_page(request, console, N_("Something went wrong"),
                              N_("Nothing was changed. Try again in a moment; if it "
                                 "happens again, tell your office's Kriya administrator."),
                              500)

    return endpoint


def _length(request: Request) -> int:
    try:
        return int(request.headers.get("content-length") or 0)
    except ValueError:
        return MAX_BODY + 1  # a body that will not say how long it is is not read


class _LoggedOut(Exception):
    pass


def _handle(console: Console, handler: Handler, request: Request, form: FormData | None,
            changes: bool, programs: bool = False) -> Response:
    secret = request.cookies.get(COOKIE)
    now = utcnow()
    try:
        with session_scope(console.database) as session:
            found = logins.signed_in(session, secret, now)
            staff_reach = reach.of(session, found[1]) if found else None
            if found is None or staff_reach is None:
                raise _LoggedOut
            staff_session, user = found
            if form is not None and not logins.csrf_ok(secret, _text(form.get("csrf"))):
                raise FormExpired
            zone = zone_of(staff_reach.office.provinces[0] if staff_reach.office.provinces
                           else None, console.default_zone)
            desk = Desk(console, request, session, user, staff_reach, staff_session,
                        secret or "", translator(language(request, user), zone), now, form)
            if changes:
                desk.need_changes()
            if programs and not staff_reach.runs_programs:
                raise Refused
            response = handler(desk)
    except _LoggedOut:
        return _to_login(request, console)
    if "lang" in request.query_params and request.query_params["lang"] in LANGUAGES:
        response.set_cookie(LANG_COOKIE, request.query_params["lang"], max_age=365 * 86400,
                            samesite="lax", secure=console.secure, httponly=True)
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _to_login(request: Request, console: Console) -> Response:
    if request.method == "GET":
        return RedirectResponse(f"{PREFIX}/masuk", status_code=303)
    return plain_page(request, console, N_("You are not logged in"),
                      N_("Nothing was changed. Type /konsol in your Kriya chat to get a "
                         "new login link."), 401)


def set_session_cookie(response: Response, console: Console, secret: str) -> None:
    """HttpOnly, SameSite=Lax, Secure when served over https; gone with the browser's
    session at the latest, ended sooner by the row."""
    response.set_cookie(COOKIE, secret, httponly=True, samesite="lax", secure=console.secure,
                        path=PREFIX)


def clear_session_cookie(response: Response, console: Console) -> None:
    response.delete_cookie(COOKIE, path=PREFIX, httponly=True, samesite="lax",
                           secure=console.secure)


# No page of the console is framed, runs a script, or sends its address elsewhere.
SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'self'; script-src 'none'; "
     b"style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; "
     b"form-action 'self'; base-uri 'none'"),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]


class SecurityHeaders:
    """ASGI middleware giving every console response the headers above."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, with_headers)

