"""The adapter for `kind: http` endpoint files: the HTTP adapter, its JSON mapped.

Per customer message it may make several requests, as the endpoint file says: a `start`
POST before a channel session's first message, the message's POST, and `poll` GETs until
the bot's answer is in. Each is tried again on the faults `retry` names. Every answer is
read for `state`, kept per channel session and sent back in later requests. The reply is
read from the message's answer, or, when polling, from every poll answer that brought
something. Transport, cookies and the size limit are those of adapters.http.
"""

from __future__ import annotations

import asyncio
import errno
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import aiohttp
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from harness.adapters.base import UnreadableJson, read_json
from harness.adapters.http.client import (
    DEFAULT_MAX_BYTES,
    HttpAdapter,
    Request,
    _cannot_connect,
    _looks_like,
    _plain,
    quoted_body,
)
from harness.adapters.paths import extract, signals
from harness.adapters.secrets import Secrets
from harness.adapters.templates import ABSENT, PLACEHOLDER, as_text, fill, values
from harness.errors import AdapterError, shorten
from harness.model.protocol import Reply, Session

if TYPE_CHECKING:
    from harness.adapters.http.config import Endpoint, Retry


class _Failed(Exception):
    """One request failed; `why` is what `retry.when` matches (a status, 'timeout', 'refused')."""

    def __init__(self, why: int | str | None, cause: str) -> None:
        super().__init__(cause)
        self.why = why
        self.cause = cause


