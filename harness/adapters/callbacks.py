"""Bots that call the harness back: the desk endpoint and the inbound reply webhook.

Many bots hand a conversation over by calling a contact-centre API, not by saying so in a
reply; others answer asynchronously, by POSTing their reply to a URL they were given. For
them, `kind: callback` is `kind: http` (adapters.mapped) plus a small server of the
harness's own on 127.0.0.1, started with the first message and stopped by `shutdown()`:

    POST {desk_url}     the bot hands a conversation over: a JSON object naming the
                        conversation (`desk.conversation`, default $.conversation_id), with
                        the handoff's context ($.context) and reason ($.reason). Answer:
                        202 {"ticket": …}; 404 for a conversation that is not open here;
                        400 for a body that is not such an object.
    POST {webhook_url}  the bot's reply to a message, read with the file's `reply` paths;
                        the conversation is named as for the desk. Answer: 202, 404 or 400.

The bot learns both URLs from the `{desk_url}` and `{webhook_url}` placeholders of the
file's url, headers and body templates (or from a fixed `port` it is configured with).

A desk call becomes the `handoff` of a reply, so the checks judge it like any other: one
that arrives while a turn is in flight, or within `desk.wait` seconds after its reply,
belongs to that turn; one that arrives between turns, to the next. The reply's latency
runs to the later of the reply and the desk call, so the handoff is recorded when it came.

With `webhook:`, the message's POST is only acknowledged (any 2xx; a JSON answer is read
for `state`, anything else is ignored) and the turn's reply is every webhook call gathered
until one has `webhook.done`, or the bot is quiet for `webhook.quiet` seconds, or the
timeout ends it; only a turn with no call at all is a fault. Calls that come between turns
are read with the next turn's reply, as late replies. The latency runs to the last call.

Callbacks for the harness's conversations are the bot's to make: its bodies are redacted of
the file's secrets before they are recorded, and read no further than the size limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from harness.adapters.endpoint import PLACEHOLDERS, Endpoint, _checked_path
from harness.adapters.http import Request
from harness.adapters.mapped import EndpointAdapter
from harness.adapters.paths import extract, signals
from harness.errors import AdapterError

if TYPE_CHECKING:
    from aiohttp import web

    from harness.adapters.base import Adapter, Reply, Session

HOST = "127.0.0.1"  # the bot under test calls us on this machine only
DEFAULT_WAIT = 0.2  # seconds after a reply that a desk call still belongs to its turn
DEFAULT_QUIET = 0.5  # seconds without a webhook call that end a turn with no `done`


# -- the file -------------------------------------------------------------------------------


class Desk(BaseModel):
    """Where the bot's desk call names the conversation, and what it hands over."""

    model_config = ConfigDict(extra="forbid")

    conversation: str = Field(
        "$.conversation_id", description="Path to the conversation's id ({conversation_id})."
    )
    context: str = Field("$.context", description="Path to the handoff's context object.")
    reason: str = Field("$.reason", description="Path to the handoff's reason (a string).")
    wait: float = Field(
        DEFAULT_WAIT,
        ge=0,
        le=60,
        description="Seconds after a reply that a desk call still belongs to its turn. Every "
        "turn without a desk call waits this long: 0 for a bot that calls before it answers.",
    )

    _paths = field_validator("conversation", "context", "reason")(_checked_path)


class Webhook(BaseModel):
    """How the bot's replies come back: POSTed to {webhook_url}, read with `reply` paths."""

    model_config = ConfigDict(extra="forbid")

    conversation: str = Field(
        "$.conversation_id", description="Path to the conversation's id ({conversation_id})."
    )
    done: str | None = Field(
        None,
        description="Path whose presence in a call means the bot's turn is over (counted as "
        "for reply.handoff); without it a turn ends after `quiet` seconds without a call.",
    )
    quiet: float = Field(
        DEFAULT_QUIET, gt=0, le=60, description="Seconds without a call that end a turn."
    )

    _paths = field_validator("conversation", "done")(_checked_path)


