"""Several server processes on one database: the parts of one answer gathered across them,
reminders queued once whichever process ticks, `kriya serve --workers`, and backups."""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import func, select, text

from bot.cli import main
from bot.cli.chat import app_from_environment
from bot.config import Config
from bot.gathering import Gathering, inbound_from_json, inbound_gatherer, inbound_to_json
from bot.scheduler import run_reminders
from bot.wiring import config
from bot.work import DatabaseWork
from conversations.messages import Inbound, Photo
from storage import backup
from storage.db import make_engine, session_scope, upgrade
from storage.gathering_models import GatheredPart
from storage.gathering_models import Gathering as GatheringRow
from storage.models import User, utcnow
from tests.conftest import START, eventually, kriya_serve, together
from tests.fake_telegram import free_port
from tests.test_reminders import DEADLINE, add_program, people, reminders
from tests.test_telegram import (  # noqa: F401 (the Bot API stand-in's fixtures)
    CHAT,
    SECRET,
    User_,
    bot_api,
    picture,
    stored_sizes,
)
from tests.test_telegram import fake as fake  # noqa: F401
from tests.test_whatsapp import Person, jpeg, serving, twilio_api  # noqa: F401
from tests.test_whatsapp import twilio as twilio  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent

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
    # Parts of a group nobody came back for are let go after an hour.
    monkeypatch.setattr("bot.gathering.utcnow", lambda: gone - timedelta(hours=2))
    gathering.add("forgotten", "update:5", {"n": 5}, "gone", 1.5)
    monkeypatch.undo()
    assert gathering.add("g", "update:6", {"n": 6}, "now", 1.5)
    assert gathering.take("g", "now") == [{"n": 6}]
    assert count(database, GatheredPart.__table__) == count(database, GatheringRow.__table__) == 0


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
    assert "tidak perlu foto" in people[0].last()["text"].lower()  # this step takes none
    assert stored_sizes(first) == []  # so none of the album is kept
    fetched = [c.params["file_id"] for c in fake.calls if c.method == "getFile"]
    assert sorted(fetched) == ["p0", "p1", "p2", "p3"]  # every part, each once


def photo_update(n: int) -> dict[str, Any]:
    uid = 90_000 + n
    return {"update_id": uid, "message": {
        "message_id": uid, "date": int(time.time()), "media_group_id": "album-2",
        "from": {"id": CHAT, "is_bot": False, "first_name": "Siti"},
        "chat": {"id": CHAT, "type": "private"},
        "photo": [{"file_id": f"p{n}", "file_unique_id": f"u{n}", "width": 1280,
                   "height": 960, "file_size": 2000}]}}


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_whatsapp_photos_posted_to_two_servers_in_turn_are_one_answer(database_url, twilio,
                                                                      tmp_path):
    with ExitStack() as stack:
        servers = [stack.enter_context(serving(database_url, twilio, tmp_path / "media"))
                   for _ in range(2)]
        siti = Person(servers[0], twilio)
        siti.says("halo")
        twilio.media.update({f"{n}": (jpeg((400 + n, 300)), "image/jpeg") for n in range(3)})
        replies_before = len(siti.bodies())
        forms = [siti.form(media=[(twilio.media_url(f"{n}"), "image/jpeg")]) for n in range(3)]
        posts = [(Person(servers[n % 2], twilio), form) for n, form in enumerate(forms)]
        posts.append((Person(servers[1], twilio), forms[0]))  # Twilio retries one

        with ThreadPoolExecutor(max_workers=4) as pool:
            responses = list(pool.map(lambda post: post[0].post(post[1]), posts))
        assert [r.status_code for r in responses] == [200] * 4
        assert len(siti.bodies()) == replies_before + 1  # one answer, one reply
        assert len(twilio.media_requests()) == 3


# Reminders, whichever process ticks


def test_processes_ticking_at_once_queue_each_reminder_once(database, conversations):
    add_program(database)
    people(database, "Jawa Timur", "Bali", "Papua")
    # Four processes' ticks, their clocks a little apart, all at the same moment.
    moments = [DEADLINE - timedelta(days=3) + timedelta(seconds=25 * n) for n in range(4)]
    queued: list[int] = []
    failures = together(
        lambda at: queued.append(run_reminders(database, conversations.settings, at)), moments)
    assert failures == []
    assert sum(queued) == 3 and len(reminders(database)) == 3


# kriya serve --workers N


