"""OpenAI-compatible chat bots: `kind: openai` endpoint files, POST `{url}/chat/completions`.

Most LLM bots and gateways (OpenAI, vLLM, Ollama, LiteLLM, Azure…) speak this protocol, which
is stateless: every request carries the whole conversation. So the adapter keeps the message
history of each channel session (`conversation_id`) and forgets it when the session closes:
the optional system prompt, then each customer message (`user`) and the bot's answer
(`assistant`, with its tool calls), and after a tool call the `tool` message a real server
demands before the next user message ("ok": the harness is not the bot's backend).

A tool call is the bot's structured signal: one named in `handoff_tools` (`transfer_to_human`,
`escalate`, `handoff`) is a handoff whose context is the call's JSON arguments, and whose
reason is their `reason` string if any, else the tool's name; any other call is an action.
The message `content` is one bot message (none when empty). Each request also sends `user`
(the customer id) and `metadata` (conversation id, customer id, channel, contact), fields of
the OpenAI request body, so that a server can tell customers apart.

With `stream: true` the answer is read as server-sent events (`data: {chunk}` lines ending
with `data: [DONE]`), content and tool-call arguments assembled from their pieces.

Transport, timeout, the 1 MiB limit and the faults of the native HTTP adapter apply, and the
headers' `${ENV:NAME}` secrets are filled and redacted as in every endpoint file
(adapters.secrets). Added faults: an OpenAI error body (`{"error": {"message": …}}`,
quoted), an answer without `choices`, tool-call arguments that are not JSON, a stream cut
before `[DONE]`.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import TYPE_CHECKING, Any, Literal

import aiohttp
from pydantic import BaseModel, ConfigDict, Field, field_validator

from harness.adapters.base import UnreadableJson, read_json
from harness.adapters.http.client import DEFAULT_MAX_BYTES, HttpAdapter, Request
from harness.adapters.secrets import Secrets, require_env
from harness.adapters.templates import checked_url
from harness.errors import AdapterError, shorten
from harness.model.protocol import Reply, Session

if TYPE_CHECKING:
    from harness.adapters.base import Adapter

HANDOFF_TOOLS = ("transfer_to_human", "escalate", "handoff")
SET_BY_THE_ADAPTER = ("model", "messages", "stream", "user", "metadata")
TOOL_RESULT = "ok"  # what each tool call "returns": the bot's backend is not simulated


class OpenAIEndpoint(BaseModel):
    """A bot behind an OpenAI-compatible chat completions API."""

    model_config = ConfigDict(extra="forbid")

    _port = field_validator("url")(checked_url)

    kind: Literal["openai"] = Field(description="'openai': POST {url}/chat/completions.")
    url: str = Field(
        pattern=r"^https?://[^/\s]+",
        description="The API base, e.g. http://127.0.0.1:8000/v1; the adapter POSTs to "
        "{url}/chat/completions.",
    )
    model: str = Field(description="The model name sent in every request.")
    system: str | None = Field(None, description="A system prompt opening every conversation.")
    stream: bool = Field(False, description="Ask for a streamed answer (server-sent events).")
    headers: dict[str, str] = Field(
        default_factory=dict,
        description="Headers to send, e.g. Authorization: Bearer ${ENV:OPENAI_API_KEY}; "
        "a value may hold ${ENV:NAME}, filled from the environment and never recorded.",
    )
    handoff_tools: list[str] = Field(
        default_factory=lambda: list(HANDOFF_TOOLS),
        description="Tool calls that are a handoff; their JSON arguments are its context.",
    )
    extra: dict[str, Any] = Field(
        default_factory=dict,
        description="Fields merged into every request body, e.g. {temperature: 0}.",
    )
    timeout: float | None = Field(
        None, gt=0, description="Seconds the bot has to answer one message; default --timeout."
    )

    _env_set = field_validator("headers")(require_env)

    def open(self, *, timeout: float) -> Adapter:
        return OpenAIAdapter(self, timeout=timeout)

    @field_validator("extra")
    @classmethod
    def _not_ours(cls, extra: dict[str, Any]) -> dict[str, Any]:
        taken = [key for key in SET_BY_THE_ADAPTER if key in extra]
        if taken:
            raise ValueError(
                f"{', '.join(taken)} cannot be set here: the adapter sets "
                + ", ".join(SET_BY_THE_ADAPTER)
                + " (model and stream are fields of their own)"
            )
        return extra


class OpenAIAdapter(HttpAdapter):
    """The HTTP adapter with an OpenAI body and answer, and a history per channel session."""

    def __init__(
        self, config: OpenAIEndpoint, *, timeout: float, max_bytes: int = DEFAULT_MAX_BYTES
    ) -> None:
        url = config.url.rstrip("/") + "/chat/completions"
        super().__init__(url, timeout=config.timeout or timeout, max_bytes=max_bytes)
        self.openai = config
        self._secrets = Secrets()
        self._histories: dict[str, list[dict[str, Any]]] = {}

    def _fault(self, cause: str) -> AdapterError:
        return AdapterError(self.endpoint, self._secrets.redact(cause))

    def close(self, session: Session) -> None:
        super().close(session)
        self._histories.pop(session.conversation_id, None)

    async def _send(self, session: Session, text: str) -> Reply:
        reply = await super()._send(session, text)
        history = self._histories.setdefault(session.conversation_id, [])
        history.append({"role": "user", "content": text})
        history.extend(_answered(reply.raw))
        return reply

    def _request(self, session: Session, text: str) -> Request:
        opening = [{"role": "system", "content": self.openai.system}] if self.openai.system else []
        history = self._histories.get(session.conversation_id, [])
        body = {
            **self.openai.extra,
            "model": self.openai.model,
            "messages": [*opening, *history, {"role": "user", "content": text}],
            "stream": self.openai.stream,
            "user": session.customer_id,
            "metadata": {  # OpenAI metadata values are strings
                "conversation_id": session.conversation_id,
                "customer_id": session.customer_id,
                "channel": session.channel,
                "contact": str(session.contact),
            },
        }
        fill = self._secrets.fill
        return Request(body, {k: fill(v, self._fault) for k, v in self.openai.headers.items()})

    async def _post(self, session: Session, request: Request) -> tuple[int, str, bytes]:
        if self.openai.stream:
            status, reason, body = await self._stream(request)
        else:
            status, reason, body = await super()._post(session, request)
        reason = self._secrets.redact(reason)  # the body: once parsed (_redacted), or in a fault
        if not 200 <= status < 300:
            message = _error_message(body)
            if message is not None:  # an OpenAI error body says it best
                raise self._fault(f"HTTP {status} {reason}: {shorten(repr(message))}")
        return status, reason, body

    async def _stream(self, request: Request) -> tuple[int, str, bytes]:
        """POST asking for a stream. An event stream is returned assembled into the answer a
        server that does not stream would give, so that `_send` reads both alike; any other
        answer (an error, a server that ignored `stream`) is returned as it came."""
        assert self._client is not None
        async with self._client.post(
            self.endpoint, json=request.body, headers=request.headers
        ) as response:
            status, reason = response.status, response.reason or ""
            if response.content_type != "text/event-stream":
                return status, reason, await self._read_limited(response)
            assembly = _Assembly()
            try:
                async with aclosing(self._events(response)) as events:
                    async for payload in events:
                        if payload == "[DONE]":
                            return status, reason, json.dumps(assembly.completion()).encode()
                        assembly.add(self._chunk(payload))
            except aiohttp.ClientPayloadError:
                raise self._fault("the stream was cut before 'data: [DONE]'") from None
            raise self._fault("the stream ended before 'data: [DONE]'")

    async def _events(self, response: aiohttp.ClientResponse) -> AsyncGenerator[str]:
        """The payload of each `data:` line of a server-sent event stream."""
        pending = b""
        async for chunk in self._limited_chunks(response):
            *lines, pending = (pending + chunk).split(b"\n")
            for line in lines:
                if line.startswith(b"data:"):
                    yield line[5:].strip().decode(errors="replace")

    def _chunk(self, payload: str) -> dict[str, Any]:
        """One streamed chunk; one that is not a JSON object, or is an error, is a fault."""
        try:
            chunk = read_json(payload)
        except UnreadableJson as exc:
            raise self._fault(f"a streamed event {exc}") from None
        except ValueError:
            raise self._fault(f"a streamed event is not JSON: {shorten(repr(payload))}") from None
        if not isinstance(chunk, dict):
            raise self._fault(f"a streamed event is not a JSON object: {shorten(repr(chunk))}")
        error = _error_message(chunk)
        if error is not None:
            raise self._fault(f"the stream brought an error: {shorten(repr(error))}")
        return chunk

    def _redacted(self, raw: Any) -> Any:
        return self._secrets.redact_value(raw)

    def _reply(self, raw: Any) -> Reply:
        message = self._message(raw)
        content = message.get("content")
        if content is not None and not isinstance(content, str):
            raise self._fault(
                f"choices[0].message.content must be a string, got {shorten(repr(content))}"
            )
        handoff: dict[str, Any] | None = None
        actions: list[str] = []
        for name, arguments in self._tool_calls(message):
            if name not in self.openai.handoff_tools:
                actions.append(name)
            elif handoff is None:  # a second handoff call adds nothing
                reason = arguments.get("reason")
                handoff = {"reason": reason if isinstance(reason, str) else name,
                           "context": arguments}  # fmt: skip
        return Reply(
            messages=(content,) if content else (),
            handoff=handoff,
            actions=tuple(actions),
            raw=raw,
        )

    def _message(self, raw: Any) -> dict[str, Any]:
        """`choices[0].message` of an answer; an error body or a missing part is a fault."""
        if not isinstance(raw, dict):
            raise self._fault(f"the answer is {type(raw).__name__}, expected a JSON object")
        error = _error_message(raw)
        if error is not None:
            raise self._fault(f"the bot answered with an error: {shorten(repr(error))}")
        choices = raw.get("choices")
        if not isinstance(choices, list) or not choices:
            raise self._fault(f"the answer has no 'choices': {shorten(repr(raw))}")
        message = choices[0].get("message") if isinstance(choices[0], dict) else None
        if not isinstance(message, dict):
            raise self._fault(f"choices[0] has no 'message' object: {shorten(repr(choices[0]))}")
        return message

    def _tool_calls(self, message: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        """Each tool call's name and parsed arguments (a JSON object; empty means {})."""
        calls = message.get("tool_calls") or []
        if not isinstance(calls, list):
            raise self._fault(f"tool_calls must be a list, got {shorten(repr(calls))}")
        found = []
        for i, call in enumerate(calls):
            function = call.get("function") if isinstance(call, dict) else None
            name = function.get("name") if isinstance(function, dict) else None
            if not isinstance(function, dict) or not isinstance(name, str):
                raise self._fault(
                    f"tool_calls[{i}] needs a function name, got {shorten(repr(call))}"
                )
            text = function.get("arguments") or "{}"
            try:
                arguments = read_json(text) if isinstance(text, str) else text
            except ValueError:
                raise self._fault(
                    f"the arguments of tool call {name!r} are not JSON: {shorten(repr(text))}"
                ) from None
            if not isinstance(arguments, dict):
                raise self._fault(
                    f"the arguments of tool call {name!r} must be a JSON object, "
                    f"got {shorten(repr(arguments))}"
                )
            found.append((name, arguments))
        return found


