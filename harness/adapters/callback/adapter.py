"""The adapter for kind callback: the mapped HTTP adapter, with the bot's handoff calls and
webhook replies read in (the protocol: adapters.callback)."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from harness.adapters.base import read_json
from harness.adapters.callback.server import Call, CallbackServer, Mailbox
from harness.adapters.http.client import Request
from harness.adapters.http.mapped import EndpointAdapter
from harness.adapters.paths import extract, signals

if TYPE_CHECKING:
    from harness.adapters.callback.config import CallbackEndpoint, HandoffCall
    from harness.model.protocol import Reply, Session


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
        mailbox = server.mailboxes.setdefault(session.conversation_id, Mailbox())
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
                    self.config, redact=self._secrets.redact_value, max_bytes=self.max_bytes
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

    async def _desk_calls(self, mailbox: Mailbox, replied: float) -> list[Call]:
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
    handoff: dict[str, Any] | None, calls: list[Call], desk: HandoffCall
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
        read_json(body)
    except ValueError:
        return False
    return True
