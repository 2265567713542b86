"""Log aktivitas (admins only): every change staff made, from the console, the chat or the
command line, newest first. The console only reads it."""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from bot.console import web
from bot.console.web import Console, Desk, Pages
from conversations import audit
from conversations.i18n import N_

VIA = {audit.CONSOLE: N_("console"), audit.CHAT: N_("chat"), audit.CLI: N_("command line")}


def _shown(values: dict[str, Any] | None) -> str:
    if not values:
        return ""
    return "; ".join(f"{key}: {json.dumps(value, ensure_ascii=False)}"
                     for key, value in values.items())


def page(desk: Desk) -> Response:
    desk.need_admin()
    number = desk.page_number()
    office = None if desk.reach.national else desk.reach.office.id
    entries, total = audit.page(desk.session, office, offset=(number - 1) * web.PAGE_SIZE,
                                limit=web.PAGE_SIZE)
    rows = [(entry, desk._(VIA.get(entry.via, entry.via)), _shown(entry.before),
             _shown(entry.after)) for entry in entries]
    return desk.render("console/audit.html", here="audit", rows=rows,
                       pages=Pages(number, total))


def routes(console: Console) -> list[Route]:
    return [Route("/log", web.staff_page(console, page), methods=["GET"])]
