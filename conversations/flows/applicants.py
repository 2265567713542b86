"""The selection of a program's participants, the steps of `/program` that make it.

    decide (the earliest applicant waiting) -> confirm -> decide (the next one)
    decide -> (Done selecting) the program's summary
    decisions (the latest first) -> entry -> (Batalkan keputusan) decide

A decision reaches the applicant ten minutes after it is confirmed (conversations.selection);
until then "Batalkan keputusan" undoes it: on the next applicant's screen, and in the
decided applicant's entry.
"""

from __future__ import annotations

from typing import Any

from conversations import exports, programs, selection, staff
from conversations.choices import NEXT_PAGE, PREVIOUS_PAGE, Choice, yes_no
from conversations.choices import YES as CONFIRMED
from conversations.context import Context
from conversations.flow import Branch, Step
from conversations.flows.office import ONLY_LOOKS, reach_of
from conversations.i18n import N_
from storage.models import Program, Registration
from storage.statuses import SignUpStatus

SELECT, DECISIONS = "select", "decisions"
YES, NO, SKIP, STOP, UNDO = "selected", "not_selected", "skip", "stop", "undo"
ENTRY = "r:"
PAGE = 5
UNDO_LABEL = N_("Undo the decision")
UNDO_WORDS = ("batalkan", "batalkan keputusan", "undo")
STATUS = {SignUpStatus.SELECTED: N_("selected"), SignUpStatus.NOT_SELECTED: N_("not selected")}


def program_of(ctx: Context) -> Program | None:
    """The program chosen in the list, while it is the staff member's office's."""
    program = programs.get(ctx.session, ctx.answers.get("pick"))
    reach = reach_of(ctx)
    return program if reach is not None and reach.owns(program) else None


def not_allowed(ctx: Context) -> str:
    """Why a change was refused to someone whose roles do not (any more) allow it."""
    if staff.only_looks(ctx.user):
        return ctx._(ONLY_LOOKS)
    return ctx._("You no longer manage programs, so nothing was changed.")


def begin(ctx: Context, choice: str) -> None:
    """Fresh working values for the selection, or the list of decisions, as it starts."""
    if choice == SELECT:
        ctx.scratch.pop("applicant", None)
        ctx.scratch["skipped"] = []
    if choice == DECISIONS:
        ctx.scratch["decided_page"] = 0


def _status(ctx: Context, registration: Registration) -> str:
    return ctx._(STATUS.get(registration.status, registration.status))


def _who(ctx: Context, registration: Registration) -> str:
    return selection.applicant_name(ctx.session, registration)


# The next applicant


def _take_applicant(ctx: Context) -> None:
    """Hold on to the earliest applicant not decided or skipped, as the question is asked."""
    if ctx.scratch.get("applicant") is None and (program := program_of(ctx)) is not None:
        found = selection.next_applicant(ctx.session, program.id,
                                         ctx.scratch.get("skipped") or [])
        ctx.scratch["applicant"] = found.id if found is not None else None


def _applicant(ctx: Context) -> Registration | None:
    return selection.get(ctx.session, ctx.scratch.get("applicant"))


def _last(ctx: Context) -> Registration | None:
    """This staff member's latest decision here, while it may still be undone."""
    found = selection.get(ctx.session, ctx.scratch.get("last"))
    here = found is not None and found.program_id == ctx.answers.get("pick")
    return found if here and selection.undoable(found, ctx.user, ctx.now) else None


def applicant_text(ctx: Context) -> str:
    registration = _applicant(ctx)
    if registration is None or program_of(ctx) is None or not staff.manages_programs(ctx.user):
        lines = [ctx._("Nobody is waiting for a decision here.")]
    else:
        lines = exports.describe_party(ctx.session, registration, ctx.tr)
    last = _last(ctx)
    if last is not None and (told := selection.told_at(last)) is not None:
        lines += ["", ctx._("Undo the decision: {who}, {status}, until {time}.").format(
            who=_who(ctx, last), status=_status(ctx, last), time=ctx.tr.time(told))]
    return "\n".join(lines)


