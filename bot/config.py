"""Configuration from the environment (and a `.env` file in the working folder).

`Config` holds what Kriya itself needs; each channel reads its own settings (its token,
its rate) with `Config.settings_for`, so a new channel adds no field here.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import Field, PrivateAttr
from pydantic_settings import BaseSettings, SettingsConfigDict

S = TypeVar("S", bound=BaseSettings)


class ConfigError(ValueError):
    """A setting an operator must fix."""


class Config(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = Field("sqlite:///kriya.db", validation_alias="KRIYA_DATABASE_URL")
    media_dir: str = Field("media", validation_alias="KRIYA_MEDIA_DIR")
    public_url: str | None = Field(None, validation_alias="KRIYA_PUBLIC_URL")
    timezone: str = Field("Asia/Jakarta", validation_alias="KRIYA_TIMEZONE")
    # The night hours, in each person's own zone, in which no reminder or broadcast leaves:
    # "21:00-07:00", or "off".
    quiet_hours: str = Field("21:00-07:00", validation_alias="KRIYA_QUIET_HOURS")
    # Seconds a dispatcher holds the messages it took; a process that dies gives them back
    # after this. A third of it bounds one send.
    send_lease: float = Field(60, gt=3, validation_alias="KRIYA_SEND_LEASE")
    # The bearer token `GET /metrics` asks for; unset, there is no such route.
    metrics_token: str | None = Field(None, validation_alias="KRIYA_METRICS_TOKEN")

    # Settings given by name when this Config was made (tests, scripts), passed on to the
    # channels' own settings.
    _given: dict[str, Any] = PrivateAttr(default_factory=dict)

    def __init__(self, **given: Any) -> None:
        super().__init__(**given)
        self._given = dict(given)

    def settings_for(self, kind: type[S]) -> S:
        """A channel's own settings: from the environment and `.env` like these, with any
        given by name to this Config taking precedence."""
        return kind(**self._given)


class ChannelSettings(BaseSettings):
    """The base of a channel's settings: read like Config, ignoring everything else."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=False)

