"""Programs for staff (`/program`): sign-up counts, the list as a file, and the selection.

    pick -> action -> (file: sent, back to action)
                   -> applicant -> selected / not selected / skip -> applicant
                                -> stop -> action
                   -> pick | END

The selection takes applicants in the order they applied; each decision reaches the
applicant through the outbox, in their language. Two staff deciding the same applicant
at once: the first decision counts, the second is told.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from conversations import exports, outbox, program_text, programs, signups, staff
from conversations.choices import Choice
from conversations.context import Context
from conversations.flow import END, Branch, Flow, Step
from conversations.i18n import N_
from conversations.messages import Outbound
from conversations.outbox import Message, MessageKind, Recipient
from storage.models import Program, Registration
from storage.statuses import SignUpStatus

SELECT, XLSX, CSV, OTHER, DONE = "select", "xlsx", "csv", "other", "done"
YES, NO, SKIP, STOP = "selected", "not_selected", "skip", "stop"
# Programs that ended longer ago than this are not listed.
RECENT = timedelta(days=60)
SHOWN = 10


def _programs(ctx: Context) -> list[tuple[Program, int]]:
    if "programs" not in ctx.cache:
        ctx.cache["programs"] = signups.programs_with_signups(ctx.session, ctx.now - RECENT,
                                                             SHOWN)
    return ctx.cache["programs"]


def pick_text(ctx: Context) -> str:
    if not _programs(ctx):
        return ctx._("There are no programs yet. Add them with kriya programs import.")
    return ctx._("Which program? (Those with sign-ups come first.)")


def _pick_choices(ctx: Context) -> list[tuple[str, str]]:
    pairs = [(program.id, ctx.tr.ngettext("{title} ({n} sign-up)", "{title} ({n} sign-ups)",
                                          n).format(title=program.title, n=n))
             for program, n in _programs(ctx)]
    return [*pairs, (DONE, N_("Done"))]


def _program(ctx: Context) -> Program | None:
    chosen = ctx.answers.get("pick")
    return programs.get(ctx.session, chosen) if chosen != DONE else None


def action_text(ctx: Context) -> str:
    program = _program(ctx)
    if program is None:
        return ctx._("This program is no longer available.")
    counted = signups.counts(ctx.session, program.id)
    _ = ctx._
    lines = [program.title,
             _("Starts: {when}").format(when=program_text.starts(ctx.tr, program))]
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
    choices = [(XLSX, N_("Send the list as an Excel file")),
               (CSV, N_("Send the list as a CSV file")),
               (OTHER, N_("Another program")), (DONE, N_("Done"))]
    if program is not None and signups.has_selection(program):
        choices.insert(0, (SELECT, N_("Select participants")))
    return choices


def _after_action(ctx: Context) -> str | None:
    choice = ctx.answers["action"]
    program = _program(ctx)
    if not staff.manages_programs(ctx.user):  # the role was taken away meanwhile
        ctx.answers["action"] = DONE
        return ctx._("You no longer manage programs, so nothing was sent.")
    if choice in (XLSX, CSV) and program is not None:
        path, name, rows = exports.save_registrations(ctx.session, program, ctx.tr,
                                                      ctx.settings.media_dir, choice, ctx.now)
        text = ctx.tr.ngettext("{name}: {n} sign-up.", "{name}: {n} sign-ups.", rows).format(
            name=name, n=rows)
        # A file, which a note cannot carry: it goes out as a message of its own.
        _send_here(ctx, Outbound(text=text, document=path, filename=name))
        return ctx._("The file is on its way.")
    if choice == SELECT:
        ctx.scratch.pop("applicant", None)
        ctx.scratch["skipped"] = []
    return None


def _send_here(ctx: Context, message: Outbound) -> None:
    """Queue a message to the staff member chatting, where they chat, as soon as a reply."""
    inbound, user = ctx.inbound, ctx.user
    key = f"export:{inbound.channel}:{inbound.message_id or ctx.now.isoformat()}"
    to = Recipient(inbound.channel, inbound.address, user.id if user is not None else None)
    outbox.queue(ctx.session, [Message(to, MessageKind.EXPORT, key, message.to_payload())],
                 ctx.now, once=True)


def _after_action_step(answers: dict[str, Any]) -> Any:
    return {SELECT: "decide", XLSX: "action", CSV: "action", OTHER: "pick"}.get(
        answers.get("action"), END)


# The selection


def _take_applicant(ctx: Context) -> None:
    """Hold on to the earliest applicant not decided or skipped, as the question is asked."""
    if ctx.scratch.get("applicant") is None and (program := _program(ctx)) is not None:
        found = signups.next_applicant(ctx.session, program.id, ctx.scratch.get("skipped") or [])
        ctx.scratch["applicant"] = found.id if found is not None else None


def _applicant(ctx: Context) -> Registration | None:
    return signups.get(ctx.session, ctx.scratch.get("applicant"))


def applicant_text(ctx: Context) -> str:
    registration = _applicant(ctx)
    program = _program(ctx)
    if registration is None or program is None or not staff.manages_programs(ctx.user):
        return ctx._("Nobody is waiting for a decision here.")
    return "\n".join(exports.describe_party(ctx.session, registration, ctx.tr))


def _applicant_choices(ctx: Context) -> list[tuple[str, str]]:
    if _applicant(ctx) is None:
        return [(STOP, N_("Back"))]
    return [(YES, N_("Selected")), (NO, N_("Not selected")), (SKIP, N_("Skip for now")),
            (STOP, N_("Stop"))]


def _decide(ctx: Context) -> str | None:
    choice = ctx.answers["decide"]
    wanted = ctx.scratch.pop("applicant", None)
    program, user = _program(ctx), ctx.user
    if choice == SKIP and wanted is not None:
        ctx.scratch["skipped"] = [*(ctx.scratch.get("skipped") or []), wanted]
    if choice not in (YES, NO) or wanted is None or program is None or user is None:
        return None
    registration, outcome = signups.decide(ctx.session, wanted, user, choice == YES, ctx.now,
                                           ctx.settings.default_zone)
    if outcome == "not_allowed":  # the role was taken away meanwhile
        return ctx._("You no longer manage programs, so nothing was recorded.")
    if registration is None:
        if outcome == "full":
            ctx.scratch["applicant"] = wanted  # still undecided: ask again about them
            return ctx._("All {n} places are given, so nobody more can be selected. Choose "
                         "Not selected, or Skip for now.").format(n=program.quota)
        return ctx._("Someone else decided on this applicant a moment ago; nothing was "
                     "changed. Here is the next one.")
    return ctx._("Recorded: {status}. The applicant has been told.").format(
        status=ctx._(N_("selected") if choice == YES else N_("not selected")))


def _after_applicant(answers: dict[str, Any]) -> Any:
    return "action" if answers.get("decide") == STOP else "decide"


program_admin = Flow("program_admin", title=N_("Programs and sign-ups (/program)"), steps=[
    Step("pick", pick_text, Choice(choices=_pick_choices, words={DONE: ("selesai", "done")}),
         then=Branch(lambda a: END if a.get("pick") == DONE else "action", ("action", END))),
    Step("action", action_text,
         Choice(choices=_action_choices,
                words={SELECT: ("seleksi", "pilih"), XLSX: ("excel", "xlsx"), CSV: ("csv",),
                       OTHER: ("lain", "program lain"), DONE: ("selesai", "done")}),
         then=Branch(_after_action_step, ("decide", "action", "pick", END)),
         on_answer=_after_action),
    Step("decide", applicant_text,
         Choice(choices=_applicant_choices,
                words={YES: ("lolos", "terpilih", "ya"), NO: ("tidak lolos", "tidak"),
                       SKIP: ("lewati", "skip"), STOP: ("selesai", "done")}),
         then=Branch(_after_applicant, ("action", "decide")),
         before_asking=_take_applicant, on_answer=_decide),
])
