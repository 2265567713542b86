"""Configuration from the environment (and a `.env` file in the working folder)."""

from __future__ import annotations

from functools import cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Config(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = Field("sqlite:///kriya.db", validation_alias="KRIYA_DATABASE_URL")
    media_dir: str = Field("media", validation_alias="KRIYA_MEDIA_DIR")
    public_url: str | None = Field(None, validation_alias="KRIYA_PUBLIC_URL")
    timezone: str = Field("Asia/Jakarta", validation_alias="KRIYA_TIMEZONE")

    telegram_bot_token: str | None = Field(None, validation_alias="TELEGRAM_BOT_TOKEN")
    telegram_webhook_secret: str | None = Field(None, validation_alias="TELEGRAM_WEBHOOK_SECRET")
    telegram_api_base_url: str = Field(
        "https://api.telegram.org/bot", validation_alias="TELEGRAM_API_BASE_URL"
    )
    telegram_file_base_url: str = Field(
        "https://api.telegram.org/file/bot", validation_alias="TELEGRAM_FILE_BASE_URL"
    )
    telegram_rate: float = Field(25, validation_alias="TELEGRAM_RATE")

    twilio_account_sid: str | None = Field(None, validation_alias="TWILIO_ACCOUNT_SID")
    twilio_auth_token: str | None = Field(None, validation_alias="TWILIO_AUTH_TOKEN")
    twilio_whatsapp_from: str | None = Field(None, validation_alias="TWILIO_WHATSAPP_FROM")
    twilio_api_base_url: str = Field(
        "https://api.twilio.com", validation_alias="TWILIO_API_BASE_URL"
    )
    twilio_rate: float = Field(20, validation_alias="TWILIO_RATE")


@cache
def config() -> Config:
    return Config()
