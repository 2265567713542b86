"""The main menu: where a registered user rests between flows.

Besides its numbers and words it understands a greeting (the menu again) and words that
name what the finder looks for ("saya mau daftar pameran" lists exhibitions)."""

from __future__ import annotations

from typing import Any

from conversations import staff
from conversations.answers import Invalid, clean, fold
from conversations.choices import Choice
from conversations.commands import GREETINGS
from conversations.context import Context
from conversations.flow import END, Branch, Flow, Start, Step
from conversations.flows.finder import STOP_WORDS, names_programs
from conversations.i18n import N_
from conversations.messages import Inbound
from conversations.replies import help_text, switch_language

FIND, PROFILE, HELP, LANGUAGE = "find", "profile", "help", "language"
SUBMIT, PRODUCTS, SIGNUPS, STAFF = "submit", "products", "signups", "staff"
ASK = "ask"
GREETING, TYPED = "greeting", "typed:"

ENTRIES = (
    (FIND, N_("Find programs")),
    (SUBMIT, N_("Send a product")),
    (PRODUCTS, N_("My products")),
    (SIGNUPS, N_("My sign-ups")),
    (PROFILE, N_("My data")),
    (HELP, N_("Help")),
    (LANGUAGE, N_("Bahasa / Language")),
    (ASK, N_("Ask an officer")),
)
WORDS = {FIND: ("cari", "program", "cari program", "search", "find", "daftar", "info",
               "informasi", "daftar program", "lihat program"),
         SUBMIT: ("kirim", "kirim produk", "kurasi", "submit"),
         PRODUCTS: ("produk", "produk saya", "products"),
         SIGNUPS: ("pendaftaran", "pendaftaran saya", "pendaftaran program", "sign ups",
                   "signups"),
         PROFILE: ("data", "data saya", "profil", "profile", "akun"),
         HELP: ("bantuan", "tolong"),
         LANGUAGE: ("bahasa", "language", "english", "indonesia"),
         STAFF: ("petugas", "menu petugas", "staff"),
         ASK: ("tanya", "tanya petugas", "pertanyaan", "ask", "question")}
# Draft kept by a flow, and how the menu names it.
DRAFTS = {"product": (N_("Send a product: continue the draft {name}"), "name")}


def menu_text(ctx: Context) -> str:
    name = ctx.user.name if ctx.user is not None and ctx.user.name else ""
    lines = [ctx._("Hello, {name}. Please choose from the menu:").format(name=name)]
    for flow, (label, key) in DRAFTS.items():
        draft = ctx.state.drafts.get(flow)
        if draft is not None:
            lines.append("• " + ctx._(label).format(name=draft.answers.get(key) or "-"))
    return "\n".join(lines)


def _entries(ctx: Context) -> list[tuple[str, str]]:
    if staff.is_staff(ctx.user):
        return [*ENTRIES, (STAFF, N_("Staff menu"))]
    return list(ENTRIES)


class MenuChoice(Choice):
    """An entry, a greeting, or words of what to look for."""

    def parse(self, inbound: Inbound, ctx: Context) -> str:
        text = fold(clean(inbound.text)) if inbound.choice is None else ""
        try:
            chosen = super().parse(inbound, ctx)
            if chosen == FIND and any(word not in STOP_WORDS for word in text.split()) \
                    and names_programs(ctx, text):
                return TYPED + clean(inbound.text)[:60]  # "cari pameran": that search
            return chosen
        except Invalid as invalid:
            if not text:
                raise
            if text in GREETINGS or all(word in GREETINGS for word in text.split()):
                return GREETING
            if any(word not in STOP_WORDS for word in text.split()) \
                    and names_programs(ctx, text):
                return TYPED + clean(inbound.text)[:60]
            message = ctx._("I did not understand that. Reply with a number from 1 to {n}, "
                            "or type what you are looking for, for example: pameran, "
                            "pelatihan batik.").format(n=len(self.pairs(ctx)))
            raise Invalid(message) from invalid


def _side_effects(ctx: Context) -> str | None:
    choice = ctx.answers["choose"]
    if choice == HELP:
        return help_text(ctx)
    if choice == LANGUAGE:
        return switch_language(ctx)
    return None


def _next(answers: dict[str, Any]) -> Any:
    choice = answers["choose"]
    if choice.startswith(TYPED):
        return Start("finder", words=choice[len(TYPED):])
    return {FIND: Start("finder"), SUBMIT: Start("product"), PRODUCTS: Start("my_products"),
            SIGNUPS: Start("my_signups"), PROFILE: Start("profile"),
            STAFF: Start("staff_menu"), ASK: Start("question")}.get(choice, END)


menu = Flow("menu", title=N_("Main menu"), steps=[
    Step("choose", menu_text, MenuChoice(choices=_entries, words=WORDS),
         then=Branch(_next, (Start("finder"), Start("product"), Start("my_products"),
                             Start("my_signups"), Start("profile"), Start("staff_menu"),
                             Start("question"), END)),
         on_answer=_side_effects),
])
