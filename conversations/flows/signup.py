"""Signing up for a program, from its detail in Find programs (`Start("signup",
program=ID)`).

    check -> products -> route -> notes -> confirm -> END
      \\-> (not eligible: why, and what to do) -> END | the product flow | My sign-ups

`check` passes on by itself when the user may sign up; otherwise it is the question that
explains why not. Products are asked where the program needs curated ones, the funding
route where it offers several, notes for exhibitions. The seat (or the place on the
waiting list) is given when the summary is confirmed, under the program's lock.
"""

from __future__ import annotations

from typing import Any

from conversations import program_text, programs, signups, vocabulary
from conversations.answers import Text, clean, fold
from conversations.choices import Choice, MultiChoice
from conversations.context import Context
from conversations.flow import END, Branch, Flow, Start, Step
from conversations.i18n import N_
from conversations.messages import Inbound, Option
from storage.models import Program, Registration
from storage.statuses import SignUpStatus

OK = "ok"
SEND_PRODUCT, MY_SIGNUPS = "product", "mine"
SIGN_UP, NOT_NOW = "signup", "not_now"
NONE = "none"


def status_text(ctx: Context, registration: Registration, program: Program,
                position: int | None = None) -> str:
    status = signups.shown_status(registration, ctx.now)
    if status == SignUpStatus.CONFIRMED and signups.has_selection(program):
        return ctx._("applied, waiting for the selection")
    if status == SignUpStatus.WAITLISTED and position:
        return ctx._("on the waiting list, number {n}").format(n=position)
    return ctx._(signups.STATUS_LABELS.get(status, status))


def program_of(ctx: Context) -> Program | None:
    return programs.get(ctx.session, ctx.scratch.get("program"))


def _crafts(ctx: Context, codes: list[str]) -> str:
    return ", ".join(ctx._(vocabulary.CATEGORIES.get(c, c)) for c in codes)


def refusal_text(ctx: Context) -> str:
    program = program_of(ctx)
    reason = ctx.scratch.get("reason")
    user = ctx.user
    _ = ctx._
    if program is None or user is None or reason in ("gone", "unregistered"):
        return _("This program is no longer available.")
    title = program.title
    if reason == "already":
        existing = signups.own(ctx.session, program.id, user)
        if existing is not None:
            position = signups.waitlist_position(ctx.session, existing)
            return _("You are already signed up for {title}: {status}.").format(
                title=title, status=status_text(ctx, existing, program, position))
    if reason == "no_lapas":
        return _("Your Lapas is no longer registered in Kriya, so it cannot sign up. Please "
                 "ask the staff who gave you the invite code.")
    if reason == "closed":
        return _("Registration for {title} closed on {when}. Look for other programs in "
                 "Find programs.").format(title=title,
                                          when=program_text.closing_time(ctx.tr, program))
    if reason == "audience":
        return _("{title} is for {who} only, so it cannot take your sign-up.").format(
            title=title, who=_(vocabulary.AUDIENCES.get(program.audience, program.audience)))
    if reason == "province":
        return _("{title} is for businesses in {province}, and yours is in {yours}. Find "
                 "programs shows those of your province and national ones.").format(
            title=title, province=program.province, yours=user.province or "-")
    if reason == "category":
        return _("{title} is for these crafts: {crafts}. Yours are: {yours}. If you make "
                 "one of them too, add it in My data and come back.").format(
            title=title, crafts=_crafts(ctx, program.categories),
            yours=_crafts(ctx, user.categories))
    waiting = signups.products_with_curators(ctx.session, user)
    text = _("{title} needs a product that passed curation, and you have none yet.").format(
        title=title)
    if program.categories:
        text = _("{title} needs a product that passed curation, in one of these crafts: "
                 "{crafts}; you have none yet.").format(
            title=title, crafts=_crafts(ctx, program.categories))
    if waiting:
        return text + " " + ctx.tr.ngettext(
            "{n} of your products is still with the curators: once it is accepted, you "
            "can sign up here.",
            "{n} of your products are still with the curators: once one is accepted, you "
            "can sign up here.", waiting).format(n=waiting)
    return text + " " + _("Send one with Send a product: a curator looks at its photos, "
                          "materials, size, price and monthly capacity, and tells you here.")


