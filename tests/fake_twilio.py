"""A fake Twilio REST API on loopback, for the real twilio library to talk to in tests.

It answers `POST /2010-04-01/Accounts/{sid}/Messages.json` (checking the account's Basic
auth, reading the form the library sends), serves media files at Twilio's media paths, and
can be told to answer a recipient with any of Twilio's errors. It is also the Content API
(`POST /v1/Content` makes a resource from JSON, `GET /v1/Content/{sid}` fetches it), which
can be told to fail. Every call is recorded, with the Content SID each message used.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field, fields
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fake_telegram import RateLimit

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "fake-twilio-auth-token"


@dataclass
class Call:
    path: str
    params: dict[str, str]
    authorization: str | None


@dataclass
class Failure:
    """What to answer instead of taking a message: an HTTP status and Twilio's error code."""

    status: int
    code: int | None
    message: str = "error"
    times: int = 1  # how many messages to fail before taking them again


@dataclass
class FakeTwilio:
    port: int
    account_sid: str = ACCOUNT_SID
    auth_token: str = AUTH_TOKEN
    calls: list[Call] = field(default_factory=list)
    failures: dict[str, Failure] = field(default_factory=dict)  # by recipient ("whatsapp:+62…")
    media: dict[str, tuple[bytes, str]] = field(default_factory=dict)  # media id -> file
    redirect_media_to: str | None = None  # a base URL to send media requests on to
    limit: RateLimit | None = None  # messages beyond it are answered 429 (error 20429)
    refused: int = 0  # messages answered 429
    taken: list[tuple[float, str]] = field(default_factory=list)  # (when, To) taken
    contents: dict[str, dict[str, Any]] = field(default_factory=dict)  # made, by Content SID
    content_failures: int = 0  # Content API calls to answer with a server error
    content_refusals: int = 0  # messages with a Content SID to refuse (error 21656)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._sids = itertools.count(1)
        self._content_sids = itertools.count(1)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def media_url(self, media_id: str) -> str:
        return (f"{self.base_url}/2010-04-01/Accounts/{self.account_sid}/Messages/"
                f"MM{media_id}/Media/ME{media_id}")

    def sent(self, to: str | None = None) -> list[dict[str, str]]:
        return [c.params for c in self.calls if c.path.endswith("/Messages.json")
                and (to is None or c.params.get("To") == to)]

    def content_sids(self, to: str | None = None) -> list[str | None]:
        """The Content SID each message to `to` used, in order (None: plain text)."""
        return [params.get("ContentSid") for params in self.sent(to)]

    def shown(self, params: dict[str, str]) -> str:
        """What a message shows its reader: its body; or, for a Content resource made
        here, its body filled in and each button or row's title in brackets."""
        content = self.contents.get(params.get("ContentSid") or "")
        if content is None:
            return params.get("Body", "")
        variables = {**content.get("variables", {}),
                     **json.loads(params.get("ContentVariables") or "{}")}
        [(kind, shape)] = content["types"].items()
        body = re.sub(r"{{(\w+)}}", lambda m: variables.get(m.group(1), ""), shape["body"])
        titles = [a["title"] for a in shape.get("actions", ())] + \
                 [i["item"] for i in shape.get("items", ())]
        return "\n".join([body, "", *(f"[{title}]" for title in titles)])

    def content_creates(self) -> list[Call]:
        return [c for c in self.calls if c.path == "/v1/Content"]

    def media_requests(self) -> list[Call]:
        return [c for c in self.calls if "/Media/" in c.path]

    def reset(self) -> None:
        """Back to how it started, whole: nothing one test told it or it recorded reaches
        the next (the port and the account stay)."""
        fresh = FakeTwilio(port=self.port, account_sid=self.account_sid,
                           auth_token=self.auth_token)
        with self._lock:
            for each in fields(self):
                if each.name not in ("port", "account_sid", "auth_token"):
                    setattr(self, each.name, getattr(fresh, each.name))

    def _authorised(self, request: Request) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return request.headers.get("authorization") == f"Basic {expected}"

    async def _messages(self, request: Request) -> Response:
        form = await request.form()
        params = {key: str(value) for key, value in form.multi_items()}
        with self._lock:
            self.calls.append(Call(request.url.path, params,
                                   request.headers.get("authorization")))
        if not self._authorised(request):
            return _error(401, 20003, "Authenticate")
        if self.limit is not None and self.limit.take() is not None:
            with self._lock:
                self.refused += 1
            return _error(429, 20429, "Too Many Requests")
        content = params.get("ContentSid")
        if content and not content.startswith("HX"):
            return _error(400, 21655, "The ContentSid is Invalid")
        if content and self.content_refusals > 0:
            self.content_refusals -= 1
            return _error(400, 21656, "The ContentVariables Parameter is invalid")
        failure = self.failures.get(params.get("To", ""))
        if failure is not None and failure.times > 0:
            failure.times -= 1
            return _error(failure.status, failure.code, failure.message)
        sid = f"SM{next(self._sids):032x}"
        self.taken.append((time.monotonic(), params.get("To", "")))
        return JSONResponse({
            "sid": sid, "account_sid": self.account_sid, "to": params.get("To"),
            "from": params.get("From"), "body": params.get("Body", ""), "status": "queued",
            "num_segments": "1", "num_media": "0", "direction": "outbound-api",
            "api_version": "2010-04-01", "uri": f"{request.url.path[:-5]}/{sid}.json",
        }, status_code=201)

    async def _media(self, request: Request) -> Response:
        with self._lock:
            self.calls.append(Call(request.url.path, {}, request.headers.get("authorization")))
        if not self._authorised(request):
            return _error(401, 20003, "Authenticate")
        media_id = request.path_params["media"][2:]
        if media_id not in self.media:
            return _error(404, 20404, "not found")
        if self.redirect_media_to:
            return Response(status_code=307,
                            headers={"location": f"{self.redirect_media_to}/files/{media_id}"})
        data, content_type = self.media[media_id]
        return Response(data, media_type=content_type)

    async def _create_content(self, request: Request) -> Response:
        definition = json.loads(await request.body() or b"{}")
        with self._lock:
            self.calls.append(Call(request.url.path, definition,
                                   request.headers.get("authorization")))
        if not self._authorised(request):
            return _error(401, 20003, "Authenticate")
        if self.content_failures > 0:
            self.content_failures -= 1
            return _error(500, 20500, "Internal Server Error")
        if not isinstance(definition.get("types"), dict) or not definition["types"]:
            return _error(400, 20001, "types is required")
        sid = f"HX{next(self._content_sids):032x}"
        content = {"sid": sid, "account_sid": self.account_sid, **definition,
                   "url": f"{self.base_url}/v1/Content/{sid}"}
        with self._lock:
            self.contents[sid] = content
        return JSONResponse(content, status_code=201)

    async def _fetch_content(self, request: Request) -> Response:
        with self._lock:
            self.calls.append(Call(request.url.path, {}, request.headers.get("authorization")))
        if not self._authorised(request):
            return _error(401, 20003, "Authenticate")
        content = self.contents.get(request.path_params["sid"])
        return JSONResponse(content) if content else _error(404, 20404, "not found")

    def app(self) -> Starlette:
        return Starlette(routes=[
            Route("/v1/Content", self._create_content, methods=["POST"]),
            Route("/v1/Content/{sid}", self._fetch_content, methods=["GET"]),
            Route("/2010-04-01/Accounts/{account}/Messages.json", self._messages,
                  methods=["POST"]),
            Route("/2010-04-01/Accounts/{account}/Messages/{message}/Media/{media}",
                  self._media, methods=["GET"]),
        ])


@dataclass
class FileHost:
    """Another host: where Twilio keeps files (reached by redirect), or a stranger's server.
    Records who asked and with which credentials."""

    port: int
    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def reset(self) -> None:
        self.files, self.calls = {}, []

    async def _file(self, request: Request) -> Response:
        self.calls.append(Call(request.url.path, {}, request.headers.get("authorization")))
        name = request.path_params["name"]
        if name not in self.files:
            return Response(status_code=404)
        data, content_type = self.files[name]
        return Response(data, media_type=content_type)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/files/{name}", self._file, methods=["GET"])])


def _error(status: int, code: int | None, message: str) -> JSONResponse:
    body: dict[str, Any] = {"status": status, "message": message}
    if code is not None:
        body["code"] = code
        body["more_info"] = f"https://www.twilio.com/docs/errors/{code}"
    return JSONResponse(body, status_code=status)
