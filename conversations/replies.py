"""Replies that the global words and the main menu share."""

from __future__ import annotations

from conversations.context import Context
from conversations.i18n import LANGUAGE_NAMES, LANGUAGES, translator


def help_text(ctx: Context) -> str:
    return ctx._(
        "Kriya helps craft businesses find government programs: seminars, training, "
        "mentoring, curation and exhibitions.\n"
        "Answer a question by typing the number of an option or its words.\n"
        "Words you can type at any time:\n"
        "menu: the main menu\n"
        "batal: stop what you are doing\n"
        "bantuan: this help\n"
        "bahasa: switch between Bahasa Indonesia and English\n"
        "BERHENTI: no more reminders or announcements; MULAI: receive them again"
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
    return ctx._("Language: {name}. Type bahasa to switch back.").format(name=LANGUAGE_NAMES[new])

