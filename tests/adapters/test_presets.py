"""Presets for real bot platforms, and the endpoint-file features they need, against real
servers on 127.0.0.1.

Each preset in examples/endpoints/ drives the reference bots dressed as its platform
(harness.bots.serve.platforms) to the verdicts they get in process. Then each feature on its own:
path filters, placeholders in the URL, state the bot returns and gets back, retry,
a start request, and polling for answers that come later.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from harness_cli import REPO, free_port, harness, run_faulty, verdicts
from tenacity import RetryCallState

from harness import AdapterError, Pack, RunOptions, run
from harness.adapters import Adapter, Session, open_bot
from harness.adapters.http.client import Request
from harness.adapters.http.config import Retry
from harness.adapters.http.mapped import _wait
from harness.adapters.paths import extract, parse_path
from harness.bots import reference_bot
from harness.bots.serve import protocol_app, serving

PRESETS = {  # protocol → (preset, the variable its URL comes from, what follows the server)
    "rasa": ("rasa.yaml", "RASA_URL", ""),
    "botframework": ("botframework.yaml", "DIRECTLINE_URL", ""),
    "dialogflow": ("dialogflow-cx.yaml", "DIALOGFLOW_AGENT", "/v3/projects/p/locations/l/agents/a"),
}
SECRETS = {"DIRECTLINE_SECRET": "dl-secret-0123456789", "DIALOGFLOW_TOKEN": "ya29.token-0123456789"}


@pytest.fixture(scope="module")
def in_process(pack: Pack, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The whole pack's verdicts in process, per reference bot, computed once."""
    out = {}
    for name in ("careful", "deflector"):
        where = tmp_path_factory.mktemp(name)
        run(pack, RunOptions(bot=f"demo:{name}"), where)
        out[name] = verdicts(where / "results.json")
    return out


@pytest.mark.parametrize("name", ["careful", "deflector"])
@pytest.mark.parametrize("protocol", list(PRESETS))
def test_a_preset_gets_the_verdicts_the_bot_gets_in_process(
    in_process: dict[str, Any], tmp_path: Path, protocol: str, name: str
) -> None:
    preset, variable, suffix = PRESETS[protocol]
    with serving(protocol_app(protocol, reference_bot(name))) as url:  # a fresh bot
        env = {**os.environ, **SECRETS, variable: url.rstrip("/") + suffix}
        done = harness("run", "--bot", str(REPO / "examples" / "endpoints" / preset),
                       "--out", str(tmp_path / "out"), cwd=tmp_path, env=env)  # fmt: skip
    assert done.returncode == (0 if name == "careful" else 1), done.stdout + done.stderr
    expected = in_process[name]
    assert len(expected) >= 300  # the whole pack
    assert verdicts(tmp_path / "out" / "results.json") == expected
    for file in (tmp_path / "out").rglob("*"):
        if file.is_file():
            text = file.read_text(errors="replace")
            assert not any(secret in text for secret in SECRETS.values()), file


def test_a_preset_whose_url_variable_is_unset_is_a_file_line_error(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "RASA_URL"}
    preset = REPO / "examples" / "endpoints" / "rasa.yaml"
    done = harness("run", "--bot", str(preset), cwd=tmp_path, env=env)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    line = next(i for i, t in enumerate(preset.read_text().splitlines(), 1) if t.startswith("url:"))
    assert f"{preset}:{line}: url: environment variable RASA_URL is not set" in done.stderr


def _preset(protocol: str, url: str, monkeypatch: pytest.MonkeyPatch) -> Adapter:
    preset, variable, suffix = PRESETS[protocol]
    for name, value in {**SECRETS, variable: url.rstrip("/") + suffix}.items():
        monkeypatch.setenv(name, value)
    return open_bot(str(REPO / "examples" / "endpoints" / preset), timeout=5)


