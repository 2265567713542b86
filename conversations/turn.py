"""One message's turn in a conversation: global words, resuming, answering, moving on.

A `Turn` reads the message and the conversation's state and decides what to say and where
the conversation stands after; it commits nothing (conversations.engine does).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from conversations.answers import Invalid, Text, clean, fold
from conversations.commands import (
    BACK_KEY,
    GREETINGS,
    MENU_KEY,
    NAV_BACK,
    NAV_MENU,
    STAFF_COMMANDS,
    global_command,
    staff_refusal,
)
from conversations.context import Context
from conversations.flow import END, Flow, OwnMessage, Start, Step, Target, next_step
from conversations.global_words import GlobalWords
from conversations.messages import REPLY_MOST, Option, Outbound, step_tag
from conversations.state import Draft
from storage.statuses import ConversationStatus

MENU_FLOW = "menu"
STAFF_MENU_FLOW = "staff_menu"
REGISTRATION_FLOW = "registration"
# In the context's cache when a message's files are refused: the engine removes those the
# message wrote.
FILES_REFUSED = "files_refused"
# After this long away, a half-finished question is asked again instead of taking the
# new message as its answer ("halo" after a night away is not a business name).
RESUME_AFTER = timedelta(hours=1)
# An unfinished flow older than this is dropped quietly (a flow that keeps drafts keeps
# its answers as one).
FORGET_AFTER = timedelta(days=7)

class Turn(GlobalWords):
    """The decisions for one message."""

    def __init__(self, flows: Mapping[str, Flow], ctx: Context) -> None:
        self.flows = flows
        self.ctx = ctx
        self.state = ctx.state
        self.conversation = ctx.conversation
        self.welcome_back: str | None = None  # why a flow left long ago is gone

    def run(self) -> list[Outbound]:
        replies = self._run()
        if self.welcome_back:
            return [Outbound(self.welcome_back), *replies]
        return replies

    def _run(self) -> list[Outbound]:
        active = self._active()
        if active is not None and (refusal := self._role_gone(active[0])) is not None:
            self._leave()
            return self._finish([refusal])  # a role taken away stops working at once
        command = global_command(self.ctx.inbound)
        if command == "privacy" and (self._home() is not None or (
                active is not None and active[1].name.startswith("consent"))):
            command = None  # "info" is the finder's word at the menu, an option at consent
        if self.state.pending == "cancel" and active is not None:
            if command is None:
                return self._answer_cancel(active)
            self.state.pending = None
            if command == "cancel" or (command == "menu"
                                       and not active[0].keeps_draft_now(self.ctx)):
                return self._cancelled(active[0])  # asked twice, or Menu utama: throw away
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
        if flow.name != self._home() and idle > RESUME_AFTER and \
                self.ctx.inbound.choice is None and not self._answers_it(step):
            return [self.ask(step, before=self.ctx._(
                "Welcome back! You were in {flow}. Here is where you stopped:").format(
                flow=self.ctx._(flow.title or flow.name)))]
        return self._answer(flow, step)

    def _role_gone(self, flow: Flow) -> str | None:
        """Why a staff flow may not go on: the role it needs was taken away meanwhile."""
        for command, (flow_name, _, _) in STAFF_COMMANDS.items():
            refusal = staff_refusal(command, self.ctx.user) if flow_name == flow.name else None
            if refusal is not None:
                return self.ctx._(refusal)
        return None

    def _answers_it(self, step: Step) -> bool:
        """Whether a message after long away answers the open question: a valid answer that
        is not a greeting ("halo" after a night is not a business name)."""
        text = fold(clean(self.ctx.inbound.text))
        if not text or text in GREETINGS or all(w in GREETINGS for w in text.split()):
            return False
        return self._fits(step)

    def _stale_button(self, flow: Flow, step: Step) -> bool:
        tag = self.ctx.inbound.choice_step
        return tag is not None and tag != step_tag(flow.qualified(step.name))

    # Where the conversation stands

    def _active(self) -> tuple[Flow, Step] | None:
        conv = self.conversation
        if not conv.flow or not conv.step:
            return None
        flow = self.flows.get(conv.flow)
        step_name = conv.step.split(":", 1)[-1]
        stale = self.ctx.now - conv.updated_at > FORGET_AFTER
        if flow is not None and stale and flow.work and self._typed(flow):
            self.welcome_back = self._gone(flow)
        if flow is None or step_name not in flow.index or stale:
            self._leave(keep_draft=stale)
            return None
        return flow, flow.step(step_name)

    def _origin(self, flow: Flow) -> dict[str, Any] | None:
        """The screen being left for another flow, to come back to with Back (a program's
        page, left to sign up for it); none from a home menu."""
        step = (self.conversation.step or "").split(":", 1)[-1]
        if flow.name == self._home() or step not in flow.index:
            return None
        state = self.state
        return {"flow": flow.name, "step": step, "answers": dict(state.answers),
                "scratch": dict(state.scratch), "arguments": dict(state.arguments),
                "trail": list(state.trail)}

    def _gone(self, flow: Flow) -> str:
        ctx = self.ctx
        kept = flow.keeps_draft_now(ctx) and bool(self.state.answers)
        title = ctx._(flow.title or flow.name)
        if kept:
            return ctx._("Welcome back. {flow} was left unfinished for more than 7 days, so "
                         "it was closed; your answers are kept as a draft.").format(flow=title)
        return ctx._("Welcome back. {flow} was left unfinished for more than 7 days, so it "
                     "was closed and what you typed was not kept. Let's start again.").format(
            flow=title)

    def _leave(self, keep_draft: bool = False) -> None:
        """Leave the current flow. A flow that keeps drafts keeps its answers when left
        unfinished (`keep_draft`), and drops them when finished or cancelled."""
        flow = self.flows.get(self.conversation.flow or "")
        if flow is not None and flow.keeps_draft_now(self.ctx):
            step = (self.conversation.step or "").split(":", 1)[-1]
            if keep_draft and self._typed(flow) and step:
                self.state.drafts[flow.name] = Draft(step, dict(self.state.answers),
                                                     self.state.return_to,
                                                     list(self.state.trail))
            else:
                self.state.drafts.pop(flow.name, None)
        self.conversation.flow = None
        self.conversation.step = None
        self.conversation.status = ConversationStatus.IDLE
        self.state.reset()

    def _set(self, flow: Flow, step: Step) -> None:
        self.conversation.flow = flow.name
        self.conversation.step = flow.qualified(step.name)
        self.conversation.status = ConversationStatus.ACTIVE

    # Asking

    def ask(self, step: Step, before: str | None = None, error: str | None = None,
            short: bool = False) -> Outbound:
        ctx = self.ctx
        if step.before_asking is not None:
            step.before_asking(ctx)
        self._walked(step)
        question = step.reask if short and step.reask is not None else step.ask
        prompt = question(ctx) if callable(question) else ctx._(question)
        text = "\n\n".join(part for part in (before, error, prompt) if part)
        options = step.expects.options(ctx)
        return Outbound(
            text=text,
            options=(*options, *self._navigation()),
            multiple=step.expects.multiple,
            media=step.media(ctx) if step.media is not None else (),
            step=f"{self.conversation.flow or ''}:{step.name}",
            language=ctx.tr.lang,
        )

    def _walked(self, step: Step) -> None:
        """Keep the way here: Back returns along it. Coming again to a step on the way
        (a list after its detail) cuts the way back to it."""
        trail = self.state.trail
        if step.name in trail:
            del trail[trail.index(step.name) + 1:]
        else:
            trail.append(step.name)

    def _navigation(self) -> list[Option]:
        """Back (when there is a question before this one) and Menu utama (outside it)."""
        ctx = self.ctx
        found = []
        if len(self.state.trail) > 1 or self.state.came_from:
            found.append(Option(NAV_BACK, ctx._("Back"), BACK_KEY))
        home = self._home()
        if home is not None and self.conversation.flow != home:
            found.append(Option(NAV_MENU, ctx._("Main menu"), MENU_KEY))
        return found

    def _home(self) -> str | None:
        """Where this person rests between flows: the main menu once registered, the staff
        menu for staff who are not; nowhere before registering."""
        if self.ctx.registered:
            return MENU_FLOW
        if self.ctx.user is not None and self.ctx.user.staff_roles:
            return STAFF_MENU_FLOW
        return None

    def _ask_current(self, active: tuple[Flow, Step] | None, before: str | None
                     ) -> list[Outbound]:
        if active is not None:
            asked = self.ask(active[1])
            if before and len(before) + len(asked.text) + 2 > REPLY_MOST:
                return [Outbound(before), asked]  # two messages, each fitting a screen
            return [dataclasses.replace(asked, text="\n\n".join(filter(None, (before,
                                                                          asked.text))))]
        return self._begin(before=before)

    # Starting

    def _begin(self, before: str | None = None) -> list[Outbound]:
        """Someone outside any flow: their home (its answer, when the message is one), or
        registration for someone Kriya does not know yet, whatever they sent."""
        ctx = self.ctx
        home = self._home()
        notes = [before] if before else []
        if home is None:
            return self._start(Start(REGISTRATION_FLOW), notes)
        menu = self.flows[home]
        if before is None and ctx.inbound.text and self._fits(menu.first):
            self._set(menu, menu.first)
            return self._answer(menu, menu.first)
        return self._start(Start(home), notes)

    def _fits(self, step: Step) -> bool:
        try:
            step.expects.parse(self.ctx.inbound, self.ctx)
        except Invalid:
            return False
        return True

    def _start(self, start: Start, notes: list[str],
               came_from: dict[str, Any] | None = None) -> list[Outbound]:
        flow = self.flows[start.flow]
        self.state.reset(dict(start.arguments))
        self.state.came_from = came_from
        return self._goto(flow, self._first_step(flow, bool(start.arguments), notes), notes)

    def _first_step(self, flow: Flow, handed_work: bool, notes: list[str]) -> str:
        """Where `flow` starts: where its draft stopped, or its entry. A flow handed
        something to work on starts on it, whatever draft waits."""
        draft = self.state.drafts.get(flow.name)
        if draft is not None and not handed_work and flow.keeps_draft_now(self.ctx) \
                and draft.step in flow.index:
            self.state.answers.update(draft.answers)
            self.state.return_to = draft.return_to
            self.state.trail = list(draft.trail)
            notes.append(self.ctx._("You have an unfinished one: we continue where you "
                                    "stopped. (Type cancel to throw it away.)"))
            return draft.step
        if flow.entry is not None:
            return flow.entry.choose(self.ctx)
        return flow.first.name

    # Answering

    def _answer(self, flow: Flow, step: Step) -> list[Outbound]:
        ctx = self.ctx
        refused = self._refuse_files(step)
        if refused is not None:
            ctx.cache[FILES_REFUSED] = True
            return [self.ask(step, error=refused, short=True)]
        if self._meant_for_earlier_screen(step):
            return self._refused(step, ctx._("That looks like a choice from the screen "
                                             "before. This question needs your own words:"))
        try:
            value = step.expects.parse(ctx.inbound, ctx)
        except Invalid as invalid:
            return self._refused(step, invalid.message)
        self.state.offered = sorted({fold(name) for option in step.expects.options(ctx)
                                     for name in (option.number, option.label)} - {""})
        self.state.offered_by = flow.name
        self.state.tries = 0
        self.state.answers[step.name] = value
        notes: list[str] = []
        understood = step.expects.understood(ctx.inbound, value, ctx)
        if understood:
            notes.append(understood)
        if step.on_answer is not None:
            note = step.on_answer(ctx)
            if note:
                notes.extend([note] if isinstance(note, str) else note)
        return self._goto(flow, next_step(flow, step, self.state), notes)

    def _meant_for_earlier_screen(self, step: Step) -> bool:
        """A number or an option's words typed to a question without options, right after
        a screen that offered them ("2", "Pameran" as a product's name)."""
        text = self.ctx.inbound.text
        if not text or self.ctx.inbound.choice is not None or not isinstance(step.expects, Text) \
                or step.expects.options(self.ctx):
            return False
        typed = fold(clean(text))
        if typed.isdigit():
            return typed in self.state.offered
        # An option's words: only from another flow's screen (a craft's name may well be
        # what a product is made of).
        return typed in self.state.offered and self.state.offered_by != self.conversation.flow

    def _refuse_files(self, step: Step) -> str | None:
        """Why the files of this message cannot answer the step, if they cannot."""
        ctx = self.ctx
        photos = ctx.inbound.photos
        failed = {photo.failed for photo in photos}
        if "storage" in failed:  # ours to mend: the answers so far stay, the step too
            return ctx._("We could not save your photo just now. Your answers so far are "
                         "kept: please try again in a few minutes.")
        if "download" in failed:
            return ctx._("A photo did not reach us. Please try sending it again.")
        if any(photo.not_image for photo in photos):
            return ctx._("That file is not a photo. Please send photos as JPG or PNG images.")
        too_large = [photo for photo in photos if photo.too_large]
        if too_large:
            return ctx._("That file is too big: at most {limit} MB. Please send a smaller "
                         "photo.").format(limit=too_large[0].limit_mb)
        if photos and not ctx.inbound.text and not step.expects.takes_photos:
            return ctx._("Thank you, but a photo is not needed here. Please answer with text.")
        return None

    def _refused(self, step: Step, message: str) -> list[Outbound]:
        self.ctx.cache[FILES_REFUSED] = True
        self.state.tries += 1
        if step.max_tries is not None and self.state.tries >= step.max_tries:
            give_up = step.on_give_up or ""
            text = give_up(self.ctx) if callable(give_up) else self.ctx._(give_up)
            return self._finish([message, text])
        if step.reask is not None:
            return [self.ask(step, short=True)]
        if self.state.tries >= 3 and self.conversation.flow != self._home():
            message += "\n" + self.ctx._("(Type help for help, or cancel to stop.)")
        return [self.ask(step, error=message)]

    def _goto(self, flow: Flow, target: Target, notes: list[str]) -> list[Outbound]:
        ctx = self.ctx
        for _ in range(len(flow.steps) * 2 + 10):
            if isinstance(target, Start):
                origin = self._origin(flow)
                self._leave()
                return self._start(target, notes, came_from=origin)
            if target == END:
                return self._finish(notes)
            step = flow.step(target)
            known = None
            if step.known_answer is not None and self.state.return_to is None:
                known = step.known_answer(ctx)
            if known is None:
                self._set(flow, step)
                return self._joined(notes, self.ask(step))
            self.state.answers[step.name] = known
            target = next_step(flow, step, self.state)
        raise RuntimeError(f"flow {flow.name} loops without asking anything")

    def _joined(self, notes: list[str], asked: Outbound) -> list[Outbound]:
        """Notes ("Provinsi: Jawa Tengah ✔") and the next question in one message when it
        fits on a screen; otherwise the notes first, each on its own."""
        notes = [note for note in notes if note]
        joined = dataclasses.replace(asked, text="\n\n".join([*notes, asked.text]))
        alone = any(isinstance(note, OwnMessage) for note in notes)
        if not notes or (joined.shown_length() <= REPLY_MOST and not alone):
            return [joined]
        return [*self._notes(notes), asked]

    def _notes(self, notes: list[str]) -> list[Outbound]:
        return [Outbound(text=note) for note in notes if note]

    def _finish(self, notes: list[str]) -> list[Outbound]:
        self._leave()
        home = self._home()
        if home is not None and not self.ctx.forget:
            return self._start(Start(home), notes)
        return self._notes(notes)
