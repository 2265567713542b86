"""A product as staff read it on a page: its words translated, its price in rupiah, its
photos as links the page makes; and whether a staff member may see one of its files."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session

from conversations import vocabulary
from conversations.curation import STATUS_LABELS
from conversations.i18n import Translator
from conversations.reach import Reach
from storage import products
from storage.models import Product


@dataclass(frozen=True)
class ShownPhoto:
    thumb: str
    full: str


@dataclass(frozen=True)
class ShownProduct:
    product: Product
    category: str
    status: str
    price: str
    submitted: str
    photos: tuple[ShownPhoto, ...]


def _files(photo: dict | None) -> tuple[str, str] | None:
    if not photo or not photo.get("path"):
        return None
    return photo.get("thumb") or photo["path"], photo["path"]


def shown(tr: Translator, product: Product, url_of: Callable[[str], str]) -> ShownProduct:
    photos = [found for p in [*product.photos, product.packaging_photo]
              if (found := _files(p)) is not None]
    label = vocabulary.CATEGORIES.get(product.category)
    return ShownProduct(
        product, tr._(label) if label else product.category,
        tr._(STATUS_LABELS.get(product.status, product.status)), tr.money(product.price),
        tr.short_date(product.submitted_at),
        tuple(ShownPhoto(url_of(thumb), url_of(full)) for thumb, full in photos))


def may_see_file(session: Session, reach: Reach, product_id: int, path: str) -> bool:
    """Whether the file is one of this product's photos and the product is within reach."""
    product = products.get(session, product_id)
    if product is None or not reach.covers(product.province):
        return False
    return any(path in (found or ()) for found in
               (_files(p) for p in [*product.photos, product.packaging_photo]))
