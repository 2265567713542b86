"""Twilio Content resources for interactive questions, made once and reused.

A resource is looked up by the hash of what it contains: in this process's memory, then in
the database (shared by every `kriya serve` process), and only then made with the Content
API (POST /v1/Content) and kept. twilio's Content client sends its JSON body as a form over
aiohttp, so the call is made here with httpx.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from sqlalchemy import Engine

from bot.channels.whatsapp.interactive import Interactive
from storage import contents as content_rows

# Seconds for the Content API to make one resource: a reply waits for it, inside the 15
# seconds Twilio gives the webhook.
CREATE_TIMEOUT = 5.0
# After the Content API failed, questions go as numbered text this long without asking it
# again: a reply does not wait for an API that is down.
PAUSE_AFTER_FAILURE = 60.0
REMEMBERED = 4096  # resources kept in memory (a few per question and language)

Run = Callable[..., Awaitable[Any]]


class ContentError(Exception):
    """The Content API did not make the resource (the question goes as numbered text)."""


class Contents:
    def __init__(self, database: Engine, run: Run, base_url: str,
                 auth: tuple[str, str]) -> None:
        self.database = database
        self.run = run  # database work from the event loop (bot.work)
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        self.known: dict[str, str] = {}
        self.http: httpx.AsyncClient | None = None
        self._making: dict[str, asyncio.Lock] = {}
        self._paused_until = 0.0  # by `clock`
        self.clock: Callable[[], float] = time.monotonic

    async def start(self) -> None:
        self.http = httpx.AsyncClient(timeout=CREATE_TIMEOUT)

    async def stop(self) -> None:
        if self.http is not None:
            await self.http.aclose()

    async def sid(self, interactive: Interactive) -> str:
        """The Content SID of this question's controls, made now if it is new (with the
        later pages of a long list, which a tap on its "More" row opens)."""
        if interactive.following is not None:
            await self.sid(interactive.following)
        key = interactive.key
        if key in self.known:
            return self.known[key]
        # Two people asked the same new question at once: one resource is made.
        lock = self._making.setdefault(key, asyncio.Lock())
        try:
            async with lock:
                if key not in self.known:
                    found = await self.run(content_rows.content_sid, self.database, key)
                    if found is None:
                        made = await self._create(interactive)
                        found = await self.run(content_rows.keep, self.database, key, made,
                                               interactive.kind)
                    self._remember(key, found)
        finally:
            self._making.pop(key, None)
        return self.known[key]

    async def made(self, key: str) -> str | None:
        """The Content SID of a resource made before, by its key; None for any other key."""
        if key not in self.known:
            found = await self.run(content_rows.content_sid, self.database, key)
            if found is None:
                return None
            self._remember(key, found)
        return self.known[key]

    def _remember(self, key: str, sid: str) -> None:
        if len(self.known) >= REMEMBERED:
            self.known.pop(next(iter(self.known)))
        self.known[key] = sid

    async def _create(self, interactive: Interactive) -> str:
        if self.clock() < self._paused_until:
            raise ContentError("the Content API failed a moment ago")
        try:
            return await self._post(interactive)
        except ContentError:
            self._paused_until = self.clock() + PAUSE_AFTER_FAILURE
            raise

    async def _post(self, interactive: Interactive) -> str:
        assert self.http is not None, "Contents.start() was not awaited"
        try:
            response = await self.http.post(f"{self.base_url}/v1/Content", auth=self.auth,
                                             json=interactive.definition())
        except httpx.HTTPError as error:
            raise ContentError(f"Content API: {error!r}") from error
        if response.status_code >= 300:
            raise ContentError(f"Content API {response.status_code}: {response.text[:200]}")
        try:
            sid = response.json()["sid"]
        except (ValueError, KeyError, TypeError) as error:
            raise ContentError(f"Content API answered without a sid: "
                               f"{response.text[:200]}") from error
        if not isinstance(sid, str) or not sid:
            raise ContentError("Content API answered an empty sid")
        return sid
