"""Kurasi: the products waiting in the office's provinces, oldest first, and the moves a
curator makes on them. Holding a product to judge it and deciding go through the same
domain functions as the chat's /kurasi, so a product held in one is taken in the other,
and of two curators on one product the first wins and the second is told what happened.
Filters stay in the address: a queue is not personal data."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from starlette.responses import Response
from starlette.routing import Route

from bot.console import curated_product, web
from bot.console.curated_product import DECISIONS
from bot.console.web import Console, Desk, NotFound, Pages, Refused
from conversations import audit, curation, vocabulary
from conversations.curation_queue import ARTISANS, LAPAS, Filters, provinces_of, queue
from conversations.i18n import N_
from storage.statuses import ProductStatus

SOURCES = {ARTISANS: N_("Artisans"), LAPAS: N_("Lapas (prison workshops)")}
DONE = {
    "accepted": N_("Recorded: the product is accepted. The submitter has been told."),
    "revise": N_("Recorded: the product was sent back for revision with your note. The "
                 "submitter has been told."),
    "rejected": N_("Recorded: the product is not accepted, with your note. The submitter "
                   "has been told."),
    "empty": N_("No product is waiting for you here now. Thank you!"),
}


def may_look(desk: Desk) -> None:
    """The queue is for the office's curators and admins, and its viewers."""
    if not (desk.reach.curator or desk.reach.admin or vocabulary.VIEWER in desk.reach.roles):
        raise Refused


def _filters(desk: Desk, read: Callable[[str], str] | None = None) -> Filters:
    """The filters asked for, in the address (`desk.query`) or a form (`desk.field`);
    anything not offered is left out."""
    read = read or desk.query
    province, category, source = read("provinsi"), read("jenis"), read("dari")
    return Filters(province if province in provinces_of(desk.reach) else None,
                   category if category in vocabulary.CATEGORIES else None,
                   source if source in SOURCES else None)


def _kept(filters: Filters) -> dict[str, str]:
    return {key: value for key, value in (("provinsi", filters.province),
                                          ("jenis", filters.category),
                                          ("dari", filters.source)) if value}


def queue_page(desk: Desk) -> Response:
    may_look(desk)
    filters = _filters(desk)
    number = desk.page_number()
    rows, total = queue(desk.session, desk.reach, desk.user, desk.now, filters,
                        offset=(number - 1) * web.PAGE_SIZE, limit=web.PAGE_SIZE)
    done = desk.query("ok")
    kept = _kept(filters)
    return desk.render(
        "console/curation.html", here="curation", rows=rows, filters=filters, kept=kept,
        pages=Pages(number, total), page_link=lambda n: "?" + urlencode({**kept, "hal": n}),
        provinces=provinces_of(desk.reach),
        categories={code: desk._(label) for code, label in vocabulary.CATEGORIES.items()},
        sources={code: desk._(label) for code, label in SOURCES.items()},
        done=desk._(DONE[done]) if done in DONE else None)


def _product_id(desk: Desk) -> int:
    try:
        return int(desk.request.path_params["product_id"])
    except ValueError:
        raise NotFound from None


def product_page(desk: Desk) -> Response:
    may_look(desk)
    return curated_product.page(desk, _product_id(desk))


def _need_curator(desk: Desk) -> None:
    if not desk.reach.curator:
        raise Refused


def take(desk: Desk) -> Response:
    """Judge this product: hold it for this curator, then its page."""
    _need_curator(desk)
    product_id = _product_id(desk)
    product, outcome = curation.take(desk.session, product_id, desk.user, desk.now)
    if product is None:
        raise NotFound
    if outcome == "not_allowed":
        raise Refused
    if outcome == "ok":
        return desk.redirect(f"/kurasi/{product_id}")
    return curated_product.page(desk, product_id, problem=curated_product.why_not(
        desk, product, outcome), status=409)


def take_next(desk: Desk) -> Response:
    """The oldest waiting product of the chosen kind, held for this curator; the one on
    screen, if any, is left for others."""
    _need_curator(desk)
    filters = _filters(desk, desk.field)
    skipped = [int(desk.field("kecuali"))] if desk.field("kecuali").isdigit() else []
    for product_id in skipped:
        curation.let_go(desk.session, product_id, desk.user, desk.now)
    found = curation.take_next(desk.session, desk.user, desk.now, province=filters.province,
                               category=filters.category, lapas=filters.lapas,
                               exclude=skipped)
    if found is None:
        return desk.redirect("/kurasi", ok="empty", **_kept(filters))
    return desk.redirect(f"/kurasi/{found.id}")


def decide(desk: Desk) -> Response:
    _need_curator(desk)
    product_id = _product_id(desk)
    choice, note = desk.field("keputusan"), desk.field("catatan")[:curation.NOTE_MAX]
    if choice not in DECISIONS:
        raise NotFound
    status = DECISIONS[choice]
    if status != ProductStatus.ACCEPTED and len(note) < curation.NOTE_MIN:
        return curated_product.page(desk, product_id, note=note, status=400, note_error=desk._(
            "Please write a note of at least {n} characters: the submitter reads it to "
            "know what to change.").format(n=curation.NOTE_MIN))
    product, outcome = curation.decide(desk.session, product_id, desk.user, status,
                                       note or None, desk.now, desk.console.default_zone,
                                       via=audit.CONSOLE)
    if outcome == "not_allowed":
        raise Refused
    if outcome == "out_of_reach":
        raise NotFound
    if product is None:
        found = curation.get(desk.session, product_id)
        if found is None:
            raise NotFound
        return curated_product.page(desk, product_id, note=note, status=409,
                                    problem=curated_product.why_lost(desk, found))
    return desk.redirect("/kurasi", ok=curation.EVENT_OF[product.status])


def routes(console: Console) -> list[Route]:
    def page(path: str, handler: web.Handler, methods: tuple[str, ...] = ("GET",)) -> Route:
        return web.route(console, path, handler, methods)

    return [
        page("/kurasi", queue_page),
        page("/kurasi/berikutnya", take_next, ("POST",)),
        page("/kurasi/{product_id}", product_page),
        page("/kurasi/{product_id}/nilai", take, ("POST",)),
        page("/kurasi/{product_id}/putuskan", decide, ("POST",)),
    ]
