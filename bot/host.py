"""What the app gives every channel (the `Host` of bot.channels.base): handling a message
and sending its replies at once, and telling Kriya what the platform said about a person or
a message."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bot import metrics
from bot.channels.base import Channel, Due, Unavailable
from bot.gathering import Gathering
from bot.recorder import Recorder
from bot.work import DatabaseWork
from conversations import sending, users
from conversations.engine import Conversations
from conversations.messages import Inbound
from conversations.outbox import MessageKind
from conversations.sending import Outcome, OutcomeStatus
from storage.db import connection_lost, retried, session_scope
from storage.media import MediaStore
from storage.models import utcnow


class AppHost:
    def __init__(self, conversations: Conversations, media_dir: str | Path) -> None:
        self.conversations = conversations
        self.media = MediaStore(media_dir)
        self.database = conversations.database
        self.work = DatabaseWork(conversations.database)
        # Parts of one answer that arrive apart, kept where every process sees them.
        self.gathering = Gathering(conversations.database, self.work)
        # How sends went, written in batches: the replies sent here and, in a server, what
        # the dispatchers send.
        self.recorder = Recorder(conversations.database, self.work)

    async def reply(self, channel: Channel, inbound: Inbound) -> None:
        """Handle one message and send its replies straight away, in order, outside the
        outbox's queue: a broadcast never delays them. One that cannot go now is left to
        the dispatcher, with those after it, to keep the order. Replies are sent only
        once their handling has committed."""
        try:
            deliveries = await self.work.run(self.conversations.handle, inbound)
        except Exception as error:
            if connection_lost(error):  # already tried again on new connections
                raise Unavailable(str(error)) from error
            raise
        metrics.update_handled(channel.name)
        now = utcnow()
        for delivery in deliveries:
            due = Due(delivery.key, delivery.address, MessageKind.REPLY,
                      delivery.message.to_payload(), last_inbound=now)
            outcome = await channel.send(due)
            metrics.sent(channel.name, outcome)
            await self.recorder.add(delivery.key, outcome)
            if outcome.status != OutcomeStatus.SENT:
                break

    async def set_reachable(self, channel: str, address: str, reachable: bool) -> None:
        """The platform says the person blocked the bot (False) or let it back in (True)."""
        await self.work.run(retried, lambda _: self._set_reachable(channel, address, reachable))

    def _set_reachable(self, channel: str, address: str, reachable: bool) -> None:
        with session_scope(self.conversations.database) as session:
            users.set_reachable(session, channel, address, reachable)

    async def record_report(self, provider_id: str, state: str, error_code: str | None,
                            failure: Outcome | None, as_template_for: Sequence[str]) -> None:
        await self.work.run(retried, lambda _: self._record_report(
            provider_id, state, error_code, failure, as_template_for))

    def _record_report(self, provider_id: str, state: str, error_code: str | None,
                       failure: Outcome | None, as_template_for: Sequence[str]) -> None:
        with session_scope(self.conversations.database) as session:
            sending.record_report(session, provider_id, state, utcnow(), error_code, failure,
                                  as_template_for)
