"""Wiring: the database and the conversation engine, built once from configuration."""

from __future__ import annotations

from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Engine as Database

from bot import channels
from bot.config import Config, ConfigError
from conversations.context import Settings
from conversations.engine import Conversations
from conversations.flows import FLOWS
from conversations.quiet_hours import QuietHours
from storage.db import ensure_schema, make_engine

__all__ = ["ConfigError", "build_conversations", "config", "open_database", "quiet_hours"]


@cache
def config() -> Config:
    """The configuration of this process, every channel's settings checked: a setting of
    the wrong kind stops any command, not only the one that would use it."""
    found = Config()
    for kind in channels.CHANNELS:
        if kind.settings is not None:
            found.settings_for(kind.settings)
    return found


def open_database(config: Config, migrate_empty: bool = True) -> Database:
    database = make_engine(config.database_url)
    if migrate_empty:
        ensure_schema(database)
    return database


def build_conversations(config: Config, database: Database | None = None) -> Conversations:
    try:
        ZoneInfo(config.timezone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ConfigError(f"KRIYA_TIMEZONE={config.timezone!r} is not a time zone") from error
    database = database or open_database(config)
    return Conversations(database, FLOWS, Settings(
        default_zone=config.timezone, media_dir=config.media_dir, quiet=quiet_hours(config),
        channel_titles=channels.titles(), privacy_url=privacy_url(config),
        public_url=config.public_url))


def privacy_url(config: Config) -> str | None:
    """The privacy notice `kriya serve` publishes, at the public address."""
    return config.public_url.rstrip("/") + "/privasi" if config.public_url else None


def quiet_hours(config: Config) -> QuietHours | None:
    try:
        return QuietHours.parse(config.quiet_hours)
    except ValueError as error:
        raise ConfigError(f"KRIYA_QUIET_HOURS: {error}; e.g. 21:00-07:00, or off") from error
