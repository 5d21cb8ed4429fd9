"""Serve a bot that calls back: `harness demo-bot serve --protocol callback`.

A bot that hands off through a contact-centre API and answers asynchronously, as the
`callback` endpoint kind expects (see harness.adapters.callback.adapter and
examples/endpoints/callback.yaml):

    POST /  a native request plus `desk_url` and `webhook_url` → 202 {"accepted": true}
            at once; then, when the bot hands off, POST {desk_url} {conversation_id,
            reason, context}, and after that POST {webhook_url} {conversation_id,
            messages, actions, end, done: true}.

The reply posted to the webhook never carries the handoff: the desk call is the only
structured sign of it, so a harness that missed the call would miss the handoff.
A request it cannot read gets 400 and a crashing bot 500, before anything is posted.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from harness.bots.serve import BotFunction

if TYPE_CHECKING:  # aiohttp is imported when a server starts, not when the CLI does
    from aiohttp import ClientSession, web

NATIVE = ("conversation_id", "customer_id", "channel", "contact", "text")
URLS = ("desk_url", "webhook_url")


def callback_app(bot: BotFunction) -> web.Application:
    """Callbacks: POST a native request with desk_url and webhook_url to `/`, answered later."""
    from aiohttp import ClientSession, ClientTimeout, web

    deliveries: set[asyncio.Task[None]] = set()
    client: list[ClientSession] = []  # made on startup: it belongs to the server's loop

    async def accept(request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            return web.Response(status=400, text="the request body is not JSON")
        missing = [key for key in (*NATIVE, *URLS) if not isinstance(body, dict) or key not in body]
        if missing:
            return web.Response(status=400, text="the request lacks " + ", ".join(missing))
        try:
            reply = bot({key: body[key] for key in NATIVE})
        except Exception as exc:  # a crashing bot answers 500, as a real one would
            return web.Response(status=500, text=f"{type(exc).__name__}: {exc}")
        task = asyncio.create_task(_deliver(client[0], body, reply))
        deliveries.add(task)
        task.add_done_callback(deliveries.discard)
        return web.json_response({"accepted": True}, status=202)

    async def calling(app: web.Application) -> AsyncIterator[None]:
        client.append(ClientSession(timeout=ClientTimeout(total=10)))
        yield
        for task in list(deliveries):  # the harness stopped listening: nothing to deliver
            task.cancel()
        await asyncio.gather(*deliveries, return_exceptions=True)
        await client.pop().close()

    app = web.Application()
    app.router.add_post("/", accept)
    app.cleanup_ctx.append(calling)
    return app


async def _deliver(client: ClientSession, request: dict[str, Any], reply: dict[str, Any]) -> None:
    """Call the desk if the bot hands off, then post the reply. A harness that has gone away
    is not the bot's problem: a failed call is dropped, as a real bot would log and go on."""
    from aiohttp import ClientError

    conversation_id = request["conversation_id"]
    handoff = reply.get("handoff")
    with contextlib.suppress(ClientError, OSError, TimeoutError):
        if handoff:
            call = {"conversation_id": conversation_id, **handoff}
            async with client.post(request["desk_url"], json=call) as answer:
                await answer.read()
        posted = {
            "conversation_id": conversation_id,
            "messages": reply.get("messages", []),
            "actions": reply.get("actions", []),
            "end": reply.get("end", False),
            "done": True,
        }
        async with client.post(request["webhook_url"], json=posted) as answer:
            await answer.read()
