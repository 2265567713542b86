"""What comes in from a channel and what goes out to one, free of any platform's types."""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# The most characters one reply may have: what a cheap phone shows on one screen.
REPLY_MOST = 600


@dataclass(frozen=True)
class Photo:
    """A photo a user sent: a channel reference until the media store has fetched it."""

    ref: str
    mime: str | None = None
    size: int | None = None
    too_large: bool = False
    limit_mb: int = 20  # the channel's limit, for the message when it is too large
    not_image: bool = False  # a file of another kind (a PDF, a video) where a photo goes
    thumb: str | None = None  # once stored: its thumbnail in the media store
    fingerprint: str | None = None  # the same picture sent twice has the same one
    advice: tuple[str, ...] = ()  # "small", "dark", "blurred"
    # Why it could not be used although it may be a good photo: "download" (it did not
    # come) or "storage" (the media store could not keep it).
    failed: str | None = None
    new_files: tuple[str, ...] = ()  # files of the media store only this message wrote


@dataclass(frozen=True)
class Inbound:
    """One message from one person on one channel."""

    channel: str
    address: str
    text: str | None = None
    choice: str | None = None
    choice_step: str | None = None
    photos: tuple[Photo, ...] = ()
    message_id: str | None = None
    phone: str | None = None
    profile_name: str | None = None
    new_conversation: bool = False
    received_at: datetime | None = None


def step_tag(step: str | None) -> str:
    """A short, stable tag of a question, carried by its buttons so that a tap on an old
    message can be told apart from an answer to the current question."""
    return hashlib.blake2s((step or "").encode(), digest_size=4).hexdigest()[:6]


@dataclass(frozen=True)
class Option:
    """An answer the user may pick. `number` is what they may type for it: its place in a
    list ("6" on a list's second page), or a key that never moves ("0" for Menu utama)."""

    key: str
    label: str
    number: str = ""
    # The detail the label ends with ("closes 21 Dec", "2 seats left"), which a channel with
    # room shows on a line of its own
    description: str = ""

    def line(self, position: int) -> str:
        """'6. Pameran Jakarta', '0. Menu utama', '# Kembali'."""
        number = self.number or str(position)
        return f"{number}. {self.label}" if number.isdigit() else f"{number} {self.label}"


@dataclass(frozen=True)
class Outbound:
    """One message to show. `options` are answers the user may pick (by button or number)."""

    text: str
    options: tuple[Option, ...] = ()
    multiple: bool = False
    media: tuple[str, ...] = ()
    step: str | None = None
    document: str | None = None  # a file in the media store, sent as a file (an export)
    filename: str | None = None  # the name it is shown with
    language: str | None = None  # the reader's, for words a channel adds (a list's button)

    def shown_length(self) -> int:
        """Characters on the screen: the text and its options as numbered lines."""
        lines = [option.line(n) for n, option in enumerate(self.options, 1)]
        return len(self.text) + sum(len(line) + 1 for line in lines) + (1 if lines else 0)

    def fitted(self, most: int = REPLY_MOST) -> list[Outbound]:
        """This message as pieces that each fit on one screen: the text cut between
        paragraphs or lines (or words, for one long line), the options and photos with the
        last piece."""
        if self.shown_length() <= most:
            return [self]
        room_last = max(most - (self.shown_length() - len(self.text)), most // 3)
        pieces: list[str] = []
        rest = self.text
        while len(rest) > room_last:
            cut = _cut(rest, most)
            pieces.append(rest[:cut].rstrip())
            rest = rest[cut:].lstrip("\n ")
        head = [Outbound(text=piece) for piece in pieces if piece]
        return [*head, dataclasses.replace(self, text=rest)]

    def to_payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {"text": self.text}
        if self.options:
            payload["options"] = [_option_payload(o) for o in self.options]
        if self.multiple:
            payload["multiple"] = True
        if self.media:
            payload["media"] = list(self.media)
        if self.step:
            payload["step"] = self.step
        if self.language:
            payload["language"] = self.language
        if self.document:
            payload["document"] = self.document
            payload["filename"] = self.filename or self.document.rsplit("/", 1)[-1]
        return payload

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Outbound:
        return cls(
            text=payload["text"],
            options=tuple(Option(*option) for option in payload.get("options", ())),
            multiple=bool(payload.get("multiple")),
            media=tuple(payload.get("media", ())),
            step=payload.get("step"),
            document=payload.get("document"),
            filename=payload.get("filename"),
            language=payload.get("language"),
        )


def _option_payload(option: Option) -> list[str]:
    if option.description:
        return [option.key, option.label, option.number, option.description]
    return [option.key, option.label, option.number] if option.number else [option.key,
                                                                             option.label]


def _cut(text: str, most: int) -> int:
    """Where to cut text longer than `most`: at a blank line, a line end, or a space, as
    late as fits; in the middle of a word only when nothing else does."""
    for mark in ("\n\n", "\n", " "):
        cut = text.rfind(mark, 0, most + 1)
        if cut >= most // 3:
            return cut
    return most


@dataclass
class Delivery:
    """An outbound message together with the outbox row that carries it."""

    key: str
    channel: str
    address: str
    message: Outbound = field(compare=False)