def _check(ctx: Context) -> str | None:
    """Runs when the flow starts: takes the program it was started with, and passes on if
    the user may sign up. Otherwise the reason is kept and the question explains it."""
    if "program" in ctx.arguments:
        ctx.scratch["program"] = ctx.arguments["program"]
    reason = signups.refusal(ctx.session, ctx.user, program_of(ctx), ctx.now)
    if reason is None:
        return OK
    ctx.scratch["reason"] = reason
    return None


def _refusal_choices(ctx: Context) -> list[tuple[str, str]]:
    reason = ctx.scratch.get("reason")
    choices = []
    if reason == "product":
        choices.append((SEND_PRODUCT, N_("Send a product")))
    if reason == "already":
        choices.append((MY_SIGNUPS, N_("My sign-ups")))
    return choices


def _after_check(answers: dict[str, Any]) -> Any:
    return {OK: "products", SEND_PRODUCT: Start("product"),
            MY_SIGNUPS: Start("my_signups")}[answers["check"]]


# Products


def _products(ctx: Context) -> list:
    program, user = program_of(ctx), ctx.user
    if program is None or user is None:
        return []
    return signups.accepted_products(ctx.session, user, program.categories)


def _product_choices(ctx: Context) -> list[tuple[str, str]]:
    choices = []
    for product in _products(ctx):
        label = f"{product.name} ({ctx.tr.money(product.price)})"
        if product.producer_code:
            label = f"{product.name}, {product.producer_code}"
        choices.append((str(product.id), label))
    return choices


def _products_known(ctx: Context) -> list[str] | None:
    program = program_of(ctx)
    if program is None or not program.requires_curated_product:
        return []
    return None


# Funding route


def _route_choices(ctx: Context) -> list[tuple[str, str]]:
    program = program_of(ctx)
    if program is None:
        return []
    seats = _route_seats(ctx)
    choices = []
    for entry in program.funding_routes:
        route = entry["route"]
        label = ctx._(vocabulary.FUNDING_ROUTES.get(route, route))
        if route in seats:
            label += " - " + seats[route]
        choices.append((route, label))
    return choices


def _route_seats(ctx: Context) -> dict[str, str]:
    """The places left on each route that has a quota: "2 seats left", "full, waiting list"."""
    program = program_of(ctx)
    if program is None:
        return {}
    taken = signups.seats(ctx.session, program.id)
    found = {}
    for entry in program.funding_routes:
        route = entry["route"]
        left = taken.left(program, route)
        if left == 0:
            found[route] = ctx._("full, waiting list")
        elif left is not None and signups.route_seats(program, route) is not None:
            found[route] = ctx.tr.ngettext("{n} seat left", "{n} seats left", left).format(
                n=left)
    return found


def route_text(ctx: Context) -> str:
    program = program_of(ctx)
    lines = [ctx._("Who pays for your trip to the exhibition?")]
    for entry in program.funding_routes if program is not None else []:
        route = entry["route"]
        lines.append("- " + ctx._(vocabulary.FUNDING_ROUTES.get(route, route)) + ": "
                     + ctx._(vocabulary.FUNDING_ROUTE_HELP.get(route, "")))
    return "\n".join(lines)


def _route_known(ctx: Context) -> str | None:
    program = program_of(ctx)
    if program is None or not program.funding_routes:
        return ""
    if len(program.funding_routes) == 1:
        return str(program.funding_routes[0]["route"])
    return None


# Notes


class OptionalNote(Text):
    """Free text, or "tidak ada" / a tap on the option for none."""

    words = ("tidak ada", "tidak", "tdk", "ga ada", "gak ada", "nggak", "none", "no", "-",
             "lewati", "skip")

    def options(self, ctx: Context) -> list[Option]:
        return [Option(NONE, ctx._("No notes"), "1")]

    def parse(self, inbound: Inbound, ctx: Context) -> str:
        if inbound.choice == NONE:
            return ""
        text = clean(inbound.text)
        if inbound.choice is None and (fold(text) in self.words or text in ("-", "1")):
            return ""
        return super().parse(inbound, ctx)


def _notes_known(ctx: Context) -> str | None:
    program = program_of(ctx)
    return None if program is not None and program.kind == "pameran" else ""


# Summary