class EndpointAdapter(HttpAdapter):
    """The HTTP adapter with requests built and answers read as an endpoint file says."""

    def __init__(self, config: Endpoint, *, timeout: float, max_bytes: int = DEFAULT_MAX_BYTES):
        super().__init__(config.url, timeout=config.timeout or timeout, max_bytes=max_bytes)
        self.config = config
        self._secrets = Secrets()
        self._states: dict[str, dict[str, Any]] = {}  # conversation_id → state, once started

    def close(self, session: Session) -> None:
        super().close(session)
        self._states.pop(session.conversation_id, None)

    async def _send(self, session: Session, text: str) -> Reply:
        if self._client is None:  # made here: a ClientSession belongs to the running loop
            self._client = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                cookie_jar=aiohttp.DummyCookieJar(),  # cookies are kept per session
            )
        started = time.perf_counter()
        state = self._states.get(session.conversation_id)
        if state is None:
            state = {}
            if self.config.start is not None:
                start = self.config.start
                answer = await self._call(session, "POST", start.url, start.body, text, state)
                self._remember(state, answer)
            self._states[session.conversation_id] = state
        answer = await self._call(session, "POST", self.config.url, self.config.body, text, state)
        self._remember(state, answer)
        answers = await self._answers(session, text, state, answer)
        reply = self._read(answers)
        reply.raw = answer if self.config.poll is None else answers
        reply.latency = time.perf_counter() - started
        return reply

    async def _answers(
        self, session: Session, text: str, state: dict[str, Any], answer: Any
    ) -> list[Any]:
        """The answers the reply is read from: the message's own, or the poll answers.
        A hook: adapters.callbacks reads its webhook instead."""
        if self.config.poll is None:
            return [answer]
        return await self._poll(session, text, state)

    def _remember(self, state: dict[str, Any], answer: Any) -> None:
        for name, path in self.config.state.items():
            found = extract(path, answer)
            if found:
                state[name] = found[-1]

    async def _poll(self, session: Session, text: str, state: dict[str, Any]) -> list[Any]:
        """GET the poll URL until the bot's turn is over: `done` is present, or (without
        `done`) a GET brings nothing after one that did; up to the timeout."""
        assert self.config.poll is not None
        poll = self.config.poll
        deadline = time.perf_counter() + self.timeout
        answers: list[Any] = []
        polls = 0
        while True:
            answer = await self._call(session, "GET", poll.url, None, text, state)
            polls += 1
            self._remember(state, answer)
            news = self._says_something(answer)
            if news:
                answers.append(answer)
            if poll.done is not None:
                if any(signals(v) for v in extract(poll.done, answer)):
                    return answers
            elif answers and not news:
                return answers  # gone quiet
            if time.perf_counter() + poll.interval > deadline:
                if answers:
                    return answers
                raise self._fault(
                    f"no answer within the timeout of {self.timeout:g} s (polled {polls} times)"
                )
            await asyncio.sleep(poll.interval)

    def _says_something(self, answer: Any) -> bool:
        mapping = self.config.reply
        paths = (mapping.messages, mapping.handoff, mapping.actions, mapping.end)
        return any(extract(path, answer) for path in paths if path is not None)

    # -- requests --------------------------------------------------------------------------

    async def _call(
        self, session: Session, method: str, url: str, body: Any, text: str, state: dict[str, Any]
    ) -> Any:
        """One request, tried again as `retry` says; its parsed JSON answer. A fault of any
        request but the message's own POST names its method and URL."""
        values = self._placeholders(session, text, state)
        filled_url = PLACEHOLDER.sub(lambda m: quote(as_text(values.get(m[1], "")), safe=""), url)
        headers = {}
        for name, template in self.config.headers.items():
            value = fill(template, values)
            if value is not ABSENT:
                headers[name] = self._secrets.fill(as_text(value), self._fault)
        filled = None if body is None else fill(body, values)
        request = Request(None if filled is ABSENT else filled, headers)
        retry = self.config.retry
        if retry is None:  # one try: no retry machinery, which costs more than the request
            try:
                return await self._once(session, method, filled_url, request)
            except _Failed as failed:
                raise self._failed(failed, 1, url, method, filled_url) from None
        tries = AsyncRetrying(
            stop=stop_after_attempt(retry.attempts),
            wait=_wait(retry, request),
            retry=retry_if_exception(lambda e: isinstance(e, _Failed) and e.why in retry.when),
            reraise=True,
        )
        try:
            return await tries(self._once, session, method, filled_url, request)
        except _Failed as failed:
            attempts = tries.statistics.get("attempt_number", 1)
            raise self._failed(failed, attempts, url, method, filled_url) from None

    def _failed(
        self, failed: _Failed, attempts: int, url: str, method: str, filled_url: str
    ) -> AdapterError:
        """The fault of a request that failed `attempts` times; but for the message's own
        POST it names its method and URL."""
        said = f" (after {attempts} attempts)" if attempts > 1 else ""
        which = "" if url == self.config.url else f"{method} {filled_url}: "
        return self._fault(f"{which}{failed.cause}{said}")

    def _placeholders(self, session: Session, text: str, state: dict[str, Any]) -> dict[str, Any]:
        """The placeholders' values in one request. A hook: adapters.callbacks adds its URLs."""
        return values(session, text, state)

    async def _once(self, session: Session, method: str, url: str, request: Request) -> Any:
        try:
            status, reason, body = await self._fetch(session, request, method, url)
        except TimeoutError:
            raise _Failed(
                "timeout", f"no answer within the timeout of {self.timeout:g} s"
            ) from None
        except aiohttp.ClientConnectorError as exc:
            refused = exc.os_error.errno == errno.ECONNREFUSED
            raise _Failed("refused" if refused else None, _cannot_connect(exc)) from None
        except (aiohttp.ClientError, OSError) as exc:
            raise _Failed(None, f"the request failed: {_plain(exc)}") from None
        if not 200 <= status < 300:
            raise _Failed(status, f"HTTP {status} {reason}: {quoted_body(body)}")
        try:
            return self._secrets.redact_value(read_json(body))
        except UnreadableJson as exc:
            raise _Failed(None, f"the answer {exc}") from None
        except ValueError:  # also a body that is not UTF-8
            raise _Failed(None, f"the answer is not JSON but {_looks_like(body)}") from None

    async def _fetch(
        self, session: Session, request: Request, method: str, url: str
    ) -> tuple[int, str, bytes]:
        """HttpAdapter's request, with any secret the reason echoes redacted (the body is
        redacted once parsed, value by value; a fault quoting it is redacted as text)."""
        status, reason, body = await super()._fetch(session, request, method, url)
        return status, self._secrets.redact(reason), body

    def _fault(self, cause: str) -> AdapterError:
        return AdapterError(self.endpoint, self._secrets.redact(cause))

    # -- answers ---------------------------------------------------------------------------

    def _read(self, answers: list[Any]) -> Reply:
        """The Reply in the answers (one, or the poll answers that brought something)."""
        mapping = self.config.reply

        def found(path: str | None) -> list[Any]:
            return [] if path is None else [v for a in answers for v in extract(path, a)]

        texts = found(mapping.messages)  # none is a bot that said nothing this turn
        if not all(isinstance(t, str) for t in texts):
            raise self._fault(f"{mapping.messages} must give strings, got {shorten(repr(texts))}")
        actions = [a for v in found(mapping.actions) for a in (v if isinstance(v, list) else [v])]
        if not all(isinstance(a, str) for a in actions):
            raise self._fault(f"{mapping.actions} must give strings, got {shorten(repr(actions))}")
        return Reply(
            messages=tuple(texts),
            handoff=self._handoff([v for v in found(mapping.handoff) if signals(v)], found),
            actions=tuple(actions),
            end=any(signals(v) for v in found(mapping.end)),
            intent=next((v for v in found(mapping.intent) if isinstance(v, str) and v), None),
        )

    def _handoff(self, signal: list[Any], found: Any) -> dict[str, Any] | None:
        if not signal:
            return None
        path = self.config.reply.handoff_context
        context = next(iter(found(path)), None) or {}
        if not isinstance(context, dict):
            raise self._fault(f"{path} must be an object, got {shorten(repr(context))}")
        reasons = found(self.config.reply.handoff_reason) + signal
        reason = next((r for r in reasons if isinstance(r, str)), "")
        return {"reason": reason, "context": context}


MAX_RETRY_AFTER = 60.0  # seconds: a longer Retry-After is capped (the timeout still rules)


def _wait(retry: Retry, request: Request) -> Callable[[RetryCallState], float]:
    """Between tries: what the bot's Retry-After asks, else exponential backoff from
    `retry.backoff` with jitter, so that many conversations do not retry in step."""
    backoff = wait_exponential_jitter(multiplier=retry.backoff, jitter=retry.backoff)

    def wait(state: RetryCallState) -> float:
        asked = _seconds(request.answered.pop("Retry-After", None))
        return asked if asked is not None else backoff(state)

    return wait


def _seconds(retry_after: str | None) -> float | None:
    """A Retry-After value (seconds, or an HTTP date) as seconds from now, capped."""
    if retry_after is None:
        return None
    try:
        seconds = float(retry_after)
    except ValueError:
        try:
            when = parsedate_to_datetime(retry_after)
        except (TypeError, ValueError):
            return None
        seconds = (when - datetime.now(UTC)).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)
