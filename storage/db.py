"""Database engines, sessions and the schema's version.

SQLite is the embedded default (WAL, foreign keys on, one writer at a time through
BEGIN IMMEDIATE); PostgreSQL is used by changing the URL alone.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Dialect, Engine, create_engine, event, inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlmodel import Session

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
T = TypeVar("T")
log = logging.getLogger("kriya.db")
# A transaction whose connection died is run again this many times in all, after these
# pauses (seconds): a restart or a failover of PostgreSQL, an operator ending sessions.
TRIES = 3
PAUSES = (0.05, 0.25)


class SchemaOutdated(RuntimeError):
    """The database holds an older schema than this code; an operator must migrate it."""


def normalise_url(url: str) -> str:
    """Let operators write `postgresql://` and still get the psycopg 3 driver we ship."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def insert_for(dialect: Dialect) -> Any:
    """The dialect's INSERT construct, which knows ON CONFLICT DO NOTHING (both have it)."""
    return postgresql.insert if dialect.name == "postgresql" else sqlite.insert


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # Hand transactions to SQLAlchemy's "begin" event below instead of pysqlite's own.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _sqlite_begin(conn) -> None:
    # Take the write lock at the start: two handlers of one user are serialised and a
    # read-then-write transaction never fails half way on a lock upgrade. Said to the
    # driver itself, like the pragmas above: it has no result for SQLAlchemy to read.
    conn.connection.driver_connection.execute("BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        path = make_url(url).database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10},
                               hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    # An error's message names no values: they may be a person's number or words.
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20,
                         hide_parameters=True)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


class Transaction:
    """One transaction on one connection: prepared statements run on `conn`, ORM work on
    `session`, which joins the same transaction. The session is made the first time it is
    asked for: a message that needs no ORM object (most of a registration) costs none."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            self._session = Session(bind=self.conn, expire_on_commit=False,
                                    join_transaction_mode="conditional_savepoint")
        return self._session

    def flush(self) -> None:
        if self._session is not None:
            self._session.flush()

    def close(self) -> None:
        if self._session is not None:
            self._session.close()


@contextmanager
def transaction(database: Engine) -> Iterator[Transaction]:
    """A Transaction, committed when the block ends, rolled back on any error."""
    with database.begin() as conn:
        work = Transaction(conn)
        try:
            yield work
            work.flush()
        finally:
            work.close()


def _alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


@cache
def head_revision() -> str:
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    head = script.get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Bring the database to the newest schema; returns (revision before, revision after)."""
    before = current_revision(engine)
    command.upgrade(_alembic_config(engine), "head")
    return before, head_revision()


def _is_empty(engine: Engine) -> bool:
    return not inspect(engine).get_table_names()


def ensure_schema(engine: Engine) -> None:
    """Create the schema on an empty database; refuse to run on an older one."""
    revision = current_revision(engine)
    if revision == head_revision():
        return
    if revision is None and _is_empty(engine):
        upgrade(engine)
        return
    raise SchemaOutdated(
        f"the database schema is at revision {revision or 'unknown'}, this Kriya needs "
        f"{head_revision()}: run `kriya db upgrade` first"
    )


def connection_lost(error: BaseException) -> bool:
    """Whether `error` is the database connection dying (or refused) rather than a fault of
    the work: the transaction did not commit, and may run again on a new connection."""
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    state = getattr(error.orig, "sqlstate", "")
    # 08: connection exception; 57P: the server shut down or cannot take connections yet.
    # A driver error with no state at all (psycopg's "connection refused") is the client's.
    if state is None:
        return isinstance(error, OperationalError)
    return str(state).startswith(("08", "57P"))


def retried(work: Callable[[int], T], tries: int = TRIES) -> T:
    """`work(attempt)`, a whole transaction, run again on a new connection when its
    connection died, up to `tries` times in all. The attempt number (0 first) lets work
    that may have committed before the connection died find what it did."""
    for attempt in range(tries):
        try:
            return work(attempt)
        except Exception as error:
            if attempt + 1 >= tries or not connection_lost(error):
                raise
            log.warning("database connection lost (%s); trying again", type(error.orig).__name__
                        if isinstance(error, DBAPIError) else error)
            time.sleep(PAUSES[min(attempt, len(PAUSES) - 1)])
    raise AssertionError("unreachable")


def ping(engine: Engine) -> bool:
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        return True
    except Exception:
        return False
