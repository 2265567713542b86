"""What every channel reports about a message it tried to send."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Outcome:
    """How one delivery went: sent, retry later, blocked by the user, or failed for good.

    `provider_id` is the platform's id for a message it took (WhatsApp reports on it later);
    `error_code` is the platform's code for an error, kept on the message.
    """

    status: str
    error: str | None = None
    retry_after: float | None = None
    provider_id: str | None = None
    error_code: str | None = None
