"""Webhook benchmark: complete registrations through `kriya serve`, over HTTP, end to end.

`kriya serve` runs as it does in production (uvicorn, one worker, SQLite) in its own process,
or with `--database-url postgresql://... --workers N` as several processes on PostgreSQL (in a
schema of its own in that database, dropped at the end);
the Bot API it replies to is the fake from the tests, in a second process so that neither
shares a GIL with the other or with the load generator. Many users register at once, each
posting its next answer only after the webhook returned the previous one. Latency is measured
from the moment an update is posted to the moment its first reply reaches the fake Bot API.
A few users register one at a time first, to warm the server up; they are not counted.

By default the load is open, as people make it: updates arrive at a set rate (300 a second)
whatever the server does, from users who each take a moment between answers, over at most
40 connections as Telegram uses. The target is judged on that load. `--concurrency C` makes
it closed instead, C users always with an update in flight, which shows the most the server
can take; there a request waits about C / (updates per second), so its latencies are mostly
the queue the load itself builds.

    python bench/webhook.py [--rate R] [--seconds S] [--think S]
    python bench/webhook.py --concurrency C [--users N]
    python bench/webhook.py --database-url postgresql://postgres@127.0.0.1/test --workers 2
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import heapq
import itertools
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the checkout, also where Kriya is not installed

from bench.engine import postgres_schema  # noqa: E402
from storage.db import normalise_url  # noqa: E402

# One registration as an artisan types it: /start, consent, role, the six questions, "save".
ANSWERS = (
    "/start", "1", "1", "Siti Aminah", "Tenun Ikat Sasak", "ntb", "Kota Mataram", "3, 4",
    "0812 3456 7890", "1",
)
TOKEN = "123456:BENCH-token"
SECRET = "bench-webhook-secret"
HOST = "127.0.0.1"
FIRST_CHAT = 5_000_000  # measured users; warm-up users sit below it
WARMUP_CHAT = 4_000_000
WARMUP_USERS = 3
TARGET_RATE = 300.0
TARGET_P99_MS = 100.0
START_TIMEOUT = 30.0  # seconds for either server to answer
REQUEST_TIMEOUT = 30.0
LOAD_TIMEOUT = 100.0  # the whole load phase
STOP_TIMEOUT = 10.0
MAX_CONNECTIONS = 40  # Telegram's default max_connections for a webhook


class BenchmarkFailed(RuntimeError):
    """The system under test did not do what a registration must do."""


def check(condition: bool, message: str) -> None:
    # Not `assert`: the checks must hold under `python -O` too.
    if not condition:
        raise BenchmarkFailed(message)


# The fake Bot API, run as `python bench/webhook.py --fake-bot-api PORT` in a child process


def serve_fake_bot_api(port: int) -> None:
    """The tests' FakeTelegram, which also keeps when each sendMessage arrived."""
    sys.path.insert(0, str(ROOT))  # tests/ is not an installed package
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from tests.fake_telegram import FakeTelegram

    arrivals: list[tuple[int, float]] = []

    class TimedFake(FakeTelegram):
        def _sendMessage(self, params: dict[str, Any]) -> JSONResponse:  # noqa: N802
            # time.time(), not a monotonic clock: the bench compares it with its own.
            arrivals.append((int(params["chat_id"]), time.time()))
            return super()._sendMessage(params)

    fake = TimedFake(token=TOKEN, port=port)

    async def stats(_: Request) -> JSONResponse:
        return JSONResponse({"sent": arrivals, "methods": sorted(set(fake.methods()))})

    app = Starlette(routes=[Route("/stats", stats, methods=["GET"]), *fake.app().routes])
    uvicorn.run(app, host=HOST, port=port, log_level="warning", access_log=False)


# Processes


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@contextmanager
def running(
    command: list[str], env: dict[str, str], cwd: Path, log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """A child process that is stopped however the benchmark ends."""
    with log.open("wb") as output:
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=output,
                                   stderr=subprocess.STDOUT)
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=STOP_TIMEOUT)


def wait_until_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:]
            raise BenchmarkFailed(f"{url}: the server exited with {process.returncode}:\n{tail}")
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise BenchmarkFailed(f"{url}: no answer within {START_TIMEOUT:g} s")


def child_env(extra: dict[str, str]) -> dict[str, str]:
    # The checkout first on the path: the bench also runs where Kriya is not installed.
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    return {**os.environ, "PYTHONPATH": path, **extra}


