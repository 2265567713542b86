"""What the staff flows ask of a staff member's office: its reach, read once a message, and
answers that name only the provinces it reaches. A provincial office is offered its own
provinces; a national one types any."""

from __future__ import annotations

import re

from conversations import provinces
from conversations import reach as reaching
from conversations.answers import Answer, Invalid, Province, clean
from conversations.choices import Choice, MultiChoice
from conversations.context import Context
from conversations.i18n import N_
from conversations.messages import Inbound, Option

# What a viewer is told of a change they may not make.
ONLY_LOOKS = N_("Your role (viewer) only lets you look, so nothing was changed.")


def reach_of(ctx: Context) -> reaching.Reach | None:
    """The staff member's office and what it reaches now (None: no role any more)."""
    if "reach" not in ctx.cache:
        ctx.cache["reach"] = reaching.of(ctx.session, ctx.user)
    return ctx.cache["reach"]


def office_provinces(ctx: Context) -> tuple[str, ...] | None:
    """The provinces of a provincial office; None for a national one."""
    reach = reach_of(ctx)
    return reach.provinces if reach is not None else None


def _outside(ctx: Context, names: list[str], reached: tuple[str, ...]) -> Invalid:
    return Invalid(ctx._("{names}: outside your office's provinces. Your office reaches: "
                         "{reach}.").format(names=", ".join(names), reach=", ".join(reached)))


class ProvinceList(Answer):
    """Provinces separated by commas: 'NTB, Jatim, Sumatera Selatan'."""

    multiple = True

    def options(self, ctx: Context) -> list[Option]:
        reached = office_provinces(ctx)
        return _several(reached).options(ctx) if reached else []

    def parse(self, inbound: Inbound, ctx: Context) -> list[str]:
        reached = office_provinces(ctx)
        if reached:
            try:
                return _several(reached).parse(inbound, ctx)
            except Invalid:
                if inbound.choice is not None:
                    raise
        found = self._typed(inbound, ctx)
        outside = [name for name in found if reached and name not in reached]
        if reached and outside:
            raise _outside(ctx, outside, reached)
        return found

    def _typed(self, inbound: Inbound, ctx: Context) -> list[str]:
        text = clean(inbound.text)
        found = []
        for part in re.split(r"[,;\n]|\b(?:dan|and)\b", text):
            if not part.strip():
                continue
            match, candidates = provinces.match(part.strip())
            if match is None:
                names = ", ".join(p.name for p in candidates)
                raise Invalid(ctx._("I don't know the province \"{text}\".").format(
                    text=part.strip()[:40]) + (f" ({names})" if names else ""))
            found.append(match.name)
        if not found:
            raise Invalid(ctx._("Please type one or more provinces, separated by commas."))
        return list(dict.fromkeys(found))


class ProvinceInReach(Province):
    """One province, of those the office reaches."""

    def options(self, ctx: Context) -> list[Option]:
        reached = office_provinces(ctx)
        return _one(reached).options(ctx) if reached else []

    def parse(self, inbound: Inbound, ctx: Context) -> str:
        reached = office_provinces(ctx)
        if reached:
            try:
                return _one(reached).parse(inbound, ctx)
            except Invalid:
                if inbound.choice is not None:
                    raise
        found = super().parse(inbound, ctx)
        if reached and found not in reached:
            raise _outside(ctx, [found], reached)
        return found


def _several(reached: tuple[str, ...]) -> MultiChoice:
    return MultiChoice(choices=tuple((name, name) for name in reached))


def _one(reached: tuple[str, ...]) -> Choice:
    return Choice(choices=tuple((name, name) for name in reached))