def kriya_main(monkeypatch, database_url: str, *args: str) -> int:
    """`kriya ARGS` in this process, configured by the environment as it would be."""
    monkeypatch.setenv("KRIYA_DATABASE_URL", database_url)
    monkeypatch.setattr(sys, "argv", ["kriya", *args])
    config.cache_clear()
    try:
        main()
    except SystemExit as stop:
        return int(stop.code or 0)
    finally:
        config.cache_clear()
    return 0


def test_serve_with_workers_on_sqlite_is_refused_in_one_line(monkeypatch, capsys, tmp_path):
    monkeypatch.chdir(tmp_path)
    assert kriya_main(monkeypatch, f"sqlite:///{tmp_path}/k.db", "serve", "--workers", "2") == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("kriya: --workers needs PostgreSQL")


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_serve_with_workers_and_telegram_long_polling_is_refused(monkeypatch, capsys,
                                                                database_url, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:TEST-token")
    monkeypatch.delenv("KRIYA_PUBLIC_URL", raising=False)
    assert kriya_main(monkeypatch, database_url, "serve", "--workers", "2") == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("kriya: --workers needs KRIYA_PUBLIC_URL")


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_serve_with_workers_runs_the_app_factory_in_that_many_processes(
        monkeypatch, database_url, tmp_path):
    monkeypatch.chdir(tmp_path)
    served: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: served.update(app=app, **options))
    assert kriya_main(monkeypatch, database_url, "serve", "--workers", "3", "--port", "8123") == 0
    assert served["app"] == "bot.cli.chat:app_from_environment"
    assert (served["factory"], served["workers"], served["port"]) == (True, 3, 8123)
    # Each process builds its app from the environment it was started with.
    monkeypatch.setenv("KRIYA_DATABASE_URL", database_url)
    config.cache_clear()
    try:
        app = app_from_environment()
    finally:
        config.cache_clear()
    assert app.state.database.dialect.name == "postgresql"
    app.state.database.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_worker_processes_serve_one_port(database_url, tmp_path):
    port = free_port()
    env = {**os.environ, "KRIYA_DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "bot", "serve", "--workers", "2", "--port", str(port)]
    log = tmp_path / "serve.log"
    with log.open("w") as output, subprocess.Popen(
            command, env=env, cwd=tmp_path, stdout=output, stderr=subprocess.STDOUT) as server:
        try:
            started = eventually(lambda: log.read_text().count("Application startup complete"),
                                 lambda n: n == 2, 30)
            health = _health(port)
            workers = _children(server.pid)
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=20)
    said = log.read_text()
    assert (started, health, server.returncode) == (2, 200, 0), said
    # Two server processes (and multiprocessing's resource tracker), stopped in order.
    assert len(workers) == 3 and said.count("Application shutdown complete") == 2, said


def _health(port: int) -> int | None:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code
    except httpx.TransportError:
        return None


def _children(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/task/{pid}/children").read_text().split()


# kriya db backup


def test_a_backup_taken_while_writes_go_on_opens_and_holds_the_rows(tmp_path):
    url = f"sqlite:///{tmp_path}/kriya.db"
    database = make_engine(url)
    upgrade(database)
    written = itertools.count(1)
    done = threading.Event()

    def write() -> None:
        while not done.is_set():
            n = next(written)
            with session_scope(database) as session:
                session.add(User(channel="telegram", address=str(n), name=f"Perajin {n}"))

    writer = threading.Thread(target=write)
    writer.start()
    try:
        eventually(lambda: _users(database), lambda n: n >= 50)
        assert backup.backup(url, tmp_path / "copy.db") == "ok"
        before = _users(database)
    finally:
        done.set()
        writer.join()
        database.dispose()
    copy = make_engine(f"sqlite:///{tmp_path}/copy.db")
    try:
        with copy.connect() as conn:
            addresses = conn.execute(text("SELECT address FROM users")).scalars().all()
    finally:
        copy.dispose()
    # Every row committed before the copy began, and whole transactions only.
    assert len(addresses) >= 50 and sorted(map(int, addresses)) == list(
        range(1, len(addresses) + 1))
    assert len(addresses) <= _users_at(tmp_path / "kriya.db") and before >= 50
    assert not list(tmp_path.glob(".*.partial"))


def _users(database) -> int:
    with database.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM users")).scalar_one()


def _users_at(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT count(*) FROM users").fetchone()[0]


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_backup_of_postgresql_is_refused_naming_pg_dump(monkeypatch, capsys, database_url,
                                                          tmp_path):
    monkeypatch.chdir(tmp_path)
    assert kriya_main(monkeypatch, database_url, "db", "backup", "copy.db") == 2
    [line] = capsys.readouterr().err.splitlines()
    assert "pg_dump -Fc" in line and not (tmp_path / "copy.db").exists()

