"""The conversation engine: one inbound message in, the replies out.

`Engine.handle` loads the sender's conversation row (locked), lets the flows decide, and
commits the new state together with the replies as outbox rows, in one transaction: a crash
loses neither the answer nor the reply, and a retried platform message is handled once.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection
from sqlalchemy import Engine as Database

from conversations.answers import Invalid, clean, fold
from conversations.context import FRESH_START, NO_DRAFT, Context, Settings
from conversations.domain import is_broadcaster, is_curator, manages_programs
from conversations.flow import END, RETURN_KEY, Flow, Start, Step, Target, check_flows, next_step
from conversations.i18n import N_, Translator, translator
from conversations.messages import Delivery, Inbound, Outbound, step_tag
from conversations.provinces import zone_of
from conversations.replies import help_text, switch_language
from storage import store
from storage.db import connection_and_session
from storage.models import User, utcnow

# After this long away, a half-finished question is asked again instead of taking the
# new message as its answer ("halo" after a night away is not a business name).
RESUME_AFTER = timedelta(hours=1)
CURATION_FLOW = "curation"
PROGRAMS_FLOW = "program_admin"
BROADCAST_FLOW = "broadcast"
DRAFTS = "_drafts"  # answers key: unfinished flows that keep drafts, by flow name
# An unfinished flow older than this is dropped quietly.
FORGET_AFTER = timedelta(days=7)
MENU_FLOW = "menu"
REGISTRATION_FLOW = "registration"
REPLY_PRIORITY = 0

GLOBAL_WORDS = {
    "cancel": ("batal", "cancel"),
    "menu": ("menu",),
    "help": ("bantuan", "help"),
    "language": ("bahasa", "language"),
    "stop": ("berhenti", "stop", "unsubscribe"),
    "resume": ("mulai", "start", "subscribe"),
}
COMMANDS = {
    "start": "start",
    "batal": "cancel", "cancel": "cancel",
    "menu": "menu",
    "bantuan": "help", "help": "help",
    "bahasa": "language", "language": "language",
    "berhenti": "stop", "stop": "stop",
    "mulai": "resume",
    "kurasi": "curate",
    "program": "programs",
    "siaran": "broadcast",
}
# Staff commands: the flow each opens, who may, and what anyone else is told.
STAFF_COMMANDS: dict[str, tuple[str, Callable[[User | None], bool], str]] = {
    "curate": (CURATION_FLOW, is_curator, N_(
        "/kurasi is for curators only. If you curate products for an office, ask its "
        "Kriya administrator to give you the curator role.")),
    "programs": (PROGRAMS_FLOW, manages_programs, N_(
        "/program is for staff who run programs. Ask your office's Kriya administrator "
        "for the admin or curator role.")),
    "broadcast": (BROADCAST_FLOW, is_broadcaster, N_(
        "/siaran is for broadcasters only. Ask your office's Kriya administrator for the "
        "broadcaster role.")),
}
_WORD_TO_COMMAND = {word: cmd for cmd, words in GLOBAL_WORDS.items() for word in words}


def global_command(inbound: Inbound) -> str | None:
    """The global word or /command a message is, if any ('unknown' for an unknown /command)."""
    if inbound.new_conversation:
        return "start"
    if inbound.choice is not None or not inbound.text:
        return None
    text = clean(inbound.text)
    if text.startswith("/"):
        name = text[1:].split(maxsplit=1)[0].split("@", 1)[0].casefold() if len(text) > 1 else ""
        return COMMANDS.get(name, "unknown")
    return _WORD_TO_COMMAND.get(fold(text))


class Engine:
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

    # The transaction around one message

    def handle(self, inbound: Inbound) -> list[Delivery]:
        now = inbound.received_at or self.clock()
        with connection_and_session(self.database) as (conn, session):
            if inbound.message_id and not store.first_time_seen(
                conn, inbound.channel, inbound.message_id
            ):
                return []
            conversation = store.lock_conversation(conn, inbound.channel, inbound.address)
            user = store.user_by_id(session, conversation.user_id)
            if conversation.created:
                # Staff added from the command line have a user row before their first word.
                user = store.user_at(session, inbound.channel, inbound.address)
            if user is not None:
                conversation.language = user.language
                if user.unreachable:
                    # They wrote again: whatever stopped delivery before has been undone.
                    user.unreachable = False
            conversation.last_inbound_at = now
            ctx = Context(
                tr=self._translator(conversation.language, user),
                answers=dict(conversation.answers or {}),
                inbound=inbound,
                now=now,
                session=session,
                conversation=conversation,
                user=user,
                settings=self.settings,
            )
            replies = Turn(self, ctx).run()
            return self._persist(ctx, conn, replies)

    def _translator(self, lang: str, user: User | None) -> Translator:
        province = user.province if user is not None else None
        return translator(lang, zone_of(province, self.settings.default_zone))

    def _persist(
        self, ctx: Context, conn: Connection, replies: list[Outbound]
    ) -> list[Delivery]:
        session, conversation, inbound = ctx.session, ctx.conversation, ctx.inbound
        user_id = None
        if ctx.forget and ctx.user is not None:
            store.forget_user(session, ctx.user)
        elif ctx.user is None and conversation.flow is None:
            # Someone who has not agreed to anything leaves no conversation behind.
            store.delete_conversation(conn, conversation)
        else:
            if ctx.user is not None:
                if ctx.user.id is None:
                    session.add(ctx.user)
                    session.flush()
                user_id = ctx.user.id
                conversation.user_id = user_id
            conversation.answers = dict(ctx.answers)
            conversation.updated_at = ctx.now
            store.save_conversation(conn, conversation)
        lease = self.settings.reply_lease
        not_before = self.clock() + lease if lease else None
        base = f"reply:{inbound.channel}:{inbound.message_id or uuid.uuid4().hex}"
        deliveries = [
            Delivery(f"{base}:{i}", inbound.channel, inbound.address, reply)
            for i, reply in enumerate(replies)
        ]
        store.add_outbox(conn, [
            {
                "channel": inbound.channel, "address": inbound.address, "user_id": user_id,
                "kind": "reply", "priority": REPLY_PRIORITY, "payload": d.message.to_payload(),
                "idempotency_key": d.key, "status": "pending", "attempts": 0,
                "not_before": not_before,
                "created_at": ctx.now, "updated_at": ctx.now,
            }
            for d in deliveries
        ])
        return deliveries


class Turn:
    """The decisions for one message: global words, resuming, answering, moving on."""

    def __init__(self, engine: Engine, ctx: Context) -> None:
        self.engine = engine
        self.ctx = ctx
        self.conversation = ctx.conversation

    def run(self) -> list[Outbound]:
        active = self._active()
        command = global_command(self.ctx.inbound)
        if command is not None:
            return self._global(command, active)
        if active is None:
            return self._begin()
        flow, step = active
        if self._stale_button(flow, step):
            notice = self.ctx._("That button belongs to an earlier question. "
                                "Here is the current one:")
            return [self.ask(step, before=notice)]
        idle = self.ctx.now - self.conversation.updated_at
        if flow.name != MENU_FLOW and idle > RESUME_AFTER and self.ctx.inbound.choice is None:
            return [self.ask(step, before=self.ctx._("Welcome back! Let's continue where we "
                                                     "left off."))]
        return self._answer(flow, step)

    def _stale_button(self, flow: Flow, step: Step) -> bool:
        tag = self.ctx.inbound.choice_step
        return tag is not None and tag != step_tag(flow.qualified(step.name))

    # Where the conversation stands

    def _active(self) -> tuple[Flow, Step] | None:
        conv = self.conversation
        if not conv.flow or not conv.step:
            return None
        flow = self.engine.flows.get(conv.flow)
        step_name = conv.step.split(":", 1)[-1]
        stale = self.ctx.now - conv.updated_at > FORGET_AFTER
        if flow is None or step_name not in flow.index or stale:
            self._clear(keep_draft=stale)
            return None
        return flow, flow.step(step_name)

    def _clear(self, keep_draft: bool = False) -> None:
        """Leave the current flow. A flow that keeps drafts keeps its answers when left
        unfinished (`keep_draft`), and drops them when finished or cancelled."""
        drafts = dict(self.ctx.answers.get(DRAFTS) or {})
        flow = self.engine.flows.get(self.conversation.flow or "")
        if flow is not None and flow.keeps_draft and not self.ctx.answers.get(NO_DRAFT):
            # Where an edit returns to is kept too: back to the summary, not onwards.
            answers = {k: v for k, v in self.ctx.answers.items()
                       if not k.startswith("_") or k == RETURN_KEY}
            if keep_draft and answers and self.conversation.step:
                drafts[flow.name] = {"step": self.conversation.step.split(":", 1)[-1],
                                     "answers": answers}
            else:
                drafts.pop(flow.name, None)
        self.conversation.flow = None
        self.conversation.step = None
        self.conversation.status = "idle"
        self._wipe_answers(drafts)

    def _wipe_answers(self, drafts: dict[str, Any] | None = None) -> None:
        """A fresh start for a flow's answers; the drafts of other flows stay."""
        drafts = self.ctx.answers.get(DRAFTS) if drafts is None else drafts
        self.ctx.answers.clear()
        if drafts:
            self.ctx.answers[DRAFTS] = drafts

    def _resume_draft(self, flow: Flow, notes: list[str]) -> str:
        """Where `flow` starts: its first step, or where its draft stopped."""
        draft = (self.ctx.answers.get(DRAFTS) or {}).get(flow.name)
        if self.ctx.memo.get(FRESH_START):  # the step before hands over what to work on
            return flow.first.name
        if not flow.keeps_draft or not draft or draft.get("step") not in flow.index:
            return flow.first.name
        self.ctx.answers.update(draft["answers"])
        notes.append(self.ctx._("You have an unfinished one: we continue where you stopped. "
                                "(Type batal to throw it away.)"))
        return str(draft["step"])

    def _set(self, flow: Flow, step: Step) -> None:
        self.conversation.flow = flow.name
        self.conversation.step = flow.qualified(step.name)
        self.conversation.status = "active"

    # Asking

    def ask(self, step: Step, before: str | None = None, error: str | None = None) -> Outbound:
        ctx = self.ctx
        prompt = step.ask(ctx) if callable(step.ask) else ctx._(step.ask)
        text = "\n\n".join(part for part in (before, error, prompt) if part)
        flow = self.conversation.flow or ""
        return Outbound(
            text=text,
            options=tuple(step.expects.options(ctx)),
            multiple=step.expects.multiple,
            media=step.media(ctx) if step.media is not None else (),
            step=f"{flow}:{step.name}",
        )

    def _ask_current(self, active: tuple[Flow, Step] | None, before: str | None) -> list[Outbound]:
        if active is not None:
            return [self.ask(active[1], before=before)]
        return self._begin(before=before)

    # Starting

    def _begin(self, before: str | None = None) -> list[Outbound]:
        ctx = self.ctx
        if ctx.registered:
            menu = self.engine.flows[MENU_FLOW]
            if before is None and ctx.inbound.text and self._fits(menu.first):
                self._set(menu, menu.first)
                return self._answer(menu, menu.first)
            return self._start(menu, before=before)
        return self._start(self.engine.flows[REGISTRATION_FLOW], before=before)

    def _fits(self, step: Step) -> bool:
        try:
            step.expects.parse(self.ctx.inbound, self.ctx)
        except Invalid:
            return False
        return True

    def _start(self, flow: Flow, before: str | None = None) -> list[Outbound]:
        self._wipe_answers()
        notes = [before] if before else []
        return self._goto(flow, self._resume_draft(flow, notes), notes)

    # Answering

    def _answer(self, flow: Flow, step: Step) -> list[Outbound]:
        ctx = self.ctx
        if any(photo.not_image for photo in ctx.inbound.photos):
            return [self.ask(step, error=ctx._("That file is not a photo. Please send "
                                               "photos as JPG or PNG images."))]
        too_large = [photo for photo in ctx.inbound.photos if photo.too_large]
        if too_large:
            return [self.ask(step, error=ctx._(
                "That file is too big: at most {limit} MB. Please send a smaller photo."
            ).format(limit=too_large[0].limit_mb))]
        if ctx.inbound.photos and not ctx.inbound.text and not step.expects.takes_photos:
            return [self.ask(step, error=ctx._("Thank you, but a photo is not needed here. "
                                               "Please answer with text."))]
        try:
            value = step.expects.parse(ctx.inbound, ctx)
        except Invalid as invalid:
            return self._refused(flow, step, invalid.message)
        ctx.answers.pop("_tries", None)
        ctx.answers[step.name] = value
        notes: list[str] = []
        if step.done is not None:
            note = step.done(ctx)
            if note:
                notes.append(note)
        return self._goto(flow, next_step(flow, step, ctx.answers), notes)

    def _refused(self, flow: Flow, step: Step, message: str) -> list[Outbound]:
        tries = int(self.ctx.answers.get("_tries", 0)) + 1
        self.ctx.answers["_tries"] = tries
        if step.max_tries is not None and tries >= step.max_tries:
            give_up = step.on_give_up or ""
            text = give_up(self.ctx) if callable(give_up) else self.ctx._(give_up)
            return self._finish([message, text])
        if tries >= 3:
            message += "\n" + self.ctx._("(Type bantuan for help, or batal to stop.)")
        return [self.ask(step, error=message)]

    def _goto(self, flow: Flow, target: Target, notes: list[str]) -> list[Outbound]:
        ctx = self.ctx
        for _ in range(len(flow.steps) * 2 + 10):
            if isinstance(target, Start):
                flow = self.engine.flows[target.flow]
                self._wipe_answers()
                target = self._resume_draft(flow, notes)
                continue
            if target == END:
                return self._finish(notes)
            step = flow.step(target)
            known = None
            if step.known is not None and RETURN_KEY not in ctx.answers:
                known = step.known(ctx)
            if known is None:
                self._set(flow, step)
                return [*self._notes(notes), self.ask(step)]
            ctx.answers[step.name] = known
            target = next_step(flow, step, ctx.answers)
        raise RuntimeError(f"flow {flow.name} loops without asking anything")

    def _notes(self, notes: list[str]) -> list[Outbound]:
        return [Outbound(text=note) for note in notes if note]

    def _finish(self, notes: list[str]) -> list[Outbound]:
        self._clear()
        if self.ctx.registered and not self.ctx.forget:
            menu = self.engine.flows[MENU_FLOW]
            return self._goto(menu, menu.first.name, notes)
        return self._notes(notes)

    # Words that work at every step

    def _global(self, command: str, active: tuple[Flow, Step] | None) -> list[Outbound]:
        ctx = self.ctx
        _ = ctx._
        in_flow = active is not None and active[0].name != MENU_FLOW
        if command == "start":
            before = _("Let's continue where we left off.") if in_flow else None
            return self._ask_current(active, before)
        if command == "cancel":
            if not in_flow:
                return self._ask_current(active, _("There is nothing to cancel."))
            if ctx.registered:
                self._clear()
                return self._finish([_("Cancelled.")])
            self._clear()
            return [Outbound(_("Registration cancelled. Nothing you typed was kept. "
                               "Send any message to start again."))]
        if command == "menu":
            if ctx.registered:
                self._clear(keep_draft=True)
                return self._finish([])
            return self._ask_current(active, _("Please finish registering first, "
                                               "or type batal to stop."))
        if command in STAFF_COMMANDS:
            flow, allowed, refusal = STAFF_COMMANDS[command]
            if not allowed(ctx.user):
                return self._ask_current(active, _(refusal))
            self._clear(keep_draft=True)
            return self._start(self.engine.flows[flow])
        if command == "help":
            return self._ask_current(active, help_text(ctx))
        if command == "language":
            return self._ask_current(active, switch_language(ctx))
        if command in ("stop", "resume"):
            note = self._opt(command == "stop")
            return [self.ask(active[1], before=note)] if in_flow else [Outbound(note)]
        return self._ask_current(active, _("I don't know that command. Type menu for the "
                                           "main menu or bantuan for help."))

    def _opt(self, out: bool) -> str:
        """BERHENTI / MULAI: pushes off or on; replies to the user's own messages always go."""
        ctx = self.ctx
        if not ctx.registered or ctx.user is None:
            return ctx._("You are not registered, so we send you no reminders or announcements.")
        ctx.user.opted_out = out
        ctx.user.updated_at = ctx.now
        if out:
            return ctx._("Done: you will get no more reminders or announcements. Replies to "
                         "your messages still come. Type MULAI to receive them again.")
        return ctx._("Welcome back: reminders and announcements are on again.")

