"""Engine benchmark: complete registrations through the real engine and store.

Every message is one `Conversations.handle` call, which commits its own transaction (the new state
and the replies as outbox rows), exactly as the channels will call it. The same registration
is then played through python-telegram-bot's ConversationHandler twice, to compare against
what a plain PTB bot costs: with its state in memory only (nothing survives a restart), and
with PicklePersistence writing the pickle file after every message. Its replies go through
the Bot to a request layer that answers as the Bot API would, with no network.

    python bench/engine.py [--registrations N] [--backend sqlite|postgresql|all]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import phonenumbers
from sqlalchemy import Engine as Database
from sqlalchemy import create_engine, func, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select
from telegram import Update
from telegram.ext import (
    Application,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    PicklePersistence,
    filters,
)
from telegram.request import BaseRequest, RequestData

from conversations.context import Settings
from conversations.engine import Conversations
from conversations.flows import FLOWS
from conversations.i18n import translator
from conversations.messages import Delivery, Inbound
from storage import models
from storage.db import ensure_schema, make_engine, normalise_url

# One registration as an artisan types it: the first message, consent, role, the six
# questions, then "save".
ANSWERS = (
    "halo", "1", "1", "Siti Aminah", "Tenun Ikat Sasak", "ntb", "Kota Mataram", "3, 4",
    "0812 3456 7890", "1",
)
NAME = "Siti Aminah"
CONFIRMATION = "Thank you, {name}! You are registered."
CHANNEL = "bench"
WARMUP_REGISTRATIONS = 5
DEFAULT_REGISTRATIONS = {"sqlite": 500, "postgresql": 300}
POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TARGET_RATE = 1000.0
TARGET_P99_MS = 5.0
# PicklePersistence rewrites the whole file on every write, so a message costs more the more
# users there are and a PTB run grows quadratically; beyond this many it is not run in full.
PTB_MAX_REGISTRATIONS = 500


class BenchmarkFailed(RuntimeError):
    """The system under test did not do what a registration must do."""


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server answers at POSTGRES_URL."""


def check(condition: bool, message: str) -> None:
    # Not `assert`: the checks must hold under `python -O` too.
    if not condition:
        raise BenchmarkFailed(message)


@dataclass
class Result:
    label: str
    registrations: int
    timings: list[float]  # seconds, one per message

    @property
    def messages(self) -> int:
        return len(self.timings)

    @property
    def rate(self) -> float:
        return self.messages / sum(self.timings)

    def percentile_ms(self, p: int) -> float:
        return statistics.quantiles(self.timings, n=100)[p - 1] * 1000

    def figures(self) -> str:
        return (
            f"{self.registrations} registrations  {self.messages} messages  "
            f"{self.rate:.0f} msg/s  p50 {self.percentile_ms(50):.2f} ms  "
            f"p99 {self.percentile_ms(99):.2f} ms"
        )

    def line(self) -> str:
        return f"{self.label:<11} {self.figures()}"

    def drift_ms(self) -> tuple[float, float]:
        """Median message time over the first and the last tenth of the registrations."""
        tenth = max(1, self.registrations // 10) * len(ANSWERS)
        return (
            statistics.median(self.timings[:tenth]) * 1000,
            statistics.median(self.timings[-tenth:]) * 1000,
        )

    def meets_target(self) -> bool:
        return self.rate >= TARGET_RATE and self.percentile_ms(99) < TARGET_P99_MS


# Kriya


def register(conversations: Conversations, address: str, timings: list[float]
             ) -> list[Delivery]:
    """One complete registration; appends each message's wall time, returns the last replies."""
    deliveries: list[Delivery] = []
    for number, answer in enumerate(ANSWERS):
        inbound = Inbound(
            channel=CHANNEL, address=address, text=answer, message_id=f"{address}-{number}"
        )
        start = time.perf_counter()
        deliveries = conversations.handle(inbound)
        timings.append(time.perf_counter() - start)
        check(bool(deliveries), f"{address}: no reply to {answer!r}")
    return deliveries


def run_kriya(label: str, url: str, registrations: int) -> Result:
    database = make_engine(url)
    try:
        ensure_schema(database)
        conversations = Conversations(database, FLOWS, Settings())
        confirmation = translator("id", Settings().default_zone)._(CONFIRMATION)
        confirmation = confirmation.format(name=NAME)
        for n in range(WARMUP_REGISTRATIONS):
            register(conversations, f"warmup-{n}", [])
        timings: list[float] = []
        for n in range(registrations):
            last = register(conversations, f"user-{n}", timings)
            said = "\n".join(d.message.text for d in last)
            check(confirmation in said, f"user-{n}: no confirmation in the last reply: {said!r}")
        registered = count_registered(database)
        expected = WARMUP_REGISTRATIONS + registrations
        check(registered == expected, f"{registered} users registered, expected {expected}")
        return Result(label, registrations, timings)
    finally:
        database.dispose()


def count_registered(database: Database) -> int:
    with Session(database) as session:
        query = (
            select(func.count())
            .select_from(models.User)
            .where(col(models.User.registered_at).is_not(None))
        )
        return int(session.exec(query).one())


def run_sqlite(registrations: int) -> Result:
    with tempfile.TemporaryDirectory(prefix="kriya-bench-") as folder:
        return run_kriya("sqlite", f"sqlite:///{Path(folder) / 'bench.db'}", registrations)


@contextmanager
def postgres_schema(base_url: str = POSTGRES_URL) -> Iterator[str]:
    """A URL on the server of `base_url` whose tables all land in a fresh schema, dropped
    again afterwards."""
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    base_url = normalise_url(base_url)
    admin = create_engine(base_url, connect_args={"connect_timeout": 5})
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as error:
        admin.dispose()
        raise PostgresUnavailable(str(error.orig or error).strip().splitlines()[0]) from error
    try:
        sep = "&" if "?" in base_url else "?"
        yield f"{base_url}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def run_postgresql(registrations: int) -> Result:
    with postgres_schema() as url:
        return run_kriya("postgresql", url, registrations)


# python-telegram-bot: the same registration as a plain ConversationHandler bot

CONSENT, ROLE, PERSON, BUSINESS, PROVINCE, CITY, CATEGORIES, PHONE, CONFIRM = range(9)
PROVINCES = {
    "ntb": "Nusa Tenggara Barat",
    "ntt": "Nusa Tenggara Timur",
    "bali": "Bali",
    "jatim": "Jawa Timur",
    "jateng": "Jawa Tengah",
    "jabar": "Jawa Barat",
    "diy": "DI Yogyakarta",
}
CRAFTS = ("karet", "batok kelapa", "tenun", "batik", "anyaman", "kayu", "gerabah", "kulit")
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "Bench", "username": "bench_bot"}
SENT_AT = datetime(2027, 3, 1, 2, 0, tzinfo=UTC)

