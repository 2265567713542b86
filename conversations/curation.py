"""Curation: products sent by artisans and Lapas officers, held by one curator at a time
while they decide, and the decision told to the submitter in their own language.

A curator holds a product for CLAIM_FOR; two curators never decide the same product, a
hold left abandoned runs out, and nobody curates their own work. A product sent back for
revision can be changed by its submitter (or an officer of its Lapas) and sent again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from conversations import audit
from conversations import reach as reaching
from conversations.i18n import N_, Translator
from conversations.outbox import MessageKind, notify
from conversations.vocabulary import LAPAS_OFFICER
from storage import product_events, products
from storage.models import Product, User
from storage.statuses import ProductStatus

CLAIM_FOR = timedelta(minutes=30)
WAITING = (ProductStatus.SUBMITTED, ProductStatus.IN_REVIEW)
DECISIONS = (ProductStatus.ACCEPTED, ProductStatus.NEEDS_REVISION, ProductStatus.REJECTED)
# A note sent with a revision or a rejection: long enough to help, short enough to read.
NOTE_MIN, NOTE_MAX = 5, 1000
# A product's history (storage.curation_models): each step's kind.
SUBMITTED, RESUBMITTED = "submitted", "resubmitted"
EVENT_OF = {ProductStatus.ACCEPTED: "accepted", ProductStatus.NEEDS_REVISION: "revise",
            ProductStatus.REJECTED: "rejected"}
# What a product's submitter gives, and may change when it is sent back.
FIELDS = ("name", "category", "materials", "size", "price", "capacity", "description",
          "photos", "packaging_photo")

# A product's status, as its submitter and curators read it.
STATUS_LABELS = {
    ProductStatus.SUBMITTED: N_("submitted"),
    ProductStatus.IN_REVIEW: N_("in review"),
    ProductStatus.ACCEPTED: N_("accepted"),
    ProductStatus.NEEDS_REVISION: N_("needs revision"),
    ProductStatus.REJECTED: N_("rejected"),
}


def get(session: Session, product_id: int | None) -> Product | None:
    return products.get(session, product_id)


# Submitting


def visible_to(session: Session, user: User, limit: int = 10) -> list[Product]:
    """The products a person sees as theirs: their own, or an officer's whole Lapas'."""
    if user.role == LAPAS_OFFICER:
        if user.lapas_id is None:
            return []
        return products.of_submitter(session, lapas_id=user.lapas_id, limit=limit)
    return products.of_submitter(session, owner_id=user.id, limit=limit)


def may_change(user: User | None, product: Product | None) -> bool:
    """Only its submitter, or an officer of its Lapas, and only when sent back."""
    if product is None or user is None or product.status != ProductStatus.NEEDS_REVISION:
        return False
    if user.role == LAPAS_OFFICER:
        return product.lapas_id is not None and product.lapas_id == user.lapas_id
    return product.owner_id == user.id


def submit(session: Session, user: User, values: Mapping[str, Any], now: datetime,
           producer_code: str | None = None) -> Product:
    """A new product in the queue. An officer sends it for their Lapas, naming its maker
    by producer code."""
    assert user.id is not None
    officer = user.role == LAPAS_OFFICER
    product = products.add(session, Product(
        owner_id=user.id, lapas_id=user.lapas_id if officer else None,
        producer_code=producer_code if officer else None, province=user.province,
        status=ProductStatus.SUBMITTED, submitted_at=now, created_at=now, updated_at=now,
        **{field: values[field] for field in FIELDS},
    ))
    product_events.add(session, product.id or 0, SUBMITTED, user.id, now)
    return product


def resubmit(session: Session, user: User, product_id: int, values: Mapping[str, Any],
             now: datetime, producer_code: str | None = None) -> Product | None:
    """A product sent back, changed and in the queue again; None if it may not be
    changed (anymore). The curator's note stays, so the next curator sees what was asked."""
    product = products.get(session, product_id)
    if product is None or not may_change(user, product):
        return None
    for field in FIELDS:
        setattr(product, field, values[field])
    if product.lapas_id is not None:
        product.producer_code = producer_code
    product.status, product.submitted_at, product.updated_at = ProductStatus.SUBMITTED, now, now
    product.decided_by = product.decided_at = None
    session.flush()
    product_events.add(session, product_id, RESUBMITTED, user.id, now)
    return product


# Deciding


def waiting_for(session: Session, curator: User, now: datetime) -> int:
    """How many products this curator could take now, in their office's provinces."""
    reach = reaching.of(session, curator)
    if reach is None:
        return 0
    return products.count_waiting(session, now, WAITING, curator.id, reach.provinces)


