"""The `openai` demo protocol: a native bot behind an OpenAI-compatible chat completions API.

`harness demo-bot serve --protocol openai` serves a reference bot at
`POST /v1/chat/completions`, so that the `openai` endpoint kind (adapters.openai) can be
tried and tested end to end. The server turns each request into a native request: the text
is the last `user` message; `metadata` gives conversation_id, customer_id, channel and
contact (without it: `user` as the customer, one chat session per customer).

The native reply comes back as one assistant message:
- its texts joined by a blank line into `content` (null when there are none), so that they
  stay separable (split on blank lines), as a chat window would show them;
- its actions as tool calls by name, with `{}` arguments;
- its handoff as a `transfer_to_human` tool call whose arguments are the handoff context plus
  its `reason`.
The native `end` has no counterpart here and is dropped (no reference bot sets it).

With `"stream": true` the answer is sent as server-sent events, the content in several
pieces and each tool call's arguments split across chunks, as real servers send them, then
`data: [DONE]`. A request that is not JSON or has no messages gets an OpenAI-style
400 error; a bot that raises, a 500.
"""

from __future__ import annotations

import itertools
import json
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aiohttp import web

    from harness.bots.serve import BotFunction

PATH = "/v1/chat/completions"
HANDOFF_TOOL = "transfer_to_human"
PIECES = 3  # a streamed content or arguments string is sent in about this many chunks


def openai_app(bot: BotFunction) -> web.Application:
    """OpenAI chat completions: POST /v1/chat/completions, optionally streamed (SSE)."""
    from aiohttp import web

    ids = itertools.count(1)

    async def answer(request: web.Request) -> web.StreamResponse:
        try:
            body = await request.json()
        except ValueError:
            return _error(400, "the request body is not JSON")
        native = _native_request(body)
        if isinstance(native, str):
            return _error(400, native)
        try:
            reply = bot(native)
        except Exception as exc:  # a crashing bot answers 500, as a real one would
            return _error(500, f"{type(exc).__name__}: {exc}", kind="server_error")
        message = _message(reply, ids)
        completion_id = f"chatcmpl-{next(ids)}"
        if body.get("stream") is True:
            return await _stream(request, message, completion_id, str(body.get("model", "")))
        return web.json_response(_completion(message, completion_id, str(body.get("model", ""))))

    app = web.Application()
    app.router.add_post(PATH, answer)
    return app


def _native_request(body: Any) -> dict[str, Any] | str:
    """The native request in a chat completions request, or what is wrong with it."""
    if not isinstance(body, dict):
        return "the request must be a JSON object"
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "'messages' must be a non-empty list"
    said = [m for m in messages if isinstance(m, dict) and m.get("role") == "user"]
    if not said:
        return "'messages' holds no message with role 'user'"
    given = body.get("metadata")
    metadata: dict[str, Any] = given if isinstance(given, dict) else {}
    customer = str(metadata.get("customer_id") or body.get("user") or "anonymous")
    try:
        contact = int(metadata.get("contact", 1))
    except (TypeError, ValueError):
        return f"metadata.contact must be a number, got {metadata['contact']!r}"
    return {
        "conversation_id": str(metadata.get("conversation_id") or customer),
        "customer_id": customer,
        "channel": str(metadata.get("channel") or "chat"),
        "contact": contact,
        "text": _text(said[-1].get("content")),
    }


def _text(content: Any) -> str:
    """A message's text: a string, or the text parts of a list of content parts."""
    if isinstance(content, list):
        parts = [p.get("text") for p in content if isinstance(p, dict)]
        return "\n".join(p for p in parts if isinstance(p, str))
    return content if isinstance(content, str) else ""


def _message(reply: dict[str, Any], ids: itertools.count[int]) -> dict[str, Any]:
    """The assistant message for a native reply."""
    texts = [m["text"] for m in reply.get("messages") or []]
    calls = [_call(name, {}, ids) for name in reply.get("actions") or []]
    handoff = reply.get("handoff")
    if handoff:
        arguments = {**(handoff.get("context") or {}), "reason": handoff.get("reason", "")}
        calls.append(_call(HANDOFF_TOOL, arguments, ids))
    message: dict[str, Any] = {"role": "assistant", "content": "\n\n".join(texts) or None}
    if calls:
        message["tool_calls"] = calls
    return message


def _call(name: str, arguments: dict[str, Any], ids: itertools.count[int]) -> dict[str, Any]:
    return {
        "id": f"call_{next(ids)}",
        "type": "function",
        "function": {"name": name, "arguments": json.dumps(arguments)},
    }


def _completion(message: dict[str, Any], completion_id: str, model: str) -> dict[str, Any]:
    finish = "tool_calls" if message.get("tool_calls") else "stop"
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
    }


async def _stream(
    request: web.Request, message: dict[str, Any], completion_id: str, model: str
) -> web.StreamResponse:
    from aiohttp import web

    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await response.prepare(request)
    head = {"id": completion_id, "object": "chat.completion.chunk",
            "created": int(time.time()), "model": model}  # fmt: skip
    for delta, finish in _deltas(message):
        chunk = {**head, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
        await response.write(f"data: {json.dumps(chunk)}\n\n".encode())
    await response.write(b"data: [DONE]\n\n")
    await response.write_eof()
    return response


def _deltas(message: dict[str, Any]) -> list[tuple[dict[str, Any], str | None]]:
    """The chunks of a streamed message: its role, its content in pieces, each tool call
    (id and name first, then its arguments in pieces), then the finish reason."""
    deltas: list[tuple[dict[str, Any], str | None]] = [({"role": "assistant"}, None)]
    deltas += [({"content": piece}, None) for piece in _pieces(message["content"] or "")]
    for index, call in enumerate(message.get("tool_calls", [])):
        opening = {"index": index, "id": call["id"], "type": "function",
                   "function": {"name": call["function"]["name"], "arguments": ""}}  # fmt: skip
        deltas.append(({"tool_calls": [opening]}, None))
        for piece in _pieces(call["function"]["arguments"]):
            deltas.append(
                ({"tool_calls": [{"index": index, "function": {"arguments": piece}}]}, None)
            )
    deltas.append(({}, "tool_calls" if message.get("tool_calls") else "stop"))
    return deltas


def _pieces(text: str) -> list[str]:
    size = max(1, -(-len(text) // PIECES))
    return [text[i : i + size] for i in range(0, len(text), size)]


def _error(status: int, message: str, *, kind: str = "invalid_request_error") -> web.Response:
    from aiohttp import web

    error = {"message": message, "type": kind, "param": None, "code": None}
    return web.json_response({"error": error}, status=status)