def kriya_env(database_url: str, folder: Path, fake_port: int) -> dict[str, str]:
    fake = f"http://{HOST}:{fake_port}"
    return child_env({
        "KRIYA_DATABASE_URL": database_url,
        # A public URL makes Kriya register a webhook at the fake instead of long polling.
        "KRIYA_PUBLIC_URL": "https://bench.invalid",
        "KRIYA_MEDIA_DIR": str(folder / "media"),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "TELEGRAM_API_BASE_URL": f"{fake}/bot",
        "TELEGRAM_FILE_BASE_URL": f"{fake}/file/bot",
    })


# Load


@dataclass
class Post:
    chat_id: int
    sent_at: float  # time.time(), comparable with the fake's clock
    returned_at: float


def update(update_id: int, chat_id: int, answer: str) -> dict[str, Any]:
    person = {"id": chat_id, "is_bot": False, "first_name": "Siti"}
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": int(time.time()), "text": answer, "from": person,
        "chat": {"id": chat_id, "type": "private", "first_name": "Siti"}}}


class Connection:
    """One keep-alive HTTP/1.1 connection to the webhook, as Telegram keeps several open.

    Written out by hand rather than with httpx: the load generator shares the CPUs with the
    server it measures, so it has to cost as little as it can.
    """

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        return cls(*await asyncio.open_connection(HOST, port))

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        lines = [f"POST {path} HTTP/1.1", f"Host: {HOST}", "Content-Type: application/json",
                 f"Content-Length: {len(body)}", *(f"{k}: {v}" for k, v in headers.items())]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        await self.writer.drain()
        status = await self.reader.readline()
        check(status.startswith(b"HTTP/1.1 "), f"not an HTTP response: {status!r}")
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        return int(status.split()[1]), await self.reader.readexactly(length)

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()


class Pool:
    """Keep-alive connections to the webhook, at most `size` at once (Telegram's own
    max_connections for a webhook is 40 by default); a post waits for a free one."""

    def __init__(self, port: int, size: int) -> None:
        self.port, self.free = port, asyncio.Queue[Connection]()
        self.slots = asyncio.Semaphore(size)
        self.all: list[Connection] = []

    async def post(self, body: bytes) -> tuple[int, bytes]:
        async with self.slots:
            if self.free.empty():
                connection = await Connection.open(self.port)
                self.all.append(connection)
            else:
                connection = self.free.get_nowait()
            try:
                return await connection.post("/telegram/webhook", body, HEADERS)
            finally:
                self.free.put_nowait(connection)

    async def close(self) -> None:
        for connection in self.all:
            await connection.close()


HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET}


async def answer(pool: Pool, user: int, chat_id: int, number: int, posts: list[Post]) -> None:
    """Post one answer and wait until the webhook has taken it."""
    text = ANSWERS[number]
    body = json.dumps(update(user * len(ANSWERS) + number + 1, chat_id, text)).encode()
    sent_at = time.time()  # before waiting for a connection: that wait counts too
    try:
        status, reply = await asyncio.wait_for(pool.post(body), REQUEST_TIMEOUT)
    except TimeoutError as error:
        raise BenchmarkFailed(f"chat {chat_id}: no answer to {text!r} within "
                              f"{REQUEST_TIMEOUT:g} s") from error
    check(status == 200, f"chat {chat_id}: {text!r} answered {status}: {reply!r}")
    posts.append(Post(chat_id, sent_at, time.time()))


async def closed_load(port: int, chats: list[int], first_user: int,
                      concurrency: int) -> list[Post]:
    """`concurrency` users always have an update in flight: the most the server can do."""
    posts: list[Post] = []
    pending = iter(enumerate(chats, first_user))
    pool = Pool(port, concurrency)

    async def worker() -> None:
        # One shared iterator: a worker takes the next user as soon as its own is done.
        for user, chat_id in pending:
            for number in range(len(ANSWERS)):
                await answer(pool, user, chat_id, number, posts)

    try:
        await asyncio.wait_for(asyncio.gather(*(worker() for _ in range(concurrency))),
                               LOAD_TIMEOUT)
    finally:
        await pool.close()
    return posts