Parse = Callable[[str], Any]
Callback = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[int | None]]


class OfflineRequest(BaseRequest):
    """The bot's HTTP layer, with no network behind it: it answers as the Bot API would.

    `Application.initialize()` calls `Bot.initialize()`, which always calls getMe (see
    telegram/_bot.py); every Bot API call goes through a BaseRequest. getMe is answered with
    the bot, sendMessage with the message it sent (which PTB turns back into a Message, as
    with the real API), and the text is kept in `sent` as the chat shows it. Any other call
    is refused and counted: the handlers make no call a real bot would not.
    """

    def __init__(self) -> None:
        self.refused: list[str] = []
        self.sent: dict[int, str] = {}
        self.count = 0

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, **_: Any
    ) -> tuple[int, bytes]:
        call = url.rsplit("/", 1)[-1]
        if call == "getMe":
            return 200, json.dumps({"ok": True, "result": BOT_USER}).encode()
        if call == "sendMessage" and request_data is not None:
            fields = request_data.parameters
            chat_id, text = int(fields["chat_id"]), str(fields["text"])
            self.sent[chat_id] = text
            self.count += 1
            message = {"message_id": self.count, "date": int(SENT_AT.timestamp()),
                       "chat": {"id": chat_id, "type": "private"}, "from": BOT_USER,
                       "text": text}
            return 200, json.dumps({"ok": True, "result": message}).encode()
        self.refused.append(call)
        raise ConnectionRefusedError("the benchmark answers no other Bot API call")


def parse_choice(words: dict[str, str]) -> Parse:
    return lambda answer: words.get(answer.casefold())


def parse_name(answer: str) -> str | None:
    ok = 2 <= len(answer) <= 80 and re.fullmatch(r"[^\W\d_]+(?:[ .'-]+[^\W\d_]+)*\.?", answer)
    return answer if ok else None


def parse_text(answer: str) -> str | None:
    return answer if 2 <= len(answer) <= 80 and any(c.isalnum() for c in answer) else None


def parse_crafts(answer: str) -> list[str] | None:
    numbers = [part.strip() for part in answer.split(",") if part.strip()]
    if not numbers or not all(n.isdigit() and 1 <= int(n) <= len(CRAFTS) for n in numbers):
        return None
    return [CRAFTS[int(n) - 1] for n in numbers]


def parse_phone(answer: str) -> str | None:
    try:
        number = phonenumbers.parse(answer, "ID")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def summary(data: dict[str, Any]) -> str:
    return (
        f"Please check your data:\nName: {data['name']}\nBusiness: {data['business']}\n"
        f"Province: {data['province']}\nCity: {data['city']}\n"
        f"Crafts: {', '.join(data['crafts'])}\nPhone: {data['phone']}\n\nIs everything right?"
    )


