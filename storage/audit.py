"""The audit log: written once, read by office, never changed or deleted."""

from __future__ import annotations

from sqlmodel import Session, col, func, select

from storage.access_models import AuditEntry


def add(session: Session, entry: AuditEntry) -> AuditEntry:
    session.add(entry)
    session.flush()
    return entry


def page(session: Session, office_id: str | None, *, object_kind: str | None = None,
         object_id: str | None = None, offset: int = 0, limit: int = 50
         ) -> tuple[list[AuditEntry], int]:
    """Newest first; `office_id` None reads every office's entries."""
    conditions = []
    if office_id is not None:
        conditions.append(AuditEntry.office_id == office_id)
    if object_kind is not None:
        conditions.append(AuditEntry.object_kind == object_kind)
    if object_id is not None:
        conditions.append(AuditEntry.object_id == object_id)
    total = session.exec(select(func.count()).select_from(AuditEntry).where(*conditions)).one()
    found = session.exec(select(AuditEntry).where(*conditions)
                         .order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
                         .offset(offset).limit(limit))
    return list(found), int(total)
