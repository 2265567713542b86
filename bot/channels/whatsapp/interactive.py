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
MORE = "more:"  # a row that opens the rest of a long list: "<tag>|more:<its key>"
ROWS_BEFORE_MORE = MOST_ROWS - 1
ELLIPSIS = "…"


@dataclass(frozen=True)
class Interactive:
    """One Content resource's definition, and the text that fills it in for one message;
    a list longer than WhatsApp's goes on in the `following` page, behind a "More" row."""

    kind: str
    language: str
    types: dict[str, Any]
    body: str
    following: Interactive | None = None

    @property
    def key(self) -> str:
        """What the resource contains, as a hash: the same question asked again (of anyone)
        has the same key, and reuses the resource."""
        canonical = json.dumps({"language": self.language, "types": self.types},
                               sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    def definition(self) -> dict[str, Any]:
        """The body of a Content API create call."""
        found = {"friendly_name": f"kriya_{self.key[:24]}", "language": self.language,
                 "types": self.types}
        if self.body:  # a list's later page has its words in it, and no variable
            found["variables"] = {"1": "-"}
        return found

    def variables(self) -> str | None:
        return json.dumps({"1": self.body}, ensure_ascii=False) if self.body else None

    def pages(self) -> list[Interactive]:
        """This one and the pages after it."""
        return [self, *(self.following.pages() if self.following is not None else ())]


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


def _without_detail(option: Option) -> str:
    """An option's label without the detail it ends with, which goes on a line of its own:
    "Pameran Jakarta (tutup 21 Des)" -> "Pameran Jakarta"."""
    detail = option.description
    if detail:
        for suffix in (f" ({detail})", f" - {detail}"):
            if option.label.endswith(suffix):
                return option.label[:-len(suffix)]
    return option.label


def choice_id(step: str | None, option: Option, position: int) -> str:
    """What a tap sends back: "<question tag>|<option key>", as Telegram's callback data."""
    data = f"{step_tag(step)}|{option.key}"
    if len(data) > MOST_ID:  # the engine also understands the number shown for it
        number = option.number if option.number.isdigit() else str(position)
        data = f"{step_tag(step)}|{number}"
    return data


def design(message: Outbound) -> Interactive | None:
    """The controls a question is shown with on WhatsApp, or None for a numbered list."""
    options = message.options
    body = message.text.strip()
    if len(options) < 2 or not body or len(body) > MOST_BODY:
        return None
    language = translator(message.language, "Asia/Jakarta").lang
    if len(options) <= MOST_BUTTONS and not message.multiple:
        titles = [shorten(option.label, BUTTON_TITLE) for option in options]
        if len(set(titles)) == len(titles):  # WhatsApp refuses two buttons alike
            return _buttons(message, titles, body, language)
    numbered = list(enumerate(options, 1))
    return _rows(message, numbered, body, language)


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


def _rows(message: Outbound, numbered: list[tuple[int, Option]], body: str,
          language: str) -> Interactive:
    """A list of up to ten rows; a longer one shows nine and a "More" row that opens the
    next page (a resource of its own, with its words in it)."""
    tr = translator(language, "Asia/Jakarta")
    following = None
    shown = numbered
    if len(numbered) > MOST_ROWS:
        shown = numbered[:ROWS_BEFORE_MORE]
        following = _rows(message, numbered[ROWS_BEFORE_MORE:], "", language)
    # Several may be picked by typing their numbers: the rows show them.
    items = [_row(message.step, position, option, message.multiple)
             for position, option in shown]
    if following is not None:
        more = {"item": shorten(tr._(N_("More")), ROW_TITLE),
                "id": f"{step_tag(message.step)}|{MORE}{following.key}"}
        numbers = [option.number or str(position)
                   for position, option in numbered[ROWS_BEFORE_MORE:]]
        numbers = [number for number in numbers if number.isdigit()]
        if numbers:
            more["description"] = tr._(N_("Options {first} to {last}")).format(
                first=numbers[0], last=numbers[-1])
        items.append(more)
    words = BODY if body else shorten(tr._(N_("More options:")), MOST_BODY)
    button = shorten(tr._(CHOOSE), LIST_BUTTON)
    return Interactive(LIST_PICKER, language,
                       {LIST_PICKER: {"body": words, "button": button, "items": items}},
                       body, following)


def _row(step: str | None, position: int, option: Option, numbered: bool
         ) -> dict[str, str]:
    """One row: its name as its title (with its number, "3. Tenun", where numbers are
    typed), and on the line under it the detail, and the whole name when the title had
    to be cut."""
    name = _without_detail(option)
    shown = Option(option.key, name, option.number).line(position) if numbered else name
    title = shorten(shown, ROW_TITLE)
    cut = not title.endswith(name)
    parts = [name if cut else "", option.description]
    item = {"item": title, "id": choice_id(step, option, position)}
    description = shorten(" · ".join(p for p in parts if p), ROW_DESCRIPTION)
    if description:
        item["description"] = description
    return item
