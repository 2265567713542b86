"""The privacy notice (UU PDP, Law No. 27 of 2022 on Personal Data Protection), written once.

The web page (`GET /privasi`), the chat ("info" during registration) and the consent question
all read it from here, so what people are told is the same wherever they read it. The text is
English in the code and translated through the catalogs like every other message.

What it says about erasure follows `conversations.users.erase`: the person's row goes, and
with it (by the foreign keys' cascade) their conversation, messages, products and own
sign-ups; their seats pass to the waiting list first, and a Lapas' sign-up they made passes
to another officer of the Lapas.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from conversations.i18n import N_

PAGE_LIMIT = 600  # characters in one chat message
BULLET = "- "

__all__ = ["PAGE_LIMIT", "Section", "chat_pages", "consent_summary", "sections"]


class Translates(Protocol):
    """A Translator, or a Context (which translates with its own)."""

    def _(self, message: str) -> str: ...


@dataclass(frozen=True)
class Section:
    title: str
    paragraphs: tuple[str, ...]  # a list item starts with BULLET


class _Item(str):
    """A source paragraph shown as one item of a list."""


TITLE = N_("Kriya privacy notice")

# (title, paragraphs): the notice, in order. Keep each paragraph under PAGE_LIMIT.
_NOTICE: tuple[tuple[str, tuple[str, ...]], ...] = (
    (N_("About this notice"), (
        N_("This notice explains what Kriya keeps about you, why, who sees it, how long it "
           "is kept and what your rights are, under Law No. 27 of 2022 on Personal Data "
           "Protection (UU PDP)."),
    )),
    (N_("Who runs Kriya"), (
        N_("Kriya is provided by the government office that runs Kriya. That office is the "
           "controller of your personal data under UU PDP: it answers for how your data is "
           "used."),
        N_("Kriya is a free service for craft businesses: artisans, and Lapas (prison) "
           "officers who look after the workshops of warga binaan (inmates)."),
    )),
    (N_("What we keep"), (
        _Item(N_("About you: your name, business name, province, city or regency, phone "
                 "number and the craft categories you work in.")),
        _Item(N_("Your chat address: your WhatsApp number or Telegram ID, so that Kriya "
                 "can answer you.")),
        _Item(N_("The products you send for curation, with their photos and the curator's "
                 "notes.")),
        _Item(N_("Your sign-ups for programs and what became of them (a seat, the waiting "
                 "list, passed or did not pass).")),
        _Item(N_("For Lapas officers: your Lapas, and the producer code (for example WB-017) "
                 "of the warga binaan who made each product. We never ask for or keep the "
                 "names of warga binaan.")),
        N_("We keep the messages Kriya sends you, to know whether they arrived. We do not "
           "keep a transcript of what you type: only your answers, saved as the data above."),
    )),
    (N_("Why we keep it"), (
        N_("To find programs that fit your province and craft, to pass your products to "
           "curators, to sign you up for programs and keep their waiting lists, and to "
           "send you reminders of dates and announcements from the offices."),
        N_("We keep and use your data because you agreed to it when you registered. We do "
           "not sell it and do not use it for anything else."),
    )),
    (N_("Who sees it"), (
        N_("Staff of the offices that run Kriya's programs (curators, admins and "
           "broadcasters) see what their work needs, for the provinces their office "
           "serves."),
        N_("When you sign up for a program, its organiser receives the list of sign-ups: "
           "your name, business, province, city, phone number, craft categories and the "
           "products you chose, with their photos."),
        N_("No one else receives your data, unless a law requires it. Your messages travel "
           "through WhatsApp (with Twilio) or Telegram, under their own privacy terms."),
    )),
    (N_("How long we keep it"), (
        N_("We keep your data while your account is active."),
        N_("When you delete your data, your account, your answers, your products and their "
           "photos and your own sign-ups are removed from Kriya at once, and any seat you "
           "held goes to the next person on the waiting list. This cannot be undone."),
        N_("A sign-up you made for your Lapas belongs to the Lapas: it passes to another "
           "officer of your Lapas if there is one."),
        N_("An organiser who downloaded a program's list of sign-ups before you deleted "
           "your data keeps it only for the program's reporting, for at most 1 year after "
           "the program ends, and then destroys it."),
        N_("If you do not agree to this notice, nothing about you is kept."),
    )),
    (N_("How we protect it"), (
        N_("Only staff who sign in see your data, and only what their role needs. Photos "
           "are stored without their hidden details, such as the place they were taken."),
    )),
    (N_("Your rights"), (
        _Item(N_("See your data: choose \"My data\" in the main menu.")),
        _Item(N_("Correct it: \"My data\", then \"Change my data\".")),
        _Item(N_("Delete it: \"My data\", then \"Delete all my data\".")),
        _Item(N_("Withdraw your consent or stop messages: type BERHENTI (or STOP) and no "
                 "more reminders or announcements are sent; MULAI (or START) turns them on "
                 "again. Deleting your data withdraws your consent completely.")),
        _Item(N_("Object to a use of your data, or ask what is done with it: ask the staff "
                 "(see below).")),
        _Item(N_("Complain: tell the office that runs Kriya. You may also complain to the "
                 "personal data protection authority set up under UU PDP.")),
    )),
    (N_("How to ask"), (
        N_("Contact the office that runs Kriya, or ask any of its staff. We answer requests "
           "about your data within 3 x 24 hours, as UU PDP requires."),
    )),
)

CONSENT = N_(
    "Welcome to Kriya. We ask for your consent (UU PDP, Law No. 27/2022):\n"
    "- We keep: your name, business, province, city, craft categories, phone number, chat "
    "address, products and sign-ups.\n"
    "- Why: to find programs for you, curation, sign-ups, reminders and announcements.\n"
    "- How long: while your account is active; deleted when you ask.\n"
    "- Your rights: see, change or delete it in \"My data\"; STOP stops messages."
)
FULL_NOTICE_AT = N_("Full notice: {url}")
DO_YOU_AGREE = N_("Do you agree?")
# What the consent question's answers take on the screen ("1. Saya setuju" and the others,
# one of them "read the full notice", which the word "info" also asks for).
ANSWERS_ROOM = 75


def sections(tr: Translates) -> list[Section]:
    """The notice in the reader's language, section by section."""
    return [Section(tr._(title), tuple(_paragraph(tr, p) for p in paragraphs))
            for title, paragraphs in _NOTICE]


