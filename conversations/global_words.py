"""What the words that work at every step do: batal (asking first when answers would be
lost), menu and 0 (keeping a draft), # (back), bantuan, bahasa, BERHENTI / MULAI and the
staff commands. A part of `conversations.turn.Turn`, kept here to keep each file short."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from conversations import privacy
from conversations.answers import Invalid
from conversations.choices import Choice
from conversations.commands import NAV_MENU, STAFF_COMMANDS, staff_refusal
from conversations.flow import Flow, Start, Step
from conversations.i18n import N_
from conversations.messages import Outbound
from conversations.replies import console_link, help_text, switch_language

if TYPE_CHECKING:
    from conversations.turn import Turn

DISCARD, KEEP = "cancel:discard", "cancel:keep"
CONFIRM_CANCEL = Choice(
    choices=((DISCARD, N_("Yes, throw it away")), (KEEP, N_("No, continue"))),
    words={DISCARD: ("ya", "iya", "y", "yes", "ok", "oke", "boleh", "buang", "hapus", "batal",
                     "cancel"),
           KEEP: ("tidak", "tdk", "no", "n", "jangan", "gak", "nggak", "enggak", "lanjut",
                  "lanjutkan", "continue")})
# A flow with this many answers has work worth asking about before throwing it away.
WORTH_ASKING = 2

Active = tuple[Flow, Step] | None


class GlobalWords:
    """The global words' part of a turn."""

    def _global(self: Turn, command: str, active: Active) -> list[Outbound]:
        ctx = self.ctx
        _ = ctx._
        home = self._home()
        in_flow = active is not None and active[0].name != home
        if home is None and active is None and command not in ("stop", "help", "language"):
            return self._begin()  # "MULAI", "menu", "/start": whatever a newcomer sends
        if command == "start":
            before = _("Let's continue where we left off.") if in_flow else None
            return self._ask_current(active, before)
        if command == "cancel":
            if not in_flow or active is None:
                return self._ask_current(active, _("There is nothing to cancel."))
            return self._cancel(active)
        if command == "menu":
            return self._to_menu(active)
        if command in STAFF_COMMANDS:
            flow = STAFF_COMMANDS[command][0]
            if (refusal := staff_refusal(command, ctx.user)) is not None:
                return self._ask_current(active, _(refusal))
            if flow is None:  # /konsol: a link, and the conversation goes on where it was
                return self._ask_current(active, console_link(ctx))
            self._leave(keep_draft=True)
            return self._start(Start(flow), [])
        if command == "back":
            return self._back(active)
        if command == "privacy":
            pages = [Outbound(page) for page in privacy.chat_pages(ctx.tr)]
            return [*pages, *self._ask_current(active, None)]
        if command == "help":
            return self._ask_current(active, help_text(ctx, registering=home is None))
        if command == "language":
            return self._ask_current(active, switch_language(ctx))
        if command in ("stop", "resume"):
            note = self._opt(command == "stop")
            return [self.ask(active[1], before=note)] if in_flow and active else [Outbound(note)]
        return self._ask_current(active, _("I don't know that command. Type menu for the "
                                           "main menu or help for help."))

    def _to_menu(self: Turn, active: Active) -> list[Outbound]:
        """Menu utama from anywhere; a flow that keeps drafts keeps this one, and says so."""
        ctx = self.ctx
        if self._home() is None:
            return self._ask_current(active, ctx._("Please finish registering first, or type "
                                                   "cancel to stop."))
        notes = []
        if active is not None and active[0].work and not active[0].keeps_draft_now(ctx) \
                and self._typed(active[0]) >= WORTH_ASKING:
            return self._cancel(active)  # nothing would keep these answers: ask first
        if active is not None and active[0].keeps_draft_now(ctx) and self._typed(active[0]):
            notes.append(ctx._("Your draft is kept: choose {flow} to continue it.").format(
                flow=ctx._(active[0].title or active[0].name)))
        self._leave(keep_draft=True)
        return self._finish(notes)

    # batal

    def _cancel(self: Turn, active: tuple[Flow, Step]) -> list[Outbound]:
        """Leave the flow at once when nothing much would be lost; otherwise ask first."""
        ctx = self.ctx
        if not active[0].work or self._typed(active[0]) < WORTH_ASKING:
            return self._cancelled(active[0])
        ctx.state.pending = "cancel"
        text = ctx._("Throw away what you have filled in? The answers you typed will be "
                     "lost.")
        if self._home() is not None and active[0].keeps_draft_now(ctx):
            text += " " + ctx._("To keep them as a draft instead, type menu.")
        options = (*CONFIRM_CANCEL.options(ctx),
                   *[o for o in self._navigation() if o.key == NAV_MENU])
        return [Outbound(text=text, options=options, step=f"{active[0].name}:{active[1].name}",
                         language=ctx.tr.lang)]

    def _cancelled(self: Turn, flow: Flow) -> list[Outbound]:
        ctx = self.ctx
        typed = flow.work and self._typed(flow) > 0
        self._leave()
        note = ctx._("Cancelled. What you typed was not kept.") if typed else \
            ctx._("Cancelled.")
        if self._home() is not None:
            return self._finish([note])
        return [Outbound(ctx._("Registration cancelled. What you typed was not kept. Send "
                               "any message to start again."))]

    def _answer_cancel(self: Turn, active: tuple[Flow, Step]) -> list[Outbound]:
        """The answer to "throw it away?"; anything else asks it again (an answer is not
        taken for the question behind it)."""
        ctx = self.ctx
        try:
            answer = CONFIRM_CANCEL.parse(ctx.inbound, ctx)
        except Invalid:
            return self._cancel(active)
        ctx.state.pending = None
        if answer == DISCARD:
            return self._cancelled(active[0])
        return [self.ask(active[1], before=ctx._("Good, let's continue."))]

    def _typed(self: Turn, flow: Flow) -> int:
        """How many answers of the flow the person gave (not those Kriya knew already)."""
        return sum(1 for name in self.ctx.state.answers
                   if name in flow.index and flow.index[name].known_answer is None)

    def _back(self: Turn, active: Active) -> list[Outbound]:
        """Back to the question before this one, its answer kept until a new one comes."""
        ctx = self.ctx
        home = self._home()
        if active is not None and len(ctx.state.trail) < 2 and ctx.state.came_from:
            return self._back_to_origin(ctx.state.came_from)
        if active is None or len(ctx.state.trail) < 2 or active[0].name == home:
            if home is not None:
                return self._to_menu(active)
            return self._ask_current(active, ctx._("This is the first question."))
        flow, _ = active
        trail = ctx.state.trail
        trail.pop()
        previous = flow.index.get(trail[-1])
        if previous is None:
            return self._to_menu(active)
        ctx.state.return_to = None
        ctx.state.tries = 0
        self._set(flow, previous)
        return [self.ask(previous)]

    def _back_to_origin(self: Turn, origin: dict[str, Any]) -> list[Outbound]:
        """Back from a flow's first question to the screen of the flow it was started
        from, as that screen stood."""
        flow = self.flows.get(origin.get("flow", ""))
        step = flow.index.get(origin.get("step", "")) if flow is not None else None
        self._leave(keep_draft=True)
        if flow is None or step is None:
            return self._to_menu(None)
        state = self.ctx.state
        state.answers, state.scratch = dict(origin["answers"]), dict(origin["scratch"])
        state.arguments, state.trail = dict(origin["arguments"]), list(origin["trail"])
        self._set(flow, step)
        return [self.ask(step)]

    def _opt(self: Turn, out: bool) -> str:
        """BERHENTI / MULAI: pushes off or on; replies to the user's own messages always go."""
        ctx = self.ctx
        if ctx.user is None:
            return ctx._("You are not registered, so we send you no reminders or announcements.")
        ctx.user.opted_out = out
        ctx.user.updated_at = ctx.now
        if out:
            return ctx._("Done: you will get no more reminders or announcements. Replies to "
                         "your messages still come. Type START to receive them again.")
        return ctx._("Welcome back: reminders and announcements are on again.")

