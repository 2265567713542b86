"""Programs for staff (`/program`): sign-up counts, the list as a file, and the selection.

    pick (five a page; typed words search) -> action -> (file: sent, back to action)
                                                     -> the selection (flows.applicants)
                                                     -> pick | END

Every program is a few answers away: the list pages on with "+" (or "lagi"), and words
typed at it (a title word, a kind such as "pameran", an id such as "tei-2027") list the
programs they match. Programs that ended long ago are left out, unless named by their id.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from conversations import exports, outbox, program_text, provinces, signups, staff, vocabulary
from conversations.answers import Invalid, clean, fold
from conversations.choices import NEXT_PAGE, PAGE_WORDS, PREVIOUS_PAGE, Choice
from conversations.context import Context
from conversations.flow import END, Branch, Flow, Step
from conversations.flows import applicants
from conversations.flows.office import reach_of
from conversations.i18n import N_
from conversations.messages import Inbound, Outbound
from conversations.outbox import Message, MessageKind, Recipient
from storage.models import Program
from storage.statuses import SignUpStatus

SELECT, DECISIONS = applicants.SELECT, applicants.DECISIONS
XLSX, CSV, OTHER, DONE = "xlsx", "csv", "other", "done"
TYPED, EVERY = "typed:", "every"
EVERY_WORDS = ("semua", "semua program", "all", "every program")
# Programs that ended longer ago than this are listed only when searched by their id.
RECENT = timedelta(days=60)
PAGE = 5


class ProgramPick(Choice):
    """A program of the list, a page key, or words to look for."""

    def parse(self, inbound: Inbound, ctx: Context) -> str:
        text = clean(inbound.text) if inbound.choice is None else ""
        folded = fold(text)
        if folded in EVERY_WORDS:
            return EVERY
        if folded in _kinds(ctx):  # a kind ("pameran") lists them all, not one named so
            return TYPED + text[:60]
        try:
            return super().parse(inbound, ctx)
        except Invalid:
            if inbound.choice is not None or not any(c.isalpha() for c in text):
                raise
            if folded in PAGE_WORDS[NEXT_PAGE] or folded in PAGE_WORDS[PREVIOUS_PAGE]:
                raise Invalid(ctx._("There is no other page: every program found is "
                                    "shown.")) from None
            return TYPED + text[:60]


def _kinds(ctx: Context) -> dict[str, str]:
    """The kinds of program by every name they have, folded: "pameran", "exhibition"."""
    return {fold(name): code for code, label in vocabulary.PROGRAM_KINDS.items()
            for name in (code, label, ctx._(label))}


def _search_words(ctx: Context, typed: str) -> list[tuple[str, ...]]:
    """Typed words as alternatives to look for, one of each to be found:
    "exhibition ntb" -> [("exhibition", "pameran"), ("ntb", "Nusa Tenggara Barat")]."""
    kinds = _kinds(ctx)
    words = []
    for word in fold(typed).split():
        if word in kinds:
            words.append((word, kinds[word]))
        elif (province := provinces.exact(word)) is not None:
            words.append((word, province.name))
        elif len(word) > 1 or word.isdigit():
            words.append((word,))
    return words


def _programs(ctx: Context) -> tuple[list[tuple[Program, int]], int]:
    if "programs" not in ctx.cache:
        typed = ctx.scratch.get("words") or ""
        reach = reach_of(ctx)
        ctx.cache["programs"] = signups.programs_with_signups(
            ctx.session, ctx.now - RECENT, words=_search_words(ctx, typed),
            program_id=typed.strip().casefold() or None,
            office_id=reach.program_office if reach is not None else None,
            offset=_page(ctx) * PAGE, limit=PAGE)
    return ctx.cache["programs"]


def _page(ctx: Context) -> int:
    return int(ctx.scratch.get("page", 0))


def _first_number(ctx: Context) -> int:
    return _page(ctx) * PAGE + 1


def _pages(ctx: Context) -> tuple[bool, bool]:
    found, total = _programs(ctx)
    return _page(ctx) > 0, _page(ctx) * PAGE + len(found) < total


def pick_text(ctx: Context) -> str:
    found, total = _programs(ctx)
    typed = ctx.scratch.get("words")
    first, last = _first_number(ctx), _first_number(ctx) + len(found) - 1
    if typed and not found:
        return ctx._('No program matches "{words}". Type other words, or semua for every '
                     'program.').format(words=typed)
    if typed:
        return ctx._('Programs matching "{words}": {first}-{last} of {total}. Type other '
                     'words to search again, or semua for every program.').format(
            words=typed, first=first, last=last, total=total)
    if not found:
        return ctx._("There are no programs yet. Add them with kriya programs import.")
    return ctx._("Which program? Those with sign-ups come first: {first}-{last} of {total}. "
                 "Or type words to search: a word of the title, a kind (pameran) or an id "
                 "(tei-2027).").format(first=first, last=last, total=total)


def _pick_choices(ctx: Context) -> list[tuple[str, str]]:
    return [(program.id, ctx.tr.ngettext("{title} ({n} sign-up)", "{title} ({n} sign-ups)",
                                         n).format(title=program.title, n=n))
            for program, n in _programs(ctx)[0]]


def _turn_page(ctx: Context) -> str | None:
    answer = ctx.answers["pick"]
    step = {NEXT_PAGE: 1, PREVIOUS_PAGE: -1}.get(answer, 0)
    ctx.scratch["page"] = max(0, _page(ctx) + step)
    if answer == EVERY or answer.startswith(TYPED):  # a new search, from its first page
        ctx.scratch.update(words=answer[len(TYPED):] if answer != EVERY else "", page=0)
    ctx.cache.pop("programs", None)
    return None


def _after_pick(answers: dict[str, Any]) -> str:
    answer = answers["pick"]
    return "pick" if answer in (NEXT_PAGE, PREVIOUS_PAGE, EVERY) or answer.startswith(TYPED) \
        else "action"


def _program(ctx: Context) -> Program | None:
    return applicants.program_of(ctx)


def action_text(ctx: Context) -> str:
    program = _program(ctx)
    if program is None:
        return ctx._("This program is no longer available.")
    counted = signups.counts(ctx.session, program.id)
    _ = ctx._
    lines = [program.title, _("Starts: {when}").format(
        when=program_text.starts(ctx.tr, program))]
    if signups.has_selection(program):
        lines.append(_("Applied, waiting for the selection: {n}").format(
            n=counted[SignUpStatus.CONFIRMED]))
        lines.append(_("Selected: {n}").format(n=counted[SignUpStatus.SELECTED])
                     + (f" / {program.quota}" if program.quota else ""))
        lines.append(_("Not selected: {n}").format(n=counted[SignUpStatus.NOT_SELECTED]))
    else:
        lines.append(_("Confirmed: {n}").format(n=counted[SignUpStatus.CONFIRMED])
                     + (f" / {program.quota}" if program.quota else ""))
        lines.append(_("On the waiting list: {n}").format(n=counted[SignUpStatus.WAITLISTED]))
    lines.append(_("Cancelled: {n}").format(n=counted[SignUpStatus.CANCELLED]))
    return "\n".join(lines)


def _action_choices(ctx: Context) -> list[tuple[str, str]]:
    program = _program(ctx)
    # Lists of people leave Kriya only for those who run the program, never a viewer.
    exports_ = [(XLSX, N_("Send the list as an Excel file")),
                (CSV, N_("Send the list as a CSV file"))] if staff.manages_programs(ctx.user) \
        else []
    choices = [*exports_, (OTHER, N_("Another program")), (DONE, N_("Done"))]
    if program is not None and signups.has_selection(program):
        # A viewer looks at the decisions; only those who run programs make them.
        select = [(SELECT, N_("Select participants"))] if staff.manages_programs(ctx.user) \
            else []
        choices[:0] = [*select, (DECISIONS, N_("Decisions made"))]
    return choices


def _after_action(ctx: Context) -> str | None:
    choice = ctx.answers["action"]
    program = _program(ctx)
    if not staff.sees_programs(ctx.user):  # the role was taken away meanwhile
        ctx.answers["action"] = DONE
        return ctx._("You no longer manage programs, so nothing was sent.")
    if choice in (SELECT, XLSX, CSV) and not staff.manages_programs(ctx.user):
        ctx.answers["action"] = DONE
        return applicants.not_allowed(ctx)
    if choice in (XLSX, CSV) and program is not None:
        path, name, rows = exports.save_registrations(ctx.session, program, ctx.tr,
                                                      ctx.settings.media_dir, choice, ctx.now)
        text = ctx.tr.ngettext("{name}: {n} sign-up.", "{name}: {n} sign-ups.", rows).format(
            name=name, n=rows)
        # A file, which a note cannot carry: it goes out as a message of its own.
        _send_here(ctx, Outbound(text=text, document=path, filename=name))
        return ctx._("The file is on its way.")
    applicants.begin(ctx, choice)
    return None


def _send_here(ctx: Context, message: Outbound) -> None:
    """Queue a message to the staff member chatting, where they chat, as soon as a reply."""
    inbound, user = ctx.inbound, ctx.user
    key = f"export:{inbound.channel}:{inbound.message_id or ctx.now.isoformat()}"
    to = Recipient(inbound.channel, inbound.address, user.id if user is not None else None)
    outbox.queue(ctx.session, [Message(to, MessageKind.EXPORT, key, message.to_payload())],
                 ctx.now, once=True)


def _after_action_step(answers: dict[str, Any]) -> Any:
    return {SELECT: "decide", DECISIONS: "decisions", XLSX: "action", CSV: "action",
            OTHER: "pick"}.get(answers.get("action"), END)


program_admin = Flow("program_admin", title=N_("Programs and sign-ups (/program)"), steps=[
    Step("pick", pick_text,
         ProgramPick(choices=_pick_choices, start=_first_number, pages=_pages),
         then=Branch(_after_pick, ("pick", "action")), on_answer=_turn_page),
    Step("action", action_text,
         Choice(choices=_action_choices,
                words={SELECT: ("seleksi", "pilih"), DECISIONS: ("keputusan",),
                       XLSX: ("excel", "xlsx"), CSV: ("csv",),
                       OTHER: ("lain", "program lain"), DONE: ("selesai", "done")}),
         then=Branch(_after_action_step, ("decide", "decisions", "action", "pick", END)),
         on_answer=_after_action),
    *applicants.STEPS,
])
