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
}
# Staff commands: the flow each opens, who may, and what anyone else is told.
STAFF_COMMANDS: dict[str, tuple[str, Callable[[User | None], bool], str]] = {
    "curate": ("curation", staff.is_curator, N_(
        "/kurasi is for curators only. If you curate products for an office, ask its "
        "Kriya administrator to give you the curator role.")),
    "programs": ("program_admin", staff.manages_programs, N_(
        "/program is for staff who run programs. Ask your office's Kriya administrator "
        "for the admin or curator role.")),
    "broadcast": ("broadcast", staff.is_broadcaster, N_(
        "/siaran is for broadcasters only. Ask your office's Kriya administrator for the "
        "broadcaster role.")),
}
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
