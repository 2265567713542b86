"""One product in curation as a curator judges it: every photo at full size, with the
advice its submitter was given, every field, who sent it (a Lapas product by its producer
code, never a name), its history, and who holds it now; the decision form for the curator
who holds it."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from bot.console.people import photo_url
from bot.console.web import Desk, NotFound
from conversations import curation, curation_queue, vocabulary
from conversations.flows.product import ADVICE
from conversations.i18n import N_
from storage.models import Product
from storage.statuses import ProductStatus

DECISIONS = {"terima": ProductStatus.ACCEPTED, "revisi": ProductStatus.NEEDS_REVISION,
             "tolak": ProductStatus.REJECTED}
EVENTS = {
    curation.SUBMITTED: N_("Sent for curation"),
    curation.RESUBMITTED: N_("Sent again after changes"),
    "accepted": N_("Accepted"),
    "revise": N_("Sent back for revision"),
    "rejected": N_("Not accepted"),
}


def page(desk: Desk, product_id: int, *, problem: str | None = None, note: str = "",
         note_error: str | None = None, status: int = 200) -> Response:
    product = curation_queue.open_product(desk.session, desk.reach, product_id)
    if product is None:
        raise NotFound
    row = curation_queue.waiting(desk.session, product, desk.now)
    mine = row.holder is not None and row.holder.id == desk.user.id
    waiting = product.status in curation.WAITING
    return desk.render(
        "console/curated_product.html", status=status, here="curation", product=product,
        source=row, mine=mine, waiting=waiting, details=_details(desk, row),
        photos=_photos(desk, product), history=_history(desk, product),
        decided=None if waiting else decided_text(desk, product),
        until=desk.tr.time(product.claimed_until) if row.holder else "",
        can_take=(desk.reach.curator and waiting and row.holder is None
                  and product.owner_id != desk.user.id),
        own=product.owner_id == desk.user.id,
        problem=problem, note=note, note_error=note_error)


def _details(desk: Desk, held: curation_queue.Waiting) -> list[tuple[str, str]]:
    product, tr, _ = held.product, desk.tr, desk._
    label = vocabulary.CATEGORIES.get(product.category)
    details = [
        (_("Craft"), _(label) if label else product.category),
        (_("Materials"), product.materials), (_("Size"), product.size),
        (_("Price"), tr.money(product.price)),
        (_("Made per month"), tr.ngettext("{n} piece a month", "{n} pieces a month",
                                          product.capacity).format(
                                              n=tr.number(product.capacity))),
        (_("Description"), product.description), (_("Province"), product.province or "-"),
        (_("Sent"), tr.datetime(product.submitted_at)),
        (_("Status"), _(curation.STATUS_LABELS.get(product.status, product.status))),
    ]
    if product.status in curation.WAITING:
        details.insert(-1, (_("Waiting for"), tr.duration(held.waited)))
    return details


def _photos(desk: Desk, product: Product) -> list[dict[str, Any]]:
    pictures = [*((p, False) for p in product.photos),
                *([(product.packaging_photo, True)] if product.packaging_photo else [])]
    shown = []
    for n, (picture, packaging) in enumerate(pictures, 1):
        if not picture or not picture.get("path"):
            continue
        full = photo_url(desk, product.id or 0, picture["path"])
        shown.append({
            "n": n, "full": full, "packaging": packaging,
            "thumb": photo_url(desk, product.id or 0, picture["thumb"])
            if picture.get("thumb") else full,
            "advice": [desk._(ADVICE[code]).format(n=n) for code in picture.get("advice", [])
                       if code in ADVICE],
        })
    return shown


def _history(desk: Desk, product: Product) -> list[dict[str, str]]:
    return [{"when": desk.tr.datetime(step.event.at),
             "what": desk._(EVENTS.get(step.event.kind, step.event.kind)),
             "who": (step.actor.name or "-") if step.actor else desk._("(erased)"),
             "note": step.event.note or ""}
            for step in curation_queue.history(desk.session, product)]


def decided_text(desk: Desk, product: Product) -> str:
    """What became of a product that waits no more: decided, by whom and when."""
    status = desk._(curation.STATUS_LABELS.get(product.status, product.status))
    curator = curation_queue.decided_by(desk.session, product)
    if curator is None or product.decided_at is None:
        return desk._("This product is not waiting for a curator: {status}.").format(
            status=status)
    return desk._("{name} decided on {when}: {status}.").format(
        name=curator.name or "-", when=desk.tr.datetime(product.decided_at), status=status)


def held_text(desk: Desk, product: Product) -> str:
    held = curation_queue.waiting(desk.session, product, desk.now).holder
    return desk._("Being judged by {name} until {time}.").format(
        name=(held.name if held else None) or "-",
        time=desk.tr.time(product.claimed_until) if product.claimed_until else "-")


def why_not(desk: Desk, product: Product, outcome: str) -> str:
    """Why a curator could not take this product to judge it."""
    if outcome == "own":
        return desk._("This is your own product: another curator judges it.")
    if outcome == "taken":
        return held_text(desk, product) + " " + desk._("You can judge another product.")
    return decided_text(desk, product)


def why_lost(desk: Desk, product: Product) -> str:
    """Why a decision was not recorded: another curator came first, or the hold ended."""
    nothing = desk._("Your decision was not recorded.")
    if curation.holder(product, desk.now) is not None:
        return f"{nothing} {held_text(desk, product)}"
    if product.status not in curation.WAITING:
        return f"{nothing} {decided_text(desk, product)}"
    return desk._("Your decision was not recorded: your hold on this product ended (it ran "
                  "out, or you moved on in the chat). Judge it again, then decide.")
