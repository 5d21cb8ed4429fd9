"""Serve a native-protocol bot over WebSocket: `harness demo-bot serve --protocol websocket`.

The frame protocol is the WebSocket adapter's (see harness.adapters.websocket). Each native
request the client sends gets its answer pushed as several frames: every reply message in
a frame of its own, then one frame with the handoff, actions and end, and `turn_end: true`.
A reference bot thus exercises the adapter's gathering of several frames into one reply.
"""

from __future__ import annotations

import json
import weakref
from typing import TYPE_CHECKING, Any

from harness.bots.serve import BotFunction

if TYPE_CHECKING:  # aiohttp is imported when a server starts, not when the CLI does
    from aiohttp import web


def websocket_app(bot: BotFunction) -> web.Application:
    """WebSocket at `/`: a native request per text frame, the reply pushed frame by frame."""
    from aiohttp import WSCloseCode, WSMsgType, web

    sockets: weakref.WeakSet[web.WebSocketResponse] = weakref.WeakSet()

    async def talk(request: web.Request) -> web.StreamResponse:
        socket = web.WebSocketResponse()
        if not socket.can_prepare(request).ok:
            return not_here(request)
        await socket.prepare(request)
        sockets.add(socket)
        async for message in socket:
            if message.type is not WSMsgType.TEXT:
                await socket.close(code=WSCloseCode.UNSUPPORTED_DATA, message=b"text frames only")
                break
            problem = await _answer(socket, bot, message.data)
            if problem:  # a bad request or a crashing bot ends the session, as a real one would
                code = WSCloseCode.INTERNAL_ERROR if problem.startswith("the bot") else (
                    WSCloseCode.INVALID_TEXT)  # fmt: skip
                await socket.close(code=code, message=_reason(problem))
                break
        return socket

    async def going_away(app: web.Application) -> None:
        """Close open WebSockets when the server stops, rather than wait for their clients."""
        for socket in list(sockets):
            await socket.close(code=WSCloseCode.GOING_AWAY, message=b"server stopping")

    def not_here(request: web.Request) -> web.Response:
        """A plain HTTP request (say, --bot http://… for this server) is told what to use."""
        url = request.url.with_scheme("wss" if request.secure else "ws")
        return web.Response(status=426, text=f"this bot speaks WebSocket: use --bot {url}")

    async def post(request: web.Request) -> web.Response:
        return not_here(request)

    app = web.Application()
    app.router.add_get("/", talk)
    app.router.add_post("/", post)
    app.on_shutdown.append(going_away)
    return app


async def _answer(socket: web.WebSocketResponse, bot: BotFunction, data: str) -> str | None:
    """Push the bot's answer to one request; what went wrong, if anything."""
    try:
        request = json.loads(data)
    except ValueError:
        return "the request is not JSON"
    if not isinstance(request, dict):
        return "the request must be a JSON object"
    try:
        reply: Any = bot(request)
    except Exception as exc:
        return f"the bot raised {type(exc).__name__}: {exc}"
    if not isinstance(reply, dict):
        return f"the bot answered {type(reply).__name__}, not a dict"
    for message in reply.get("messages", []):
        await socket.send_json({"messages": [message]})
    await socket.send_json({
        "handoff": reply.get("handoff"), "actions": reply.get("actions", []),
        "end": reply.get("end", False), "turn_end": True,
    })  # fmt: skip
    return None


def _reason(text: str) -> bytes:
    """`text` as a close reason: at most 123 bytes of whole UTF-8 characters."""
    return text.encode()[:123].decode(errors="ignore").encode()