def take_next(session: Session, curator: User, now: datetime, *, province: str | None = None,
              category: str | None = None, lapas: bool | None = None,
              exclude: Sequence[int] = ()) -> Product | None:
    """Hold the oldest waiting product in scope, of the curator's office's provinces, for
    this curator; or None. `lapas`: True for Lapas products alone, False for artisans'."""
    reach = reaching.of(session, curator)
    if reach is None or not reach.curator or curator.id is None:
        return None
    if province is not None and not reach.covers(province):
        return None
    for candidate in products.waiting(session, now, WAITING, curator_id=curator.id,
                                      provinces=(province,) if province else reach.provinces,
                                      category=category, lapas=lapas, exclude=exclude):
        if candidate.id is not None and products.take(session, candidate.id, curator.id, now,
                                                      now + CLAIM_FOR, WAITING):
            session.refresh(candidate)
            return candidate
    return None


def take(session: Session, product_id: int, curator: User, now: datetime
         ) -> tuple[Product | None, str]:
    """Hold this one product for the curator, as take_next holds the oldest (the
    console's "Judge"). Returns the product and "ok", or why not: "missing" (none, or of
    a province outside their office's), "not_allowed" (not a curator), "own" (their own
    work), "taken" (another curator holds it) or "done" (not waiting any more)."""
    reach = reaching.of(session, curator)
    product = products.get(session, product_id)
    if product is None or reach is None or not reach.covers(product.province):
        return None, "missing"
    if not reach.curator or curator.id is None:
        return product, "not_allowed"
    if product.owner_id == curator.id:
        return product, "own"
    taken = products.take(session, product_id, curator.id, now, now + CLAIM_FOR, WAITING)
    session.refresh(product)
    if taken:
        return product, "ok"
    return product, "taken" if product.status in WAITING else "done"


def holder(product: Product, now: datetime) -> int | None:
    """Who holds the product for judging now (their hold has not run out); None."""
    if (product.status != ProductStatus.IN_REVIEW or product.claimed_until is None
            or product.claimed_until <= now):
        return None
    return product.claimed_by


def let_go(session: Session, product_id: int, curator: User, now: datetime) -> None:
    """The curator moves on without deciding: the product waits again for anyone."""
    products.let_go(session, product_id, curator.id or 0, now)


def decide(session: Session, product_id: int, curator: User, status: ProductStatus,
           note: str | None, now: datetime, default_zone: str, *, via: str = audit.CHAT
           ) -> tuple[Product | None, str]:
    """Record a curator's decision, tell the submitter and keep it in the audit log.
    Returns the product and "ok", or None and why not (the hold is let go): "not_allowed"
    (not a curator, any more), "out_of_reach" (the product is of a province outside their
    office's), or "lost" (the hold ran out and the product went back to the queue)."""
    if status not in DECISIONS:
        raise ValueError(f"{status!r} is not a decision")
    reach = reaching.of(session, curator)
    held = products.get(session, product_id)
    if reach is None or not reach.curator:
        let_go(session, product_id, curator, now)
        return None, "not_allowed"
    if held is None or not reach.covers(held.province):
        let_go(session, product_id, curator, now)
        return None, "lost" if held is None else "out_of_reach"
    before = {"status": held.status, "note": held.curator_note}
    product = products.decide(session, product_id, curator.id or 0, status, note, now)
    if product is None:
        return None, "lost"
    product_events.add(session, product_id, EVENT_OF[status], curator.id, now, note)
    audit.record(session, curator, via, "product.decided", "product", product.id,
                 before=before, after={"status": product.status, "note": note},
                 office_id=reach.office.id, now=now)
    _tell_submitter(session, product, now, default_zone)
    return product, "ok"


def _tell_submitter(session: Session, product: Product, now: datetime, default_zone: str
                    ) -> None:
    note = product.curator_note or ""

    def words(tr: Translator) -> str:
        if product.status == ProductStatus.ACCEPTED:
            return tr._("Good news! Your product \"{name}\" has been accepted by the curator. "
                        "It can now be put forward for exhibitions.").format(name=product.name)
        if product.status == ProductStatus.NEEDS_REVISION:
            return tr._("Your product \"{name}\" needs some changes before it can be "
                        "accepted.\nCurator's note: {note}\nPlease make the changes and send "
                        "it again with Send a product.").format(name=product.name, note=note)
        return tr._("We are sorry: your product \"{name}\" was not accepted this time.\n"
                    "Curator's note: {note}").format(name=product.name, note=note)

    when = product.decided_at.isoformat() if product.decided_at else ""
    notify(session, session.get(User, product.owner_id), MessageKind.DECISION,
           f"decision:{product.id}:{when}", now, default_zone, words)
