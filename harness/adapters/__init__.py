"""Adapters: how the harness reaches a bot. `open_bot(spec)` turns a --bot value into one.

Forms of `spec`:
    demo:NAME          a reference bot (demo:careful, demo:deflector, …)
    package.module:attr   a Python callable speaking the native protocol (dict in, dict out);
                       a class is instantiated once per run; a module in the current
                       folder is found too, as `python -m` finds it
    http(s)://…        a bot speaking the native protocol over HTTP POST (adapters.http)
    ws(s)://…          a bot pushing native frames over a WebSocket (adapters.websocket)
    path/to/bot.yaml   an endpoint file (adapters.endpoint), by its `kind`: http (any HTTP
                       bot, its JSON mapped), websocket (adapters.websocket), subprocess
                       (a program speaking JSON lines, adapters.process), openai (an
                       OpenAI-compatible chat API, adapters.openai) or callback (a bot
                       that calls the harness's desk or webhook, adapters.callbacks)
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from types import ModuleType
from urllib.parse import urlsplit

from harness.adapters.base import Adapter, native_reply, native_request
from harness.adapters.inprocess import InProcessAdapter
from harness.errors import ConfigError, did_you_mean
from harness.model.protocol import Reply, Session

# The forms of a --bot value other than demo:NAME, as `harness run --help` lists them.
BOT_FORMS = (
    "package.module:attr  your own bot: a callable taking and returning native-protocol dicts",
    "http://HOST:PORT/    your bot over HTTP: POST native-protocol JSON (--timeout applies)",
    "ws://HOST:PORT/      your bot over a WebSocket: native requests, pushed native frames",
    "path/to/bot.yaml     an endpoint file (kind http, websocket, subprocess, openai, callback)",
)

__all__ = [
    "BOT_FORMS",
    "Adapter",
    "InProcessAdapter",
    "Reply",
    "Session",
    "native_reply",
    "native_request",
    "open_bot",
]


def open_bot(spec: str, *, timeout: float = 10.0) -> Adapter:
    """An adapter for a --bot value; a bad value is a ConfigError that says how to fix it.

    `timeout` is the seconds a network bot has to answer one message.
    """
    if spec.startswith(("http://", "https://", "ws://", "wss://")):
        try:
            url = urlsplit(spec)
            url.port  # noqa: B018 (reading it validates it)
        except ValueError as exc:
            raise ConfigError([f"--bot: {spec!r} is not a valid URL: {exc}"]) from None
        if not url.hostname:
            example = f"{url.scheme}://127.0.0.1:8080/"
            raise ConfigError([f"--bot: {spec!r} has no host; e.g. {example}"])
        if not timeout > 0:
            raise ConfigError([f"--timeout expects seconds above 0, got {timeout}"])
        if url.scheme in ("ws", "wss"):
            from harness.adapters.websocket import WebSocketAdapter

            return WebSocketAdapter(spec, timeout=timeout)
        from harness.adapters.http.client import HttpAdapter  # aiohttp is loaded only when needed

        return HttpAdapter(spec, timeout=timeout)
    if spec.endswith((".yaml", ".yml")) and "://" not in spec:
        from harness.adapters.endpoint import load_endpoint

        adapter: Adapter = load_endpoint(Path(spec)).open(timeout=timeout)
        return adapter
    if "://" in spec:
        scheme = spec.partition("://")[0]
        did = did_you_mean(scheme, ["http", "https", "ws", "wss"], shown="{}://")
        raise ConfigError(
            [f"--bot: {scheme}:// URLs are not supported{did}; use http(s):// or ws(s)://"]
        )
    if spec.startswith("demo:"):
        from harness.bots import named, reference_bot

        return InProcessAdapter(reference_bot(named(spec)), spec)
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        usage = (
            "use demo:NAME, package.module:attr, http://HOST:PORT/PATH, ws://HOST:PORT/PATH "
            "or an endpoint file bot.yaml (`harness list bots`)"
        )
        raise ConfigError([f"--bot: {spec!r} is not a bot; {usage}"])
    try:
        module = _import(module_name)
    except ImportError as exc:
        raise ConfigError([f"--bot: cannot import {module_name!r} from the current folder or "
                           f"the Python path: {exc}"]) from None  # fmt: skip
    target = getattr(module, attr, None)
    if target is None:
        raise ConfigError([f"--bot: module {module_name!r} has no attribute {attr!r}"])
    if isinstance(target, type):
        target = target()
    if not callable(target):
        raise ConfigError([f"--bot: {spec} is not callable; it must take and return a dict"])
    return InProcessAdapter(target, spec)


def _import(module_name: str) -> ModuleType:
    """The module, found on the import path or else in the current folder: the `harness`
    command, unlike `python -m harness`, does not put the current folder on the path, and
    a bot module beside the scenarios is the common case."""
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        here = os.getcwd()
        if exc.name != module_name.partition(".")[0] or here in sys.path:
            raise
    sys.path.insert(0, here)
    return importlib.import_module(module_name)
