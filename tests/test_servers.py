"""Several server processes on one database: the parts of one answer gathered across them,
reminders queued once whichever process ticks, `kriya serve --workers`, and backups."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.config import Config
from bot.gathering import Gathering, inbound_from_json, inbound_gatherer, inbound_to_json
from bot.work import DatabaseWork
from conversations.messages import Inbound, Photo
from storage.gathering_models import GatheredPart
from storage.gathering_models import Gathering as GatheringRow
from storage.models import utcnow
from tests.conftest import START, kriya_serve
from tests.test_telegram import (  # noqa: F401 (the Bot API stand-in's fixtures)
    CHAT,
    SECRET,
    User_,
    bot_api,
    picture,
    stored_sizes,
)
from tests.test_telegram import fake as fake  # noqa: F401

# The parts of one answer


def inbound(n: int) -> Inbound:
    return Inbound(channel="telegram", address="42", message_id=f"update:{n}",
                   photos=(Photo(ref=f"file-{n}", size=2000, advice=("dark",)),),
                   received_at=START)


def count(database, table) -> int:
    with database.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_a_message_survives_its_trip_through_the_database():
    message = inbound(1)
    assert inbound_from_json(inbound_to_json(message)) == message


def test_the_first_part_takes_every_part_once_and_later_ones_start_anew(database):
    gathering = Gathering(database, DatabaseWork(database))
    parts = [inbound_to_json(inbound(n)) for n in range(3)]
    assert gathering.add("g", "update:0", parts[0], "first", 1.5)
    assert not gathering.add("g", "update:1", parts[1], "second", 1.5)
    # A retried webhook: its part is there once, and it answers for nothing.
    assert not gathering.add("g", "update:1", parts[1], "retry", 1.5)
    assert not gathering.add("g", "update:2", parts[2], "third", 1.5)
    assert gathering.take("g", "second") is None  # only the leader takes
    assert [inbound_from_json(p) for p in gathering.take("g", "first") or []] == [
        inbound(n) for n in range(3)]
    assert count(database, GatheredPart.__table__) == 0
    # A part after the group was taken starts a group of its own.
    assert gathering.add("g", "update:3", parts[0], "late", 1.5)
    assert [inbound_from_json(p) for p in gathering.take("g", "late") or []] == [inbound(0)]
    assert count(database, GatheringRow.__table__) == 0


def test_a_group_whose_leader_went_quiet_is_answered_by_the_next_part(database, monkeypatch):
    gathering = Gathering(database, DatabaseWork(database))
    gone = utcnow() - timedelta(minutes=5)
    monkeypatch.setattr("bot.gathering.utcnow", lambda: gone)
    assert gathering.add("g", "update:0", {"n": 0}, "gone", 1.5)
    monkeypatch.undo()
    assert gathering.add("g", "update:1", {"n": 1}, "next", 1.5)
    assert gathering.take("g", "gone") is None
    assert gathering.take("g", "next") == [{"n": 0}, {"n": 1}]


def test_a_gatherer_gives_the_parts_to_the_first_caller_alone(database):
    gatherer = inbound_gatherer(Gathering(database, DatabaseWork(database)), "telegram", 0.2)

    async def three() -> list[list[Inbound] | None]:
        return await asyncio.gather(*(gatherer.collect("42:a1", inbound(n)) for n in range(3)))

    [taken] = [parts for parts in asyncio.run(three()) if parts is not None]
    assert sorted(taken, key=lambda part: part.message_id or "") == [inbound(n) for n in range(3)]


@pytest.fixture
def two_servers(fake, database_url, tmp_path) -> Iterator[list[Any]]:
    """Two `kriya serve` apps on one database, as behind a load balancer."""
    config = Config(
        KRIYA_DATABASE_URL=database_url, KRIYA_PUBLIC_URL="https://kriya.example.id",
        TELEGRAM_BOT_TOKEN=fake.token, TELEGRAM_WEBHOOK_SECRET=SECRET,
        TELEGRAM_API_BASE_URL=fake.api_base, TELEGRAM_FILE_BASE_URL=fake.file_base,
        KRIYA_MEDIA_DIR=str(tmp_path / "media"),
    )
    with ExitStack() as stack:
        yield [stack.enter_context(kriya_serve(config)) for _ in range(2)]


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_an_album_posted_to_two_servers_in_turn_is_one_answer(two_servers, fake):
    first, second = two_servers
    siti = User_(first, fake)
    siti.says("/start")
    siti.tap("setuju")
    siti.tap("Perajin")
    replies_before = len(fake.sent(CHAT))
    fake.files.update({f"p{n}": picture(400 + n) for n in range(4)})
    people = [User_(server, fake) for server in (first, second, first, second)]
    bodies = [photo_update(n) for n in range(4)]
    bodies.append(bodies[1])  # Telegram retries one of them, at the other server

    with ThreadPoolExecutor(max_workers=5) as pool:
        responses = list(pool.map(lambda pair: pair[0]._post(pair[1]),
                                  zip([*people, people[0]], bodies, strict=True)))
    assert [r.status_code for r in responses] == [200] * 5
    assert len(fake.sent(CHAT)) == replies_before + 1  # one answer, one reply
    assert stored_sizes(first) == [(400, 300), (401, 300), (402, 300), (403, 300)]


def photo_update(n: int) -> dict[str, Any]:
    uid = 90_000 + n
    return {"update_id": uid, "message": {
        "message_id": uid, "date": int(time.time()), "media_group_id": "album-2",
        "from": {"id": CHAT, "is_bot": False, "first_name": "Siti"},
        "chat": {"id": CHAT, "type": "private"},
        "photo": [{"file_id": f"p{n}", "file_unique_id": f"u{n}", "width": 1280,
                   "height": 960, "file_size": 2000}]}}