def _paragraph(tr: Translates, source: str) -> str:
    text = tr._(source)
    return BULLET + text if isinstance(source, _Item) else text


def chat_pages(tr: Translates, limit: int = PAGE_LIMIT) -> list[str]:
    """The whole notice as chat messages of at most `limit` characters, broken between
    paragraphs; a section's title stays with its first paragraph."""
    units: list[str] = []
    for section in sections(tr):
        first, *rest = section.paragraphs
        units.append(f"{section.title.upper()}\n{first}")
        units.extend(rest)
    units[0] = f"{tr._(TITLE).upper()}\n\n{units[0]}"  # the notice's name heads the first
    return _pack(units, limit)


def _pack(units: list[str], limit: int) -> list[str]:
    pages: list[str] = []
    page = ""
    for piece in (piece for unit in units for piece in _fit(unit, limit)):
        joined = f"{page}{_gap(page, piece)}{piece}" if page else piece
        if len(joined) <= limit:
            page = joined
        else:
            pages.append(page)
            page = piece
    if page:
        pages.append(page)
    return pages


def _gap(before: str, after: str) -> str:
    """Items of one list follow each other line by line; paragraphs leave a blank line."""
    last_line = before.rsplit("\n", 1)[-1]
    return "\n" if last_line.startswith(BULLET) and after.startswith(BULLET) else "\n\n"


def _fit(text: str, limit: int) -> list[str]:
    """A paragraph too long for one message, cut after a sentence (or, failing that, a
    word) so that every piece fits."""
    pieces: list[str] = []
    while len(text) > limit:
        cut = text.rfind(". ", 0, limit)
        cut = cut + 1 if cut > 0 else text.rfind(" ", 0, limit)
        if cut <= 0:
            cut = limit
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    return [*pieces, text] if text else pieces


def consent_summary(tr: Translates, url: str | None,
                    limit: int = PAGE_LIMIT - ANSWERS_ROOM) -> str:
    """The consent question: what is kept, why, for how long and the rights, where to read
    the whole notice, and the question. With its answers below it, one message of at most
    600 characters: a link too long for it is left out (the answer "info" still shows the
    notice)."""
    lines = [tr._(CONSENT)]
    if url:
        lines.append(tr._(FULL_NOTICE_AT).format(url=url))
    lines.append(tr._(DO_YOU_AGREE))
    text = "\n".join(lines)
    if len(text) > limit and url:
        return consent_summary(tr, None, limit)
    return text
