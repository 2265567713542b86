"""Parts of one answer that arrive apart, gathered into one: the photos of a Telegram album
come as one update each, and WhatsApp sends each photo of a batch as its own message.

The first part of a group waits a moment and then carries every part that came; the
others only add theirs. Kept in this process: a platform sends the parts one right after
the other, to the same webhook.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable
from dataclasses import replace
from typing import Generic, TypeVar

from conversations.messages import Inbound

T = TypeVar("T")


class Gatherer(Generic[T]):
    def __init__(self, wait: float, identity: Callable[[T], Hashable] | None = None) -> None:
        self.wait = wait  # seconds the first part waits for the rest
        # A part seen twice (a retried webhook) is added once.
        self.identity = identity
        self.pending: dict[Hashable, list[T]] = {}

    async def collect(self, group: Hashable, part: T) -> list[T] | None:
        """Every part of the group, to the first part's caller; None to the others."""
        if group in self.pending:
            parts = self.pending[group]
            if self.identity is None or all(self.identity(p) != self.identity(part)
                                            for p in parts):
                parts.append(part)
            return None
        self.pending[group] = [part]
        try:
            await asyncio.sleep(self.wait)
        finally:  # cancelled or not, later parts start a group of their own
            parts = self.pending.pop(group)
        return parts


def combine(parts: list[Inbound], message_id: str | None = None) -> Inbound:
    """Messages sent together as one answer: the first text, every photo."""
    first = parts[0]
    text = next((p.text for p in parts if p.text), None)
    photos = tuple(photo for part in parts for photo in part.photos)
    return replace(first, text=text, photos=photos, message_id=message_id or first.message_id)
