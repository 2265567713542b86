"""Replies that the global words and the main menu share."""

from __future__ import annotations

from conversations import logins
from conversations.context import Context
from conversations.i18n import LANGUAGE_NAMES, LANGUAGES, translator


def help_text(ctx: Context, registering: bool = False) -> str:
    if registering:
        return ctx._(
            "You are registering with Kriya, a government service that finds programs for "
            "craft businesses. Answer each question with the number of an option or in your "
            "own words.\n"
            "cancel: stop registering\n"
            "#: back to the question before\n"
            "info: the full privacy notice\n"
            "language: Bahasa Indonesia or English"
        )
    return ctx._(
        "Kriya finds government programs for craft businesses: seminars, training, "
        "mentoring, curation and exhibitions. Answer with the number of an option or in "
        "your own words.\n"
        "0: main menu\n"
        "#: back to the question before\n"
        "cancel: stop what you are doing\n"
        "help: this help\n"
        "language: Bahasa Indonesia or English\n"
        "STOP: no more reminders or announcements; START: receive them again"
    )


def switch_language(ctx: Context) -> str:
    """Toggle between the two languages; the reply is already in the new one."""
    current = ctx.tr.lang
    new = LANGUAGES[(LANGUAGES.index(current) + 1) % len(LANGUAGES)]
    ctx.conversation.language = new
    if ctx.user is not None:
        ctx.user.language = new
        ctx.user.updated_at = ctx.now
    ctx.tr = translator(new, ctx.tr.zone)
    return ctx._("Language: {name}. Type language to switch back.").format(name=LANGUAGE_NAMES[new])



def console_link(ctx: Context) -> str:
    """A one-time login link to the staff console, for the staff member asking."""
    assert ctx.user is not None
    token = logins.new_link(ctx.session, ctx.user, ctx.now)
    return ctx._("Your link to the Kriya staff console:\n{url}\nIt works once, within 10 "
                 "minutes. Do not share it: whoever opens it acts as you.").format(
        url=logins.link_url(ctx.settings.public_url, token))
