"""Named queries of the parts being gathered into one answer (storage.gathering_models).

A part is added with its group in one transaction; the group's row names the request that
answers for it (the first, or the first after that one went quiet). The leader takes the
group's parts by deleting its row first: a part added meanwhile either waited for that and
starts a group of its own, or was committed before and is taken too.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, case, delete, select

from storage.db import insert_for
from storage.gathering_models import GatheredPart, Gathering

GROUPS = Gathering.__table__  # type: ignore[attr-defined]
PARTS = GatheredPart.__table__  # type: ignore[attr-defined]


def add(conn: Connection, group: str, part: str, payload: Mapping[str, Any], token: str,
        now: datetime, stale_before: datetime) -> bool:
    """Add a part to its group (a part already there is not added again); True if the
    request of `token` is the one to answer for the group."""
    insert = insert_for(conn.dialect)
    joined = insert(GROUPS).values(group_key=group, leader=token, started_at=now)
    stale = GROUPS.c.started_at < stale_before
    # Always written, also when nothing changes: the row stays locked until this part is
    # in, so the leader cannot take the group between the two statements.
    joined = joined.on_conflict_do_update(index_elements=[GROUPS.c.group_key], set_={
        "leader": case((stale, joined.excluded.leader), else_=GROUPS.c.leader),
        "started_at": case((stale, joined.excluded.started_at), else_=GROUPS.c.started_at),
    }).returning(GROUPS.c.leader)
    leader = conn.execute(joined).scalar_one()
    conn.execute(insert(PARTS).values(group_key=group, part_key=part, payload=dict(payload),
                                      added_at=now)
                 .on_conflict_do_nothing(index_elements=[PARTS.c.group_key, PARTS.c.part_key]))
    return bool(leader == token)


def take(conn: Connection, group: str, token: str) -> list[dict[str, Any]] | None:
    """Every part of the group in the order they came, removed; None if the request of
    `token` no longer answers for it (another took over after it went quiet)."""
    taken = conn.execute(delete(GROUPS).where(GROUPS.c.group_key == group,
                                              GROUPS.c.leader == token))
    if taken.rowcount != 1:
        return None
    payloads = conn.execute(select(PARTS.c.payload).where(PARTS.c.group_key == group)
                            .order_by(PARTS.c.id)).scalars().all()
    conn.execute(delete(PARTS).where(PARTS.c.group_key == group))
    return list(payloads)


def forget(conn: Connection, before: datetime) -> None:
    """Groups begun before `before`, and their parts: their leader's process stopped and no
    later part came to answer for them."""
    conn.execute(delete(GROUPS).where(GROUPS.c.started_at < before))
    conn.execute(delete(PARTS).where(PARTS.c.added_at < before))
