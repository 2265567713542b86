"""The words that work at every step, the /commands, and the keys that never move.

`global_command` tells which of them a message is, before any flow sees it.
"""

from __future__ import annotations

from collections.abc import Callable

from conversations import staff
from conversations.answers import clean, fold
from conversations.i18n import N_
from conversations.messages import Inbound
from storage.models import User

GLOBAL_WORDS = {
    "cancel": ("batal", "cancel"),
    "menu": ("menu",),
    "help": ("bantuan", "help"),
    "language": ("bahasa", "language"),
    "stop": ("berhenti", "stop", "unsubscribe"),
    "resume": ("mulai", "start", "subscribe"),
    "privacy": ("info", "privasi", "privacy"),
    "console": ("konsol", "console"),
}
COMMANDS = {
    "start": "start",
    "batal": "cancel", "cancel": "cancel",
    "menu": "menu",
    "bantuan": "help", "help": "help",
    "bahasa": "language", "language": "language",
    "berhenti": "stop", "stop": "stop",
    "mulai": "resume",
    "kurasi": "curate",
    "program": "programs",
    "siaran": "broadcast",
    "konsol": "console", "console": "console",
}
# Staff commands: the flow each opens (none: a reply), who may, and what anyone else is told.
STAFF_COMMANDS: dict[str, tuple[str | None, Callable[[User | None], bool], str]] = {
    "curate": ("curation", staff.is_curator, N_(
        "/kurasi is for curators only. If you curate products for an office, ask its "
        "Kriya administrator to give you the curator role.")),
    "programs": ("program_admin", staff.sees_programs, N_(
        "/program is for staff who run programs. Ask your office's Kriya administrator "
        "for the admin or curator role.")),
    "broadcast": ("broadcast", staff.is_broadcaster, N_(
        "/siaran is for broadcasters only. Ask your office's Kriya administrator for the "
        "broadcaster role.")),
    "console": (None, staff.is_staff, N_(
        "/konsol is for staff only: it gives a link to the Kriya staff console. Ask your "
        "office's Kriya administrator for a staff role.")),
}
# What a viewer is told of a command that would change something.
ONLY_LOOKS = N_("Your role (viewer) only lets you look, so this is not open to you. To look "
                "at programs and their sign-ups, type /program.")


def staff_refusal(command: str, user: User | None) -> str | None:
    """Why `user` may not use a staff command (a message to translate); None if they may."""
    _, allowed, refusal = STAFF_COMMANDS[command]
    if allowed(user):
        return None
    return ONLY_LOOKS if staff.only_looks(user) else refusal
_WORD_TO_COMMAND = {word: cmd for cmd, words in GLOBAL_WORDS.items() for word in words}
# The keys that never move, shown under every question: Menu utama and Back.
MENU_KEY, BACK_KEY = "0", "#"
NAV_MENU, NAV_BACK = "nav:menu", "nav:back"
_NAV_WORDS = {MENU_KEY: "menu", "nol": "menu", "menu utama": "menu", "main menu": "menu",
              BACK_KEY: "back", "kembali": "back", "back": "back"}


def global_command(inbound: Inbound) -> str | None:
    """The global word or /command a message is, if any ('unknown' for an unknown /command)."""
    if inbound.new_conversation:
        return "start"
    if inbound.choice is not None:
        return {NAV_MENU: "menu", NAV_BACK: "back"}.get(inbound.choice)
    if not inbound.text:
        return None
    text = clean(inbound.text)
    if text.startswith("/"):
        name = text[1:].split(maxsplit=1)[0].split("@", 1)[0].casefold() if len(text) > 1 else ""
        return COMMANDS.get(name, "unknown")
    return _NAV_WORDS.get(text) or _NAV_WORDS.get(fold(text)) or _WORD_TO_COMMAND.get(fold(text))

# What people write to say hello (or thanks): never an answer to a question.
GREETINGS = frozenset(fold(g) for g in (
    "halo", "hallo", "helo", "hai", "hi", "hello", "hey", "p", "pagi", "siang", "sore",
    "malam", "selamat pagi", "selamat siang", "selamat sore", "selamat malam", "permisi",
    "assalamualaikum", "assalamu'alaikum", "salam", "min", "kak", "terima kasih", "makasih",
    "thanks", "thank you", "oke", "ok"))