class CallbackEndpoint(Endpoint):
    """An HTTP bot that calls the harness back: to hand over (desk), to reply (webhook)."""

    placeholders = (*PLACEHOLDERS, "desk_url", "webhook_url")

    kind: Literal["callback"] = Field(  # type: ignore[assignment]
        description="The transport; 'callback' (kind http, and the bot calls the harness back)."
    )
    port: int = Field(
        0,
        ge=0,
        le=65535,
        description="The port on 127.0.0.1 where the harness listens for the bot's calls; "
        "0 picks a free one, which the bot learns from {desk_url} and {webhook_url}.",
    )
    desk: Desk | None = Field(
        None, description="Serve {desk_url}: the bot hands conversations over by calling it."
    )
    webhook: Webhook | None = Field(
        None, description="Serve {webhook_url}: the bot POSTs its replies there, later."
    )

    @model_validator(mode="after")
    def _callbacks_used(self) -> CallbackEndpoint:
        if self.desk is None and self.webhook is None:
            raise ValueError("a callback endpoint needs desk:, webhook: or both; else use http")
        if self.webhook is not None and self.poll is not None:
            raise ValueError("webhook: and poll: are two ways to get a late reply; keep one")
        templates = json.dumps(self.model_dump(include={"url", "headers", "body", "start", "poll"}))
        for name, served in (("desk_url", self.desk), ("webhook_url", self.webhook)):
            if served is None and f"{{{name}}}" in templates:
                section = name.removesuffix("_url")
                raise ValueError(f"{{{name}}} is used but there is no {section}: section")
        return self

    def open(self, *, timeout: float) -> Adapter:
        return CallbackAdapter(self, timeout=timeout)


# -- the calls ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Call:
    """One call of the bot: when it came (perf_counter) and its redacted JSON body."""

    at: float
    body: Any
    ticket: str = ""


@dataclass(slots=True)
class _Mailbox:
    """The calls for one open conversation that no turn has read yet."""

    desk: list[_Call] = field(default_factory=list)
    replies: list[_Call] = field(default_factory=list)
    news: asyncio.Event = field(default_factory=asyncio.Event)  # set at each call

    async def wait(self, until: float) -> None:
        """Until the next call, or `until` (perf_counter) if none comes first."""
        self.news.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.news.wait(), max(0.0, until - time.perf_counter()))


class CallbackServer:
    """The harness's server for one adapter's callbacks, on 127.0.0.1, on the adapter's loop."""

    def __init__(
        self, config: CallbackEndpoint, *, redact: Callable[[bytes], bytes], max_bytes: int
    ) -> None:
        self.config = config
        self.url = ""  # http://127.0.0.1:PORT, once listening
        self.mailboxes: dict[str, _Mailbox] = {}  # conversation_id → calls, while open
        self._redact = redact  # bytes → bytes, the adapter's secrets taken out
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
            return _plain(400, f"{desk.context} must be an object, got {_short(context)}")
        if reason is not None and not isinstance(reason, str):
            return _plain(400, f"{desk.reason} must be a string, got {_short(reason)}")
        ticket = f"desk-{next(self._tickets)}"
        mailbox.desk.append(_Call(time.perf_counter(), body, ticket))
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
        mailbox.replies.append(_Call(time.perf_counter(), body))
        mailbox.news.set()
        return _plain(202, "received")

    async def _read(self, request: web.Request, path: str) -> tuple[Any, _Mailbox] | web.Response:
        """The call's JSON body and the mailbox of the conversation it names; else the
        answer that tells the bot what is wrong."""
        data = self._redact(await request.read())
        try:
            body = json.loads(data)
        except ValueError:
            return _plain(400, "the body is not JSON")
        if not isinstance(body, dict):
            return _plain(400, f"the body must be a JSON object, got {_short(body)}")
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


def _short(value: Any) -> str:
    text = json.dumps(value)
    return text[:100] + (" …" if len(text) > 100 else "")


# -- the adapter ----------------------------------------------------------------------------