class RegistrationBot:
    """The registration as a simple PTB bot writes it: one callback per state.

    Replies go out with reply_text, through the Bot, to a request layer that answers as the
    Bot API would without a network (OfflineRequest).
    """

    def handler(self, persistent: bool) -> ConversationHandler:
        text_messages = filters.TEXT & ~filters.COMMAND
        steps: list[tuple[int, str, Parse, Callable[[dict[str, Any]], str], int]] = [
            (CONSENT, "consent", parse_choice({"1": "agree", "setuju": "agree"}),
             lambda _: "Are you an artisan (1) or a Lapas officer (2)?", ROLE),
            (ROLE, "role", parse_choice({"1": "artisan", "2": "lapas"}),
             lambda _: "What is your name?", PERSON),
            (PERSON, "name", parse_name, lambda _: "What is your business called?", BUSINESS),
            (BUSINESS, "business", parse_text, lambda _: "Which province?", PROVINCE),
            (PROVINCE, "province", parse_choice(PROVINCES), lambda _: "Which city?", CITY),
            (CITY, "city", parse_text, lambda _: "What do you make? (e.g. 3, 4)", CATEGORIES),
            (CATEGORIES, "crafts", parse_crafts, lambda _: "Your phone number?", PHONE),
            (PHONE, "phone", parse_phone, summary, CONFIRM),
        ]
        states = {
            state: [MessageHandler(text_messages, self.step(key, parse, reply, after))]
            for state, key, parse, reply, after in steps
        }
        states[CONFIRM] = [MessageHandler(text_messages, self.confirm)]
        return ConversationHandler(
            entry_points=[MessageHandler(text_messages, self.start)],
            states=states,
            fallbacks=[],
            name="registration",
            persistent=persistent,
        )

    async def reply(self, update: Update, text: str) -> None:
        assert update.message is not None
        await update.message.reply_text(text)

    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        await self.reply(update, "Welcome! We keep your data to find programs for you. Agree? (1)")
        return CONSENT

    def step(
        self, key: str, parse: Parse, reply: Callable[[dict[str, Any]], str], after: int
    ) -> Callback:
        async def callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
            assert update.message is not None and context.user_data is not None
            value = parse((update.message.text or "").strip())
            if value is None:
                await self.reply(update, "Sorry, I did not understand. Please try again.")
                return None  # stay in this state
            context.user_data[key] = value
            await self.reply(update, reply(context.user_data))
            return after

        return callback

    async def confirm(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
        assert update.message is not None and context.user_data is not None
        if update.message.text != "1":
            await self.reply(update, "Type 1 to save.")
            return None
        context.user_data["registered_at"] = datetime.now(UTC).isoformat()
        await self.reply(update, CONFIRMATION.format(name=context.user_data["name"]))
        return ConversationHandler.END


def text_update(update_id: int, user_id: int, answer: str, bot: Any) -> Update:
    """The update a webhook would get, read by PTB as its webhook reader does."""
    person = {"id": user_id, "first_name": "Siti", "is_bot": False}
    body = {"update_id": update_id, "message": {
        "message_id": update_id, "date": int(SENT_AT.timestamp()), "text": answer,
        "from": person, "chat": {"id": user_id, "type": "private"}}}
    return Update.de_json(body, bot)


async def ptb_register(application: Application, user_id: int, timings: list[float]) -> None:
    persistent = application.persistence is not None
    for number, answer in enumerate(ANSWERS):
        start = time.perf_counter()
        # PTB's time runs from the update's JSON, as its webhook reads it, to the reply
        # handed to the Bot API; Kriya's from an Inbound to the state and the reply committed.
        update = text_update(user_id * 100 + number, user_id, answer, application.bot)
        await application.process_update(update)
        if not persistent:
            timings.append(time.perf_counter() - start)
            continue
        # PTB writes persistence only when the Application flushes it (every
        # `update_interval`, 60 s by default). update_persistence() hands each changed
        # user_data entry and conversation state to PicklePersistence.update_user_data /
        # update_conversation, which with on_flush=False dump the whole single pickle file
        # straight away (telegram/ext/_picklepersistence.py): each answer is on disk here.
        await application.update_persistence()
        timings.append(time.perf_counter() - start)


async def run_ptb_async(registrations: int, folder: Path | None) -> Result:
    """PTB with PicklePersistence in `folder`, or with its state in memory when None."""
    request = OfflineRequest()
    bot = RegistrationBot()
    # No updater and no job queue: updates are fed by hand and nothing is scheduled.
    builder = (
        Application.builder()
        .token("123456:ABC")
        .request(request)
        .get_updates_request(OfflineRequest())
        .updater(None)
        .job_queue(None)
    )
    if folder is not None:
        builder = builder.persistence(
            PicklePersistence(folder / "ptb.pickle", single_file=True, on_flush=False))
    application = builder.build()
    application.add_handler(bot.handler(persistent=folder is not None))
    await application.initialize()
    for n in range(WARMUP_REGISTRATIONS):
        await ptb_register(application, 1_000_000 + n, [])
    timings: list[float] = []
    for n in range(registrations):
        user_id = 1 + n
        await ptb_register(application, user_id, timings)
        confirmation = CONFIRMATION.format(name=NAME)
        check(request.sent.get(user_id) == confirmation, f"ptb user {user_id}: not registered")
    expected = WARMUP_REGISTRATIONS + registrations
    in_memory = sum(1 for data in application.user_data.values() if "registered_at" in data)
    await application.shutdown()
    check(not request.refused, f"ptb called the Bot API: {request.refused[:3]}")
    if folder is None:
        check(in_memory == expected, f"{in_memory} registrations in memory, expected {expected}")
        return Result("ptb-memory", registrations, timings)
    await check_pickle(folder / "ptb.pickle", expected)
    return Result("ptb", registrations, timings)


async def check_pickle(path: Path, expected: int) -> None:
    """Read the file back as a restarted bot would: every registration must be in it."""
    stored = PicklePersistence(path, single_file=True)
    users = await stored.get_user_data()
    registered = sum(1 for data in users.values() if "registered_at" in data)
    check(registered == expected, f"{registered} registrations in the pickle, expected {expected}")
    # A finished conversation is stored as the state None (TrackingDict.DELETED).
    states = await stored.get_conversations("registration")
    still_open = sum(1 for state in states.values() if state is not None)
    check(still_open == 0, f"{still_open} conversations left open in the pickle")


def run_ptb(registrations: int) -> Result:
    with tempfile.TemporaryDirectory(prefix="kriya-bench-ptb-") as folder:
        return asyncio.run(run_ptb_async(registrations, Path(folder)))


def run_ptb_in_memory(registrations: int) -> Result:
    return asyncio.run(run_ptb_async(registrations, None))


# Command line


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--registrations",
        type=int,
        default=None,
        metavar="N",
        help="registrations per backend (default: 500 on SQLite, 300 on PostgreSQL)",
    )
    parser.add_argument(
        "--backend",
        choices=("sqlite", "postgresql", "all"),
        default="all",
        help="which store to measure; the PTB comparison runs with SQLite (default: all)",
    )
    args = parser.parse_args(argv)
    if args.registrations is not None and args.registrations < 2:
        parser.error("--registrations must be at least 2")
    return args


