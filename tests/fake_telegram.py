"""A local stand-in for the Telegram Bot API: a real HTTP server on loopback that reads the
bodies python-telegram-bot sends, records every call, and can be told to refuse."""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import os
import random
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

BOT = {"id": 777000, "is_bot": True, "first_name": "Kriya", "username": "kriya_test_bot",
       "can_join_groups": False, "can_read_all_group_messages": False,
       "supports_inline_queries": False}
# Telegram refuses HTML it cannot parse; an unescaped '<' or '&' is the usual cause.
_ALLOWED_TAG = re.compile(r"</?(b|i|u|s|code|pre|a)( [^>]*)?>")
_ENTITY = re.compile(r"&(lt|gt|amp|quot|#\d+);")


def parses_as_html(text: str) -> bool:
    stripped = _ENTITY.sub("", _ALLOWED_TAG.sub("", text))
    return "<" not in stripped and ">" not in stripped and "&" not in stripped


@dataclass
class Call:
    method: str
    params: dict[str, Any]


class RateLimit:
    """A platform's per-second limit: `per_second` requests a second on average, with
    bursts of a tenth of a second's worth (the jitter a network adds to evenly spaced
    requests). A token bucket in its virtual-time form: each request taken moves the
    moment the bucket is next empty one interval on."""

    def __init__(self, per_second: float, clock: Callable[[], float] = time.monotonic
                 ) -> None:
        self.per_second = per_second
        self.clock = clock  # seconds; a test's own clock moves only when it says
        self.interval = 1 / per_second
        self.tolerance = max(0.0, per_second * 0.1 - 1) * self.interval
        self._next = 0.0
        self._lock = threading.Lock()

    def take(self) -> float | None:
        """None if the request may go; else the seconds until one may."""
        now = self.clock()
        with self._lock:
            due = max(self._next, now)
            if due - now > self.tolerance:
                return due - now - self.tolerance
            self._next = due + self.interval
            return None


