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


def split_text(text: str, limit: int) -> list[str]:
    """Pieces of at most `limit` characters, cut at line ends or spaces where possible and
    never inside an HTML entity such as &amp; (Telegram's text is HTML)."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit + 1)
        if cut < limit // 2:
            cut = rest.rfind(" ", 0, limit + 1)
        if cut < limit // 2:
            cut = limit
            entity = rest.rfind("&", 0, cut)
            if entity > cut - 10 and rest.find(";", entity, cut) == -1:
                cut = entity
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n ")
    pieces.append(rest)
    return [piece for piece in pieces if piece] or [""]
