"""The adapter interface: how the harness talks to one kind of bot endpoint.

An adapter is a transport. It opens a session, sends one customer message and returns the
bot's reply as a `Reply`, and closes. Whatever is protocol-specific stays inside it; every
failure leaves it as an `AdapterError` naming the endpoint and the cause.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any, Protocol, TypeGuard

from harness._loop import LoopThread
from harness.errors import AdapterError
from harness.model.protocol import Reply, Session

if TYPE_CHECKING:  # asyncio is loaded by the adapters that need it, not by every run
    import asyncio


class Adapter(Protocol):
    """A bot endpoint. `send` returns a Reply or raises AdapterError.

    `close` ends one channel session (the driver calls it when the conversation is over);
    `shutdown` releases what the adapter holds (connections, threads) once its user is done:
    whoever opened the adapter shuts it down.
    """

    endpoint: str

    def send(self, session: Session, text: str) -> Reply: ...

    def close(self, session: Session) -> None: ...

    def shutdown(self) -> None: ...


class AsyncAdapter(Adapter, Protocol):
    """An adapter that can talk to its bot for many conversations at once (optional).

    Network adapters have it: waiting on a socket or a pipe, many conversations can be in
    flight together. In-process adapters do not: their bot is CPU work, and running it
    concurrently would gain nothing. `supports_async(adapter)` tells which is in hand.

    `asend` and `aclose` are the coroutines that `send` and `close` run. They must be
    awaited on `event_loop()`, the adapter's own loop (started if need be): its connections
    belong to that loop. `send` and `close` must not be called from that loop (they block
    on it). A subprocess adapter keeps one request in flight at a time; the others queue.
    """

    async def asend(self, session: Session, text: str) -> Reply: ...

    async def aclose(self, session: Session) -> None: ...

    def event_loop(self) -> asyncio.AbstractEventLoop: ...


class OwnLoop:
    """The loop plumbing of an adapter whose I/O is async (HTTP, WebSocket, subprocess).

    The coroutine `asend` does the work. `send` runs it on an event loop of the adapter's own
    thread, started at the first message; a concurrent driver awaits it on `event_loop()`,
    that same loop, which the adapter's connections, sockets or pipes belong to.
    `shutdown()` runs `_release()` there (close what is held), then stops the thread.
    """

    endpoint: str
    _loop: LoopThread | None = None

    async def asend(self, session: Session, text: str) -> Reply:
        """`send` for a driver with many conversations in flight, awaited on `event_loop()`."""
        return await self._send(session, text)

    async def aclose(self, session: Session) -> None:
        """`close`, awaited on `event_loop()`; an adapter whose close blocks on the loop
        (it has I/O to do) overrides it."""
        self.close(session)

    async def _send(self, session: Session, text: str) -> Reply:
        raise NotImplementedError

    def close(self, session: Session) -> None:
        pass

    def send(self, session: Session, text: str) -> Reply:
        return self._thread().run(self.asend(session, text))

    def event_loop(self) -> asyncio.AbstractEventLoop:
        """The loop `asend` is awaited on."""
        return self._thread().loop

    def shutdown(self) -> None:
        if self._loop is None:
            return
        self._loop.run(self._release())
        self._loop.stop()
        self._loop = None

    async def _release(self) -> None:
        """Close what the adapter holds, on its loop (the whole run is over)."""

    def _thread(self) -> LoopThread:
        if self._loop is None:
            self._loop = LoopThread(f"harness {self.endpoint}")
        return self._loop


def supports_async(adapter: Adapter) -> TypeGuard[AsyncAdapter]:
    """Whether `adapter` can play many conversations at once (see AsyncAdapter)."""
    return all(callable(getattr(adapter, name, None)) for name in ("asend", "aclose", "event_loop"))


class UnreadableJson(ValueError):
    """JSON that parses but cannot be kept: nested too deep for Python, or holding a lone
    surrogate escape (`\\ud800`), which is no character and cannot be written as UTF-8."""


_SURROGATE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_SURROGATE_BYTES = re.compile(_SURROGATE.pattern.encode())


def read_json(data: str | bytes) -> Any:
    """`json.loads`, with what it cannot keep as an UnreadableJson (a ValueError), so that a
    bot's answer never crashes a run: each becomes that conversation's error verdict."""
    try:
        value = json.loads(data)
    except RecursionError:
        raise UnreadableJson("is nested too deeply to be read") from None
    escaped = _SURROGATE.search(data) if isinstance(data, str) else _SURROGATE_BYTES.search(data)
    if escaped:  # rare: then check that every string can be written
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise UnreadableJson(
                "holds a lone surrogate (\\ud800…), which is no character"
            ) from None
    return value


def native_request(session: Session, text: str) -> dict[str, Any]:
    return {
        "conversation_id": session.conversation_id,
        "customer_id": session.customer_id,
        "channel": session.channel,
        "contact": session.contact,
        "text": text,
    }


def native_reply(endpoint: str, raw: Any) -> Reply:
    """Read a native-protocol response; anything malformed is an AdapterError."""
    if not isinstance(raw, dict):
        raise AdapterError(endpoint, f"response is {type(raw).__name__}, expected a JSON object")
    messages = raw.get("messages")
    if not isinstance(messages, list):
        raise AdapterError(endpoint, "response has no 'messages' list")
    texts = []
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or not isinstance(message.get("text"), str):
            raise AdapterError(endpoint, f"messages[{i}] needs a 'text' string, got {message!r}")
        texts.append(message["text"])
    handoff = raw.get("handoff")
    if handoff is not None:
        if not isinstance(handoff, dict):
            raise AdapterError(endpoint, f"'handoff' must be null or an object, got {handoff!r}")
        context = handoff.get("context") or {}
        if not isinstance(context, dict):
            raise AdapterError(endpoint, f"handoff 'context' must be an object, got {context!r}")
        handoff = {"reason": str(handoff.get("reason", "")), "context": context}
    actions = raw.get("actions") or []
    if not isinstance(actions, list) or not all(isinstance(a, str) for a in actions):
        raise AdapterError(endpoint, f"'actions' must be a list of strings, got {actions!r}")
    return Reply(
        messages=tuple(texts),
        handoff=handoff,
        actions=tuple(actions),
        end=bool(raw.get("end", False)),
        raw=raw,
    )
