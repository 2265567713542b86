"""Webhook benchmark: complete registrations through `kriya serve`, over HTTP, end to end.

`kriya serve` runs as it does in production (uvicorn, one worker, SQLite) in its own process;
the Bot API it replies to is the fake from the tests, in a second process so that neither
shares a GIL with the other or with the load generator. Many users register at once, each
posting its next answer only after the webhook returned the previous one. Latency is measured
from the moment an update is posted to the moment its first reply reaches the fake Bot API.
A few users register one at a time first, to warm the server up; they are not counted.

The load is closed: C users always have an update in flight, so once the server is saturated
a request waits about C / (updates per second) and the latencies are mostly queueing.

    python bench/webhook.py [--users N] [--concurrency C]
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import json
import os
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


def kriya_env(folder: Path, fake_port: int) -> dict[str, str]:
    fake = f"http://{HOST}:{fake_port}"
    return child_env({
        "KRIYA_DATABASE_URL": f"sqlite:///{folder / 'bench.db'}",
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


async def register(connection: Connection, user: int, chat_id: int, posts: list[Post]) -> None:
    """One complete registration; each answer waits for the webhook to take the one before."""
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    for number, answer in enumerate(ANSWERS):
        body = json.dumps(update(user * len(ANSWERS) + number + 1, chat_id, answer)).encode()
        sent_at = time.time()
        try:
            status, reply = await asyncio.wait_for(
                connection.post("/telegram/webhook", body, headers), REQUEST_TIMEOUT
            )
        except TimeoutError as error:
            raise BenchmarkFailed(f"chat {chat_id}: no answer to {answer!r} within "
                                  f"{REQUEST_TIMEOUT:g} s") from error
        returned_at = time.time()
        check(status == 200, f"chat {chat_id}: {answer!r} answered {status}: {reply!r}")
        posts.append(Post(chat_id, sent_at, returned_at))


async def register_all(port: int, chats: list[int], first_user: int,
                       concurrency: int) -> list[Post]:
    posts: list[Post] = []
    pending = iter(enumerate(chats, first_user))

    async def worker() -> None:
        connection = await Connection.open(port)
        try:
            # One shared iterator: a worker takes the next user as soon as its own is done.
            for user, chat_id in pending:
                await register(connection, user, chat_id, posts)
        finally:
            await connection.close()

    workers = [worker() for _ in range(min(concurrency, len(chats)))]
    await asyncio.wait_for(asyncio.gather(*workers), LOAD_TIMEOUT)
    return posts


def run_load(port: int, users: int, concurrency: int) -> tuple[list[Post], float]:
    """Warm up, then the measured registrations; returns their posts and the wall time."""
    warmup = [WARMUP_CHAT + n for n in range(WARMUP_USERS)]
    asyncio.run(register_all(port, warmup, 0, 1))
    chats = [FIRST_CHAT + n for n in range(users)]
    start = time.perf_counter()
    try:
        posts = asyncio.run(register_all(port, chats, WARMUP_USERS, concurrency))
    except TimeoutError as error:
        raise BenchmarkFailed(f"the load did not finish within {LOAD_TIMEOUT:g} s") from error
    return posts, time.perf_counter() - start


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


def count_registered(database_url: str) -> int:
    database = create_engine(database_url)
    try:
        with database.connect() as conn:
            query = text(
                "SELECT count(*) FROM users WHERE registered_at IS NOT NULL "
                "AND channel = 'telegram' AND CAST(address AS INTEGER) >= :first"
            )
            return int(conn.execute(query, {"first": FIRST_CHAT}).scalar_one())
    finally:
        database.dispose()


def report(posts: list[Post], wall: float, stats: dict[str, Any]) -> None:
    latencies = reply_latencies(posts, [(int(c), float(t)) for c, t in stats["sent"]])
    requests = [post.returned_at - post.sent_at for post in posts]
    rate = len(posts) / wall
    p99 = percentile_ms(latencies, 99)
    verdict = "met" if rate >= TARGET_RATE and p99 < TARGET_P99_MS else "NOT met"
    print(
        f"updates/s {rate:.0f}   webhook->reply p50 {percentile_ms(latencies, 50):.1f} ms  "
        f"p99 {p99:.1f} ms   request p50 {percentile_ms(requests, 50):.1f} ms "
        f"p99 {percentile_ms(requests, 99):.1f} ms   "
        f"(target >={TARGET_RATE:.0f} updates/s, p99 < {TARGET_P99_MS:g} ms: {verdict})"
    )


# Command line


def benchmark(users: int, concurrency: int) -> None:
    fake_port, kriya_port = free_port(), free_port()
    fake_url, kriya_url = f"http://{HOST}:{fake_port}", f"http://{HOST}:{kriya_port}"
    with tempfile.TemporaryDirectory(prefix="kriya-bench-webhook-") as name:
        folder = Path(name)
        fake_command = [sys.executable, str(Path(__file__).resolve()),
                        "--fake-bot-api", str(fake_port)]
        kriya_command = [sys.executable, "-m", "bot", "serve", "--host", HOST,
                         "--port", str(kriya_port)]
        fake_log, kriya_log = folder / "fake.log", folder / "kriya.log"
        # Kriya runs in the scratch folder, so a developer's .env and media/ stay out of it.
        with running(fake_command, child_env({}), folder, fake_log) as fake:
            wait_until_ready(f"{fake_url}/stats", fake, fake_log)
            with running(kriya_command, kriya_env(folder, fake_port), folder, kriya_log) as kriya:
                wait_until_ready(f"{kriya_url}/healthz", kriya, kriya_log)
                check("setWebhook" in fake_stats(fake_url)["methods"],
                      "kriya serve did not register its webhook")
                posts, wall = run_load(kriya_port, users, concurrency)
                report(posts, wall, fake_stats(fake_url))
                registered = count_registered(f"sqlite:///{folder / 'bench.db'}")
                print(f"registered {registered}/{users}")
                check(registered == users, f"{registered} users registered, expected {users}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=300, metavar="N",
                        help="users registering during the measurement (default: 300)")
    parser.add_argument("--concurrency", type=int, default=50, metavar="C",
                        help="users registering at the same time (default: 50)")
    parser.add_argument("--fake-bot-api", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.users < 2 or args.concurrency < 1:
        parser.error("--users must be at least 2 and --concurrency at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.fake_bot_api is not None:
        serve_fake_bot_api(args.fake_bot_api)
        return 0
    print(
        f"webhook benchmark: {args.users} users x {len(ANSWERS)} updates, concurrency "
        f"{args.concurrency}, kriya serve (uvicorn, 1 worker) on SQLite, "
        "fake Bot API in its own process"
    )
    try:
        benchmark(args.users, args.concurrency)
    except BenchmarkFailed as error:
        print(f"FAILED: {error}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
