"""Outbox messages out to WhatsApp, through the twilio `Client`.

Inside the 24-hour window a question with options goes as quick-reply buttons or a list
(bot.channels.whatsapp.interactive), or, when those cannot be had, as a short numbered
list; either way an answer may also be the number or the option's words. Past the window
nothing but an approved template may go: a message goes as the template of its kind, or
not at all. Twilio's error codes map to what they mean for the message.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from bot.channels.text import split_text
from bot.channels.whatsapp.contents import Contents
from bot.channels.whatsapp.forms import PREFIX
from bot.channels.whatsapp.interactive import design
from conversations.messages import Outbound
from conversations.sending import Outcome, OutcomeStatus

log = logging.getLogger("kriya.whatsapp")
MAX_BODY = 1600  # Twilio refuses a longer WhatsApp body
MAX_MEDIA_SENT = 6  # photos sent with one message (five of a product and its packaging)
SEND_TIMEOUT = 15.0  # seconds for Twilio to take one message

# Twilio error codes (https://www.twilio.com/docs/api/errors) and what each means for us.
OUTSIDE_WINDOW = {"63016"}
UNREACHABLE = {"63003", "63024", "63014"}  # not on WhatsApp, invalid, or blocked us
THROTTLED = {"63018", "20429"}


def render(message: Outbound) -> list[str]:
    """The text of one or more WhatsApp messages: options as a numbered list."""
    text = message.text
    if message.options:
        lines = [option.line(n) for n, option in enumerate(message.options, 1)]
        text = "\n".join([text, "", *lines])
    return split_text(text, MAX_BODY)


@dataclass
class Sender:
    """Sends through the twilio Client; knows the sender, the callback and the templates."""

    client: Client
    from_: str
    status_callback: str | None
    templates: Mapping[str, str]  # Content SIDs by message kind
    # The public URL Twilio can fetch a media-store file from; None sends no photos.
    media_url: Callable[[str], str] | None = None
    # Where buttons and lists come from; None sends every question as numbered text.
    contents: Contents | None = None

    async def send(self, address: str, kind: str, payload: dict[str, Any],
                   window_open: bool) -> Outcome:
        message = Outbound.from_payload(payload)
        to = PREFIX + address
        if window_open and not payload.get("as_template"):
            return await self._free_text(to, message)
        template = self.templates.get(kind)
        if template is None:
            return Outcome(OutcomeStatus.FAILED,
                           f"needs template: {kind} is outside WhatsApp's 24-hour window and "
                           f"TWILIO_TEMPLATE_{kind.upper()} is not set")
        variables = payload.get("variables") or {"1": template_value(message.text)}
        try:
            created = await self._create(to=to, content_sid=template,
                                         content_variables=json.dumps(variables))
        except Exception as error:
            return outcome_of_exception(error)
        return Outcome(OutcomeStatus.SENT, provider_id=created.sid)

    async def _free_text(self, to: str, message: Outbound) -> Outcome:
        attachments = list(message.media[:MAX_MEDIA_SENT])
        if message.document:
            attachments.append(message.document)
        if attachments and self.media_url is not None:
            # WhatsApp carries one file a message: the files first, then the text.
            for path in attachments:
                try:
                    await self._create(to=to, media_url=[self.media_url(path)])
                except Exception as error:
                    return outcome_of_exception(error)
        tapped = await self._interactive(to, message)
        if tapped is not None:
            return tapped
        bodies = render(message)
        sid = None
        for number, body in enumerate(bodies):
            try:
                created = await self._create(to=to, body=body)
            except Exception as error:
                outcome = outcome_of_exception(error)
                if sid is None:
                    return outcome
                # Part of it reached them: sending it all again would repeat that part.
                return Outcome(OutcomeStatus.SENT, f"part {number + 1} of {len(bodies)} not "
                                                   f"sent: {outcome.error}", provider_id=sid)
            sid = sid or created.sid
        return Outcome(OutcomeStatus.SENT, provider_id=sid)

    async def _interactive(self, to: str, message: Outbound) -> Outcome | None:
        """The question as buttons or a list; None when it is to go as numbered text."""
        shown = design(message) if self.contents is not None else None
        if shown is None or self.contents is None:
            return None
        try:
            sid = await self.contents.sid(shown)
        except Exception as error:  # the Content API, or the database, failed
            log.warning("WhatsApp question sent as numbered text: no Content resource for "
                        "it (%s)", error)
            return None
        try:
            created = await self._create(to=to, content_sid=sid,
                                         content_variables=shown.variables() or "{}")
        except TwilioRestException as error:
            outcome = outcome_of_exception(error)
            if outcome.status == OutcomeStatus.FAILED and \
                    outcome.error_code not in OUTSIDE_WINDOW:
                log.warning("WhatsApp refused the question as %s (%s): sent as numbered "
                            "text", sid, outcome.error)
                return None
            return outcome
        except Exception as error:
            return outcome_of_exception(error)
        return Outcome(OutcomeStatus.SENT, provider_id=created.sid)

    async def send_page(self, address: str, sid: str) -> Outcome:
        """The next page of a long list, made before (a tap on its "More" row)."""
        try:
            created = await self._create(to=PREFIX + address, content_sid=sid)
        except Exception as error:
            return outcome_of_exception(error)
        return Outcome(OutcomeStatus.SENT, provider_id=created.sid)

    async def _create(self, **fields: Any) -> Any:
        if self.status_callback:
            fields["status_callback"] = self.status_callback
        # The twilio aiohttp client sets no time limit of its own.
        async with asyncio.timeout(SEND_TIMEOUT):
            return await self.client.messages.create_async(from_=self.from_, **fields)


def template_value(text: str) -> str:
    """Text as a template variable: WhatsApp refuses new lines, tabs and long runs of
    spaces in one, and long values."""
    return " ".join(text.split())[:1000]


def outcome_of_exception(error: Exception) -> Outcome:
    if isinstance(error, TwilioRestException):
        return outcome_of_error(error.status, error.code, error.msg)
    if isinstance(error, TwilioException):  # e.g. a response that is not Twilio's JSON
        return Outcome(OutcomeStatus.RETRY, f"Twilio: {error}")
    if isinstance(error, TimeoutError):
        return Outcome(OutcomeStatus.RETRY, f"network: no answer within {SEND_TIMEOUT:g} s")
    if isinstance(error, OSError | httpx.HTTPError) or type(error).__module__.startswith(
        "aiohttp"
    ):
        return Outcome(OutcomeStatus.RETRY, f"network: {error}")
    raise error


def outcome_of_error(status: int | None, code: int | str | None, text: str | None
                     ) -> Outcome:
    code_text = str(code) if code is not None else None
    reason = f"Twilio {code_text or status}: {text or 'error'}"
    if code_text in OUTSIDE_WINDOW:
        return Outcome(OutcomeStatus.FAILED, f"outside the 24-hour window ({reason})",
                       error_code=code_text)
    if code_text in UNREACHABLE:
        return Outcome(OutcomeStatus.BLOCKED, reason, error_code=code_text)
    if code_text in THROTTLED or status == 429:
        # Twilio names no wait: the channel pauses a second, as for Telegram's 429.
        return Outcome(OutcomeStatus.RETRY, reason, retry_after=1.0, error_code=code_text)
    if status is not None and status >= 500:
        return Outcome(OutcomeStatus.RETRY, reason, error_code=code_text)
    return Outcome(OutcomeStatus.FAILED, reason, error_code=code_text)


async def close_client(client: Client) -> None:
    session = getattr(client.http_client, "session", None)
    if session is not None:
        await session.close()


def make_client(account_sid: str, auth_token: str, api_base_url: str) -> Client:
    """A twilio Client on aiohttp whose REST calls go to `api_base_url` (a fake in tests)."""
    client = Client(account_sid, auth_token, http_client=AsyncTwilioHttpClient())
    # The Api domain's base URL is a plain attribute; every resource URL is built from it.
    client.api.base_url = api_base_url.rstrip("/")
    return client
