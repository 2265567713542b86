"""PostgreSQL ending Kriya's connections while people write, on Telegram and WhatsApp at once
(a restart, a failover, an operator's kill): every message is handled once, no reply goes
twice, and the server carries on without a restart."""

from __future__ import annotations

import collections
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool
from sqlmodel import Session, select

from bot.config import Config
from storage.db import make_engine
from storage.models import HandledInbound, OutboxMessage
from tests.conftest import POSTGRES_URL, _truncate_all, eventually, kriya_serve, postgres_url
from tests.fake_telegram import FakeTelegram, ServerThread, free_port
from tests.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio
from tests.test_telegram import SECRET
from tests.test_whatsapp import PUBLIC, SENDER, sign

pytestmark = pytest.mark.postgres
ANSWERS = ("halo", "1", "1", "Siti Aminah", "Tenun Ikat Sasak", "ntb", "Kota Mataram", "3, 4")
PEOPLE = 4  # on each channel
RETRIES = 6  # how often a platform delivers a webhook again after a 5xx, at most


class Killer:
    """Ends the server's PostgreSQL connections (and only its: by application_name) each
    time a platform is asked to send, every `every`-th time, beside the send."""

    def __init__(self, application: str, every: int = 2) -> None:
        self.admin = create_engine(POSTGRES_URL, poolclass=NullPool)
        self.application = application
        self.every = every
        self.asked = 0
        self.killed = 0
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def on_send(self) -> None:
        with self._lock:
            self.asked += 1
            if self.asked % self.every:
                return
        # Beside the send, not before it: it lands on whatever the server is doing then,
        # another person's message or the write that records this send.
        thread = threading.Thread(target=self.kill)
        self._threads.append(thread)
        thread.start()

    def kill(self) -> None:
        with self.admin.begin() as conn:
            ended = conn.execute(text(
                "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND application_name = :name"), {"name": self.application}).scalar_one()
        with self._lock:
            self.killed += ended

    def close(self) -> None:
        for thread in self._threads:
            thread.join()
        self.admin.dispose()


def watched(app: Any, is_send: Callable[[str], bool], on_send: Callable[[], None]) -> Any:
    """`app` (a fake platform), calling `on_send` for each request that sends a message."""

    async def wrapper(scope, receive, send):
        if scope["type"] == "http" and is_send(scope["path"]):
            on_send()
        await app(scope, receive, send)

    return wrapper


@pytest.fixture
def killed_database(postgres_schema) -> Iterator[tuple[str, str]]:
    """A clean database at the newest schema: (the server's URL, its application_name)."""
    application = f"kriya_kill_{uuid.uuid4().hex[:8]}"
    url = postgres_url(postgres_schema)
    database = make_engine(url)
    _truncate_all(database)
    database.dispose()
    yield f"{url}&application_name={application}", application


@pytest.fixture
def platforms(killed_database) -> Iterator[tuple[FakeTelegram, FakeTwilio, Killer]]:
    killer = Killer(killed_database[1])
    telegram, twilio = FakeTelegram(port=free_port()), FakeTwilio(port=free_port())
    with ServerThread(watched(telegram.app(), lambda p: p.endswith("/sendMessage"),
                              killer.on_send), telegram.port), \
            ServerThread(watched(twilio.app(), lambda p: p.endswith("/Messages.json"),
                                 killer.on_send), twilio.port):
        yield telegram, twilio, killer
    killer.close()


def delivered(post: Callable[[], httpx.Response], answered: collections.Counter) -> None:
    """Post a webhook as a platform does: again after a 5xx (Telegram always, Twilio with
    the retry the README sets), up to RETRIES times."""
    for _ in range(RETRIES):
        response = post()
        answered[response.status_code] += 1
        if response.status_code < 500:
            assert response.status_code == 200, response.text
            return
        assert response.status_code == 503, response.text  # never a crash
        assert response.headers.get("Retry-After")
    raise AssertionError("never handled")


def telegram_person(client: httpx.Client, chat_id: int, answered: collections.Counter) -> None:
    for n, answer in enumerate(ANSWERS):
        update_id = chat_id * 100 + n
        body = {"update_id": update_id, "message": {
            "message_id": n + 1, "date": int(time.time()), "text": answer,
            "from": {"id": chat_id, "is_bot": False, "first_name": "Siti"},
            "chat": {"id": chat_id, "type": "private", "first_name": "Siti"}}}
        delivered(lambda body=body: client.post(
            "/telegram/webhook", json=body,
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}), answered)


def whatsapp_person(client: httpx.Client, phone: str, answered: collections.Counter) -> None:
    for n, answer in enumerate(ANSWERS):
        params = {"MessageSid": f"SM{phone[1:]}{n:019d}", "AccountSid": ACCOUNT_SID,
                  "From": f"whatsapp:{phone}", "To": SENDER, "Body": answer, "NumMedia": "0"}
        headers = {"X-Twilio-Signature": sign("/whatsapp/webhook", params)}
        delivered(lambda params=params, headers=headers: client.post(
            "/whatsapp/webhook", data=params, headers=headers), answered)


def test_connections_ended_while_people_write_lose_and_double_nothing(
        killed_database, platforms, postgres_schema, tmp_path):
    telegram, twilio, killer = platforms
    config = Config(
        KRIYA_DATABASE_URL=killed_database[0], KRIYA_PUBLIC_URL=PUBLIC,
        KRIYA_MEDIA_DIR=str(tmp_path / "media"),
        TELEGRAM_BOT_TOKEN=telegram.token, TELEGRAM_WEBHOOK_SECRET=SECRET,
        TELEGRAM_API_BASE_URL=telegram.api_base, TELEGRAM_FILE_BASE_URL=telegram.file_base,
        TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        TWILIO_WHATSAPP_FROM=SENDER, TWILIO_API_BASE_URL=twilio.base_url,
    )
    chats = [5550001 + n for n in range(PEOPLE)]
    phones = [f"+62812345678{n:02d}" for n in range(PEOPLE)]
    answered: collections.Counter = collections.Counter()
    database = make_engine(postgres_url(postgres_schema))  # the test's own: never killed
    try:
        with kriya_serve(config) as client, ThreadPoolExecutor(2 * PEOPLE) as pool:
            work = [pool.submit(telegram_person, client, chat, answered) for chat in chats]
            work += [pool.submit(whatsapp_person, client, phone, answered) for phone in phones]
            for each in work:
                each.result()

            def replies() -> list[OutboxMessage]:
                with Session(database) as session:
                    return list(session.exec(select(OutboxMessage)))

            # Every reply recorded as sent: none is left for the dispatcher to send again.
            # (One whose handling committed as its connection died goes with the lease.)
            found = eventually(replies, lambda rows: all(r.status == "sent" for r in rows), 45)
            assert client.get("/healthz").status_code == 200  # carried on, no restart
        with Session(database) as session:
            handled = list(session.exec(select(HandledInbound)))
    finally:
        database.dispose()
    assert killer.killed > 0
    assert len(handled) == 2 * PEOPLE * len(ANSWERS)  # every message handled
    assert [r.status for r in found if r.status != "sent"] == []
    # Each reply reached its person once: as many sends as reply rows, none twice.
    rows_to = collections.Counter(r.address for r in found)
    sent_to = collections.Counter(str(m["chat_id"]) for m in telegram.sent())
    sent_to.update(m["To"].removeprefix("whatsapp:") for m in twilio.sent())
    assert sent_to == rows_to
    for chat in chats:  # and every person got through registration to the last question
        assert len([r for r in found if r.address == str(chat)]) >= len(ANSWERS)
