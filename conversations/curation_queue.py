"""The curation queue and a product's history as staff read them on a page: what waits in
the office's provinces, oldest first, who holds what until when, and each step a product
went through. The holds and decisions themselves are conversations.curation's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from conversations import curation, provinces
from conversations.reach import Reach
from storage import lapas as workshops
from storage import product_events, products
from storage import users as people
from storage.curation_models import ProductEvent
from storage.models import Lapas, Product, User

ARTISANS, LAPAS = "perajin", "lapas"  # where a product comes from, as the filter says it


@dataclass(frozen=True)
class Filters:
    province: str | None = None
    category: str | None = None
    source: str | None = None  # ARTISANS, LAPAS or None for both

    @property
    def lapas(self) -> bool | None:
        return {ARTISANS: False, LAPAS: True}.get(self.source or "")


@dataclass(frozen=True)
class Waiting:
    """A product in the queue: how long it has waited, and who holds it now."""

    product: Product
    waited: timedelta
    holder: User | None  # None: free to take
    lapas: Lapas | None
    submitter: User | None


def provinces_of(reach: Reach) -> list[str]:
    """The provinces a queue may be narrowed to: the office's, or all of them."""
    if reach.provinces is not None:
        return list(reach.provinces)
    return [province.name for province in provinces.PROVINCES]


def queue(session: Session, reach: Reach, curator: User, now: datetime, filters: Filters,
          *, offset: int = 0, limit: int = 20) -> tuple[list[Waiting], int]:
    """One page of the waiting products in the office's provinces, held or not (a curator
    does not see their own), oldest first; and how many in all."""
    wanted = reach.provinces
    if filters.province:
        if not reach.covers(filters.province):
            return [], 0
        wanted = (filters.province,)
    found, total = products.queue_page(
        session, curation.WAITING, not_owner=curator.id, provinces=wanted,
        category=filters.category, lapas=filters.lapas, offset=offset, limit=limit)
    return [waiting(session, product, now) for product in found], total


def waiting(session: Session, product: Product, now: datetime) -> Waiting:
    held = curation.holder(product, now)
    return Waiting(product, max(now - product.submitted_at, timedelta(0)),
                   people.by_id(session, held) if held is not None else None,
                   workshops.get(session, product.lapas_id),
                   people.by_id(session, product.owner_id))


def open_product(session: Session, reach: Reach, product_id: int) -> Product | None:
    """The product, if it is of the office's provinces; None like a missing one."""
    product = products.get(session, product_id)
    if product is None or not reach.covers(product.province):
        return None
    return product


@dataclass(frozen=True)
class Step:
    event: ProductEvent
    actor: User | None  # None once erased


def history(session: Session, product: Product) -> list[Step]:
    return [Step(event, people.by_id(session, event.actor_id))
            for event in product_events.of_product(session, product.id or 0)]


def decided_by(session: Session, product: Product) -> User | None:
    return people.by_id(session, product.decided_by)
