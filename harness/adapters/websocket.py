"""WebSocket adapter: the native protocol over one WebSocket per channel session.

A chat widget's bot usually pushes: it may answer one message with several, send a handoff
event on its own, or say something late. This adapter keeps a WebSocket open for each
channel session (`conversation_id`), opened at its first message and closed by `close()`,
and reads what the bot pushes as frames:

    harness → bot   one text frame per customer message: a native request (JSON)
                    {"conversation_id": …, "customer_id": …, "channel": …, "contact": …,
                     "text": …}
    bot → harness   text frames, each a JSON object in the native response shape with every
                    key optional, plus `turn_end`:
                    {"messages": [{"text": …}], "handoff": {…} | null,
                     "actions": […], "end": bool, "turn_end": bool}

One turn's reply is every frame gathered after the customer's message until one of:
a frame with `"turn_end": true`; `quiet` seconds without a frame (for bots that never say
they are done); the timeout. Only a turn with no frame at all is a fault. The frames are
merged: messages and actions in order, the last handoff given, `end` if any frame ended.
Frames the bot pushes between turns (late replies) are read with the next turn's reply.
The latency is the time to the last frame gathered, not the quiet wait that followed it.

Every fault leaves as an `AdapterError` naming the URL: a refused connection, a rejected
handshake (its HTTP status), no frame within the timeout, a frame that is binary, not
JSON, not an object, malformed or over the size limit, and the bot closing the WebSocket
while the conversation goes on.

Like the HTTP adapter, the I/O runs on an event loop of its own thread (the virtual driver
calls `send` synchronously); `asend` is the coroutine the concurrent driver awaits there.
"""

from __future__ import annotations

import asyncio
import json
import time
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Literal

import aiohttp
from pydantic import BaseModel, ConfigDict, Field, field_validator

from harness.adapters.base import OwnLoop, UnreadableJson, native_reply, native_request, read_json
from harness.adapters.http.client import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT, _cannot_connect, _plain
from harness.adapters.secrets import Secrets, require_env
from harness.adapters.templates import checked_url
from harness.errors import AdapterError, quote
from harness.model.protocol import Reply, Session

if TYPE_CHECKING:
    from harness.adapters.base import Adapter

DEFAULT_QUIET = 0.5  # seconds of silence after a frame that end a turn with no turn_end
CLOSE_WAIT = 2.0  # seconds a bot has to acknowledge our closing of its WebSocket

Socket = aiohttp.ClientWebSocketResponse
_CLOSED = (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED)


class WebSocketEndpoint(BaseModel):
    """A bot speaking the native protocol over a WebSocket, in an endpoint file."""

    model_config = ConfigDict(extra="forbid")

    _port = field_validator("url")(checked_url)

    kind: Literal["websocket"] = Field(
        description="The transport; 'websocket' (native frames over one WebSocket per session)."
    )
    url: str = Field(pattern=r"^wss?://[^/\s]+", description="The ws:// or wss:// URL.")
    headers: dict[str, str] = Field(
        default_factory=dict,
        description="Handshake headers; a value may hold ${ENV:NAME}, filled from the "
        "environment and redacted from everything recorded.",
    )
    quiet: float = Field(
        DEFAULT_QUIET,
        gt=0,
        description="Seconds without a frame that end a turn when the bot sends no turn_end.",
    )
    timeout: float | None = Field(
        None, gt=0, description="Seconds the bot has to answer one message; default --timeout."
    )

    _env_set = field_validator("headers")(require_env)

    def open(self, *, timeout: float) -> Adapter:
        return WebSocketAdapter(
            self.url, timeout=self.timeout or timeout, quiet=self.quiet, headers=self.headers
        )


