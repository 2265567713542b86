"""Named queries on the Content resources Kriya made at Twilio (storage.content_models)."""

from __future__ import annotations

from sqlalchemy import Engine, select

from storage.content_models import WhatsAppContent
from storage.db import insert_for
from storage.models import utcnow

CONTENTS = WhatsAppContent.__table__


def content_sid(database: Engine, key: str) -> str | None:
    with database.connect() as conn:
        return conn.execute(select(CONTENTS.c.content_sid).where(
            CONTENTS.c.key == key)).scalar_one_or_none()


def keep(database: Engine, key: str, sid: str, kind: str) -> str:
    """Keep a new resource's SID; the one kept first when another process made the same
    resource meanwhile (theirs is used, this one stays unused)."""
    insert = insert_for(database.dialect)
    with database.begin() as conn:
        conn.execute(insert(CONTENTS).values(key=key, content_sid=sid, kind=kind,
                                             created_at=utcnow()).on_conflict_do_nothing())
        kept = conn.execute(select(CONTENTS.c.content_sid).where(
            CONTENTS.c.key == key)).scalar_one()
    return kept
