"""The staff console under /console/: pages rendered on the server for the offices' staff,
calling the same domain functions as the chat and the command line."""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route

from bot.console import (
    audit_page,
    auth,
    broadcasts,
    curation,
    people,
    programs,
    questions,
    signup_pages,
    staff_pages,
    summary,
    web,
)
from bot.console.web import PREFIX, Console

__all__ = ["Console", "mount"]


def mount(console: Console) -> Mount:
    async def missing(request: Request) -> Response:
        return web.not_found(request, console)

    routes = [*auth.routes(console), web.route(console, "/", summary.page),
              *people.routes(console),
              *staff_pages.routes(console),
              *audit_page.routes(console),
              *programs.routes(console),
              *curation.routes(console),
              *signup_pages.routes(console),
              *questions.routes(console),
              *broadcasts.routes(console),
              Route("/{rest:path}", missing, methods=["GET", "POST"])]
    return Mount(PREFIX, routes=routes, middleware=[Middleware(web.SecurityHeaders)])