async def open_load(port: int, first_user: int, rate: float, think: float,
                    seconds: float) -> tuple[list[Post], int]:
    """Updates arrive at `rate` a second for `seconds`, whatever the server does, as they
    do from people; returns the posts and how many users sent their last answer.

    Each user answers after a pause of `think` seconds on average (exponentially spread, as
    people's are) once the webhook took their previous answer, so many users are part way
    through at once, at different steps. A slot goes to the user who has been ready
    longest, or to a new user when nobody is. Latencies are then the server's own, not a
    queue the load built; a server that cannot keep up shows it in them.
    """
    posts: list[Post] = []
    pool = Pool(port, MAX_CONNECTIONS)
    loop = asyncio.get_running_loop()
    ready: list[tuple[float, int, int, int]] = []  # (ready at, user, chat, next answer)
    users = itertools.count(first_user)
    in_flight: set[asyncio.Task[None]] = set()
    failures: list[Exception] = []
    finished = 0
    pauses = random.Random(7)  # the same pauses on every run

    async def one(user: int, chat_id: int, number: int) -> None:
        nonlocal finished
        try:
            await answer(pool, user, chat_id, number, posts)
        except Exception as error:  # stops the load at the next slot
            failures.append(error)
            return
        if number + 1 == len(ANSWERS):
            finished += 1
        else:
            pause = pauses.expovariate(1 / think) if think else 0.0
            heapq.heappush(ready, (loop.time() + pause, user, chat_id, number + 1))

    start = loop.time()
    for slot in range(round(rate * seconds)):
        await asyncio.sleep(max(0.0, start + slot / rate - loop.time()))
        if failures:
            break
        if ready and ready[0][0] <= loop.time():
            _, user, chat_id, number = heapq.heappop(ready)
        else:
            user = next(users)
            chat_id, number = FIRST_CHAT + user, 0
        task = asyncio.create_task(one(user, chat_id, number))
        in_flight.add(task)
        task.add_done_callback(in_flight.discard)
    await asyncio.wait_for(asyncio.gather(*in_flight), REQUEST_TIMEOUT)
    await pool.close()
    if failures:
        raise failures[0]
    return posts, finished


def run_load(port: int, users: int, rate: float, think: float, seconds: float,
             concurrency: int | None) -> tuple[list[Post], float, int]:
    """Warm up, then the measured load; returns its posts, the wall time and how many
    users finished registering."""
    warmup = [WARMUP_CHAT + n for n in range(WARMUP_USERS)]
    asyncio.run(closed_load(port, warmup, 0, 1))
    start = time.perf_counter()
    try:
        if concurrency is None:
            posts, finished = asyncio.run(open_load(port, WARMUP_USERS, rate, think, seconds))
        else:
            chats = [FIRST_CHAT + WARMUP_USERS + n for n in range(users)]
            posts = asyncio.run(closed_load(port, chats, WARMUP_USERS, concurrency))
            finished = users
    except TimeoutError as error:
        raise BenchmarkFailed(f"the load did not finish within {LOAD_TIMEOUT:g} s") from error
    return posts, time.perf_counter() - start, finished


# Figures


def reply_latencies(posts: list[Post], sent: list[tuple[int, float]]) -> list[float]:
    """Seconds from each post to the first sendMessage to its chat that arrived after it."""
    arrivals: dict[int, list[float]] = {}
    for chat_id, received_at in sent:
        arrivals.setdefault(chat_id, []).append(received_at)
    for times in arrivals.values():
        times.sort()
    latencies = []
    for post in posts:
        times = arrivals.get(post.chat_id, [])
        index = bisect.bisect_left(times, post.sent_at)
        check(index < len(times), f"chat {post.chat_id}: no reply after the update sent at "
                                  f"{post.sent_at:.3f}")
        latencies.append(times[index] - post.sent_at)
    return latencies


def percentile_ms(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100)[p - 1] * 1000


def fake_stats(fake_url: str) -> dict[str, Any]:
    response = httpx.get(f"{fake_url}/stats", timeout=REQUEST_TIMEOUT)
    response.raise_for_status()
    return response.json()


@contextmanager
def bench_database(url: str | None, folder: Path) -> Iterator[str]:
    """A new SQLite file in `folder`; or, on the PostgreSQL of `url`, a new schema of the
    benchmark's own, dropped at the end."""
    if url is None:
        yield f"sqlite:///{folder / 'bench.db'}"
        return
    with postgres_schema(url) as schema_url:
        yield schema_url


def count_registered(database_url: str) -> int:
    database = create_engine(normalise_url(database_url))
    try:
        with database.connect() as conn:
            query = text(
                "SELECT count(*) FROM users WHERE registered_at IS NOT NULL "
                "AND channel = 'telegram' AND CAST(address AS INTEGER) >= :first"
            )
            return int(conn.execute(query, {"first": FIRST_CHAT}).scalar_one())
    finally:
        database.dispose()


