"""The named queries of a product's curation history (storage.curation_models)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from storage.curation_models import ProductEvent


def add(session: Session, product_id: int, kind: str, actor_id: int | None, at: datetime,
        note: str | None = None) -> ProductEvent:
    event = ProductEvent(product_id=product_id, kind=kind, actor_id=actor_id, at=at, note=note)
    session.add(event)
    session.flush()
    return event


def of_product(session: Session, product_id: int) -> list[ProductEvent]:
    """Oldest first, as it happened."""
    return list(session.exec(select(ProductEvent).where(ProductEvent.product_id == product_id)
                             .order_by(ProductEvent.at, ProductEvent.id)))
