"""The history of a product in curation: each time it was sent, sent again after changes,
and decided, by whom and with which note. Kept beside the product's row, which holds only
its latest state."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from storage.models import _ts, utcnow


class ProductEvent(SQLModel, table=True):
    """One step of a product's curation; gone with the product."""

    __tablename__ = "product_events"

    id: int | None = Field(default=None, primary_key=True)
    product_id: int = Field(foreign_key="products.id", ondelete="CASCADE", index=True)
    at: datetime = _ts(default_factory=utcnow)
    kind: str = Field(max_length=16)  # submitted, resubmitted, accepted, revise, rejected
    # Who did it; the event outlives a curator's or submitter's erased row.
    actor_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    note: str | None = Field(default=None, max_length=1000)
