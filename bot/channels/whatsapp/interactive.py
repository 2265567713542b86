"""Questions with options as WhatsApp's own controls: two or three options as quick-reply
buttons, four to ten as a list message (a button that opens rows, each with a title and a
short description). Anything else stays a numbered text list.

Through Twilio these are Content resources (`twilio/quick-reply`, `twilio/list-picker`,
https://www.twilio.com/docs/content). The question's text is not part of a resource: it is
the variable {{1}}, filled in when the message is sent, so one resource serves every
person asked the same question with the same options in the same language (a greeting with
the person's name still shares one). Each button or row carries "<question tag>|<option>",
as a Telegram button's callback data does, so a tap on an old message is known as old.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from conversations.i18n import N_, translator
from conversations.messages import Option, Outbound, step_tag

QUICK_REPLY, LIST_PICKER = "twilio/quick-reply", "twilio/list-picker"
MOST_BUTTONS = 3  # quick replies WhatsApp shows in a conversation (no approved template)
MOST_ROWS = 10
BUTTON_TITLE = 20  # characters
ROW_TITLE = 24
ROW_DESCRIPTION = 72
LIST_BUTTON = 20
MOST_BODY = 1024
MOST_ID = 200
BODY = "{{1}}"
CHOOSE = N_("Choose")  # the button that opens a list
ELLIPSIS = "…"


@dataclass(frozen=True)
class Interactive:
    """One Content resource's definition, and the text that fills it in for one message."""

    kind: str
    language: str
    types: dict[str, Any]
    body: str

    @property
    def key(self) -> str:
        """What the resource contains, as a hash: the same question asked again (of anyone)
        has the same key, and reuses the resource."""
        canonical = json.dumps({"language": self.language, "types": self.types},
                               sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    def definition(self) -> dict[str, Any]:
        """The body of a Content API create call."""
        return {"friendly_name": f"kriya_{self.key[:24]}", "language": self.language,
                "variables": {"1": "-"}, "types": self.types}

    def variables(self) -> str:
        return json.dumps({"1": self.body}, ensure_ascii=False)


def shorten(text: str, most: int) -> str:
    """`text` in at most `most` characters, cut at a word boundary with an ellipsis; a
    first word longer than that alone is cut in it (nothing else would fit)."""
    text = " ".join(text.split())
    if len(text) <= most:
        return text
    room = most - len(ELLIPSIS)
    cut = text.rfind(" ", 0, room + 1)
    head = text[:cut] if cut > 0 else text[:room]
    return head.rstrip(" ,;:/-(") + ELLIPSIS


def choice_id(step: str | None, option: Option, position: int) -> str:
    data = f"{step_tag(step)}|{option.key}"
    if len(data) > MOST_ID:
        data = f"{step_tag(step)}|{position}"  # the engine also understands its number
    return data


def design(message: Outbound) -> Interactive | None:
    """The controls a question is shown with on WhatsApp, or None for a numbered list."""
    options = message.options
    body = message.text.strip()
    if message.multiple or not 2 <= len(options) <= MOST_ROWS or not body \
            or len(body) > MOST_BODY:
        return None
    language = translator(message.language, "Asia/Jakarta").lang
    if len(options) <= MOST_BUTTONS:
        titles = [shorten(option.label, BUTTON_TITLE) for option in options]
        if len(set(titles)) == len(titles):  # WhatsApp refuses two buttons alike
            return _buttons(message, titles, body, language)
    return _rows(message, body, language)


def _buttons(message: Outbound, titles: list[str], body: str, language: str) -> Interactive:
    if any(title != option.label for title, option in zip(titles, message.options,
                                                         strict=True)):
        # A button cannot say it all: the options in full stay under the question.
        lines = [option.line(n) for n, option in enumerate(message.options, 1)]
        body = "\n".join([body, "", *lines])[:MOST_BODY]
    actions = [{"type": "QUICK_REPLY", "title": title,
                "id": choice_id(message.step, option, n)}
               for n, (title, option) in enumerate(zip(titles, message.options, strict=True),
                                                   1)]
    return Interactive(QUICK_REPLY, language,
                       {QUICK_REPLY: {"body": BODY, "actions": actions}}, body)


def _rows(message: Outbound, body: str, language: str) -> Interactive:
    items = []
    for n, option in enumerate(message.options, 1):
        title = shorten(option.label, ROW_TITLE)
        # A cut title leaves the whole label to the line under it.
        parts = [option.label if title != option.label else "", option.description]
        description = shorten(" · ".join(p for p in parts if p), ROW_DESCRIPTION)
        item = {"item": title, "id": choice_id(message.step, option, n)}
        if description:
            item["description"] = description
        items.append(item)
    button = shorten(translator(language, "Asia/Jakarta")._(CHOOSE), LIST_BUTTON)
    return Interactive(LIST_PICKER, language,
                       {LIST_PICKER: {"body": BODY, "button": button, "items": items}}, body)
