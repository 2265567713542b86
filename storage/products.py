"""Products sent for curation: the queries and the one-statement holds that
conversations.curation asks for."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, func, or_, update
from sqlmodel import Session, col, select

from storage.models import Conversation, Product
from storage.statuses import ProductStatus


def get(session: Session, product_id: int | None) -> Product | None:
    return session.get(Product, product_id) if product_id is not None else None


def _free_for(curator_id: int | None, now: datetime) -> Any:
    """Not held by anyone else: never held, the hold ran out, or held by this curator."""
    return or_(col(Product.claimed_until).is_(None), col(Product.claimed_until) < now,
               Product.claimed_by == curator_id)


def _queue(query: Any, now: datetime, waiting: Collection[str], curator_id: int | None,
           provinces: Collection[str] | None) -> Any:
    query = query.where(col(Product.status).in_(list(waiting)), _free_for(curator_id, now))
    if curator_id is not None:  # nobody curates their own work
        query = query.where(Product.owner_id != curator_id)
    if provinces is not None:
        query = query.where(col(Product.province).in_(list(provinces)))
    return query


def waiting(
    session: Session, now: datetime, statuses: Collection[str], *,
    curator_id: int | None = None, provinces: Collection[str] | None = None,
    category: str | None = None, lapas: bool | None = None, exclude: Sequence[int] = (),
    limit: int = 20,
) -> list[Product]:
    """Products in `statuses` that this curator may take, oldest first; `lapas` True for
    Lapas products alone, False for artisans' alone."""
    query = _narrowed(_queue(select(Product), now, statuses, curator_id, provinces),
                      category, lapas)
    if exclude:
        query = query.where(col(Product.id).not_in(list(exclude)))
    return list(session.exec(query.order_by(Product.submitted_at, Product.id).limit(limit)))


def _narrowed(query: Any, category: str | None, lapas: bool | None) -> Any:
    if category:
        query = query.where(Product.category == category)
    if lapas is not None:
        query = query.where(col(Product.lapas_id).is_not(None) if lapas
                            else col(Product.lapas_id).is_(None))
    return query


def queue_page(session: Session, statuses: Collection[str], *, not_owner: int | None,
               provinces: Collection[str] | None, category: str | None = None,
               lapas: bool | None = None, offset: int = 0, limit: int = 20
               ) -> tuple[list[Product], int]:
    """One page of the products in `statuses`, held or not, oldest first, and how many in
    all; none of `not_owner`'s own."""
    where: list[Any] = [col(Product.status).in_(list(statuses))]
    if not_owner is not None:
        where.append(Product.owner_id != not_owner)
    if provinces is not None:
        where.append(col(Product.province).in_(list(provinces)))
    total = int(session.exec(_narrowed(select(func.count()).select_from(Product).where(*where),
                                       category, lapas)).one())
    query = _narrowed(select(Product).where(*where), category, lapas)
    found = session.exec(query.order_by(Product.submitted_at, Product.id)
                         .offset(offset).limit(limit))
    return list(found), total


def count_waiting(session: Session, now: datetime, statuses: Collection[str],
                  curator_id: int | None = None, provinces: Collection[str] | None = None
                  ) -> int:
    query = _queue(select(func.count()).select_from(Product), now, statuses, curator_id,
                   provinces)
    return int(session.exec(query).one())