class _Assembly:
    """A streamed answer put back together: content pieces in order, tool calls by index,
    each call's id, name and arguments concatenated from their pieces (as OpenAI's own
    client does)."""

    def __init__(self) -> None:
        self.content: list[str] = []
        self.calls: dict[int, dict[str, Any]] = {}
        self.finish_reason: Any = None

    def add(self, chunk: dict[str, Any]) -> None:
        choices = chunk.get("choices")
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
            return  # e.g. a last chunk carrying only `usage`
        self.finish_reason = choices[0].get("finish_reason") or self.finish_reason
        delta = choices[0].get("delta")
        if not isinstance(delta, dict):
            return
        if isinstance(delta.get("content"), str):
            self.content.append(delta["content"])
        pieces = delta.get("tool_calls") or []
        for position, piece in enumerate(pieces if isinstance(pieces, list) else []):
            if isinstance(piece, dict):
                self._add_call(piece, position)

    def _add_call(self, piece: dict[str, Any], position: int) -> None:
        index = piece.get("index")
        call = self.calls.setdefault(
            index if isinstance(index, int) else position,
            {"id": "", "type": "function", "function": {"name": "", "arguments": ""}},
        )
        call["id"] += _text(piece.get("id"))
        function = piece.get("function")
        if isinstance(function, dict):
            call["function"]["name"] += _text(function.get("name"))
            call["function"]["arguments"] += _text(function.get("arguments"))

    def completion(self) -> dict[str, Any]:
        message: dict[str, Any] = {
            "role": "assistant",
            "content": "".join(self.content) if self.content else None,
        }
        if self.calls:
            message["tool_calls"] = [self.calls[i] for i in sorted(self.calls)]
        choice = {"index": 0, "message": message, "finish_reason": self.finish_reason}
        return {"object": "chat.completion", "choices": [choice]}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _answered(raw: dict[str, Any]) -> list[dict[str, Any]]:
    """The history's record of one answer: the assistant message, then a `tool` result for
    each of its tool calls, as the API requires before the next user message."""
    message = raw["choices"][0]["message"]
    calls = message.get("tool_calls") or []
    kept: dict[str, Any] = {"role": "assistant", "content": message.get("content")}
    if calls:
        kept["tool_calls"] = calls
    results = [
        {"role": "tool", "tool_call_id": call.get("id", ""), "content": TOOL_RESULT}
        for call in calls
    ]
    return [kept, *results]


def _error_message(body: Any) -> str | None:
    """The message of an OpenAI error body (`{"error": {"message": …}}`), if it is one."""
    if isinstance(body, bytes):
        try:
            body = read_json(body)
        except ValueError:
            return None
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return str(error["message"])
    if isinstance(error, str):
        return error
    return None
