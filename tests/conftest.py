"""Shared fixtures: a real database (a SQLite file, or the machine's PostgreSQL in a schema of
its own) at the newest schema, the conversation engine on it, and a way to chat with it as a
user would."""

from __future__ import annotations

import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import Engine as Database
from sqlalchemy import create_engine, text
from sqlmodel import SQLModel

from bot import channels
from conversations.context import Settings
from conversations.engine import Conversations
from conversations.flows import FLOWS
from conversations.messages import Inbound, Outbound, Photo
from storage.db import make_engine, upgrade

POSTGRES_URL = os.environ.get(
    "KRIYA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
T = TypeVar("T")
START = datetime(2027, 3, 1, 2, 0, tzinfo=UTC)  # Monday 1 March 2027, 09.00 WIB


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """One migrated SQLite file; each test gets a copy (migrating per test is slow)."""
    path = tmp_path_factory.mktemp("template") / "kriya.db"
    database = make_engine(f"sqlite:///{path}")
    upgrade(database)
    database.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_schema() -> Iterator[str]:
    """A schema of this test run on the local PostgreSQL, migrated once."""
    schema = f"kriya_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as error:  # pragma: no cover - shown when the server is missing
        pytest.fail(
            f"PostgreSQL at {POSTGRES_URL} does not answer ({error}). Start it, point "
            "KRIYA_TEST_POSTGRES_URL at one, or run the SQLite half: pytest -m 'not postgres'"
        )
    database = make_engine(postgres_url(schema))
    upgrade(database)
    database.dispose()
    yield schema
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def postgres_url(schema: str) -> str:
    return f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"


def _truncate_all(database: Database) -> None:
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with database.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        # What the migrations put in a new database comes back: the national office.
        conn.execute(text("INSERT INTO offices (id, name, kind, provinces, created_at) "
                          "VALUES ('pusat', 'Kantor pusat', 'national', '[]', now())"))


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def database_url(request, tmp_path, sqlite_template) -> Iterator[str]:
    """The URL of an empty database at the newest schema, on each backend in turn."""
    if request.param == "sqlite":
        path = tmp_path / "kriya.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    schema = request.getfixturevalue("postgres_schema")
    database = make_engine(postgres_url(schema))
    _truncate_all(database)
    database.dispose()
    yield postgres_url(schema)


@pytest.fixture
def database(database_url) -> Iterator[Database]:
    database = make_engine(database_url)
    yield database
    database.dispose()


@pytest.fixture
def conversations(database, tmp_path) -> Conversations:
    return Conversations(database, FLOWS, Settings(
        default_zone="Asia/Jakarta", media_dir=str(tmp_path / "media"),
        channel_titles=channels.titles()))


class Chat:
    """One person typing to the bot, with a clock the test moves."""

    def __init__(self, conversations: Conversations, address: str = "6281234567890",
                 channel: str = "terminal", phone: str | None = None) -> None:
        self.conversations = conversations
        self.address = address
        self.channel = channel
        self.phone = phone
        self.now = START
        self.replies: list[Outbound] = []
        self._count = 0

    def say(self, text: str | None = None, *, choice: str | None = None,
            photos: tuple[Photo, ...] = (), message_id: str | None = None,
            start: bool = False) -> list[Outbound]:
        self._count += 1
        self.now += timedelta(seconds=20)
        inbound = Inbound(
            channel=self.channel, address=self.address, text=text, choice=choice, photos=photos,
            message_id=message_id or f"{self.address}-{self._count}", phone=self.phone,
            new_conversation=start, received_at=self.now,
        )
        self.replies = [d.message for d in self.conversations.handle(inbound)]
        return self.replies

    def wait(self, **delta) -> None:
        self.now += timedelta(**delta)

    @property
    def text(self) -> str:
        """Everything the bot just said, as one string."""
        return "\n".join(r.text for r in self.replies)

    @property
    def last(self) -> Outbound:
        return self.replies[-1]

    @property
    def options(self) -> list[str]:
        return [o.label for o in self.last.options]

    @property
    def step(self) -> str | None:
        return self.last.step

    def register_artisan(self, province: str = "ntb", name: str = "Siti Aminah") -> None:
        for answer in ("halo", "1", "1", name, "Tenun Ikat Sasak", province, "Kota Mataram",
                       "3, 4"):
            self.say(answer)
        if self.step == "registration:phone":
            self.say("0812 3456 7890")
        self.say("1")
        assert self.step == "menu:choose", self.text


@pytest.fixture
def chat(conversations) -> Chat:
    return Chat(conversations)


def together(function: Callable[[T], object], items: Sequence[T],
             seconds: float = 60) -> list[BaseException]:
    """Call `function` on every item, each in its own thread, all let go at the same moment;
    returns what any of them raised (an error in a thread is otherwise lost)."""
    start = threading.Barrier(len(items))
    failures: list[BaseException] = []

    def run(item: T) -> None:
        try:
            start.wait()
            function(item)
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=run, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds)
    return failures


def eventually(read: Callable[[], T], holds: Callable[[T], bool], seconds: float = 10) -> T:
    """What `read` gives once `holds` is true of it, or its last value after `seconds`:
    for what a server does a moment after answering (marking sent, the dispatcher)."""
    deadline = time.monotonic() + seconds
    value = read()
    while not holds(value) and time.monotonic() < deadline:
        time.sleep(0.05)
        value = read()
    return value


@contextmanager
def kriya_serve(config: object) -> Iterator[object]:
    """`kriya serve`'s app on loopback, in a thread: an HTTP client to it, with the app
    (`.app`) and its media folder (`.media`).

    The dispatcher keeps pushes back while it is night where their people live, by the
    wall clock; this server, for tests not about that, judges the night at START, a
    morning."""
    import httpx

    from bot.server import create_app
    from conversations.quiet_hours import night_hold
    from tests.fake_telegram import ServerThread, free_port

    app = create_app(config)  # type: ignore[arg-type]
    hold = night_hold(app.state.conversations.settings.default_zone)
    for dispatcher in app.state.dispatchers:
        dispatcher.night = lambda province, now: hold(province, START)
    port = free_port()
    with ServerThread(app, port, lifespan="on"), httpx.Client(
        base_url=f"http://127.0.0.1:{port}", timeout=20
    ) as client:
        client.app = app  # type: ignore[attr-defined]
        client.media = Path(config.media_dir)  # type: ignore[attr-defined]
        yield client
