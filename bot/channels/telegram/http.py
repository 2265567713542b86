"""python-telegram-bot's HTTP transport, on aiohttp.

PTB talks to the Bot API through a replaceable request class. Its default (httpx) costs
more processor time per call than everything else Kriya does for a message; aiohttp's
client does the same work for a fraction of it. Errors map to PTB's own, so the Bot and
its error handling are unchanged.

Calls without files go as one JSON body, which the Bot API takes as well as a form and
which costs a fraction of url-encoding every parameter; uploads stay multipart.
"""

from __future__ import annotations

import json

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

DEFAULT_TIMEOUT = 20.0
# PTB marks "no timeout given" with a sentinel of its own (a private class).
_UNSET = type(BaseRequest.DEFAULT_NONE)


class AiohttpRequest(BaseRequest):
    def __init__(self, pool_size: int = 32, timeout: float = DEFAULT_TIMEOUT) -> None:
        self._pool_size = pool_size
        self._timeout = timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=self._timeout,
                                              sock_read=self._timeout),
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("this AiohttpRequest is not initialized")
        read = self._timeout if isinstance(read_timeout, _UNSET) else read_timeout
        # Long polling asks for a read timeout longer than its own poll; keep that slack.
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=self._timeout, sock_read=read)
        try:
            body, content_type = _body(request_data)
            headers = {"User-Agent": self.USER_AGENT}
            if content_type:
                headers["Content-Type"] = content_type
            async with self._session.request(
                method, url, data=body, timeout=timeout, headers=headers
            ) as response:
                return response.status, await response.read()
        except TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error


def _body(
    request_data: RequestData | None,
) -> tuple[aiohttp.FormData | bytes | None, str | None]:
    if request_data is None:
        return None, None
    files = request_data.multipart_data
    if not files:
        # `parameters` holds plain values (objects already turned into dicts), so the body
        # is the nested JSON the Bot API documents, not JSON strings inside JSON.
        return json.dumps(request_data.parameters).encode(), "application/json"
    form = aiohttp.FormData()
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mime) in files.items():
        form.add_field(name, content, filename=filename or name, content_type=mime)
    return form, None