class WebSocketAdapter(OwnLoop):
    def __init__(
        self,
        url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        quiet: float = DEFAULT_QUIET,
        headers: dict[str, str] | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self.endpoint = url
        self.timeout = timeout
        self.quiet = quiet
        self.headers = headers or {}
        self.max_bytes = max_bytes
        self._secrets = Secrets()
        self._sockets: dict[str, Socket] = {}  # by conversation_id
        self._client: aiohttp.ClientSession | None = None

    def close(self, session: Session) -> None:
        if self._loop is not None and session.conversation_id in self._sockets:
            self._loop.run(self._close(session.conversation_id))

    async def aclose(self, session: Session) -> None:
        if session.conversation_id in self._sockets:
            await self._close(session.conversation_id)

    async def _release(self) -> None:
        for conversation_id in list(self._sockets):
            await self._close(conversation_id)
        if self._client is not None:
            await self._client.close()
            self._client = None

    async def _send(self, session: Session, text: str) -> Reply:
        started = time.perf_counter()
        deadline = started + self.timeout
        socket = await self._socket(session.conversation_id, deadline)
        try:
            await socket.send_str(json.dumps(native_request(session, text)))
        except (aiohttp.ClientError, OSError):
            raise self._fault("the bot closed the WebSocket mid-conversation") from None
        frames, last = await self._gather(socket, deadline)
        reply = self._merge(frames)
        reply.latency = last - started
        return reply

    async def _close(self, conversation_id: str) -> None:
        socket = self._sockets.pop(conversation_id)
        await socket.close()

    async def _socket(self, conversation_id: str, deadline: float) -> Socket:
        """The session's open WebSocket, connected at its first message."""
        socket = self._sockets.get(conversation_id)
        if socket is not None:
            if socket.closed:  # the bot closed it after its last reply
                raise self._fault(f"the bot closed the WebSocket mid-conversation{_code(socket)}")
            return socket
        if self._client is None:  # made here: a ClientSession belongs to the running loop
            self._client = aiohttp.ClientSession()
        headers = {
            name: self._secrets.fill(value, self._fault) for name, value in self.headers.items()
        }
        try:
            async with asyncio.timeout(deadline - time.perf_counter()):
                socket = await self._client.ws_connect(
                    self.endpoint,
                    headers=headers,
                    max_msg_size=self.max_bytes,
                    timeout=aiohttp.ClientWSTimeout(ws_close=min(CLOSE_WAIT, self.timeout)),
                )
        except TimeoutError:
            raise self._fault(f"no answer within the timeout of {self.timeout:g} s") from None
        except aiohttp.WSServerHandshakeError as exc:
            raise self._fault(_rejected(exc)) from None
        except aiohttp.ClientConnectorError as exc:
            raise self._fault(_cannot_connect(exc)) from None
        except (aiohttp.ClientError, OSError) as exc:
            raise self._fault(f"the WebSocket handshake failed: {_plain(exc)}") from None
        self._sockets[conversation_id] = socket
        return socket

    async def _gather(self, socket: Socket, deadline: float) -> tuple[list[dict[str, Any]], float]:
        """The frames of one turn and the time the last one came; see the module docstring."""
        frames: list[dict[str, Any]] = []
        last = time.perf_counter()
        while True:
            now = time.perf_counter()
            wait = deadline - now if not frames else min(self.quiet, deadline - now)
            if wait <= 0:
                break
            try:
                message = await socket.receive(timeout=wait)
            except TimeoutError:
                break
            if message.type in _CLOSED:
                if frames:  # a bot may say goodbye and hang up; only talking on is a fault
                    break
                reason = f": {message.extra}" if message.extra else ""
                raise self._fault(f"the bot closed the WebSocket mid-conversation{_code(socket)}"
                                  + self._secrets.redact(reason))  # fmt: skip
            frame = self._frame(message)
            frames.append(frame)
            last = time.perf_counter()
            if frame.get("turn_end") is True:
                break
        if not frames:
            raise self._fault(f"no answer within the timeout of {self.timeout:g} s")
        return frames, last

    def _frame(self, message: aiohttp.WSMessage) -> dict[str, Any]:
        """One frame the bot pushed, parsed; anything but a JSON object is an AdapterError."""
        if message.type is aiohttp.WSMsgType.ERROR:
            error = message.data
            if isinstance(error, aiohttp.WebSocketError) and error.code == 1009:
                raise self._fault(f"a frame is over the limit of {self.max_bytes} bytes")
            raise self._fault(f"the WebSocket failed: {_plain(error)}")
        if message.type is aiohttp.WSMsgType.BINARY:
            raise self._fault(f"the bot sent a binary frame ({len(message.data)} bytes); "
                              "frames must be JSON text")  # fmt: skip
        if message.type is not aiohttp.WSMsgType.TEXT:
            raise self._fault(f"unexpected WebSocket message {message.type.name}")
        text = message.data  # quoted in a fault, which is redacted as text
        try:
            frame = self._secrets.redact_value(read_json(text))
        except UnreadableJson as exc:
            raise self._fault(f"a frame {exc}") from None
        except ValueError:
            raise self._fault(
                f"a frame is not JSON: {quote(text, empty='(empty frame)')}"
            ) from None
        if not isinstance(frame, dict):
            raise self._fault(f"a frame is {type(frame).__name__}, expected a JSON object")
        return frame

    def _merge(self, frames: list[dict[str, Any]]) -> Reply:
        """One Reply of a turn's frames, each checked as a native response."""
        replies = []
        for i, frame in enumerate(frames):
            try:
                replies.append(native_reply(self.endpoint, {"messages": [], **frame}))
            except AdapterError as exc:
                cause = exc.cause.replace("response", "frame", 1)
                raise self._fault(f"frame {i + 1} of the turn: {cause}") from None
        handoffs = [r.handoff for r in replies if r.handoff is not None]
        return Reply(
            messages=tuple(m for r in replies for m in r.messages),
            handoff=handoffs[-1] if handoffs else None,
            actions=tuple(a for r in replies for a in r.actions),
            end=any(r.end for r in replies),
            raw=frames,
        )

    def _fault(self, cause: str) -> AdapterError:
        return AdapterError(self.endpoint, self._secrets.redact(cause))


def _rejected(exc: aiohttp.WSServerHandshakeError) -> str:
    if exc.status == 101:
        return f"the WebSocket handshake failed: {exc.message}"
    try:
        phrase = HTTPStatus(exc.status).phrase
    except ValueError:
        phrase = ""
    return f"the WebSocket handshake was rejected: HTTP {exc.status} {phrase}".rstrip()


def _code(socket: Socket) -> str:
    code = socket.close_code
    return f" (close code {code})" if code is not None else ""