def _applicant_choices(ctx: Context) -> list[tuple[str, str]]:
    found = [(STOP, N_("Done selecting"))]
    if _applicant(ctx) is not None and staff.manages_programs(ctx.user):
        found[:0] = [(YES, N_("Selected")), (NO, N_("Not selected")),
                     (SKIP, N_("Skip for now"))]
    if _last(ctx) is not None:  # last, so that the others keep their numbers
        found.append((UNDO, UNDO_LABEL))
    return found


def _decide(ctx: Context) -> str | None:
    choice = ctx.answers["decide"]
    if choice == SKIP and (wanted := ctx.scratch.pop("applicant", None)) is not None:
        ctx.scratch["skipped"] = [*(ctx.scratch.get("skipped") or []), wanted]
    if choice == UNDO:
        return _undo(ctx, ctx.scratch.get("last"))
    return None


def confirm_text(ctx: Context) -> str:
    registration = _applicant(ctx)
    if registration is None:
        return ctx._("Nobody is waiting for a decision here.")
    question = (N_("Mark {who} as selected? Reply 1 for yes, 2 for no.")
                if ctx.answers.get("decide") == YES
                else N_("Mark {who} as not selected? Reply 1 for yes, 2 for no."))
    return ctx._(question).format(who=_who(ctx, registration))


def _confirm(ctx: Context) -> str | None:
    if ctx.answers["confirm"] != CONFIRMED or ctx.user is None:
        return ctx._("Nothing was recorded.")
    wanted = ctx.scratch.pop("applicant", None)
    program = program_of(ctx)
    if wanted is None or program is None:
        return None
    registration, outcome = selection.decide(
        ctx.session, wanted, ctx.user, ctx.answers.get("decide") == YES, ctx.now,
        ctx.settings.default_zone)
    if outcome == "not_allowed":  # the role was taken away meanwhile
        return not_allowed(ctx)
    if registration is None:
        if outcome == "full":
            ctx.scratch["applicant"] = wanted  # still undecided: ask again about them
            return ctx._("All {n} places are filled, so no one else can be selected. "
                         "Choose Not selected, or Skip for now.").format(n=program.quota)
        return ctx._("Someone else decided on this applicant a moment ago; nothing was "
                     "changed. Here is the next one.")
    ctx.scratch["last"] = registration.id
    told = selection.told_at(registration)
    return ctx._("Recorded: {who}, {status}. They will be told at {time}; until then you "
                 "can still undo it.").format(who=_who(ctx, registration),
                                              status=_status(ctx, registration),
                                              time=ctx.tr.time(told) if told else "-")


def _undo(ctx: Context, registration_id: int | None) -> str:
    registration, outcome = selection.undo(ctx.session, registration_id, ctx.user, ctx.now)
    if outcome == "not_allowed":
        return not_allowed(ctx)
    if registration is None:
        return ctx._("This decision can no longer be undone: the applicant has been told.")
    if ctx.scratch.get("last") == registration.id:
        ctx.scratch.pop("last")
    ctx.scratch.pop("applicant", None)  # the earliest waiting, this one perhaps, comes next
    return ctx._("Decision undone: {who} is waiting for the selection again, and was told "
                 "nothing.").format(who=_who(ctx, registration))


# The decisions made


def _decided(ctx: Context) -> tuple[list[Registration], int]:
    if "decided" not in ctx.cache:
        program = program_of(ctx)
        ctx.cache["decided"] = selection.decided(
            ctx.session, program.id, int(ctx.scratch.get("decided_page", 0)) * PAGE, PAGE
        ) if program is not None else ([], 0)
    return ctx.cache["decided"]


def _first_decided(ctx: Context) -> int:
    return int(ctx.scratch.get("decided_page", 0)) * PAGE + 1


def _decided_pages(ctx: Context) -> tuple[bool, bool]:
    found, total = _decided(ctx)
    first = _first_decided(ctx)
    return first > 1, first - 1 + len(found) < total


