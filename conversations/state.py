"""What a conversation keeps between one message and the next, in parts that do not mix.

- `answers`: what the person answered, by step name; what a draft keeps.
- `scratch`: the flow's own working values (the product a curator holds, a page number).
- `arguments`: what the flow was started with (`Start("signup", program=...)`).
- the engine's bookkeeping: wrong answers in a row, the step an edit returns to, and the
  drafts of unfinished flows that keep them.

Stored as one JSON value in the conversation row. Rows written before these parts existed
(one flat dict, the engine's keys starting with "_") are read as well.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

LAYOUT = 2  # the stored layout this module writes


@dataclass
class Draft:
    """An unfinished flow's answers, kept to resume where it stopped."""

    step: str
    answers: dict[str, Any]
    return_to: str | None = None
    trail: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {"step": self.step, "answers": self.answers}
        if self.return_to:
            found["return_to"] = self.return_to
        if self.trail:
            found["trail"] = self.trail
        return found


@dataclass
class FlowState:
    answers: dict[str, Any] = field(default_factory=dict)
    scratch: dict[str, Any] = field(default_factory=dict)
    arguments: dict[str, Any] = field(default_factory=dict)
    tries: int = 0  # wrong answers in a row to the current question
    return_to: str | None = None  # where an edited answer goes back to (a summary)
    drafts: dict[str, Draft] = field(default_factory=dict)  # by flow name
    trail: list[str] = field(default_factory=list)  # steps asked so far: where Back goes
    pending: str | None = None  # a question of the engine's own awaits ("cancel": sure?)
    # The answers the last screen with options offered (numbers and words): typed to a
    # question that takes text, they were meant for that screen. Kept across flows.
    offered: list[str] = field(default_factory=list)
    offered_by: str | None = None  # the flow whose screen offered them
    # The screen of another flow this one was started from (its flow, step and state),
    # where Back on this flow's first question returns.
    came_from: dict[str, Any] | None = None

    def reset(self, arguments: dict[str, Any] | None = None) -> None:
        """A fresh start for a flow; the drafts of flows stay."""
        self.answers, self.scratch = {}, {}
        self.arguments = dict(arguments or {})
        self.tries, self.return_to = 0, None
        self.trail, self.pending, self.came_from = [], None, None

    def to_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {"layout": LAYOUT}
        for name in ("answers", "scratch", "arguments", "tries", "return_to", "trail",
                     "pending", "offered", "offered_by",
                     "came_from"):
            if value := getattr(self, name):
                found[name] = value
        if self.drafts:
            found["drafts"] = {name: draft.to_json() for name, draft in self.drafts.items()}
        return found

    @classmethod
    def from_json(cls, data: dict[str, Any] | None, steps: Collection[str] = ()) -> FlowState:
        """The stored state; `steps` are the step names of the conversation's flow, which
        tell answers from scratch values in a row of the older layout."""
        data = data or {}
        if data.get("layout") != LAYOUT:
            return _from_flat(data, steps)
        return cls(
            answers=dict(data.get("answers") or {}), scratch=dict(data.get("scratch") or {}),
            arguments=dict(data.get("arguments") or {}), tries=int(data.get("tries") or 0),
            return_to=data.get("return_to"), trail=list(data.get("trail") or []),
            pending=data.get("pending"), offered=list(data.get("offered") or []),
            offered_by=data.get("offered_by"), came_from=data.get("came_from"),
            drafts={name: Draft(d["step"], dict(d.get("answers") or {}), d.get("return_to"),
                                list(d.get("trail") or []))
                    for name, d in (data.get("drafts") or {}).items()},
        )


def _from_flat(data: dict[str, Any], steps: Collection[str]) -> FlowState:
    """The older layout: one dict, the engine's keys starting with "_"."""
    state = FlowState(tries=int(data.get("_tries") or 0), return_to=data.get("_return_to"))
    for key, value in data.items():
        if key.startswith("_"):
            continue
        (state.answers if key in steps else state.scratch)[key] = value
    for name, draft in (data.get("_drafts") or {}).items():
        answers = {k: v for k, v in (draft.get("answers") or {}).items()
                   if not k.startswith("_")}
        state.drafts[name] = Draft(str(draft.get("step")), answers,
                                   (draft.get("answers") or {}).get("_return_to"))
    return state