def report(posts: list[Post], wall: float, stats: dict[str, Any], judged: bool) -> None:
    latencies = reply_latencies(posts, [(int(c), float(t)) for c, t in stats["sent"]])
    requests = [post.returned_at - post.sent_at for post in posts]
    rate = len(posts) / wall
    p99 = percentile_ms(latencies, 99)
    line = (
        f"updates/s {rate:.0f}   webhook->reply p50 {percentile_ms(latencies, 50):.1f} ms  "
        f"p99 {p99:.1f} ms   request p50 {percentile_ms(requests, 50):.1f} ms "
        f"p99 {percentile_ms(requests, 99):.1f} ms"
    )
    if judged:
        # 2 % slack on the rate: the load's own timer slips a little over its last slots.
        verdict = "met" if rate >= TARGET_RATE * 0.98 and p99 < TARGET_P99_MS else "NOT met"
        line += f"   (target >={TARGET_RATE:.0f} updates/s, p99 < {TARGET_P99_MS:g} ms: {verdict})"
    print(line)


# Command line


def benchmark(users: int, rate: float, think: float, seconds: float,
              concurrency: int | None, database_url: str | None = None,
              workers: int = 1) -> None:
    fake_port, kriya_port = free_port(), free_port()
    fake_url, kriya_url = f"http://{HOST}:{fake_port}", f"http://{HOST}:{kriya_port}"
    with tempfile.TemporaryDirectory(prefix="kriya-bench-webhook-") as name, \
            bench_database(database_url, Path(name)) as url:
        folder = Path(name)
        fake_command = [sys.executable, str(Path(__file__).resolve()),
                        "--fake-bot-api", str(fake_port)]
        kriya_command = [sys.executable, "-m", "bot", "serve", "--host", HOST,
                         "--port", str(kriya_port), "--workers", str(workers)]
        fake_log, kriya_log = folder / "fake.log", folder / "kriya.log"
        # Kriya runs in the scratch folder, so a developer's .env and media/ stay out of it.
        with running(fake_command, child_env({}), folder, fake_log) as fake:
            wait_until_ready(f"{fake_url}/stats", fake, fake_log)
            with running(kriya_command, kriya_env(url, folder, fake_port), folder,
                         kriya_log) as kriya:
                wait_until_ready(f"{kriya_url}/healthz", kriya, kriya_log)
                check("setWebhook" in fake_stats(fake_url)["methods"],
                      "kriya serve did not register its webhook")
                posts, wall, finished = run_load(kriya_port, users, rate, think, seconds,
                                                 concurrency)
                report(posts, wall, fake_stats(fake_url), judged=concurrency is None)
                registered = count_registered(url)
                print(f"users who sent every answer: {finished}, registered: {registered}")
                check(registered == finished,
                      f"{registered} users registered, {finished} sent every answer")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, metavar="S",
                        help="how long updates arrive at the rate (default: 20)")
    parser.add_argument("--rate", type=float, default=TARGET_RATE, metavar="R",
                        help=f"updates a second arriving (default: {TARGET_RATE:g})")
    parser.add_argument("--think", type=float, default=1.0, metavar="S",
                        help="mean seconds a user takes before the next answer (default: 1)")
    parser.add_argument("--concurrency", type=int, metavar="C",
                        help="instead of a rate: C users with an update always in flight, "
                             "to find the most the server can take")
    parser.add_argument("--users", type=int, default=600, metavar="N",
                        help="with --concurrency: users who register (default: 600)")
    parser.add_argument("--database-url", metavar="URL",
                        help="serve on this PostgreSQL database, in a schema of its own "
                             "(default: a new SQLite file)")
    parser.add_argument("--workers", type=int, default=1, metavar="N",
                        help="kriya serve --workers N (with a PostgreSQL --database-url)")
    parser.add_argument("--fake-bot-api", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.users < 2 or args.rate <= 0 or args.think < 0 or args.seconds < 1:
        parser.error("--users must be at least 2, --rate above 0, --think not negative "
                     "and --seconds at least 1")
    if args.concurrency is not None and args.concurrency < 1:
        parser.error("--concurrency must be at least 1")
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    if args.workers > 1 and not (args.database_url or "").startswith("postgres"):
        parser.error("--workers needs --database-url postgresql://...")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.fake_bot_api is not None:
        serve_fake_bot_api(args.fake_bot_api)
        return 0
    load = (f"{args.rate:g} updates/s arriving for {args.seconds:g} s, {args.think:g} s "
            "between a user's answers on average" if args.concurrency is None else
            f"{args.users} users, {args.concurrency} always with an update in flight")
    served = ("PostgreSQL" if args.database_url else "SQLite")
    print(
        f"webhook benchmark: registrations of {len(ANSWERS)} updates each, {load}; "
        f"kriya serve (uvicorn, {args.workers} worker{'s' if args.workers > 1 else ''}) on "
        f"{served}, fake Bot API in its own process"
    )
    try:
        benchmark(args.users, args.rate, args.think, args.seconds, args.concurrency,
                  args.database_url, args.workers)
    except BenchmarkFailed as error:
        print(f"FAILED: {error}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