def report_ptb(sqlite: Result) -> None:
    memory = run_ptb_in_memory(sqlite.registrations)
    print(f"ptb ConversationHandler, state in memory  {memory.figures()}")
    print(f"ratio kriya(sqlite, every answer committed) / ptb(in memory): "
          f"{sqlite.rate / memory.rate:.2f}")
    registrations = min(sqlite.registrations, PTB_MAX_REGISTRATIONS)
    ptb = run_ptb(registrations)
    capped = f"  (capped at {registrations})" if registrations < sqlite.registrations else ""
    print(f"ptb ConversationHandler + PicklePersistence  {ptb.figures()}{capped}")
    first, last = ptb.drift_ms()
    print(
        f"ptb p50 first tenth {first:.2f} ms, last tenth {last:.2f} ms "
        "(each write re-pickles every user)"
    )
    print(f"ratio kriya(sqlite) / ptb(pickle): {sqlite.rate / ptb.rate:.2f}x")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    backends = ("sqlite", "postgresql") if args.backend == "all" else (args.backend,)

    def count(backend: str) -> int:
        return args.registrations or DEFAULT_REGISTRATIONS[backend]

    print(
        f"engine benchmark: complete registrations, {len(ANSWERS)} messages each, "
        "every answer committed"
    )
    measured = 0
    sqlite: Result | None = None
    try:
        if "sqlite" in backends:
            sqlite = run_sqlite(count("sqlite"))
            verdict = "met" if sqlite.meets_target() else "NOT met"
            print(f"{sqlite.line()}  (target >={TARGET_RATE:.0f} msg/s, "
                  f"p99 < {TARGET_P99_MS:g} ms: {verdict})")
            measured += 1
        if "postgresql" in backends:
            try:
                print(run_postgresql(count("postgresql")).line())
                measured += 1
            except PostgresUnavailable as error:
                print(f"postgresql  not measured: no answer at {POSTGRES_URL} ({error})")
        if sqlite is not None:
            report_ptb(sqlite)
    except BenchmarkFailed as error:
        print(f"FAILED: {error}")
        return 1
    return 0 if measured else 1


if __name__ == "__main__":
    sys.exit(main())