@pytest.mark.parametrize("protocol", list(PRESETS))
def test_each_preset_reads_the_handoff_and_its_context(
    protocol: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with serving(protocol_app(protocol, reference_bot("careful"))) as url:
        bot = _preset(protocol, url, monkeypatch)
        try:
            first = bot.send(SESSION, "What's my balance?")
            reply = bot.send(SESSION, "I want to speak to a human")
        finally:
            bot.shutdown()
    assert first.handoff is None and first.messages
    assert reply.handoff is not None and reply.messages
    assert reply.handoff["context"]["summary"].endswith("I want to speak to a human")
    if protocol == "rasa":  # the only one of the three whose convention carries a reason
        assert reply.handoff["reason"] == "the customer asked for a person"


def test_a_platform_that_fails_gives_verdict_error_and_the_run_goes_on(tmp_path: Path) -> None:
    async def down(request: web.Request) -> web.Response:
        return web.Response(status=500, text="Internal Server Error")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", down)
    with serving(app) as url:
        start = url.rstrip("/") + "/v3/directline/conversations"
        preset = REPO / "examples" / "endpoints" / "botframework.yaml"
        run_faulty(tmp_path, str(preset), endpoint=start + "/{state.conversationId}/activities",
                   cause=f"POST {start}: HTTP 500",
                   env={**SECRETS, "DIRECTLINE_URL": url.rstrip("/")})  # fmt: skip


# -- paths ---------------------------------------------------------------------------------

ACTIVITIES = {
    "activities": [
        {"type": "message", "from": {"role": "user"}, "text": "hi"},
        {
            "type": "message",
            "from": {"role": "bot"},
            "text": "hello",
            "inputHint": "expectingInput",
        },
        {"type": "event", "from": {"role": "bot"}, "name": "handoff.initiate", "value": {"k": 1}},
        {"type": "event", "from": {"role": "bot"}, "name": "other", "value": {"k": 2}},
        {"type": "message", "from": {"role": "bot"}, "text": "bye", "count": 2},
    ]
}


@pytest.mark.parametrize(
    ("path", "found"),
    [
        ("$.activities[?type=event].name", ["handoff.initiate", "other"]),
        ("$.activities[?name=handoff.initiate].value", [{"k": 1}]),
        ("$.activities[?from.role=bot][?type=message].text", ["hello", "bye"]),
        ("$.activities[?from.role=user].text", ["hi"]),
        ("$.activities[?count=2].text", ["bye"]),  # a number compares as its JSON
        ("$.activities[?type=typing]", []),
        ("$.activities[?nothing.here=x]", []),
        ("$.activities[-1].text", ["bye"]),
    ],
)
def test_filters(path: str, found: list[Any]) -> None:
    assert extract(path, ACTIVITIES) == found


@pytest.mark.parametrize("path", ["$.a[?]", "$.a[?=x]", "$.a[?b]", "$.a[?b=x"])
def test_bad_filters_are_refused(path: str) -> None:
    with pytest.raises(ValueError, match=r"\[\?key=value\]"):
        parse_path(path)


# -- one feature at a time, against a recording server --------------------------------------


class Recorder:
    """A server that records each request (method, path with query, headers, body) and
    answers with `answer(request_number, body)`, or a status when that returns an int."""

    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.seen: list[dict[str, Any]] = []

    def app(self) -> web.Application:
        async def handle(request: web.Request) -> web.StreamResponse:
            body = await request.json() if request.can_read_body else None
            self.seen.append({"method": request.method, "path": request.raw_path,
                              "headers": dict(request.headers), "body": body})  # fmt: skip
            out = self.answer(len(self.seen), body)
            if asyncio.iscoroutine(out):
                out = await out
            if isinstance(out, int):
                return web.Response(status=out, text="busy")
            if isinstance(out, web.Response):
                return out
            return web.json_response(out)

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", handle)
        return app


@pytest.fixture
def endpoint(tmp_path: Path) -> Iterator[Any]:
    """`endpoint(answer, yaml)`: serve a Recorder and open an adapter from the YAML, in
    which `{url}` is the server's address; the adapter is shut down afterwards."""
    opened: list[Adapter] = []
    with contextlib.ExitStack() as stack:

        def make(answer: Any, text: str) -> tuple[Adapter, Recorder]:
            recorder = Recorder(answer)
            url = stack.enter_context(serving(recorder.app())).rstrip("/")
            path = tmp_path / f"bot{len(opened)}.yaml"
            path.write_text(text.replace("{url}", url))
            opened.append(open_bot(str(path), timeout=2))
            return opened[-1], recorder

        try:
            yield make
        finally:
            for adapter in opened:
                adapter.shutdown()


SESSION = Session("conv/1: a b", "cust-1", "chat", 1)


def test_url_placeholders_are_url_quoted(endpoint: Any) -> None:
    bot, server = endpoint(
        lambda n, body: {"say": "ok"},
        """
kind: http
url: "{url}/sessions/{conversation_id}:detectIntent?who={customer_id}&n={contact}"
body: {q: "{text}"}
reply: {messages: $.say}
""",
    )
    assert bot.send(SESSION, "hi").messages == ("ok",)
    # "/" and " " are quoted; yarl leaves ":", which a path may hold, unquoted
    assert server.seen[0]["path"] == "/sessions/conv%2F1:%20a%20b:detectIntent?who=cust-1&n=1"


STATEFUL = """
kind: http
state: {token: $.session.token, step: $.step}
url: "{url}/chat?step={state.step}"
headers: {X-Session: "{state.token}", X-Tag: "t-{state.token}"}
body: {text: "{text}", session: "{state.token}", note: "step {state.step}", list: ["{state.step}"]}
reply: {messages: $.say}
"""


def _stateful(n: int, body: Any) -> dict[str, Any]:
    answer: dict[str, Any] = {"say": f"answer {n}", "step": n}
    if n == 1:
        answer["session"] = {"token": {"id": "abc"}}  # any JSON value; sent back as it is
    return answer


def test_state_is_sent_back_in_body_url_and_headers_and_is_absent_until_returned(
    endpoint: Any,
) -> None:
    bot, server = endpoint(_stateful, STATEFUL)
    bot.send(SESSION, "one")
    bot.send(SESSION, "two")
    bot.send(SESSION, "three")
    first, second, third = server.seen
    assert first["body"] == {"text": "one", "note": "step ", "list": []}  # absent: dropped or ""
    assert first["path"] == "/chat?step="
    assert "X-Session" not in first["headers"] and first["headers"]["X-Tag"] == "t-"
    assert second["body"] == {"text": "two", "session": {"id": "abc"}, "note": "step 1",
                              "list": [1]}  # fmt: skip
    assert second["path"] == "/chat?step=1"
    assert second["headers"]["X-Session"] == '{"id": "abc"}'
    assert third["body"]["session"] == {"id": "abc"}  # kept while the bot does not resend it
    assert third["body"]["note"] == "step 2"  # the latest value wins


def test_state_belongs_to_one_channel_session(endpoint: Any) -> None:
    bot, server = endpoint(_stateful, STATEFUL)
    bot.send(SESSION, "one")
    other = Session("conv-2", "cust-2", "chat", 1)
    bot.send(other, "hello")
    assert "session" not in server.seen[1]["body"]
    bot.close(SESSION)
    bot.send(SESSION, "again")  # a closed session starts afresh
    assert "session" not in server.seen[2]["body"]


RETRY = """
kind: http
url: "{url}/chat"
body: {q: "{text}"}
reply: {messages: $.say}
"""


def _fails_twice(n: int, body: Any) -> Any:
    return 503 if n <= 2 else {"say": "at last"}


def test_retry_tries_again_on_the_statuses_it_names(endpoint: Any) -> None:
    bot, server = endpoint(_fails_twice, RETRY + "retry: {attempts: 3, when: [503], backoff: 0.01}")
    assert bot.send(SESSION, "hi").messages == ("at last",)
    assert len(server.seen) == 3


def test_after_the_last_attempt_the_fault_says_how_many(endpoint: Any) -> None:
    bot, server = endpoint(_fails_twice, RETRY + "retry: {attempts: 2, when: [503], backoff: 0}")
    with pytest.raises(
        AdapterError, match=r"HTTP 503 Service Unavailable: 'busy' \(after 2 attempts\)"
    ):
        bot.send(SESSION, "hi")
    assert len(server.seen) == 2


def test_retry_waits_as_retry_after_asks(endpoint: Any) -> None:
    """A 429 asking for a retry after 0.2 s is tried again after that long, though the
    backoff alone would wait 30 s."""
    times: list[float] = []

    def limited(n: int, body: Any) -> Any:
        times.append(time.monotonic())
        if n == 1:
            return web.Response(status=429, text="slow down", headers={"Retry-After": "0.2"})
        return {"say": "now"}

    bot, _ = endpoint(limited, RETRY + "retry: {attempts: 2, when: [429], backoff: 30}")
    assert bot.send(SESSION, "hi").messages == ("now",)
    assert 0.2 <= times[1] - times[0] < 5


def test_retry_backoff_has_jitter() -> None:
    """Without Retry-After the waits grow from `backoff`, each drawn with jitter, so that
    conversations failing together do not retry in step."""
    retry = Retry(attempts=5, when=[503], backoff=1.0)
    wait = _wait(retry, Request(None))
    drawn = [wait(RetryCallState(None, None, (), {})) for _ in range(20)]  # type: ignore[arg-type]
    assert all(1.0 <= d <= 2.0 for d in drawn) and len(set(drawn)) > 1


@pytest.mark.parametrize("retry", ["", "retry: {attempts: 3, when: [502, timeout]}"])
def test_no_retry_where_none_is_configured(endpoint: Any, retry: str) -> None:
    bot, server = endpoint(_fails_twice, RETRY + retry)
    with pytest.raises(AdapterError, match=r"HTTP 503 Service Unavailable: 'busy'$"):
        bot.send(SESSION, "hi")
    assert len(server.seen) == 1


def test_retry_on_refused_and_on_timeout(tmp_path: Path, endpoint: Any) -> None:
    path = tmp_path / "refused.yaml"
    path.write_text(RETRY.replace("{url}", f"http://127.0.0.1:{free_port()}")
                    + "retry: {attempts: 2, when: [refused], backoff: 0}")  # fmt: skip
    bot = open_bot(str(path), timeout=2)
    try:
        with pytest.raises(AdapterError, match=r"connection refused .*\(after 2 attempts\)"):
            bot.send(SESSION, "hi")
    finally:
        bot.shutdown()

    async def slow_once(n: int, body: Any) -> Any:
        if n == 1:
            await asyncio.sleep(1)
        return {"say": "woke up"}

    bot, server = endpoint(slow_once, RETRY + "timeout: 0.3\nretry: {attempts: 2, when: [timeout]}")
    assert bot.send(SESSION, "hi").messages == ("woke up",)
    assert len(server.seen) == 2


# -- start and poll: a bot that answers later --------------------------------------------


class LateBot:
    """A Direct Line-like bot: /start gives a conversation id; a POSTed message is answered
    later, in two parts `delay` and 2 × `delay` seconds on, fetched by watermark from /poll;
    the second part is marked done."""

    def __init__(self, *, delay: float = 0.1) -> None:
        self.delay = delay
        self.said: dict[str, list[dict[str, Any]]] = {}
        self.starts = 0

    def app(self) -> web.Application:
        async def start(request: web.Request) -> web.Response:
            self.starts += 1
            self.said[f"c{self.starts}"] = []
            return web.json_response({"conversationId": f"c{self.starts}"})

        async def post(request: web.Request) -> web.Response:
            said = self.said[request.match_info["id"]]
            loop = asyncio.get_running_loop()
            loop.call_later(self.delay, said.append, {"text": "first"})
            loop.call_later(2 * self.delay, said.append, {"text": "second", "done": True})
            return web.json_response({"id": "1"})

        async def poll(request: web.Request) -> web.Response:
            said = self.said[request.match_info["id"]]
            seen = int(request.query.get("watermark") or 0)
            return web.json_response({"messages": said[seen:], "watermark": len(said)})

        app = web.Application()
        app.router.add_post("/start", start)
        app.router.add_post("/c/{id}", post)
        app.router.add_get("/c/{id}/poll", poll)
        return app


POLLED = """
kind: http
state: {id: $.conversationId, watermark: $.watermark}
start: {url: "{url}/start"}
url: "{url}/c/{state.id}"
body: {text: "{text}"}
poll: {url: "{url}/c/{state.id}/poll?watermark={state.watermark}", %s}
reply: {messages: "$.messages[*].text"}
"""


# Quiet means a GET that brings nothing: the interval must outlast the bot's pauses.
@pytest.mark.parametrize("poll", ["interval: 0.15", "interval: 0.03, done: '$.messages[*].done'"])
def test_polling_gathers_a_late_answer_until_done_or_quiet(tmp_path: Path, poll: str) -> None:
    late = LateBot()
    with serving(late.app()) as url:
        path = tmp_path / "late.yaml"
        path.write_text(POLLED.replace("{url}", url.rstrip("/")) % poll)
        bot = open_bot(str(path), timeout=2)
        try:
            reply = bot.send(SESSION, "hi")
            assert reply.messages == ("first", "second")
            assert reply.latency is not None and reply.latency >= 0.2
            bot.send(SESSION, "again")
            assert late.starts == 1  # one start per channel session
            bot.send(Session("other", "cust-2", "chat", 1), "hi")
            assert late.starts == 2
        finally:
            bot.shutdown()


def test_polling_gives_up_at_the_timeout_and_says_so(tmp_path: Path) -> None:
    late = LateBot(delay=5)
    with serving(late.app()) as url:
        path = tmp_path / "late.yaml"
        text = POLLED.replace("{url}", url.rstrip("/")) % "interval: 0.03"
        path.write_text(text + "timeout: 0.3\n")
        bot = open_bot(str(path), timeout=2)
        try:
            with pytest.raises(
                AdapterError, match=r"no answer within the timeout of 0.3 s \(polled \d+ times\)"
            ):
                bot.send(SESSION, "hi")
        finally:
            bot.shutdown()


def test_a_failing_start_names_its_request(tmp_path: Path, endpoint: Any) -> None:
    bot, _ = endpoint(lambda n, body: 500, POLLED % "interval: 1")
    with pytest.raises(AdapterError, match=r"POST http://127.0.0.1:\d+/start: HTTP 500"):
        bot.send(SESSION, "hi")
