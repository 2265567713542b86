"""The main menu: where a registered user rests between flows."""

from __future__ import annotations

from conversations.choices import Choice
from conversations.context import Context
from conversations.flow import END, Flow, Start, Step
from conversations.i18n import N_
from conversations.replies import help_text, switch_language

FIND, PROFILE, HELP, LANGUAGE = "find", "profile", "help", "language"
SUBMIT, PRODUCTS, SIGNUPS = "submit", "products", "signups"

ENTRIES = (
    (FIND, N_("Find programs")),
    (SUBMIT, N_("Send a product")),
    (PRODUCTS, N_("My products")),
    (SIGNUPS, N_("My sign-ups")),
    (PROFILE, N_("My data")),
    (HELP, N_("Help")),
    (LANGUAGE, N_("Bahasa / Language")),
)


def menu_text(ctx: Context) -> str:
    name = ctx.user.name if ctx.user is not None and ctx.user.name else ""
    return ctx._("Main menu, {name}. What would you like to do?").format(name=name)


def _side_effects(ctx: Context) -> str | None:
    choice = ctx.answers["choose"]
    if choice == HELP:
        return help_text(ctx)
    if choice == LANGUAGE:
        return switch_language(ctx)
    return None


menu = Flow("menu", [
    Step("choose", menu_text,
         Choice(choices=ENTRIES,
                words={FIND: ("cari", "program", "cari program", "search"),
                       SUBMIT: ("kirim", "kirim produk", "kurasi", "submit"),
                       PRODUCTS: ("produk", "produk saya", "products"),
                       SIGNUPS: ("pendaftaran", "pendaftaran saya", "sign ups", "signups"),
                       PROFILE: ("data", "profil", "profile", "akun"),
                       HELP: ("bantuan", "tolong"),
                       LANGUAGE: ("bahasa", "language", "english", "indonesia")}),
         then={FIND: Start("finder"), SUBMIT: Start("product"), PRODUCTS: Start("my_products"),
               SIGNUPS: Start("my_signups"),
               PROFILE: Start("profile"), HELP: END, LANGUAGE: END},
         on_answer=_side_effects),
])