def take(session: Session, product_id: int, curator_id: int, now: datetime, until: datetime,
         waiting_statuses: Collection[str]) -> bool:
    """Hold a product for a curator until `until`. One statement, so that of two curators
    reaching for the same product at once exactly one gets it (the database re-checks the
    condition under the row's lock)."""
    result = session.execute(
        update(Product)
        .where(Product.id == product_id, Product.owner_id != curator_id,
               col(Product.status).in_(list(waiting_statuses)),
               or_(col(Product.claimed_by).is_(None), Product.claimed_by == curator_id,
                   col(Product.claimed_until).is_(None), col(Product.claimed_until) < now))
        .values(status=ProductStatus.IN_REVIEW, claimed_by=curator_id, claimed_until=until,
                updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def let_go(session: Session, product_id: int, curator_id: int, now: datetime) -> None:
    """A curator's hold ends undecided: the product waits again."""
    session.execute(
        update(Product)
        .where(Product.id == product_id, Product.claimed_by == curator_id,
               Product.status == ProductStatus.IN_REVIEW)
        .values(status=ProductStatus.SUBMITTED, claimed_by=None, claimed_until=None,
                updated_at=now)
        .execution_options(synchronize_session=False)
    )


def decide(session: Session, product_id: int, curator_id: int, status: str, note: str | None,
           now: datetime) -> Product | None:
    """Record a decision, only while the curator still holds the product; the product, or
    None when the hold was lost."""
    result = session.execute(
        update(Product)
        .where(Product.id == product_id, Product.claimed_by == curator_id,
               Product.owner_id != curator_id, Product.status == ProductStatus.IN_REVIEW)
        .values(status=status, curator_note=note, decided_by=curator_id, decided_at=now,
                claimed_by=None, claimed_until=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return None
    product = session.get(Product, product_id)
    if product is not None:
        session.refresh(product)
    return product


def _of(owner_id: int | None, lapas_id: int | None) -> Any:
    return Product.lapas_id == lapas_id if lapas_id is not None else Product.owner_id == owner_id


def of_submitter(session: Session, *, owner_id: int | None = None, lapas_id: int | None = None,
                 statuses: Collection[str] | None = None, categories: Collection[str] = (),
                 latest_decision_first: bool = False, limit: int = 10) -> list[Product]:
    """Products a person sent (`owner_id`), or any officer of a Lapas sent (`lapas_id`),
    the latest sent (or decided) first."""
    query = select(Product).where(_of(owner_id, lapas_id))
    if statuses is not None:
        query = query.where(col(Product.status).in_(list(statuses)))
    if categories:
        query = query.where(col(Product.category).in_(list(categories)))
    order = ((col(Product.decided_at).desc(),) if latest_decision_first
             else (col(Product.submitted_at).desc(), col(Product.id).desc()))
    return list(session.exec(query.order_by(*order).limit(limit)))


def count_of_submitter(session: Session, statuses: Collection[str], *,
                       owner_id: int | None = None, lapas_id: int | None = None) -> int:
    return int(session.exec(
        select(func.count()).select_from(Product)
        .where(_of(owner_id, lapas_id), col(Product.status).in_(list(statuses)))
    ).one())


def add(session: Session, product: Product) -> Product:
    session.add(product)
    session.flush()
    return product


def _files(product: Product) -> set[str]:
    pictures = [*product.photos, *([product.packaging_photo] if product.packaging_photo else [])]
    return {value for picture in pictures for key, value in picture.items()
            if key in ("path", "thumb") and isinstance(value, str)}


def files_of_owner(session: Session, owner_id: int) -> set[str]:
    """The media files (photos and their thumbnails) of a person's products."""
    found = session.exec(select(Product).where(Product.owner_id == owner_id))
    return set().union(*(_files(product) for product in found))


def files_in_use(session: Session, files: Collection[str]) -> set[str]:
    """Those of `files` some product still shows: the same picture sent by someone else is
    one file in the store (it is named by its content)."""
    text = func.coalesce(cast(Product.photos, String), "") + func.coalesce(
        cast(Product.packaging_photo, String), "")
    # A product being written (or its draft) in someone's conversation holds them too.
    drafts = func.coalesce(cast(Conversation.answers, String), "")
    return {path for path in files
            if session.exec(select(func.count()).select_from(Product)
                            .where(text.contains(path))).one()
            or session.exec(select(func.count()).select_from(Conversation)
                            .where(drafts.contains(path))).one()}
