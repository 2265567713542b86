"""A broadcast as its recipients will see it, before it is sent: the text as Telegram
shows it, and as WhatsApp does inside a person's 24-hour window (free text, the photo
first) or outside it (the approved template of broadcasts, TWILIO_TEMPLATE_BROADCAST,
with the text as its one variable); how many get which, and who receives nothing
because no template is set."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.channels import whatsapp
from bot.channels.telegram import sending as telegram_sending
from bot.channels.text import split_text
from bot.channels.whatsapp import sending as whatsapp_sending
from bot.console.web import PREFIX, Desk
from conversations import broadcast_view
from conversations.messages import Outbound
from conversations.outbox import MessageKind

if TYPE_CHECKING:
    from bot.console.broadcast_form import Draft


@dataclass(frozen=True)
class Preview:
    count: int
    ways: dict[str, int]
    telegram: list[str]  # the messages Telegram shows, as its reader reads them
    whatsapp_text: list[str]  # inside the window: the messages, as written
    whatsapp_template: str  # outside it: the template's one variable
    template_set: bool
    photo_url: str


def of(desk: Desk, draft: Draft, people: list[Any]) -> Preview:
    text = draft.text
    # Telegram gets the text escaped as HTML: it shows exactly what was typed.
    telegram = [html.unescape(piece) for piece in split_text(
        html.escape(text, quote=False), telegram_sending.TEXT_LIMIT)] if text else []
    return Preview(
        count=len(people), ways=broadcast_view.ways(desk.session, people, desk.now),
        telegram=telegram,
        whatsapp_text=whatsapp_sending.render(Outbound(text=text)) if text else [],
        whatsapp_template=whatsapp_sending.template_value(text),
        template_set=MessageKind.BROADCAST.value in whatsapp.templates(),
        photo_url=photo_url(desk, draft.photo) if draft.photo else "")


def photo_token(desk: Desk, path: str) -> str:
    """Made with this session's secret for one stored photo: the form can only carry back
    a photo this staff member uploaded, and the preview's link works in this browser."""
    return desk.signature("broadcast-photo", path)


def photo_url(desk: Desk, path: str) -> str:
    return f"{PREFIX}/siaran/foto/{photo_token(desk, path)}/{path}"
