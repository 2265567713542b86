"""Every change staff make, from the console, the chat or the command line: who, when,
what, on which object, and how it looked before and after."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from storage import audit as rows
from storage.access_models import AuditEntry
from storage.models import User, utcnow

CONSOLE, CHAT, CLI = "console", "chat", "cli"


def _plain(value: Any) -> Any:
    """A value as JSON keeps it: moments as ISO text."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    return value


def changed(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
            ) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Only the fields that differ, on each side (all of them when one side is None)."""
    if before is None or after is None:
        return (None if before is None else _plain(before),
                None if after is None else _plain(after))
    keys = [k for k in {**before, **after} if before.get(k) != after.get(k)]
    return ({k: _plain(before.get(k)) for k in keys}, {k: _plain(after.get(k)) for k in keys})


def record(session: Session, actor: User | None, via: str, action: str, object_kind: str,
           object_id: Any = "", *, before: Mapping[str, Any] | None = None,
           after: Mapping[str, Any] | None = None, office_id: str | None = None,
           now: datetime | None = None) -> AuditEntry:
    """Write one entry. The office is the actor's unless named (a command line acting
    for an office names it)."""
    old, new = changed(before, after)
    name = "" if actor is None else (actor.name or f"{actor.channel} #{actor.id}")
    return rows.add(session, AuditEntry(
        at=now or utcnow(), office_id=office_id or (actor.office_id if actor else None),
        actor_id=actor.id if actor else None, actor=name[:120] or via, via=via,
        action=action, object_kind=object_kind, object_id=str(object_id)[:64],
        before=old, after=new))


def page(session: Session, office_id: str | None, *, offset: int = 0, limit: int = 50,
         object_kind: str | None = None, object_id: str | None = None
         ) -> tuple[list[AuditEntry], int]:
    """One page of the log, newest first; office None: every office's."""
    return rows.page(session, office_id, object_kind=object_kind, object_id=object_id,
                     offset=offset, limit=limit)
