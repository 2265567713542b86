"""Configuration from the environment (and a `.env` file in the working folder)."""

from __future__ import annotations

import os
from functools import cache

from dotenv import dotenv_values
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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

    telegram_bot_token: str | None = Field(None, validation_alias="TELEGRAM_BOT_TOKEN")
    telegram_webhook_secret: str | None = Field(None, validation_alias="TELEGRAM_WEBHOOK_SECRET")
    telegram_api_base_url: str = Field(
        "https://api.telegram.org/bot", validation_alias="TELEGRAM_API_BASE_URL"
    )
    telegram_file_base_url: str = Field(
        "https://api.telegram.org/file/bot", validation_alias="TELEGRAM_FILE_BASE_URL"
    )
    telegram_rate: float = Field(25, gt=0, validation_alias="TELEGRAM_RATE")

    twilio_account_sid: str | None = Field(None, validation_alias="TWILIO_ACCOUNT_SID")
    twilio_auth_token: str | None = Field(None, validation_alias="TWILIO_AUTH_TOKEN")
    twilio_whatsapp_from: str | None = Field(None, validation_alias="TWILIO_WHATSAPP_FROM")
    twilio_api_base_url: str = Field(
        "https://api.twilio.com", validation_alias="TWILIO_API_BASE_URL"
    )
    twilio_rate: float = Field(20, gt=0, validation_alias="TWILIO_RATE")

    def twilio_templates(self) -> dict[str, str]:
        """Content SIDs by message kind, from every `TWILIO_TEMPLATE_<KIND>` variable (the
        environment over `.env`): {"reminder": "HX...", "broadcast": "HX..."}."""
        prefix = "TWILIO_TEMPLATE_"
        found = {**dotenv_values(".env"), **os.environ}
        return {name[len(prefix):].lower(): value.strip() for name, value in found.items()
                if name.startswith(prefix) and len(name) > len(prefix) and value
                and value.strip()}


@cache
def config() -> Config:
    return Config()
