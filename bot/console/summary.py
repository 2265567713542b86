"""Ringkasan: the first page after logging in."""

from __future__ import annotations

from starlette.responses import Response

from bot.console.web import Desk
from conversations import overview


def page(desk: Desk) -> Response:
    found = overview.summary(desk.session, desk.reach, desk.now, desk.tr)
    provinces = desk.reach.provinces
    reach_text = (desk._("All of Indonesia.") if provinces is None
                  else desk._("Provinces: {provinces}.").format(provinces=", ".join(provinces)))
    return desk.render("console/summary.html", here="summary", o=found,
                       bars=overview.chart(found.per_day), reach_text=reach_text)