def confirm_text(ctx: Context) -> str:
    program = program_of(ctx)
    if program is None:
        return ctx._("This program is no longer available.")
    _ = ctx._
    lines = [_("Please check your sign-up:"), program.title,
             _("Starts: {when}").format(when=program_text.starts(ctx.tr, program))]
    if program.venue:
        lines.append(_("Venue: {venue}").format(venue=program.venue))
    chosen = {str(p.id): p for p in _products(ctx)}
    names = [chosen[i].name for i in ctx.answers.get("products") or [] if i in chosen]
    if names:
        lines.append(_("Products: {names}").format(names=", ".join(names)))
    route = ctx.answers.get("route")
    if route:
        lines.append(_("Funding: {route}").format(
            route=_(vocabulary.FUNDING_ROUTES.get(route, route))))
    if ctx.answers.get("notes"):
        lines.append(_("Notes: {notes}").format(notes=ctx.answers["notes"]))
    lines.append("")
    taken = signups.seats(ctx.session, program.id)
    if signups.has_selection(program):
        lines.append(_("The organiser selects the participants; you will hear the result "
                       "here."))
    elif not taken.free_for(program, route or None):
        lines.append(_("All seats are taken: you will be put on the waiting list, in order."))
    return "\n".join(lines)


def _submit(ctx: Context) -> str | None:
    if ctx.answers.get("confirm") != SIGN_UP:
        return ctx._("Not signed up. You can sign up later from the program's page.")
    program, user = program_of(ctx), ctx.user
    reason = signups.refusal(ctx.session, user, program, ctx.now)
    if reason is not None or program is None or user is None:
        ctx.scratch["reason"] = reason or "gone"
        return refusal_text(ctx)
    product_ids = [int(i) for i in ctx.answers.get("products") or []]
    allowed = {p.id for p in _products(ctx)}
    if any(i not in allowed for i in product_ids):
        return ctx._("One of the products you chose is no longer accepted. Please sign up "
                     "again from the program's page.")
    done = signups.sign_up(ctx.session, program.id, user, route=ctx.answers.get("route") or None,
                           product_ids=product_ids, notes=ctx.answers.get("notes") or "",
                           now=ctx.now)
    if done is None:
        return ctx._("This program is no longer available.")
    registration = done.registration
    status = status_text(ctx, registration, program, done.position)
    if not done.created:
        return ctx._("You were already signed up for {title}: {status}.").format(
            title=program.title, status=status)
    if signups.has_selection(program):
        return ctx._("Your application for {title} is in. The organiser will select the "
                     "participants; we will tell you the result here.").format(
            title=program.title)
    if registration.status == SignUpStatus.WAITLISTED:
        return ctx._("All seats of {title} are taken, so you are on the waiting list: number "
                     "{n}. If a seat frees up before registration closes, you move up and we "
                     "tell you here.").format(title=program.title, n=done.position)
    return ctx._("You are signed up for {title}: your seat is confirmed. It starts {when}. "
                 "You can see or cancel it in My sign-ups.").format(
        title=program.title, when=program_text.starts(ctx.tr, program))


signup = Flow("signup", title=N_("Sign up for a program"), work=True, steps=[
    Step("check", refusal_text, Choice(choices=_refusal_choices,
                                       words={SEND_PRODUCT: ("kirim", "kirim produk"),
                                              MY_SIGNUPS: ("pendaftaran", "pendaftaran saya")}),
         then=Branch(_after_check, ("products", Start("product"), Start("my_signups"))),
         known_answer=_check),
    Step("products", N_("Which of your accepted products will you bring? Choose one or "
                        "more (for example: 1, 3)."),
         MultiChoice(choices=_product_choices), known_answer=_products_known),
    Step("route", route_text, Choice(choices=_route_choices, details=_route_seats),
         known_answer=_route_known),
    Step("notes", N_("Anything the organiser should know? For example: booth needs such as "
                     "electricity or a table. Or choose No notes."),
         OptionalNote(max_len=500), known_answer=_notes_known),
    Step("confirm", confirm_text,
         Choice(choices=((SIGN_UP, N_("Sign up now")), (NOT_NOW, N_("Not now"))),
                words={SIGN_UP: ("daftar", "ya", "kirim", "yes"),
                       NOT_NOW: ("tidak", "nanti", "no")}),
         then=END, on_answer=_submit),
])
