"""`kriya serve` processes delivering a broadcast: killed with SIGKILL half way and started
again, or two at once on one database, against a Bot API stand-in that refuses messages
beyond its per-second limit."""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
from sqlmodel import Session, select

from conversations import broadcasts
from storage.db import session_scope
from storage.models import OutboxMessage, utcnow
from tests.conftest import eventually
from tests.fake_telegram import FakeTelegram, RateLimit, ServerThread, free_port
from tests.test_cli import ROOT
from tests.test_reminders import people

LIMIT = 50  # messages a second the stand-in takes, and the rate kriya serve is set to


@contextmanager
def serving(database_url: str, fake: FakeTelegram, tmp_path: Path, port: int,
            **env: str) -> Iterator[subprocess.Popen]:
    """`kriya serve` in a process of its own, up and answering /healthz."""
    environment = {
        **os.environ, "PYTHONPATH": str(ROOT), "KRIYA_DATABASE_URL": database_url,
        "KRIYA_PUBLIC_URL": "https://kriya.example.id", "KRIYA_MEDIA_DIR": str(tmp_path),
        "TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_FILE_BASE_URL": fake.file_base,
        "TELEGRAM_API_BASE_URL": fake.api_base, "TELEGRAM_RATE": str(LIMIT),
        # The test runs at any hour: no quiet hours. A short lease, to keep it short.
        "KRIYA_QUIET_HOURS": "off", "KRIYA_SEND_LEASE": "6", **env,
    }
    log = (tmp_path / f"serve-{port}.log").open("a")
    process = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--port", str(port)],
                               env=environment, stdout=log, stderr=subprocess.STDOUT)
    try:
        eventually(lambda: _healthy(port), bool, seconds=30)
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)
        log.close()


def _healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
    except httpx.TransportError:
        return False


def broadcast_to(database, count: int) -> set[int]:
    ids = people(database, *["Jawa Timur"] * count)
    with session_scope(database) as session:
        broadcasts.queue(session, "Pameran Kriya dibuka!", {}, now=utcnow(), quiet=None)
    return {1000 + n for n in range(len(ids))}


def recorded_sent(database) -> set[int]:
    with Session(database) as session:
        return {int(address) for address in session.exec(
            select(OutboxMessage.address).where(OutboxMessage.status == "sent"))}


def delivered(fake: FakeTelegram) -> collections.Counter:
    return collections.Counter(chat for _, chat, _ in list(fake.taken))


def settled(fake: FakeTelegram) -> collections.Counter:
    """What the stand-in delivered, once requests it was still answering are done."""
    seen = -1
    while seen != len(fake.taken):
        seen = len(fake.taken)
        time.sleep(0.3)
    return delivered(fake)


def test_a_server_killed_mid_broadcast_loses_nothing_and_doubles_only_what_was_in_flight(
        database, database_url, tmp_path):
    fake = FakeTelegram(port=free_port(), limit=RateLimit(LIMIT))
    everyone = broadcast_to(database, 300)
    with ServerThread(fake.app(), fake.port):
        port = free_port()
        with serving(database_url, fake, tmp_path, port) as first:
            eventually(lambda: len(delivered(fake)), lambda n: n >= 100, seconds=30)
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
        got = settled(fake)
        # Taken by the platform, not yet written down: the most that may go twice.
        in_flight = set(got) - recorded_sent(database)
        assert 100 <= len(got) < 300  # killed half way indeed
        with serving(database_url, fake, tmp_path, port):
            eventually(lambda: set(delivered(fake)), lambda got: got >= everyone, seconds=60)
            eventually(lambda: recorded_sent(database), lambda sent: sent == everyone)
    got = delivered(fake)
    doubled = {chat for chat, n in got.items() if n > 1}
    assert set(got) == everyone
    assert doubled <= in_flight and all(n <= 2 for n in got.values())


