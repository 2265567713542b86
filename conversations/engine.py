"""The conversation engine: one inbound message in, the replies out.

`Conversations.handle` loads the sender's conversation row (locked), lets the flows decide
(conversations.turn), and commits the new state together with the replies as outbox rows,
in one transaction: a crash loses neither the answer nor the reply, and a retried platform
message is handled once.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import datetime

from sqlalchemy import Connection
from sqlalchemy import Engine as Database

from conversations import outbox, users
from conversations.context import Context, Settings
from conversations.flow import Flow, check_flows
from conversations.i18n import Translator, translator
from conversations.messages import Delivery, Inbound, Outbound
from conversations.outbox import Message, MessageKind, Recipient
from conversations.provinces import zone_of
from conversations.state import FlowState
from conversations.turn import FILES_REFUSED, MENU_FLOW, REGISTRATION_FLOW, Turn
from storage import conversations as conversation_rows
from storage import outbox as outbox_rows
from storage import users as user_rows
from storage.db import retried, transaction
from storage.media import MediaStore
from storage.models import User, utcnow


class Conversations:
    """Every person's conversation with Kriya, on every channel."""

    def __init__(
        self,
        database: Database,
        flows: Mapping[str, Flow],
        settings: Settings | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        check_flows(flows)
        for required in (MENU_FLOW, REGISTRATION_FLOW):
            if required not in flows:
                raise ValueError(f"the engine needs a flow named {required!r}")
        self.database = database
        self.flows = dict(flows)
        self.settings = settings or Settings()
        self.clock = clock

    def handle(self, inbound: Inbound) -> list[Delivery]:
        """Handle one message; returns the replies, already queued in the outbox. A
        transaction whose database connection died is run again on a new one."""
        return retried(lambda attempt: self._handle(inbound, resumed=attempt > 0))

    def _handle(self, inbound: Inbound, resumed: bool) -> list[Delivery]:
        now = inbound.received_at or self.clock()
        with transaction(self.database) as work:
            conn = work.conn
            if inbound.message_id and not conversation_rows.first_time_seen(
                conn, inbound.channel, inbound.message_id
            ):
                # Seen before: a platform's retry, answered already. Or, trying again
                # (`resumed`), this very call's first try, whose commit went through as
                # the connection died: its replies are still this call's to send.
                return self._unsent_replies(conn, inbound) if resumed else []
            conversation = conversation_rows.lock(conn, inbound.channel, inbound.address)
            user = None
            if conversation.user_id is not None:
                user = user_rows.by_id(work.session, conversation.user_id)
            elif conversation.created:
                # Staff added from the command line have a user row before their first word.
                user = user_rows.at(work.session, inbound.channel, inbound.address)
            if user is not None:
                conversation.language = user.language
                if user.unreachable:
                    # They wrote again: whatever stopped delivery before has been undone.
                    user.unreachable = False
            conversation.last_inbound_at = now
            flow = self.flows.get(conversation.flow or "")
            ctx = Context(
                tr=self._translator(conversation.language, user),
                state=FlowState.from_json(conversation.answers,
                                          flow.index if flow is not None else ()),
                inbound=inbound,
                now=now,
                transaction=work,
                conversation=conversation,
                user=user,
                settings=self.settings,
            )
            replies = [piece for reply in Turn(self.flows, ctx).run()
                       for piece in reply.fitted()]
            deliveries, erased_files = self._persist(ctx, replies)
        if erased_files:
            # Only now that the erasure is committed: photos are not lost to a rollback.
            retried(lambda _: self._remove_files(erased_files))
        return deliveries

    def _remove_files(self, files: set[str]) -> None:
        with transaction(self.database) as work:
            users.remove_files(work.session, MediaStore(self.settings.media_dir), files)

    def _unsent_replies(self, conn: Connection, inbound: Inbound) -> list[Delivery]:
        found = outbox_rows.pending_by_prefix(conn, f"{_reply_base(inbound)}:")
        return [Delivery(key, inbound.channel, address, Outbound.from_payload(payload))
                for key, address, payload in found]

    def _translator(self, lang: str, user: User | None) -> Translator:
        province = user.province if user is not None else None
        return translator(lang, zone_of(province, self.settings.default_zone))

    def _persist(self, ctx: Context, replies: list[Outbound]
                 ) -> tuple[list[Delivery], set[str]]:
        """Save the state and queue the replies; the media files an erasure or a refused
        message left, to remove once committed."""
        conn, conversation, inbound = ctx.transaction.conn, ctx.conversation, ctx.inbound
        user_id = None
        erased_files: set[str] = set()
        if ctx.forget and ctx.user is not None:
            erased_files = users.erase(ctx.session, ctx.user, ctx.now,
                                       self.settings.default_zone)
            erased_files |= users.files_in(ctx.state.to_json())  # photos not yet sent
        elif ctx.user is None and conversation.flow is None:
            # Someone who has not agreed to anything leaves no conversation behind.
            conversation_rows.delete_row(conn, conversation)
        else:
            if ctx.user is not None:
                user_id = ctx.user.id if ctx.user.id is not None \
                    else user_rows.add(conn, ctx.user)
                conversation.user_id = user_id
            conversation.answers = ctx.state.to_json()
            conversation.updated_at = ctx.now
            conversation_rows.save(conn, conversation)
        if ctx.cache.get(FILES_REFUSED):
            # Photos of a refused message: those it wrote itself that no answer names.
            erased_files |= {path for photo in inbound.photos for path in photo.new_files} \
                - users.files_in(ctx.state.to_json())
        base = _reply_base(inbound)
        deliveries = [Delivery(f"{base}:{i}", inbound.channel, inbound.address, reply)
                      for i, reply in enumerate(replies)]
        lease = self.settings.reply_lease
        # Until the lease ends, the request that made them sends them; then the dispatcher.
        not_before = self.clock() + lease if lease else None
        to = Recipient(inbound.channel, inbound.address, user_id)
        outbox.queue(conn, [Message(to, MessageKind.REPLY, d.key, d.message.to_payload(),
                                    not_before=not_before) for d in deliveries], ctx.now)
        return deliveries, erased_files


def _reply_base(inbound: Inbound) -> str:
    """What the keys of a message's replies start with."""
    return f"reply:{inbound.channel}:{inbound.message_id or uuid.uuid4().hex}"
