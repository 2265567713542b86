"""Parts of one answer that arrive apart, gathered into one: the photos of a Telegram album
come as one update each, and WhatsApp sends each photo of a batch as its own message.

The first part of a group waits a moment and then carries every part that came; the
others only add theirs. The parts are kept in the database (storage.gathering), not in
this process: behind a load balancer the parts of one album reach different processes,
and still make one answer. A part seen twice (a retried webhook) is added once.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import asdict, replace
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import Engine as Database

from bot.work import DatabaseWork
from conversations.messages import Inbound, Photo
from storage import gathering as parts
from storage.models import utcnow

T = TypeVar("T")
# A leader that has not taken its group this long after the group began is taken to be
# gone (its process stopped): the next part answers for the group instead.
QUIET_AFTER = timedelta(seconds=30)
# Parts nobody came back for (their process stopped, no later part came) are let go.
FORGET_AFTER = timedelta(hours=1)


class Gathering:
    """Where every channel's gatherers keep their parts: the app's database."""

    def __init__(self, database: Database, work: DatabaseWork) -> None:
        self.database = database
        self.work = work

    def add(self, group: str, part: str, payload: dict[str, Any], token: str,
            wait: float) -> bool:
        now = utcnow()
        with self.database.begin() as conn:
            return parts.add(conn, group, part, payload, token, now,
                             now - QUIET_AFTER - timedelta(seconds=wait))

    def take(self, group: str, token: str) -> list[dict[str, Any]] | None:
        with self.database.begin() as conn:
            taken = parts.take(conn, group, token)
            parts.forget(conn, utcnow() - FORGET_AFTER)
            return taken


class Gatherer(Generic[T]):
    """The parts of one kind of a channel (`name`): `key` tells a part from a retry of it,
    `encode` and `decode` turn it into JSON and back."""

    def __init__(self, gathering: Gathering, name: str, wait: float,
                 key: Callable[[T], str], encode: Callable[[T], dict[str, Any]],
                 decode: Callable[[dict[str, Any]], T]) -> None:
        self.gathering = gathering
        self.name = name
        self.wait = wait  # seconds the first part waits for the rest
        self.key, self.encode, self.decode = key, encode, decode

    async def collect(self, group: str, part: T) -> list[T] | None:
        """Every part of the group, to the first part's caller; None to the others."""
        token = uuid.uuid4().hex
        group = f"{self.name}:{group}"
        work = self.gathering.work
        if not await work.run(self.gathering.add, group, self.key(part), self.encode(part),
                              token, self.wait):
            return None
        await asyncio.sleep(self.wait)
        taken = await work.run(self.gathering.take, group, token)
        return None if taken is None else [self.decode(payload) for payload in taken]


def inbound_to_json(inbound: Inbound) -> dict[str, Any]:
    found = asdict(inbound)
    if inbound.received_at is not None:
        found["received_at"] = inbound.received_at.isoformat()
    return found


def inbound_from_json(data: dict[str, Any]) -> Inbound:
    # JSON gives lists back where the photo keeps tuples.
    photos = tuple(Photo(**{**p, "advice": tuple(p.get("advice", ())),
                            "new_files": tuple(p.get("new_files", ()))})
                   for p in data.get("photos", ()))
    received = data.get("received_at")
    return Inbound(**{**data, "photos": photos,
                      "received_at": datetime.fromisoformat(received) if received else None})


def inbound_gatherer(gathering: Gathering, name: str, wait: float) -> Gatherer[Inbound]:
    """A gatherer of messages, each told apart by its message id."""
    return Gatherer(gathering, name, wait, key=lambda part: part.message_id or "",
                    encode=inbound_to_json, decode=inbound_from_json)


def combine(parts: list[Inbound], message_id: str | None = None) -> Inbound:
    """Messages sent together as one answer: the first text, every photo."""
    first = parts[0]
    text = next((p.text for p in parts if p.text), None)
    photos = tuple(photo for part in parts for photo in part.photos)
    return replace(first, text=text, photos=photos, message_id=message_id or first.message_id)