def test_two_servers_share_the_outbox_and_the_platforms_rate(database, database_url, tmp_path):
    """Two processes behind a load balancer, each set to the platform's limit: together
    they keep to it (one pace, booked in the database), and no message goes twice."""
    fake = FakeTelegram(port=free_port(), limit=RateLimit(LIMIT))
    other_port = free_port()  # the same stand-in on a second port, to tell who sent what
    with ExitStack() as stack:
        stack.enter_context(ServerThread(fake.app(), fake.port))
        stack.enter_context(ServerThread(fake.app(), other_port))
        stack.enter_context(serving(database_url, fake, tmp_path, free_port()))
        stack.enter_context(serving(
            database_url, fake, tmp_path, free_port(),
            TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{other_port}/bot"))
        everyone = broadcast_to(database, 250)
        eventually(lambda: set(delivered(fake)), lambda got: got >= everyone, seconds=60)
        time.sleep(0.5)  # anything sent twice would show by now
    got = delivered(fake)
    assert set(got) == everyone and set(got.values()) == {1}
    by_process = collections.Counter(port for _, _, port in fake.taken)
    assert set(by_process) == {fake.port, other_port}
    assert min(by_process.values()) >= 40  # both did their share
    times = sorted(when for when, _, _ in fake.taken)
    achieved = (len(times) - 1) / (times[-1] - times[0])
    assert achieved <= LIMIT * 1.1, f"{achieved:.1f} a second, over the limit of {LIMIT}"
    assert fake.refused <= 3  # a burst of scheduling jitter at most, never a doubled rate


def test_a_server_stopped_for_a_deploy_hands_back_its_batch_at_once(
        database, database_url, tmp_path):
    """SIGTERM (a deploy, a restart): sends under way finish and are recorded, and what the
    process had claimed but not started is free at once, not after its minute-long lease."""
    fake = FakeTelegram(port=free_port(), limit=RateLimit(LIMIT))
    everyone = broadcast_to(database, 200)
    with ServerThread(fake.app(), fake.port):
        port = free_port()
        with serving(database_url, fake, tmp_path, port, KRIYA_SEND_LEASE="60") as first:
            eventually(lambda: len(delivered(fake)), lambda n: n >= 60, seconds=30)
            first.terminate()
            first.wait(timeout=30)
        # It stopped in good order (uvicorn passes the signal on in its exit status).
        assert "Application shutdown complete" in (tmp_path / f"serve-{port}.log").read_text()
        assert recorded_sent(database) == set(delivered(fake))  # nothing left unrecorded
        stopped = time.monotonic()
        with serving(database_url, fake, tmp_path, port, KRIYA_SEND_LEASE="60"):
            eventually(lambda: set(delivered(fake)), lambda got: got >= everyone, seconds=40)
        took = time.monotonic() - stopped
    got = delivered(fake)
    assert set(got) == everyone and set(got.values()) == {1}
    assert took < 30, f"the rest took {took:.0f} s: the stopped server's batch waited"


@contextmanager
def in_process(database_url: str, fake: FakeTelegram, tmp_path: Path) -> Iterator[object]:
    from bot.config import Config
    from bot.server import create_app

    app = create_app(Config(
        KRIYA_DATABASE_URL=database_url, KRIYA_MEDIA_DIR=str(tmp_path),
        TELEGRAM_BOT_TOKEN=fake.token, TELEGRAM_API_BASE_URL=fake.api_base,
        TELEGRAM_FILE_BASE_URL=fake.file_base, TELEGRAM_RATE=str(LIMIT),
        KRIYA_QUIET_HOURS="off"))
    with ServerThread(fake.app(), fake.port):
        yield app


def queue_to(database, chat: int, *texts: str, kind: str = "decision") -> None:
    with session_scope(database) as session:
        for n, words in enumerate(texts):
            session.add(OutboxMessage(channel="telegram", address=str(chat), kind=kind,
                                      priority=1, payload={"text": words},
                                      idempotency_key=f"{chat}:{n}"))


def test_one_persons_messages_keep_their_order_while_others_overlap(
        database, database_url, tmp_path):
    import asyncio

    from bot.server import deliver_once

    fake = FakeTelegram(port=free_port(), slow={"Produk A lolos kurasi": 0.5})
    queue_to(database, 1, "Produk A lolos kurasi", "Produk B perlu perbaikan")
    queue_to(database, 2, "Kursi Anda terkonfirmasi")
    with in_process(database_url, fake, tmp_path) as app:
        asyncio.run(deliver_once(app))
    # The other person's message did not wait behind the slow one, and the first
    # person's second message was not sent until their first had arrived.
    assert [chat for _, chat, _ in fake.taken] == [2, 1, 1]
    assert [m["text"] for m in fake.sent(1)] == ["Produk A lolos kurasi",
                                                "Produk B perlu perbaikan"]
    assert recorded_sent(database) == {1, 2}


def test_a_platforms_pause_holds_every_dispatcher_of_the_channel(
        database, database_url, tmp_path):
    import asyncio

    from bot.server import deliver_once
    from storage.models import ChannelPace

    fake = FakeTelegram(port=free_port(), flood=1, retry_after=3)
    queue_to(database, 1, "Pameran dibuka", kind="broadcast")
    before = utcnow()
    with in_process(database_url, fake, tmp_path) as app:
        asyncio.run(deliver_once(app))
    with Session(database) as session:
        pace = session.exec(select(ChannelPace)).one()
        [row] = session.exec(select(OutboxMessage)).all()
    # Booked in the database, where another process's dispatcher looks before sending.
    assert (pace.next_at - before).total_seconds() >= 2.5
    assert row.status == "sent" and row.attempts == 1  # the pause cost it no try
    assert len(fake.sent(1)) == 2 and len(set(delivered(fake))) == 1


# The dispatcher's pace, on a clock of the test's own: what is asserted is when each send
# started by the dispatcher's reckoning, which no busy machine can disturb.


class FakeClock:
    """Time that passes only when the dispatcher waits."""

    def __init__(self) -> None:
        from tests.conftest import START

        self.moment = START

    def now(self):
        return self.moment

    async def sleep(self, seconds: float) -> None:
        import asyncio
        from datetime import timedelta

        await asyncio.sleep(0)  # what was started before the wait runs at its own moment
        self.moment += timedelta(seconds=max(0.0, seconds))


class Stopwatch:
    """A channel that takes every message at once and notes when, by the fake clock;
    `refuse` answers that many sends with the platform's "wait `pause` seconds"."""

    name = "stopwatch"
    title = "Stopwatch"
    needs_window = False

    def __init__(self, clock: FakeClock, rate: float, refuse: int = 0, pause: float = 0):
        self.clock, self.rate, self.refuse, self.pause = clock, rate, refuse, pause
        self.sent: list[tuple[float, str]] = []

    async def send(self, due):
        from conversations.sending import SENT, Outcome, OutcomeStatus

        if self.refuse:
            self.refuse -= 1
            return Outcome(OutcomeStatus.RETRY, "flood", retry_after=self.pause)
        self.sent.append((self.clock.now().timestamp(), due.address))
        return SENT


def dispatch_all(database, channel, clock) -> None:
    import asyncio
    from datetime import timedelta

    from bot.dispatcher import Dispatcher
    from bot.recorder import Recorder
    from bot.work import DatabaseWork

    async def run() -> None:
        work = DatabaseWork(database)
        dispatcher = Dispatcher(channel, database, work, Recorder(database, work),
                                lease=timedelta(seconds=60), clock=clock)
        while await dispatcher.dispatch_once():
            pass

    asyncio.run(run())


def queue_many(database, channel: str, count: int, at) -> None:
    from conversations import outbox
    from conversations.outbox import Message, MessageKind, Recipient

    with session_scope(database) as session:
        outbox.queue(session, [
            Message(Recipient(channel, str(n)), MessageKind.BROADCAST, f"{channel}:{n}",
                    {"text": "Pameran dibuka"}) for n in range(count)], at)


def test_a_dispatcher_sends_at_its_channels_rate_not_faster_not_slower(database):
    clock = FakeClock()
    channel = Stopwatch(clock, rate=20)
    queue_many(database, channel.name, 100, clock.now())
    dispatch_all(database, channel, clock)
    times = [at for at, _ in channel.sent]
    assert len(times) == 100 and len({a for _, a in channel.sent}) == 100
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert min(gaps) >= 1 / 20 - 0.001  # never two closer than the rate allows
    assert times[-1] - times[0] <= 99 / 20 + 0.05  # and no slower: batch after batch


def test_a_platforms_pause_holds_the_channel_and_costs_the_message_no_try(database):
    clock = FakeClock()
    channel = Stopwatch(clock, rate=20, refuse=1, pause=3)
    start = clock.now().timestamp()
    queue_many(database, channel.name, 5, clock.now())
    dispatch_all(database, channel, clock)
    assert len(channel.sent) == 5
    assert min(at for at, _ in channel.sent) >= start + 3  # nothing went during the pause
    with Session(database) as session:
        rows = session.exec(select(OutboxMessage)).all()
    assert {r.status for r in rows} == {"sent"} and {r.attempts for r in rows} == {1}
