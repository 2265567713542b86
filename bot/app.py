"""Wiring: the database and the engine, built once from configuration."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Engine as Database

from bot.config import Config
from conversations.context import Settings
from conversations.engine import Engine
from conversations.flows import FLOWS
from conversations.reminders import QuietHours
from storage.db import ensure_schema, make_engine


class ConfigError(ValueError):
    """A setting an operator must fix."""


def open_database(config: Config, migrate_empty: bool = True) -> Database:
    database = make_engine(config.database_url)
    if migrate_empty:
        ensure_schema(database)
    return database


def build_engine(config: Config, database: Database | None = None) -> Engine:
    try:
        ZoneInfo(config.timezone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ConfigError(f"KRIYA_TIMEZONE={config.timezone!r} is not a time zone") from error
    database = database or open_database(config)
    return Engine(database, FLOWS, Settings(default_zone=config.timezone,
                                             media_dir=config.media_dir,
                                             quiet=quiet_hours(config)))


def quiet_hours(config: Config) -> QuietHours | None:
    try:
        return QuietHours.parse(config.quiet_hours)
    except ValueError as error:
        raise ConfigError(f"KRIYA_QUIET_HOURS: {error}; e.g. 21:00-07:00, or off") from error
