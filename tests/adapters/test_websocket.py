"""Bots over WebSocket: native frames against real servers on 127.0.0.1, never a mocked client.

The reference bots served with `--protocol websocket` push each reply message as a frame of
its own and must give the verdicts they give in process; a turn's frames are gathered until
`turn_end`, a quiet spell or the timeout; every way a server can fail ends its conversations
with verdict `error` and a message naming the URL, while the run goes on.
"""

from __future__ import annotations

import asyncio
import gc
import json
import time
import warnings
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from aiohttp import WSCloseCode, web
from harness_cli import (
    FAULT_SCENARIO,
    demo_bot_serving,
    harness,
    run_deflector,
    run_faulty,
    silent_port,
    verdicts,
)

from harness import Pack, RunOptions, run
from harness.adapters import Session
from harness.adapters.websocket import WebSocketAdapter
from harness.bots import reference_bot
from harness.bots.serve import serving
from harness.bots.serve.websocket import websocket_app
from harness.errors import AdapterError

SECRET = "s3cr3t-ws-token-77"
SESSION = Session(conversation_id="c1", customer_id="u1", channel="chat", contact=1)

Talk = Callable[[web.WebSocketResponse, dict[str, Any]], Awaitable[None]]


def ws(url: str) -> str:
    """`serving` yields an http:// URL; the same server's WebSocket address."""
    return "ws://" + url.removeprefix("http://")


