"""Outbox messages out to Telegram: HTML-escaped text, inline buttons, photos and files,
and what each Bot API error means for the message."""

from __future__ import annotations

import contextlib
import html
import warnings
from datetime import timedelta
from typing import Any

from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    InputMediaPhoto,
)
from telegram.constants import MessageLimit, ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.warnings import PTBUserWarning

from bot.channels.text import split_text
from conversations.i18n import DEFAULT_LANGUAGE, N_, translator
from conversations.messages import Outbound, step_tag
from conversations.sending import SENT, Outcome, OutcomeStatus
from storage.media import MediaStore

# do_api_request warns that a named method exists; here the raw call is chosen on purpose.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.send(Message|Photo|MediaGroup)'",
                        category=PTBUserWarning)

CALLBACK_LIMIT = 64  # bytes, the Bot API's limit for callback_data
ALBUM_MAX = 10  # photos in one sendMediaGroup
TEXT_LIMIT = MessageLimit.MAX_TEXT_LENGTH
COMMANDS = (("start", N_("Start again where you left off")), ("menu", N_("Main menu")),
            ("bantuan", N_("Help")), ("bahasa", N_("Switch language (Bahasa Indonesia / English)")))


def callback_data(step: str | None, key: str, position: int) -> str:
    data = f"{step_tag(step)}|{key}"
    if len(data.encode()) > CALLBACK_LIMIT:
        data = f"{step_tag(step)}|{position}"  # the engine also understands a number
    return data


def keyboard(message: Outbound) -> InlineKeyboardMarkup | None:
    if not message.options:
        return None
    rows = [
        [InlineKeyboardButton(option.line(n)[:100],
                              callback_data=callback_data(message.step, option.key, n))]
        for n, option in enumerate(message.options, 1)
    ]
    return InlineKeyboardMarkup(rows)


def render(message: Outbound) -> list[dict[str, Any]]:
    """The sendMessage calls for one message: text in pieces, buttons on the last one."""
    pieces = split_text(html.escape(message.text, quote=False), TEXT_LIMIT)
    calls: list[dict[str, Any]] = [
        {"text": piece, "parse_mode": ParseMode.HTML} for piece in pieces
    ]
    markup = keyboard(message)
    if markup is not None:
        calls[-1]["reply_markup"] = markup
    return calls


async def send(bot: Bot, address: str, payload: dict[str, Any],
               media: MediaStore | None = None) -> Outcome:
    message = Outbound.from_payload(payload)
    try:
        if message.media and media is not None:
            await send_photos(bot, int(address), media, message.media)
        if message.document and media is not None:
            await send_document(bot, int(address), media, message.document,
                                message.filename)
        for call in render(message):
            # The plain API call: its answer is not needed, and building PTB's Message from
            # it cost an eighth of a webhook's processor time under load.
            await bot.do_api_request("sendMessage", {"chat_id": int(address), **call})
    except RetryAfter as error:
        wait = error.retry_after
        seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
        return Outcome(OutcomeStatus.RETRY, f"flood control: retry after {seconds:g} s", seconds)
    except Forbidden as error:
        return Outcome(OutcomeStatus.BLOCKED, error.message)
    except BadRequest as error:
        return Outcome(OutcomeStatus.FAILED, error.message)
    except NetworkError as error:  # includes TimedOut
        return Outcome(OutcomeStatus.RETRY, f"network: {error.message}")
    except TelegramError as error:
        return Outcome(OutcomeStatus.RETRY, error.message)
    return SENT


async def send_photos(bot: Bot, chat_id: int, media: MediaStore, paths: tuple[str, ...]) -> None:
    """Photos from the media store, uploaded: one as a photo, several as an album (up to
    10, Telegram's most), shown above the message they belong to."""
    files = [media.path(p) for p in paths[:ALBUM_MAX]]
    files = [f for f in files if f.is_file()]
    if len(files) == 1:
        await bot.do_api_request("sendPhoto", {"chat_id": chat_id,
                                               "photo": InputFile(files[0].read_bytes())})
    elif files:
        album = [InputMediaPhoto(media=f.read_bytes()) for f in files]
        await bot.do_api_request("sendMediaGroup", {"chat_id": chat_id, "media": album})


async def send_document(bot: Bot, chat_id: int, media: MediaStore, path: str,
                        filename: str | None) -> None:
    """A file from the media store (a list for staff), under the name it should have."""
    file = media.path(path)
    name = filename or file.name
    await bot.do_api_request("sendDocument", {
        "chat_id": chat_id, "document": InputFile(file.read_bytes(), filename=name)})


async def acknowledge(bot: Bot, callback_query_id: str) -> None:
    """Every button tap is answered, or the user's client shows a spinner."""
    # An old or already answered query is nothing the user can act on.
    with contextlib.suppress(TelegramError):
        await bot.answer_callback_query(callback_query_id)


async def register_commands(bot: Bot) -> None:
    for lang in ("id", "en"):
        tr = translator(lang, "Asia/Jakarta")
        commands = [BotCommand(name, tr._(description)) for name, description in COMMANDS]
        await bot.set_my_commands(commands, language_code=lang)
        if lang == DEFAULT_LANGUAGE:  # for clients in any other language
            await bot.set_my_commands(commands)
