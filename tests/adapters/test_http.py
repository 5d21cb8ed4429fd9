"""Bots over HTTP: the native protocol against real servers on 127.0.0.1, never a mocked client.

The reference bots served by `harness demo-bot serve` must give the verdicts they give in
process, and every way a server can fail must end its conversations with verdict `error`
and a message naming the endpoint, while the run goes on and writes its results.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
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
from harness.bots import reference_bot
from harness.bots.serve import native_app, serving


@pytest.mark.parametrize("name", ["careful", "deflector"])
def test_a_served_reference_bot_gets_the_verdicts_it_gets_in_process(
    pack: Pack, tmp_path: Path, name: str
) -> None:
    """Latency is measured over HTTP (about a millisecond on loopback) where it is modelled
    (1 s) in process, so times in the transcripts differ; verdicts and outcomes must not.
    A faster bot can only make `escalation.timely` easier, and no bundled scenario sits
    near its limit."""
    run(pack, RunOptions(bot=f"demo:{name}"), tmp_path / "in-process")
    with serving(native_app(reference_bot(name))) as url:  # a fresh bot: no memory yet
        done = harness("run", "--bot", url, "--out", str(tmp_path / "http"), cwd=tmp_path)
    assert done.returncode == (0 if name == "careful" else 1), done.stdout + done.stderr
    expected = verdicts(tmp_path / "in-process" / "results.json")
    assert len(expected) >= 300  # the whole pack
    assert verdicts(tmp_path / "http" / "results.json") == expected


async def _fails(request: web.Request) -> web.Response:
    return web.Response(status=500, text="Internal Server Error: database is down")


async def _html(request: web.Request) -> web.Response:
    page = "<!DOCTYPE html><html><body><h1>Welcome to nginx!</h1></body></html>"
    return web.Response(text=page, content_type="text/html")


async def _huge(request: web.Request) -> web.Response:
    return web.json_response({"messages": [{"text": "x" * (2 * 1024 * 1024)}]})


async def _huge_chunked(request: web.Request) -> web.StreamResponse:
    """A large answer with no Content-Length: the size is found out while reading."""
    response = web.StreamResponse()
    response.enable_chunked_encoding()
    await response.prepare(request)
    await response.write(b'{"messages": [{"text": "')
    for _ in range(64):
        await response.write(b"x" * 32768)
    await response.write(b'"}]}')
    return response


async def _malformed(request: web.Request) -> web.Response:
    return web.json_response({"replies": ["hello"]})


@pytest.fixture
def server(request: pytest.FixtureRequest) -> Iterator[str]:
    """The URL of a server that misbehaves as asked: dead, hanging, or answering badly."""
    kind = request.param
    if kind in ("dead", "hanging"):
        with silent_port(kind) as port:
            yield f"http://127.0.0.1:{port}/bot"
    else:
        app = web.Application()
        app.router.add_post("/bot", kind)
        with serving(app) as url:
            yield url + "bot"


@pytest.mark.parametrize(
    ("server", "cause"),
    [
        ("dead", "connection refused"),
        ("hanging", "no answer within the timeout of 0.3 s"),
        (_fails, "HTTP 500 Internal Server Error: 'Internal Server Error: database is down'"),
        (_html, "the answer is not JSON but an HTML page: '<!DOCTYPE html><html><body><h1>"),
        (_huge, "over the limit of 1048576 bytes"),
        (_huge_chunked, "over the limit of 1048576 bytes"),
        (_malformed, "response has no 'messages' list"),
    ],
    indirect=["server"],
    ids=["refused", "timeout", "http-500", "html", "too-big", "too-big-chunked", "malformed"],
)
def test_a_faulty_server_gives_error_verdicts_and_complete_results(
    tmp_path: Path, server: str, cause: str
) -> None:
    run_faulty(tmp_path, server, endpoint=server, cause=cause)


def test_cookies_are_kept_per_conversation(pack: Pack, tmp_path: Path) -> None:
    """The server sets a cookie naming the conversation and checks it on every later turn."""
    careful = reference_bot("careful")
    returned: list[str] = []

    async def answer(request: web.Request) -> web.Response:
        body: dict[str, Any] = await request.json()
        cid = body["conversation_id"]
        seen = request.cookies.get("session")
        if seen is not None and seen != cid:
            return web.Response(status=400, text=f"cookie of {seen} sent for {cid}")
        if seen is not None:
            returned.append(seen)
        response = web.json_response(careful(body))
        response.set_cookie("session", cid)
        return response

    app = web.Application()
    app.router.add_post("/", answer)
    with serving(app) as url:
        result = run(pack, RunOptions(bot=url, scenarios=("banking.*",)), tmp_path / "out")
    assert result.exit_code == 0, [r.error for r in result.results if r.error]
    assert returned  # later turns did send the cookie back


def test_the_measured_latency_moves_the_conversation_clock(pack: Pack, tmp_path: Path) -> None:
    careful = reference_bot("careful")

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(0.2)
        return web.json_response(careful(await request.json()))

    app = web.Application()
    app.router.add_post("/", slow)
    with serving(app) as url:
        options = RunOptions(bot=url, scenarios=(FAULT_SCENARIO,), personas=("calm-precise",))
        (result,) = run(pack, options).results
    assert result.transcript is not None
    events = result.transcript.events
    gaps = [b.t - a.t for a, b in itertools.pairwise(events)
            if a.kind == "customer_message" and b.kind == "bot_message"]  # fmt: skip
    assert gaps and all(0.2 <= gap < 0.9 for gap in gaps), gaps  # in process: 1 s modelled


def test_the_server_listens_on_loopback_127_0_0_1_only() -> None:
    with serving(native_app(reference_bot("careful"))) as url:
        host, port = url.removeprefix("http://").rstrip("/").split(":")
        assert host == "127.0.0.1"
        # A whole request, not a bare connect: a connection closed before the server has
        # taken it in would be cut off mid-accept when the server stops.
        request = {"conversation_id": "c", "customer_id": "u", "channel": "chat",
                   "contact": 1, "text": "hello"}  # fmt: skip
        with urllib.request.urlopen(
            urllib.request.Request(url, json.dumps(request).encode(), method="POST"), timeout=5
        ) as answer:
            assert "messages" in json.loads(answer.read())
        # Another address of this machine (127.0.0.2 is loopback too, on Linux) is refused.
        with pytest.raises(OSError), socket.create_connection(("127.0.0.2", int(port)), 2):
            pass


def test_demo_bot_serve_prints_its_url_and_stops_quietly_on_ctrl_c(tmp_path: Path) -> None:
    with demo_bot_serving(tmp_path) as printed:
        first = printed.readline()
        assert first.startswith("serving demo:deflector (native protocol) at http://127.0.0.1:")
        run_deflector(first.split(" at ")[1].strip(), tmp_path)


def test_a_bad_timeout_is_a_usage_error(tmp_path: Path) -> None:
    done = harness("run", "--bot", "http://127.0.0.1:1/", "--timeout", "0", cwd=tmp_path)
    assert done.returncode == 2 and "--timeout: expects a number of seconds above 0" in done.stderr
