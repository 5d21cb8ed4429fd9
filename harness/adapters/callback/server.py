"""The harness's server for a callback endpoint's calls, on 127.0.0.1.

One per adapter, on the adapter's loop: `POST /desk` takes the bot's handoff calls, `POST
/webhook` its replies. Each call is redacted of the file's secrets, checked to name an open
conversation, and put in that conversation's mailbox for the adapter to read.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from harness.adapters.base import read_json
from harness.adapters.paths import extract
from harness.errors import AdapterError, shorten

if TYPE_CHECKING:
    from aiohttp import web

    from harness.adapters.callback.config import CallbackEndpoint

HOST = "127.0.0.1"  # the bot under test calls us on this machine only


@dataclass(frozen=True, slots=True)
class Call:
    """One call of the bot: when it came (perf_counter) and its redacted JSON body."""

    at: float
    body: Any
    ticket: str = ""


@dataclass(slots=True)
class Mailbox:
    """The calls for one open conversation that no turn has read yet."""

    desk: list[Call] = field(default_factory=list)
    replies: list[Call] = field(default_factory=list)
    news: asyncio.Event = field(default_factory=asyncio.Event)  # set at each call

    async def wait(self, until: float) -> None:
        """Until the next call, or `until` (perf_counter) if none comes first."""
        self.news.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.news.wait(), max(0.0, until - time.perf_counter()))


class CallbackServer:
    """The harness's server for one adapter's callbacks, on 127.0.0.1, on the adapter's loop."""

    def __init__(
        self, config: CallbackEndpoint, *, redact: Callable[[Any], Any], max_bytes: int
    ) -> None:
        self.config = config
        self.url = ""  # http://127.0.0.1:PORT, once listening
        self.mailboxes: dict[str, Mailbox] = {}  # conversation_id → calls, while open
        self._redact = redact  # a parsed body → the same with the adapter's secrets taken out
        self._max_bytes = max_bytes
        self._tickets = itertools.count(1)
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Listen; a port that is taken is an AdapterError naming it."""
        from aiohttp import web

        app = web.Application(client_max_size=self._max_bytes)  # a larger body: 413
        app.router.add_post("/desk", self._desk)
        app.router.add_post("/webhook", self._webhook)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, HOST, self.config.port).start()
        except OSError as exc:
            await runner.cleanup()
            raise AdapterError(
                self.config.url,
                f"cannot listen for the bot's calls on {HOST}:{self.config.port}: "
                f"{exc.strerror or exc}",
            ) from None
        self._runner = runner
        host, port = runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _desk(self, request: web.Request) -> web.Response:
        desk = self.config.desk
        if desk is None:
            return _plain(404, "this endpoint has no desk: section; the bot should not call it")
        found = await self._read(request, desk.conversation)
        if not isinstance(found, tuple):
            return found
        body, mailbox = found
        context = next(iter(extract(desk.context, body)), None)
        reason = next(iter(extract(desk.reason, body)), None)
        if context is not None and not isinstance(context, dict):
            return _plain(
                400, f"{desk.context} must be an object, got {shorten(json.dumps(context), 100)}"
            )
        if reason is not None and not isinstance(reason, str):
            return _plain(
                400, f"{desk.reason} must be a string, got {shorten(json.dumps(reason), 100)}"
            )
        ticket = f"desk-{next(self._tickets)}"
        mailbox.desk.append(Call(time.perf_counter(), body, ticket))
        mailbox.news.set()
        from aiohttp import web

        return web.json_response({"ticket": ticket}, status=202)

    async def _webhook(self, request: web.Request) -> web.Response:
        webhook = self.config.webhook
        if webhook is None:
            return _plain(404, "this endpoint has no webhook: section; the bot should not call it")
        found = await self._read(request, webhook.conversation)
        if not isinstance(found, tuple):
            return found
        body, mailbox = found
        mailbox.replies.append(Call(time.perf_counter(), body))
        mailbox.news.set()
        return _plain(202, "received")

    async def _read(self, request: web.Request, path: str) -> tuple[Any, Mailbox] | web.Response:
        """The call's JSON body and the mailbox of the conversation it names; else the
        answer that tells the bot what is wrong."""
        data = await request.read()
        try:
            body = self._redact(read_json(data))
        except ValueError:
            return _plain(400, "the body is not JSON")
        if not isinstance(body, dict):
            return _plain(
                400, f"the body must be a JSON object, got {shorten(json.dumps(body), 100)}"
            )
        named = next(iter(extract(path, body)), None)
        if not isinstance(named, str):
            return _plain(400, f"the body names no conversation at {path}")
        mailbox = self.mailboxes.get(named)
        if mailbox is None:
            return _plain(404, f"no conversation {named!r} is open here")
        return body, mailbox


def _plain(status: int, text: str) -> web.Response:
    from aiohttp import web

    return web.Response(status=status, text=text)