def decisions_text(ctx: Context) -> str:
    found, total = _decided(ctx)
    if not found:
        return ctx._("Nobody has been decided on yet.")
    first = _first_decided(ctx)
    return ctx._("Decisions made, the latest first: {first}-{last} of {total}.").format(
        first=first, last=first + len(found) - 1, total=total)


def _decided_choices(ctx: Context) -> list[tuple[str, str]]:
    return [(f"{ENTRY}{r.id}", f"{_who(ctx, r)}: {_status(ctx, r)}") for r in _decided(ctx)[0]]


def _turn_decided_page(ctx: Context) -> str | None:
    step = {NEXT_PAGE: 1, PREVIOUS_PAGE: -1}.get(ctx.answers["decisions"], 0)
    ctx.scratch["decided_page"] = max(0, int(ctx.scratch.get("decided_page", 0)) + step)
    ctx.cache.pop("decided", None)
    return None


def _entry(ctx: Context) -> Registration | None:
    chosen = str(ctx.answers.get("decisions") or "")
    return selection.get(ctx.session, int(chosen[len(ENTRY):])) \
        if chosen.startswith(ENTRY) else None


def entry_text(ctx: Context) -> str:
    registration = _entry(ctx)
    if registration is None or registration.program_id != ctx.answers.get("pick"):
        return ctx._("This applicant is no longer here.")
    lines = exports.describe_party(ctx.session, registration, ctx.tr)
    told = selection.told_at(registration)
    if registration.status not in STATUS or told is None:
        return "\n".join([*lines, ctx._("Waiting for the selection.")])
    lines.append(ctx._("Decision: {status}, {when}.").format(
        status=_status(ctx, registration), when=ctx.tr.datetime(registration.decided_at or told)))
    if selection.undoable(registration, ctx.user, ctx.now):
        lines.append(ctx._("The applicant is told at {time}; until then you can undo it.")
                     .format(time=ctx.tr.time(told)))
    elif told > ctx.now:
        lines.append(ctx._("The applicant is told at {time}.").format(time=ctx.tr.time(told)))
    else:
        lines.append(ctx._("The applicant has been told; the decision is final."))
    return "\n".join(lines)


def _entry_choices(ctx: Context) -> list[tuple[str, str]]:
    registration = _entry(ctx)
    return [(UNDO, UNDO_LABEL)] if selection.undoable(registration, ctx.user, ctx.now) else []


def _undo_entry(ctx: Context) -> str | None:
    registration = _entry(ctx)
    ctx.cache.pop("decided", None)
    return _undo(ctx, registration.id if registration is not None else None)


def _after_decide(answers: dict[str, Any]) -> str:
    choice = answers.get("decide")
    return "confirm" if choice in (YES, NO) else "action" if choice == STOP else "decide"


def _after_decisions(answers: dict[str, Any]) -> str:
    return "entry" if str(answers.get("decisions")).startswith(ENTRY) else "decisions"


STEPS = [
    Step("decide", applicant_text,
         Choice(choices=_applicant_choices,
                words={YES: ("lolos", "terpilih", "ya"), NO: ("tidak lolos", "tidak"),
                       SKIP: ("lewati", "skip"), STOP: ("selesai", "done"),
                       UNDO: UNDO_WORDS}),
         then=Branch(_after_decide, ("confirm", "decide", "action")),
         before_asking=_take_applicant, on_answer=_decide),
    Step("confirm", confirm_text, yes_no(), then="decide", on_answer=_confirm),
    Step("decisions", decisions_text,
         Choice(choices=_decided_choices, start=_first_decided, pages=_decided_pages),
         then=Branch(_after_decisions, ("entry", "decisions")), on_answer=_turn_decided_page),
    # Undone, the applicant waits again, first in line: the selection goes on with them.
    Step("entry", entry_text, Choice(choices=_entry_choices, words={UNDO: UNDO_WORDS}),
         then="decide", on_answer=_undo_entry),
]
