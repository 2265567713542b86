"""The people Kriya serves: found across channels, reachable or not, and erased on request."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from conversations import curation, signups, threads
from storage import products as product_rows
from storage import users as rows
from storage.media import MediaStore
from storage.models import User
from storage.statuses import ProductStatus


def erase(session: Session, user: User, now: datetime, default_zone: str) -> set[str]:
    """Delete a person and everything kept about them (UU PDP: the right to erasure). Their
    seats go to the waiting list first (who moves up is told), and a Lapas' sign-up they
    made passes to a colleague. Returns the media files of their products, to be removed
    once this is committed (`remove_files`)."""
    files: set[str] = set()
    if user.id is not None:
        signups.release_all(session, user, now, default_zone)
        files = product_rows.files_of_owner(session, user.id) | threads.files_of(session, user)
    rows.delete_with_messages(session, user)
    return files


def files_in(value: Any) -> set[str]:
    """The media files a stored value names: photos in a product being written, or in a
    draft (dicts with a "path" and a "thumb")."""
    if isinstance(value, dict):
        found = {v for k, v in value.items() if k in ("path", "thumb") and isinstance(v, str)}
        return found.union(*(files_in(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(files_in(v) for v in value))
    return set()


def remove_files(session: Session, media: MediaStore, files: set[str]) -> int:
    """Remove the files an erasure left that no product shows any more; how many."""
    removed = 0
    for path in files - product_rows.files_in_use(session, files):
        target = media.path(path)
        if target.is_file():
            target.unlink()
            removed += 1
    return removed


def registered_elsewhere(session: Session, phone: str | None, channel: str) -> User | None:
    """Someone registered on another channel with this phone number, if anyone."""
    return rows.registered_with_phone(session, phone, not_on=channel) if phone else None


def set_reachable(session: Session, channel: str, address: str, reachable: bool) -> None:
    """The platform says the person blocked the bot (False) or let it back in (True)."""
    rows.set_reachable(session, channel, address, reachable)


def get(session: Session, user_id: int | None) -> User | None:
    return session.get(User, user_id) if user_id is not None else None


def what_erasure_ends(session: Session, user: User) -> tuple[list[str], list[str]]:
    """What erasing a person would end, to show before they say yes: the titles of the
    programs they hold a place in or applied for, and their products still with curators."""
    if user.id is None:
        return [], []
    programs = [program.title for registration, program in signups.of_party(session, user, 50)
                if registration.status in signups.ACTIVE and registration.user_id == user.id]
    waiting = (ProductStatus.SUBMITTED, ProductStatus.IN_REVIEW)
    products = [product.name for product in curation.visible_to(session, user, 50)
                if product.status in waiting and product.owner_id == user.id]
    return programs, products
