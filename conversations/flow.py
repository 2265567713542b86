"""Flows: named state machines of named steps, declared as data.

A step says what to ask, what kind of answer it takes, and where to go next. The engine
does the asking, validating, re-asking and storing; a flow only owns its words and what
happens when an answer comes (`on_answer`), which is a call into the domain.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from conversations.answers import Answer
    from conversations.context import Context
    from conversations.state import FlowState

END = "__end__"

Prompt = str | Callable[["Context"], str]


class OwnMessage(str):
    """A note to show as a message of its own, not joined to the next question: an
    announcement's preview reads exactly as its recipients will get it."""


@dataclass(frozen=True, init=False)
class Start:
    """A transition into another flow, with what it is to work on: `Start("signup",
    program="tei-2027")`. A flow started with arguments starts afresh, not at its draft."""

    flow: str
    arguments: tuple[tuple[str, Any], ...] = ()

    def __init__(self, flow: str, **arguments: Any) -> None:
        object.__setattr__(self, "flow", flow)
        object.__setattr__(self, "arguments", tuple(sorted(arguments.items())))


Target = str | Start


@dataclass(frozen=True)
class Branch:
    """A transition chosen by a pure function of the answers so far.

    `targets` lists every place it can lead, so flows can be checked when loaded.
    """

    choose: Callable[[Mapping[str, Any]], Target]
    targets: tuple[Target, ...]


@dataclass(frozen=True)
class EditField:
    """Go to the step the user picked, then come back to `back_to`."""

    key: str
    back_to: str
    targets: tuple[str, ...]


Then = Target | Mapping[str, Target] | Branch | EditField | None


@dataclass(frozen=True)
class Step:
    name: str
    ask: Prompt
    expects: Answer
    then: Then = None
    # The answer when it is already known (a phone number the channel vouches for): the
    # step is not asked. None asks it.
    known_answer: Callable[[Context], Any] | None = None
    # Runs each time the question is about to be asked (take the next product to judge).
    before_asking: Callable[[Context], None] | None = None
    # Runs on a valid answer, before moving on; may return a note (or several) to show.
    on_answer: Callable[[Context], str | list[str] | None] | None = None
    # The question in one short line, for a re-ask after an answer that was not understood
    # (the consent is not sent again in full to someone who typed "halo").
    reask: Prompt | None = None
    max_tries: int | None = None
    on_give_up: Prompt | None = None
    media: Callable[[Context], tuple[str, ...]] | None = None  # photos shown with the question


@dataclass(frozen=True)
class Entry:
    """Where a flow starts, chosen from its arguments (a product to revise starts at its
    summary); `targets` lists every step it may choose."""

    choose: Callable[[Context], str]
    targets: tuple[str, ...]


@dataclass
class Flow:
    name: str
    steps: list[Step]
    # Left unfinished (menu, or a week away), its answers are kept and it resumes where it
    # stopped the next time it starts; only finishing or batal throws them away. A function
    # says it case by case (work on something already sent keeps no draft).
    keeps_draft: bool | Callable[[Context], bool] = False
    entry: Entry | None = None  # None: the first step
    title: str = ""  # how people know it ("Kirim produk"), to say where they were
    # Its answers are work the person typed (not browsing): batal asks before dropping them.
    work: bool = False
    index: dict[str, Step] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.index = {step.name: step for step in self.steps}

    @property
    def first(self) -> Step:
        return self.steps[0]

    def keeps_draft_now(self, ctx: Context) -> bool:
        """Whether leaving this flow unfinished now keeps its answers as a draft."""
        return self.keeps_draft(ctx) if callable(self.keeps_draft) else self.keeps_draft

    def step(self, name: str) -> Step:
        return self.index[name]

    def qualified(self, step: str) -> str:
        return f"{self.name}:{step}"


class FlowError(ValueError):
    """A flow definition that cannot work: found when flows are loaded, not by a user."""


def targets_of(flow: Flow, step: Step) -> tuple[Target, ...]:
    """Every place a step can lead to."""
    then = step.then
    if then is None:
        position = flow.steps.index(step)
        return (flow.steps[position + 1].name,) if position + 1 < len(flow.steps) else (END,)
    if isinstance(then, str | Start):
        return (then,)
    if isinstance(then, Branch):
        return then.targets
    if isinstance(then, EditField):
        return (*then.targets, then.back_to)
    return tuple(then.values())


def next_step(flow: Flow, step: Step, state: FlowState) -> Target:
    """Where to go once `step` has a valid answer. Pure: reads the answers, and changes
    only where an edit returns to."""
    back, state.return_to = state.return_to, None
    then = step.then
    answers = state.answers
    if isinstance(then, EditField):
        state.return_to = then.back_to
        return str(answers[then.key])
    if back is not None:
        return back
    if then is None or isinstance(then, str | Start):
        return targets_of(flow, step)[0]
    if isinstance(then, Branch):
        return then.choose(answers)
    value = answers.get(step.name)
    if value in then:
        return then[value]
    if "*" in then:
        return then["*"]
    raise FlowError(f"{flow.qualified(step.name)} has no transition for {value!r}")


def check_flows(flows: Mapping[str, Flow]) -> None:
    """Refuse flows with unknown targets, unreachable steps or no way to finish."""
    for flow in flows.values():
        if not flow.steps:
            raise FlowError(f"flow {flow.name} has no steps")
        if len(flow.index) != len(flow.steps):
            raise FlowError(f"flow {flow.name} has two steps of the same name")
        edges: dict[str, set[str]] = {}
        for step in flow.steps:
            edges[step.name] = set()
            for target in targets_of(flow, step):
                if isinstance(target, Start):
                    if target.flow not in flows:
                        raise FlowError(
                            f"{flow.qualified(step.name)} starts unknown flow {target.flow}"
                        )
                    edges[step.name].add(END)
                elif target == END:
                    edges[step.name].add(END)
                elif target not in flow.index:
                    raise FlowError(f"{flow.qualified(step.name)} leads to unknown step {target}")
                else:
                    edges[step.name].add(target)
            if step.known_answer is not None:
                # A step answered from what is known passes on to wherever it leads.
                edges[step.name] |= {t for t in targets_of(flow, step) if isinstance(t, str)}
        starts = flow.entry.targets if flow.entry is not None else (flow.first.name,)
        unknown = [t for t in starts if t not in flow.index]
        if unknown:
            raise FlowError(f"flow {flow.name} may start at unknown step {unknown[0]}")
        reachable = set().union(*(_reach(edges, start) for start in starts))
        unreachable = [s.name for s in flow.steps if s.name not in reachable]
        if unreachable:
            raise FlowError(f"flow {flow.name}: unreachable steps {', '.join(unreachable)}")
        for name in reachable - {END}:
            if END not in _reach(edges, name):
                raise FlowError(f"{flow.qualified(name)} can never finish")


def _reach(edges: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = {start}, [start]
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen
