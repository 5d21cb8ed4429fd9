"""Serve a native-protocol bot over HTTP: `harness demo-bot serve` and tests use it.

The bot (a callable, dict in and dict out, such as a reference bot) answers POSTs of native
requests at `/`. The server listens on 127.0.0.1 only: it is a test fixture, not a service,
and a reference bot should never be reachable from another machine. It runs on an event
loop of its own thread, so that a test can serve a bot and run the harness against it in
one process.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from harness._loop import LoopThread
from harness.errors import ConfigError

if TYPE_CHECKING:  # aiohttp is imported when a server starts, not when the CLI does
    from aiohttp import web

HOST = "127.0.0.1"

BotFunction = Callable[[dict[str, Any]], Any]

# protocol → "module:factory"; a factory takes a native bot function and returns the
# aiohttp Application that speaks the protocol, and has a one-line docstring.
PROTOCOLS: dict[str, str] = {
    "native": "harness.serve:native_app",
    "rasa": "harness.platforms:rasa_app",
    "botframework": "harness.platforms:botframework_app",
    "dialogflow": "harness.platforms:dialogflow_app",
}


def protocol_app(protocol: str, bot: BotFunction) -> web.Application:
    """The application serving `bot` in `protocol` (a key of PROTOCOLS)."""
    module, _, name = PROTOCOLS[protocol].partition(":")
    factory: Callable[[BotFunction], web.Application] = getattr(
        importlib.import_module(module), name
    )
    return factory(bot)


def native_app(bot: BotFunction) -> web.Application:
    """The native protocol: POST a native request (JSON) to `/`, get a native response."""
    from aiohttp import web

    async def answer(request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            return web.json_response({"error": "the request body is not JSON"}, status=400)
        if not isinstance(body, dict):
            return web.json_response({"error": "the request must be a JSON object"}, status=400)
        try:
            reply = bot(body)
        except Exception as exc:  # a crashing bot answers 500, as a real one would
            return web.json_response({"error": f"{type(exc).__name__}: {exc}"}, status=500)
        return web.json_response(reply)

    app = web.Application()
    app.router.add_post("/", answer)
    return app


@contextmanager
def serving(app: web.Application, port: int = 0) -> Iterator[str]:
    """Serve `app` on 127.0.0.1:`port` (0: a free port) while the block runs; yields its URL."""
    from aiohttp import web

    loop = LoopThread(f"harness-serve {port}")
    runner = web.AppRunner(app, access_log=None)
    try:
        loop.run(runner.setup())
        try:
            loop.run(web.TCPSite(runner, HOST, port).start())
        except OSError as exc:
            raise ConfigError([f"cannot listen on {HOST}:{port}: {exc.strerror or exc}"]) from None
        host, bound = runner.addresses[0][:2]
        yield f"http://{host}:{bound}/"
    finally:
        loop.run(runner.cleanup())
        loop.stop()
