"""HTTP adapter: the native protocol as a JSON POST to the bot's URL.

Each customer message is one POST of a native request; the answer must be a native response.
The virtual driver calls `send` synchronously, so the adapter keeps one aiohttp
`ClientSession` (one connection pool) on an event loop of its own thread, started at the
first message and stopped by `shutdown()`; the concurrent driver awaits `asend` on that
loop, many conversations at once. The round trip is measured and reported as the
reply's latency, so the bot's real speed moves the conversation's clock.

Cookies are kept per channel session (`conversation_id`), as a browser tab would keep them,
and forgotten when that session is closed: one simulated customer never sees another's.

Every fault (refused connection, timeout, an HTTP error status, a body that is not JSON or
is too large, a malformed response) leaves as an `AdapterError` naming the URL and saying
what happened; the conversation ends with verdict `error` and the run goes on.
"""

from __future__ import annotations

import errno
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from harness.adapters.base import OwnLoop, UnreadableJson, native_reply, native_request, read_json
from harness.errors import AdapterError, quote
from harness.model.protocol import Reply, Session

DEFAULT_TIMEOUT = 10.0  # seconds for one whole round trip
DEFAULT_MAX_BYTES = 1024 * 1024  # a larger answer is a fault, not something to parse


@dataclass(frozen=True, slots=True)
class Request:
    """One request: its JSON body and any headers beyond aiohttp's own; `answered` receives
    the headers of each answer to it that a retry may heed (Retry-After)."""

    body: Any
    headers: dict[str, str] | None = None
    answered: dict[str, str] = field(default_factory=dict)


class HttpAdapter(OwnLoop):
    def __init__(
        self, url: str, *, timeout: float = DEFAULT_TIMEOUT, max_bytes: int = DEFAULT_MAX_BYTES
    ) -> None:
        self.endpoint = url
        self.timeout = timeout
        self.max_bytes = max_bytes
        self._cookies: dict[str, dict[str, str]] = {}
        self._client: aiohttp.ClientSession | None = None

    def close(self, session: Session) -> None:
        self._cookies.pop(session.conversation_id, None)

    async def _release(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None

    async def _send(self, session: Session, text: str) -> Reply:
        if self._client is None:  # made here: a ClientSession belongs to the running loop
            self._client = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                cookie_jar=aiohttp.DummyCookieJar(),  # cookies are kept per session below
            )
        started = time.perf_counter()
        try:
            status, reason, body = await self._post(session, self._request(session, text))
        except TimeoutError:
            raise self._fault(f"no answer within the timeout of {self.timeout:g} s") from None
        except aiohttp.ClientConnectorError as exc:
            raise self._fault(_cannot_connect(exc)) from None
        except (aiohttp.ClientError, OSError) as exc:
            raise self._fault(f"the request failed: {_plain(exc)}") from None
        latency = time.perf_counter() - started
        if not 200 <= status < 300:
            raise self._fault(f"HTTP {status} {reason}: {quoted_body(body)}")
        try:
            raw = self._redacted(read_json(body))
        except UnreadableJson as exc:
            raise self._fault(f"the answer {exc}") from None
        except ValueError:  # also a body that is not UTF-8
            raise self._fault(f"the answer is not JSON but {_looks_like(body)}") from None
        reply = self._reply(raw)
        reply.latency = latency
        return reply

    # The two hooks a mapped endpoint (adapters.endpoint) overrides; transport stays here.

    def _request(self, session: Session, text: str) -> Request:
        """The JSON body and extra headers of one POST."""
        return Request(native_request(session, text))

    def _redacted(self, raw: Any) -> Any:
        """The parsed answer with the secrets the adapter sends taken out (none here)."""
        return raw

    def _reply(self, raw: Any) -> Reply:
        """The Reply in a parsed JSON answer; anything malformed is an AdapterError."""
        return native_reply(self.endpoint, raw)

    async def _post(self, session: Session, request: Request) -> tuple[int, str, bytes]:
        """POST one request to the endpoint; the status, reason and body."""
        return await self._fetch(session, request, "POST", self.endpoint)

    async def _fetch(
        self, session: Session, request: Request, method: str, url: str
    ) -> tuple[int, str, bytes]:
        """One request with the session's cookies; the status, reason and body, read no
        further than the limit."""
        assert self._client is not None
        cookies = self._cookies.get(session.conversation_id)
        async with self._client.request(
            method, url, json=request.body, headers=request.headers, cookies=cookies
        ) as response:
            headers = response.headers
            if "Retry-After" in headers:
                request.answered["Retry-After"] = headers["Retry-After"]
            if "Set-Cookie" in headers and response.cookies:
                jar = self._cookies.setdefault(session.conversation_id, {})
                jar.update((name, morsel.value) for name, morsel in response.cookies.items())
            declared = response.content_length
            if declared is not None and declared > self.max_bytes:
                raise self._too_big(f"{declared} bytes")
            if declared is not None and "Content-Encoding" not in headers:
                body = await response.read()  # no further than the declared length
            else:  # chunked, or compressed: counted as it arrives, once inflated
                body = await self._read_limited(response)
            return response.status, response.reason or "", body

    async def _read_limited(self, response: aiohttp.ClientResponse) -> bytes:
        """The whole body, read no further than the size limit."""
        return b"".join([chunk async for chunk in self._limited_chunks(response)])

    async def _limited_chunks(self, response: aiohttp.ClientResponse) -> AsyncIterator[bytes]:
        """The body as it arrives; a fault as soon as it passes the size limit."""
        read = 0
        async for chunk in response.content.iter_any():
            read += len(chunk)
            if read > self.max_bytes:
                raise self._too_big(f"more than {read} bytes")
            yield chunk

    def _too_big(self, size: str) -> AdapterError:
        return self._fault(f"the answer is {size}, over the limit of {self.max_bytes} bytes")

    def _fault(self, cause: str) -> AdapterError:
        return AdapterError(self.endpoint, cause)


def _cannot_connect(exc: aiohttp.ClientConnectorError) -> str:
    if exc.os_error.errno == errno.ECONNREFUSED:
        return "connection refused (is the bot running, on this port?)"
    return f"cannot connect: {exc.os_error.strerror or exc.os_error}"


def _plain(exc: BaseException) -> str:
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "the server closed the connection without answering"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def quoted_body(body: bytes) -> str:
    return quote(body.decode("utf-8", errors="replace"), empty="(empty body)")


def _looks_like(body: bytes) -> str:
    """What a body that is not JSON looks like, in words, with its start quoted."""
    head = body[:512].decode("utf-8", errors="replace").strip().lower()
    if not head:
        return "an empty body"
    if head.startswith(("<!doctype html", "<html")) or "<body" in head:
        what = "an HTML page"
    elif head.startswith("<"):
        what = "XML or HTML"
    else:
        what = "plain text"
    return f"{what}: {quoted_body(body)}"