@dataclass
class FakeTelegram:
    token: str = "123456:TEST-token"
    calls: list[Call] = field(default_factory=list)
    blocked: set[int] = field(default_factory=set)
    missing: set[int] = field(default_factory=set)  # chats that answer 400
    flood: int = 0  # answer this many sendMessage calls with 429
    retry_after: int = 1
    limit: RateLimit | None = None  # messages beyond it are answered 429
    slow: dict[str, float] = field(default_factory=dict)  # text -> seconds to answer it
    refused: int = 0  # sendMessage calls answered 429
    # Messages delivered: when, to which chat, and on which port of this server.
    taken: list[tuple[float, int, int | None]] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    updates: list[dict[str, Any]] = field(default_factory=list)  # served by getUpdates
    port: int = 0
    _message_id: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        """Back to how it started, whole: nothing one test told it or it recorded reaches
        the next (the port and the token stay, and message ids keep growing)."""
        fresh = FakeTelegram(token=self.token, port=self.port)
        with self._lock:
            for each in fields(self):
                if each.name not in ("token", "port", "_message_id", "_lock"):
                    setattr(self, each.name, getattr(fresh, each.name))

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def file_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    def sent(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        return [c.params for c in self.calls if c.method == "sendMessage"
                and (chat_id is None or int(c.params["chat_id"]) == chat_id)]

    def methods(self) -> list[str]:
        return [c.method for c in self.calls]

    async def _api(self, request: Request) -> Response:
        method = request.path_params["method"]
        if request.path_params["token"] != self.token:
            return _error(401, "Unauthorized")
        params: dict[str, Any] = {}
        if request.headers.get("content-type", "").startswith("application/json"):
            params = await request.json()  # values already typed: nothing to decode
            items = []
        else:
            items = (await request.form()).multi_items()
        for key, value in items:
            if not isinstance(value, str):  # an uploaded file: keep its bytes and name
                params[key] = await value.read()
                params[f"{key}:filename"] = value.filename
                continue
            try:
                params[key] = json.loads(value)
            except json.JSONDecodeError:
                params[key] = value
            if key == "text":
                params[key] = value
        with self._lock:
            self.calls.append(Call(method, params))
        if isinstance(params.get("text"), str) and params["text"] in self.slow:
            await asyncio.sleep(self.slow[params["text"]])  # a slow answer from the platform
        if method == "getUpdates":
            return await self._get_updates(params)
        handler = getattr(self, f"_{method}", None)
        response = handler(params) if handler else _ok(True)
        if method == "sendMessage" and response.status_code == 200:
            self.taken.append((time.monotonic(), int(params["chat_id"]), request.url.port))
        return response

    async def _get_updates(self, params: dict[str, Any]) -> Response:
        offset = int(params.get("offset") or 0)
        for _ in range(20):  # long polling, but never longer than a second here
            ready = [u for u in self.updates if u["update_id"] >= offset]
            if ready:
                return _ok(ready)
            await asyncio.sleep(0.05)
        return _ok([])

    def _getMe(self, params):  # noqa: N802 - the Bot API's method names
        return _ok(BOT)

    def _sendMessage(self, params):  # noqa: N802
        chat_id = int(params["chat_id"])
        if chat_id in self.blocked:
            return _error(403, "Forbidden: bot was blocked by the user")
        if chat_id in self.missing:
            return _error(400, "Bad Request: chat not found")
        wait = self.limit.take() if self.limit is not None and self.flood <= 0 else None
        with self._lock:
            if self.flood > 0 or wait is not None:
                self.flood -= 1 if wait is None else 0
                self.refused += 1
                # The Bot API says how long to wait in whole seconds.
                after = self.retry_after if wait is None else max(1, math.ceil(wait))
                return _error(429, f"Too Many Requests: retry after {after}",
                              {"retry_after": after})
            self._message_id += 1
            message_id = self._message_id
        if params.get("parse_mode") == "HTML" and not parses_as_html(params["text"]):
            return _error(400, "Bad Request: can't parse entities: unsupported start tag")
        if len(params["text"]) > 4096:
            return _error(400, "Bad Request: message is too long")
        return _ok({"message_id": message_id, "date": int(time.time()), "text": params["text"],
                    "chat": {"id": chat_id, "type": "private"}, "from": BOT})

    def _getFile(self, params):  # noqa: N802
        file_id = params["file_id"]
        content = self.files.get(file_id, b"")
        return _ok({"file_id": file_id, "file_unique_id": f"u-{file_id}",
                    "file_size": len(content), "file_path": f"photos/{file_id}.jpg"})

    async def _file(self, request: Request) -> Response:
        file_id = request.path_params["path"].rsplit("/", 1)[-1].removesuffix(".jpg")
        return Response(self.files.get(file_id, b""), media_type="image/jpeg")

    def app(self) -> Starlette:
        return Starlette(routes=[
            Route("/bot{token}/{method}", self._api, methods=["POST", "GET"]),
            Route("/file/bot{token}/{path:path}", self._file, methods=["GET"]),
        ])


def _ok(result: Any) -> JSONResponse:
    return JSONResponse({"ok": True, "result": result})


def _error(code: int, description: str, parameters: dict | None = None) -> JSONResponse:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return JSONResponse(body, status_code=code)


_PORT_BLOCK = 2000
# From a random place in the block: two test runs side by side rarely meet.
_next_port = itertools.count(random.randrange(_PORT_BLOCK))


def free_port() -> int:
    """A loopback port nothing listens on. Each test process (pytest-xdist's workers run
    side by side) takes ports from a block of its own below the kernel's ephemeral range, so
    two processes never pick the same port between checking it and serving on it."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    first = 12000 + _PORT_BLOCK * (int(worker) if worker.isdigit() else 0)
    for _ in range(_PORT_BLOCK):
        port = first + next(_next_port) % _PORT_BLOCK
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free loopback port left for this test process")


class ServerThread:
    """Runs a uvicorn server for an ASGI app in a thread on loopback."""

    def __init__(self, app: Any, port: int, lifespan: str = "off") -> None:
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                lifespan=lifespan)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the fake server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
