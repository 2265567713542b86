"""What the app gives every channel: handling a message and sending its replies at once,
and telling Kriya what the platform said about a person."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.channels.base import Due
from bot.config import Config
from bot.recorder import Recorder
from bot.work import DatabaseWork
from conversations import users
from conversations.engine import Conversations
from conversations.messages import Inbound
from conversations.outbox import MessageKind
from conversations.sending import OutcomeStatus
from storage.db import session_scope
from storage.media import MediaStore
from storage.models import utcnow

if TYPE_CHECKING:
    from bot.channels.base import Channel


@dataclass
class Host:
    config: Config
    conversations: Conversations
    media: MediaStore
    work: DatabaseWork
    recorder: Recorder

    async def reply(self, channel: Channel, inbound: Inbound) -> None:
        """Handle one message and send its replies straight away, in order, outside the
        outbox's queue: a broadcast never delays them. One that cannot go now is left to
        the dispatcher, with those after it, to keep the order."""
        deliveries = await self.work.run(self.conversations.handle, inbound)
        now = utcnow()
        for delivery in deliveries:
            due = Due(delivery.key, delivery.address, MessageKind.REPLY,
                      delivery.message.to_payload(), last_inbound=now)
            outcome = await channel.send(due)
            await self.recorder.add(delivery.key, outcome)
            if outcome.status != OutcomeStatus.SENT:
                break

    async def set_reachable(self, channel: str, address: str, reachable: bool) -> None:
        """The platform says the person blocked the bot (False) or let it back in (True)."""
        await self.work.run(self._set_reachable, channel, address, reachable)

    def _set_reachable(self, channel: str, address: str, reachable: bool) -> None:
        with session_scope(self.conversations.database) as session:
            users.set_reachable(session, channel, address, reachable)
