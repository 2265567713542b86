"""`GET /metrics`: only with the operator's bearer token, in Prometheus' text format, with
what Kriya is doing (webhooks, sends, the outbox, the pace, photos, reminder ticks)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.config import Config
from storage.models import utcnow
from tests.conftest import eventually, kriya_serve
from tests.fake_telegram import FakeTelegram, ServerThread, free_port
from tests.test_dispatch import queue_many
from tests.test_telegram import SECRET, User_

TOKEN = "metrics-t0ken"


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    fake = FakeTelegram(port=free_port())
    with ServerThread(fake.app(), fake.port):
        yield fake


def serve(fake: FakeTelegram, database_url: str, tmp_path, **more: str):
    return kriya_serve(Config(
        KRIYA_DATABASE_URL=database_url, KRIYA_PUBLIC_URL="https://kriya.example.id",
        TELEGRAM_BOT_TOKEN=fake.token, TELEGRAM_WEBHOOK_SECRET=SECRET,
        TELEGRAM_API_BASE_URL=fake.api_base, TELEGRAM_FILE_BASE_URL=fake.file_base,
        KRIYA_MEDIA_DIR=str(tmp_path / "media"), **more))


def samples(body: str) -> dict[tuple[str, frozenset], float]:
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(body) for s in family.samples}


def value(found: dict, name: str, **labels: str) -> float | None:
    return found.get((name, frozenset(labels.items())))


def test_without_a_token_there_is_no_metrics_route(fake, database_url, tmp_path):
    with serve(fake, database_url, tmp_path) as client:
        assert client.get("/metrics", headers={"Authorization": "Bearer x"}).status_code == 404


def test_metrics_show_kriya_at_work_to_the_token_only(fake, database_url, tmp_path):
    fake.files["ph1"] = b"\xff\xd8\xff\xe0" + b"0" * 2000
    with serve(fake, database_url, tmp_path, KRIYA_METRICS_TOKEN=TOKEN) as client:
        assert client.get("/metrics").status_code == 401
        wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 403 and "kriya" not in wrong.text
        person = User_(client, fake, chat_id=515151)
        assert person.says("halo").status_code == 200
        person.sends_photo("ph1", size=2004)
        queue_many(client.app.state.database, "whatsapp", 3, utcnow())

        def scrape() -> dict[tuple[str, frozenset], Any]:
            answer = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
            assert answer.status_code == 200
            assert answer.headers["content-type"].startswith("text/plain")
            return samples(answer.text)

        found = eventually(scrape, lambda f: value(
            f, "kriya_reminder_tick_seconds_count") is not None)
    assert value(found, "kriya_webhook_seconds_count", channel="telegram") >= 2
    assert value(found, "kriya_updates_handled_total", channel="telegram") >= 2
    assert value(found, "kriya_sends_total", channel="telegram", outcome="sent") >= 1
    assert value(found, "kriya_photo_downloads_total", channel="telegram", outcome="ok") >= 1
    # From the database, whichever process answers: WhatsApp is not served here.
    assert value(found, "kriya_outbox_depth", channel="whatsapp", priority="3") == 3
    assert value(found, "kriya_pace_per_second", channel="telegram") == 25


class Refusing:
    """A channel whose platform answers with the person's number in its error text."""

    name = "refusing"
    title = "Refusing"
    needs_window = False
    rate = 50.0

    async def send(self, due):
        from conversations.sending import Outcome, OutcomeStatus

        if due.address.endswith("1"):
            raise RuntimeError(f"cannot reach {due.address}")
        return Outcome(OutcomeStatus.BLOCKED, f"{due.address} blocked us", error_code="63024")


def test_the_dispatchers_log_one_line_a_send_without_number_or_text(database, caplog):
    import logging

    from conversations import outbox
    from conversations.outbox import Message, MessageKind, Recipient
    from storage.db import session_scope
    from tests.test_dispatch import FakeClock, dispatch_all

    clock = FakeClock()
    with session_scope(database) as session:
        outbox.queue(session, [
            Message(Recipient("refusing", f"+62812345678{n}"), MessageKind.DECISION,
                    f"decision:{n}", {"text": "Produk Anda lolos kurasi"}) for n in (0, 1)],
            clock.now())
    with caplog.at_level(logging.INFO, logger="kriya.outbox"):
        dispatch_all(database, Refusing(), clock)
    lines = [r.getMessage() for r in caplog.records]
    assert "refusing decision:0 blocked code=63024" in lines
    [unexpected] = {line for line in lines if line.startswith("refusing decision:1 retry")}
    assert "(unexpected: RuntimeError at test_metrics.py:" in unexpected
    assert not any("+62" in line or "kurasi" in line for line in caplog.text.splitlines())


def test_several_processes_add_up_with_a_multiprocess_folder(sqlite_template, tmp_path,
                                                             monkeypatch):
    """`kriya serve --workers`: each process writes its counts to PROMETHEUS_MULTIPROC_DIR,
    and a scrape of any one adds them up."""
    import os
    import subprocess
    import sys

    from prometheus_client import generate_latest

    from bot import metrics
    from storage.db import make_engine
    from tests.test_cli import ROOT

    folder = tmp_path / "prometheus"
    folder.mkdir()
    count = ("from bot import metrics; from conversations.sending import SENT; "
             "metrics.sent('whatsapp', SENT); metrics.update_handled('whatsapp')")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PROMETHEUS_MULTIPROC_DIR": str(folder)}
    for _ in range(2):  # two worker processes
        subprocess.run([sys.executable, "-c", count], env=env, check=True, timeout=60)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(folder))
    database = make_engine(f"sqlite:///{sqlite_template}")  # the pace is read there
    found = samples(generate_latest(metrics.registry(database, lambda: {"whatsapp": 20.0}))
                    .decode())
    database.dispose()
    assert value(found, "kriya_sends_total", channel="whatsapp", outcome="sent") == 2
    assert value(found, "kriya_updates_handled_total", channel="whatsapp") == 2
    assert value(found, "kriya_pace_per_second", channel="whatsapp") == 20
