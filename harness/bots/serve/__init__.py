"""Serve a native-protocol bot over HTTP: `harness demo-bot serve` and tests use it.

The bot (a callable, dict in and dict out, such as a reference bot) answers POSTs of native
requests at `/`. The server listens on 127.0.0.1 only: it is a test fixture, not a service,
and a reference bot should never be reachable from another machine. It runs on an event
loop of its own thread, so that a test can serve a bot and run the harness against it in
one process.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from harness._loop import LoopThread
from harness.errors import ConfigError

if TYPE_CHECKING:  # aiohttp is imported when a server starts, not when the CLI does
    from aiohttp import web

HOST = "127.0.0.1"

BotFunction = Callable[[dict[str, Any]], Any]
# what `json_handler` wraps: the request's JSON object body and the request in, the answer out
JsonHandler = Callable[[dict[str, Any], "web.Request"], Awaitable[Any]]

# protocol → "module:factory"; a factory takes a native bot function and returns the
# aiohttp Application that speaks the protocol, and has a one-line docstring.
PROTOCOLS: dict[str, str] = {
    "native": "harness.bots.serve:native_app",
    "websocket": "harness.bots.serve.websocket:websocket_app",
    "openai": "harness.bots.serve.openai:openai_app",
    "rasa": "harness.bots.serve.platforms:rasa_app",
    "botframework": "harness.bots.serve.platforms:botframework_app",
    "dialogflow": "harness.bots.serve.platforms:dialogflow_app",
    "callback": "harness.bots.serve.callback:callback_app",
}

# protocol → how to run the harness against it; {url} is the served http://host:port/ and
# {address} its host:port. A protocol not named here is reached like the native one.
HOW_TO_RUN: dict[str, str] = {
    "native": "harness run --bot {url}",
    "websocket": "harness run --bot ws://{address}/",
    "openai": "harness run --bot bot.yaml, with bot.yaml holding\n"
    "  kind: openai\n  url: {url}v1\n  model: demo",
    "rasa": "RASA_URL=http://{address} harness run --bot examples/endpoints/rasa.yaml",
    "botframework": "DIRECTLINE_URL=http://{address} DIRECTLINE_SECRET=demo "
    "harness run --bot examples/endpoints/botframework.yaml",
    "dialogflow": "DIALOGFLOW_AGENT=http://{address}/v3/projects/p/locations/l/agents/a "
    "DIALOGFLOW_TOKEN=demo harness run --bot examples/endpoints/dialogflow-cx.yaml",
    "callback": "CALLBACK_BOT_URL={url} harness run --bot examples/endpoints/callback.yaml",
}


def how_to_run(protocol: str, url: str) -> str:
    """The command line (and any file) that runs the harness against a served protocol."""
    template = HOW_TO_RUN.get(protocol, HOW_TO_RUN["native"])
    return template.format(url=url, address=url.split("://", 1)[1].rstrip("/"))


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

    async def answer(body: dict[str, Any], request: web.Request) -> Any:
        return bot(body)

    app = web.Application()
    app.router.add_post("/", json_handler(answer))
    return app


def json_handler(
    handle: JsonHandler, *, bad_fields: tuple[type[Exception], ...] = ()
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """An aiohttp handler that answers with `handle`'s result as JSON; 400 when the body is
    not a JSON object or `handle` raises one of `bad_fields` (a field missing or of the
    wrong type), and 500 when it raises anything else but aiohttp's HTTP exceptions."""
    from aiohttp import web

    async def handler(request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            return web.json_response({"error": "the request body is not JSON"}, status=400)
        if not isinstance(body, dict):
            return web.json_response({"error": "the request must be a JSON object"}, status=400)
        try:
            return web.json_response(await handle(body, request))
        except bad_fields as exc:
            return web.json_response({"error": f"missing or bad field: {exc}"}, status=400)
        except web.HTTPException:
            raise
        except Exception as exc:  # a crashing bot answers 500, as a real one would
            return web.json_response({"error": f"{type(exc).__name__}: {exc}"}, status=500)

    return handler


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
