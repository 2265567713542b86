"""WhatsApp's interactive questions as Twilio made them: one Content resource (quick-reply
buttons or a list) per distinct question, kept so it is made once and reused."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from storage.models import _ts, utcnow


class WhatsAppContent(SQLModel, table=True):
    """A Content resource, by the hash of what it contains (its kind, language, options)."""

    __tablename__ = "whatsapp_contents"

    key: str = Field(primary_key=True, max_length=64)  # sha256, hex
    content_sid: str = Field(max_length=64)  # "HX..."
    kind: str = Field(max_length=32)  # "twilio/quick-reply", "twilio/list-picker"
    created_at: datetime = _ts(default_factory=utcnow)
