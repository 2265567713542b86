"""Offices that run programs, and the provinces each reaches (none: all of Indonesia)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlmodel import Session

from conversations import audit, provinces
from storage import offices as rows
from storage.models import Office, User

NATIONAL = "pusat"  # every staff member given a role before offices existed works here
KINDS = ("national", "trade", "dekranasda", "kanwil")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,31}$")


class OfficeError(ValueError):
    """An office that cannot be made as asked; the message says why."""


def add(session: Session, name: str, office_id: str, province_names: Sequence[str] = (),
        kind: str | None = None, *, actor: User | None = None, via: str = audit.CLI
        ) -> Office:
    """Add an office, or change the name, kind and provinces of the one with this id; the
    audit log keeps what was made or changed."""
    if not _ID.match(office_id):
        raise OfficeError("the id must be 2 to 32 small letters, digits or dashes, e.g. "
                          "disperindag-ntb")
    if not name.strip():
        raise OfficeError("the office needs a name")
    reached = []
    for typed in province_names:
        found, _ = provinces.match(typed)
        if found is None:
            raise OfficeError(f"unknown province {typed!r}")
        reached.append(found.name)
    kind = kind or ("trade" if reached else "national")
    if kind not in KINDS:
        raise OfficeError(f"kind must be one of {', '.join(KINDS)}")
    existing = rows.get(session, office_id)
    before = _described(existing) if existing is not None else None
    office = existing or Office(id=office_id, name=name.strip())
    office.name, office.kind = name.strip(), kind
    office.provinces = list(dict.fromkeys(reached))
    rows.save(session, office)
    if before != _described(office):
        audit.record(session, actor, via, "office.changed" if before else "office.added",
                     "office", office.id, before=before, after=_described(office),
                     office_id=office.id)
    return office


def _described(office: Office) -> dict[str, Any]:
    return {"name": office.name, "kind": office.kind, "provinces": list(office.provinces)}


def get(session: Session, office_id: str | None) -> Office | None:
    """The office with this id; the national one always exists (made when first needed,
    should a database have lost it)."""
    found = rows.get(session, office_id)
    if found is None and office_id == NATIONAL:
        found = rows.save(session, Office(id=NATIONAL, name="Kantor pusat", kind="national"))
    return found


def every(session: Session) -> list[tuple[Office, int]]:
    """Every office with how many staff it has."""
    counts = rows.staff_counts(session)
    return [(office, counts.get(office.id, 0)) for office in rows.every(session)]


def reaches(office: Office | None, province: str | None) -> bool:
    """Whether an office's work covers a province (a national office covers all)."""
    return office is not None and (not office.provinces or province in office.provinces)