class CallbackAdapter(EndpointAdapter):
    """The mapped HTTP adapter, with the bot's desk calls and webhook replies read in."""

    config: CallbackEndpoint

    def __init__(self, config: CallbackEndpoint, *, timeout: float) -> None:
        super().__init__(config, timeout=timeout)
        self.config = config
        self._server: CallbackServer | None = None
        self._starting = asyncio.Lock()

    def close(self, session: Session) -> None:
        super().close(session)
        if self._server is not None:  # later calls naming it get 404
            self._server.mailboxes.pop(session.conversation_id, None)

    async def _release(self) -> None:
        if self._server is not None:
            await self._server.stop()
            self._server = None
        await super()._release()

    async def _send(self, session: Session, text: str) -> Reply:
        server = await self._started()
        mailbox = server.mailboxes.setdefault(session.conversation_id, _Mailbox())
        started = time.perf_counter()
        reply = await super()._send(session, text)
        replied = started + (reply.latency or 0.0)
        if self.config.webhook is not None:
            replies, mailbox.replies = mailbox.replies, []
            reply.raw = [call.body for call in replies]
            replied = max(started, replies[-1].at)  # to the last call, not the quiet after it
        if self.config.desk is not None:
            calls = await self._desk_calls(mailbox, replied)
            reply.handoff = _handed_off(reply.handoff, calls, self.config.desk)
            replied = max([replied, *(call.at for call in calls)])
        reply.latency = replied - started
        return reply

    async def _started(self) -> CallbackServer:
        """The server, started at the first message, on the loop that sends it: once, however
        many conversations (`--concurrency`) send their first message together."""
        async with self._starting:
            if self._server is None:
                server = CallbackServer(
                    self.config, redact=self._secrets.redact_bytes, max_bytes=self.max_bytes
                )
                await server.start()
                self._server = server
        return self._server

    async def _answers(
        self, session: Session, text: str, state: dict[str, Any], answer: Any
    ) -> list[Any]:
        """The webhook calls of this turn (see the module's docstring), read by `_read`."""
        if self.config.webhook is None:
            return await super()._answers(session, text, state, answer)
        webhook = self.config.webhook
        assert self._server is not None
        mailbox = self._server.mailboxes[session.conversation_id]
        asked = time.perf_counter()  # late replies from before count, but do not end the turn
        deadline = asked + self.timeout
        while True:
            replies = mailbox.replies
            if webhook.done is not None and any(
                signals(v) for call in replies for v in extract(webhook.done, call.body)
            ):
                break
            quiet = max(asked, replies[-1].at) + webhook.quiet if replies else deadline
            until = min(deadline, quiet)
            if time.perf_counter() >= until:
                break
            await mailbox.wait(until)
        if not mailbox.replies:
            raise self._fault(
                f"the bot took the message but posted no reply to {self._server.url}/webhook "
                f"within the timeout of {self.timeout:g} s"
            )
        return [call.body for call in mailbox.replies]  # `_send` empties the mailbox

    async def _desk_calls(self, mailbox: _Mailbox, replied: float) -> list[_Call]:
        """The desk calls for this turn: those in already, else one within `desk.wait`."""
        assert self.config.desk is not None
        until = replied + self.config.desk.wait
        while not mailbox.desk and time.perf_counter() < until:
            await mailbox.wait(until)
        calls, mailbox.desk = mailbox.desk, []
        return calls

    async def _fetch(
        self, session: Session, request: Request, method: str, url: str
    ) -> tuple[int, str, bytes]:
        """With a webhook, an answer that is not JSON is an acknowledgement with nothing to
        read: the reply comes to the webhook."""
        status, reason, body = await super()._fetch(session, request, method, url)
        if self.config.webhook is not None and 200 <= status < 300 and not _is_json(body):
            body = b"null"
        return status, reason, body

    def _placeholders(self, session: Session, text: str, state: dict[str, Any]) -> dict[str, Any]:
        values = super()._placeholders(session, text, state)
        assert self._server is not None
        if self.config.desk is not None:
            values["desk_url"] = f"{self._server.url}/desk"
        if self.config.webhook is not None:
            values["webhook_url"] = f"{self._server.url}/webhook"
        return values


def _handed_off(
    handoff: dict[str, Any] | None, calls: list[_Call], desk: Desk
) -> dict[str, Any] | None:
    """The reply's handoff with the desk calls merged in: their contexts over the reply's,
    the first reason given, and each call's ticket and body under `desk`."""
    if not calls:
        return handoff
    context = dict(handoff["context"]) if handoff else {}
    reasons = [handoff["reason"]] if handoff else []
    for call in calls:
        context.update(next(iter(extract(desk.context, call.body)), None) or {})
        reasons.extend(extract(desk.reason, call.body))
    return {
        "reason": next((r for r in reasons if r), ""),
        "context": context,
        "desk": [{"ticket": call.ticket, "call": call.body} for call in calls],
    }


def _is_json(body: bytes) -> bool:
    try:
        json.loads(body)
    except ValueError:
        return False
    return True