def talking(talk: Talk) -> web.Application:
    """A WebSocket server at /bot that calls `talk` with each request the client sends."""

    async def handler(request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        async for message in socket:
            await talk(socket, json.loads(message.data))
            if socket.closed:
                break
        return socket

    app = web.Application()
    app.router.add_get("/bot", handler)
    return app


@contextmanager
def serving_ws(talk: Talk) -> Iterator[str]:
    with serving(talking(talk)) as url:
        yield ws(url) + "bot"


# -- the reference bots, pushed frame by frame ------------------------------------------------


@pytest.mark.parametrize("name", ["careful", "deflector"])
def test_a_reference_bot_over_websocket_gets_the_verdicts_it_gets_in_process(
    pack: Pack, tmp_path: Path, name: str
) -> None:
    """Each reply message comes in a frame of its own; gathered, they must make the reply
    the bot gives in process, turn by turn, over the whole pack."""
    run(pack, RunOptions(bot=f"demo:{name}"), tmp_path / "in-process")
    started = time.monotonic()
    with serving(websocket_app(reference_bot(name))) as url:  # a fresh bot: no memory yet
        done = harness("run", "--bot", ws(url), "--out", str(tmp_path / "ws"), cwd=tmp_path)
    assert time.monotonic() - started < 30
    assert done.returncode == (0 if name == "careful" else 1), done.stdout + done.stderr
    expected = verdicts(tmp_path / "in-process" / "results.json")
    assert len(expected) >= 300  # the whole pack
    assert verdicts(tmp_path / "ws" / "results.json") == expected


def test_the_frames_of_a_turn_are_gathered_into_one_reply() -> None:
    async def talk(socket: web.WebSocketResponse, request: dict[str, Any]) -> None:
        await socket.send_json({"messages": [{"text": f"you said {request['text']}"}]})
        await asyncio.sleep(0.1)
        await socket.send_json({"messages": [{"text": "one moment"}], "actions": ["looked_up"]})
        await asyncio.sleep(0.1)
        await socket.send_json({"handoff": {"reason": "fraud", "context": {"card": "1234"}}})
        last = {"messages": [{"text": "a colleague will help"}], "actions": ["handed_off"]}
        await socket.send_json({**last, "end": True, "turn_end": True})

    with serving_ws(talk) as url:
        adapter = WebSocketAdapter(url, timeout=5, quiet=2)
        try:
            reply = adapter.send(SESSION, "hello")
        finally:
            adapter.shutdown()
    assert reply.messages == ("you said hello", "one moment", "a colleague will help")
    assert reply.actions == ("looked_up", "handed_off")
    assert reply.handoff == {"reason": "fraud", "context": {"card": "1234"}}
    assert reply.end is True
    assert isinstance(reply.raw, list) and len(reply.raw) == 4
    assert reply.latency is not None and 0.2 <= reply.latency < 1.5  # turn_end: no quiet wait


def test_without_turn_end_a_quiet_spell_ends_the_turn_and_late_frames_join_the_next() -> None:
    """The bot answers at once and again 0.6 s later, never saying it is done: with 0.3 s
    of quiet the turn ends after the first frame, and the late one opens the next reply."""

    async def talk(socket: web.WebSocketResponse, request: dict[str, Any]) -> None:
        await socket.send_json({"messages": [{"text": f"re: {request['text']}"}]})

        async def later() -> None:
            await asyncio.sleep(0.6)
            await socket.send_json({"messages": [{"text": f"late re: {request['text']}"}]})

        asyncio.get_running_loop().create_task(later())

    with serving_ws(talk) as url:
        adapter = WebSocketAdapter(url, timeout=5, quiet=0.3)
        try:
            started = time.monotonic()
            first = adapter.send(SESSION, "one")
            took = time.monotonic() - started
            time.sleep(0.6)
            second = adapter.send(SESSION, "two")
        finally:
            adapter.shutdown()
    assert first.messages == ("re: one",)
    assert 0.3 <= took < 0.6  # ended by the quiet spell, before the late frame
    assert first.latency is not None and first.latency < 0.2  # the quiet wait is not latency
    assert second.messages == ("late re: one", "re: two")


def test_sessions_have_a_websocket_each_closed_with_the_session() -> None:
    opened: list[str] = []

    async def talk(socket: web.WebSocketResponse, request: dict[str, Any]) -> None:
        if not opened or opened[-1] != str(id(socket)):
            opened.append(str(id(socket)))
        await socket.send_json({"messages": [{"text": request["conversation_id"]}],
                                "turn_end": True})  # fmt: skip

    other = Session(conversation_id="c2", customer_id="u1", channel="voice", contact=1)
    with serving_ws(talk) as url:
        adapter = WebSocketAdapter(url, timeout=5)
        try:
            assert adapter.send(SESSION, "a").messages == ("c1",)
            assert adapter.send(other, "b").messages == ("c2",)
            assert adapter.send(SESSION, "c").messages == ("c1",)
            adapter.close(SESSION)
            assert adapter.send(SESSION, "d").messages == ("c1",)  # a new WebSocket
        finally:
            adapter.shutdown()
    assert len(set(opened)) == 3


# -- faults ------------------------------------------------------------------------------------


async def _silent(socket: web.WebSocketResponse, request: dict[str, Any]) -> None:
    pass


async def _not_json(socket: web.WebSocketResponse, request: dict[str, Any]) -> None:
    await socket.send_str("Hello! How can I help?")


async def _not_object(socket: web.WebSocketResponse, request: dict[str, Any]) -> None:
    await socket.send_json(["hello"])


async def _malformed(socket: web.WebSocketResponse, request: dict[str, Any]) -> None:
    await socket.send_json({"messages": "hello", "turn_end": True})


async def _binary(socket: web.WebSocketResponse, request: dict[str, Any]) -> None:
    await socket.send_bytes(b"\x00\x01hello")


async def _huge(socket: web.WebSocketResponse, request: dict[str, Any]) -> None:
    await socket.send_json({"messages": [{"text": "x" * (2 * 1024 * 1024)}], "turn_end": True})


async def _hangs_up(socket: web.WebSocketResponse, request: dict[str, Any]) -> None:
    await socket.close(code=WSCloseCode.INTERNAL_ERROR, message=b"database is down")


async def _forbidden(request: web.Request) -> web.Response:
    return web.Response(status=403, text="no token")


@pytest.fixture
def server(request: pytest.FixtureRequest) -> Iterator[str]:
    """The URL of a server that misbehaves as asked: dead, hanging, or answering badly."""
    kind = request.param
    if kind in ("dead", "hanging"):
        with silent_port(kind) as port:
            yield f"ws://127.0.0.1:{port}/bot"
    elif kind is _forbidden:
        app = web.Application()
        app.router.add_get("/bot", _forbidden)
        with serving(app) as url:
            yield ws(url) + "bot"
    else:
        with serving_ws(kind) as url:
            yield url


FAULTS = [
    ("dead", "connection refused"),
    ("hanging", "no answer within the timeout of 0.3 s"),
    (_forbidden, "the WebSocket handshake was rejected: HTTP 403 Forbidden"),
    (_silent, "no answer within the timeout of 0.3 s"),
    (_not_json, "a frame is not JSON: 'Hello! How can I help?'"),
    (_not_object, "a frame is list, expected a JSON object"),
    (_malformed, "frame 1 of the turn: frame has no 'messages' list"),
    (_binary, "the bot sent a binary frame (7 bytes); frames must be JSON text"),
    (_huge, "a frame is over the limit of 1048576 bytes"),
    (_hangs_up, "the bot closed the WebSocket mid-conversation (close code 1011): "
                "database is down"),
]  # fmt: skip
FAULT_IDS = ["refused", "timeout-handshake", "http-403", "timeout-silent", "not-json",
             "not-object", "malformed", "binary", "too-big", "closed"]  # fmt: skip


@pytest.mark.parametrize(("server", "cause"), FAULTS, indirect=["server"], ids=FAULT_IDS)
def test_a_faulty_server_gives_error_verdicts_and_complete_results(
    tmp_path: Path, server: str, cause: str
) -> None:
    run_faulty(tmp_path, server, endpoint=server, cause=cause)


@pytest.mark.parametrize(("server", "cause"), FAULTS, indirect=["server"], ids=FAULT_IDS)
def test_a_fault_leaves_no_socket_open(server: str, cause: str) -> None:
    """In process, where an unclosed socket would warn when collected."""
    adapter = WebSocketAdapter(server, timeout=0.3)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(AdapterError) as fault:
            adapter.send(SESSION, "hello")
        adapter.shutdown()
        gc.collect()
    assert cause in fault.value.cause
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []


def test_a_bot_that_hangs_up_after_its_goodbye_is_a_fault_only_if_the_customer_goes_on() -> None:
    async def talk(socket: web.WebSocketResponse, request: dict[str, Any]) -> None:
        await socket.send_json({"messages": [{"text": "bye"}], "end": True})
        await socket.close()

    with serving_ws(talk) as url:
        adapter = WebSocketAdapter(url, timeout=2, quiet=1)
        try:
            reply = adapter.send(SESSION, "thanks")
            with pytest.raises(AdapterError) as fault:
                adapter.send(SESSION, "one more thing")
        finally:
            adapter.shutdown()
    assert reply.messages == ("bye",) and reply.end
    assert "the bot closed the WebSocket mid-conversation (close code 1000)" in str(fault.value)


def test_a_websocket_server_tells_a_plain_http_client_what_to_use(tmp_path: Path) -> None:
    with serving(websocket_app(reference_bot("careful"))) as url:
        done = harness("run", "--bot", url, "--scenario", FAULT_SCENARIO, "--out", "out",
                       cwd=tmp_path)  # fmt: skip
    assert done.returncode == 1
    written = json.loads((tmp_path / "out" / "results.json").read_text())
    error = written["conversations"][0]["error"]
    assert f"HTTP 426 Upgrade Required: 'this bot speaks WebSocket: use --bot {ws(url)}'" in error


def test_demo_bot_serve_speaks_websocket(tmp_path: Path) -> None:
    with demo_bot_serving(tmp_path, "--protocol", "websocket") as printed:
        first = printed.readline()
        assert first.startswith("serving demo:deflector (websocket protocol) at ")
        url = ws(first.split(" at ")[1].strip())
        assert printed.readline() == f"try: harness run --bot {url}\n"
        run_deflector(url, tmp_path)


# -- the endpoint file ---------------------------------------------------------------------------


ENDPOINT = """\
kind: websocket
url: {url}
headers:
  Authorization: Bearer ${{ENV:BOT_TOKEN}}
quiet: 0.1
timeout: 3
"""


def test_an_endpoint_file_sends_its_secret_headers_and_records_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bot checks the token at the handshake and echoes it; no file written holds it."""
    monkeypatch.setenv("BOT_TOKEN", SECRET)
    careful = reference_bot("careful")

    async def handler(request: web.Request) -> web.StreamResponse:
        if request.headers.get("Authorization") != f"Bearer {SECRET}":
            return web.Response(status=401, text="bad token")
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        async for message in socket:
            answer = careful(json.loads(message.data))
            await socket.send_json({**answer, "debug": f"token {SECRET}"})  # no turn_end
        return socket

    app = web.Application()
    app.router.add_get("/chat", handler)
    with serving(app) as url:
        path = tmp_path / "bot.yaml"
        path.write_text(ENDPOINT.format(url=ws(url) + "chat"))
        done = harness("run", "--bot", str(path), "--scenario", FAULT_SCENARIO, "--out", "out",
                       cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    written = [p.read_text() for p in (tmp_path / "out").rglob("*") if p.is_file()]
    assert len(written) >= 4 and "token [redacted]" in "".join(written)
    assert not [text for text in written if SECRET in text]
