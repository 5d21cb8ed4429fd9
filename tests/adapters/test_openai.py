"""OpenAI-compatible chat bots (`kind: openai`) against real servers on 127.0.0.1.

The `openai` demo protocol serves a reference bot behind /v1/chat/completions; through it the
adapter must give the verdicts the bot gets in process, streamed or not. Recording servers
show what the adapter sends (the history), misbehaving ones how each fault is reported.
"""

from __future__ import annotations

import itertools
import json
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from harness_cli import (
    FAULT_SCENARIO,
    demo_bot_serving,
    error_verdicts,
    harness,
    run_deflector,
    verdicts,
)

from harness import Pack, RunOptions, run
from harness.bots import reference_bot
from harness.bots.serve import serving
from harness.bots.serve.openai import openai_app

SECRET = "sk-test-4242-very-secret"


def endpoint_file(folder: Path, url: str, *lines: str) -> Path:
    """An `openai` endpoint file for the API at `url` (the base, ending in /v1)."""
    path = folder / "bot.yaml"
    path.write_text("\n".join(["kind: openai", f"url: {url}", "model: demo-1", *lines, ""]))
    return path


@pytest.mark.parametrize(
    ("name", "stream"),
    [("careful", False), ("careful", True), ("deflector", True)],
    ids=["careful", "careful-streamed", "deflector-streamed"],
)
def test_a_reference_bot_over_openai_gets_the_verdicts_it_gets_in_process(
    pack: Pack, tmp_path: Path, name: str, stream: bool
) -> None:
    run(pack, RunOptions(bot=f"demo:{name}"), tmp_path / "in-process")
    with serving(openai_app(reference_bot(name))) as url:  # a fresh bot: no memory yet
        bot = endpoint_file(tmp_path, url + "v1", f"stream: {str(stream).lower()}",
                            "system: You are a careful assistant.")  # fmt: skip
        done = harness("run", "--bot", str(bot), "--out", "openai", cwd=tmp_path)
    assert done.returncode == (0 if name == "careful" else 1), done.stdout + done.stderr
    expected = verdicts(tmp_path / "in-process" / "results.json")
    assert len(expected) >= 300  # the whole pack
    assert verdicts(tmp_path / "openai" / "results.json") == expected


@pytest.fixture
def recorded(
    request: pytest.FixtureRequest,
) -> Iterator[tuple[str, list[tuple[dict[str, Any], dict[str, Any] | None]]]]:
    """A reference bot over openai, and every request with its answer (None if streamed).
    Every reply also calls a tool, `noted`, so that the history holds tool calls."""
    exchanges: list[tuple[dict[str, Any], dict[str, Any] | None]] = []

    @web.middleware
    async def record(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        response = await handler(request)
        answer = response.text if isinstance(response, web.Response) else None
        exchanges.append((await request.json(), json.loads(answer) if answer else None))
        return response

    bot = reference_bot(request.param)
    app = openai_app(lambda native: {**bot(native), "actions": ["noted"]})
    app.middlewares.append(record)
    with serving(app) as url:
        yield url + "v1", exchanges


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
@pytest.mark.parametrize(
    ("recorded", "scenario", "persona"),
    [
        ("careful", "telecom.address-change", "calm-precise"),  # chat, then voice; a handoff
        ("deflector", "banking.fraud-dispute", "self-reliant"),  # comes back: 8 turns, then 7
    ],
    indirect=["recorded"],
    ids=["channel-switch", "repeat-contact"],
)
def test_the_history_grows_per_turn_and_restarts_per_channel_session(
    pack: Pack,
    tmp_path: Path,
    recorded: tuple[str, list[Any]],
    scenario: str,
    persona: str,
    stream: bool,
) -> None:
    url, exchanges = recorded
    bot = endpoint_file(tmp_path, url, "system: Be brief.", f"stream: {str(stream).lower()}")
    options = RunOptions(bot=str(bot), scenarios=(scenario,), personas=(persona,))
    (result,) = run(pack, options).results
    assert result.error is None and result.transcript is not None
    said = [e.text for e in result.transcript.events if e.kind == "customer_message"]
    sent = [body["messages"][-1] for body, _ in exchanges]
    assert len(sent) >= 4  # after the handoff the customer talks to the desk, not the bot
    assert sent == [{"role": "user", "content": text} for text in said[: len(sent)]]
    sessions: dict[str, list[tuple[dict[str, Any], dict[str, Any] | None]]] = {}
    for body, answer in exchanges:
        sessions.setdefault(body["metadata"]["conversation_id"], []).append((body, answer))
        assert body["user"] == body["metadata"]["customer_id"] == result.transcript.customer_id
        assert body["model"] == "demo-1" and body["stream"] is stream
    places = {(b["metadata"]["channel"], b["metadata"]["contact"]) for b, _ in exchanges}
    assert len(sessions) == len(places) == 2
    for turns in sessions.values():
        assert len(turns) >= 2
        first = turns[0][0]["messages"]
        assert first == [{"role": "system", "content": "Be brief."}, first[-1]]  # a fresh start
        for (before, answer), (after, _) in itertools.pairwise(turns):
            added = after["messages"][len(before["messages"]) : -1]
            assert after["messages"][: len(before["messages"])] == before["messages"]
            assert added[0]["role"] == "assistant"
            if answer is not None:  # exactly what the server answered
                assert added[0] == answer["choices"][0]["message"]
            ids = [call["id"] for call in added[0].get("tool_calls", [])]
            assert added[1:] == [{"role": "tool", "tool_call_id": i, "content": "ok"} for i in ids]
        assert all(len(body["messages"]) > 2 for body, _ in turns[1:])  # the history came along
    called = [m for body, _ in exchanges for m in body["messages"] if m.get("tool_calls")]
    assert called and all(m["tool_calls"][0]["function"]["name"] == "noted" for m in called)


# -- faults ----------------------------------------------------------------------------------


def _sse(*events: str) -> bytes:
    return "".join(f"data: {event}\n\n" for event in events).encode()


async def _openai_error(request: web.Request) -> web.Response:
    error = {"message": "Incorrect API key provided", "type": "invalid_request_error"}
    return web.json_response({"error": error}, status=401)


async def _no_choices(request: web.Request) -> web.Response:
    return web.json_response({"id": "chatcmpl-1", "object": "chat.completion"})


async def _bad_arguments(request: web.Request) -> web.Response:
    call = {"id": "call_1", "type": "function",
            "function": {"name": "transfer_to_human", "arguments": "{reason: fraud"}}  # fmt: skip
    message = {"role": "assistant", "content": None, "tool_calls": [call]}
    return web.json_response({"choices": [{"index": 0, "message": message}]})


def _chunk(delta: dict[str, Any]) -> str:
    return json.dumps({"choices": [{"index": 0, "delta": delta, "finish_reason": None}]})


async def _stream_ended(request: web.Request) -> web.StreamResponse:
    """A stream that ends properly, but before `data: [DONE]`."""
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await response.prepare(request)
    await response.write(_sse(_chunk({"role": "assistant"}), _chunk({"content": "Hel"})))
    await response.write_eof()
    return response


async def _stream_cut(request: web.Request) -> web.StreamResponse:
    """A stream whose connection drops halfway through a chunked answer."""
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    response.enable_chunked_encoding()
    await response.prepare(request)
    await response.write(_sse(_chunk({"content": "Hel"})))
    assert request.transport is not None
    request.transport.close()
    return response


async def _stream_error(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await response.prepare(request)
    await response.write(_sse(_chunk({"content": "Hel"}), '{"error": {"message": "overloaded"}}'))
    await response.write_eof()
    return response


async def _stream_huge(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await response.prepare(request)
    for _ in range(40):
        await response.write(_sse(_chunk({"content": "x" * 32768})))
    await response.write(_sse("[DONE]"))
    await response.write_eof()
    return response


async def _html(request: web.Request) -> web.Response:
    return web.Response(text="<html><body>Bad gateway</body></html>", content_type="text/html")


@pytest.mark.parametrize(
    ("handler", "stream", "cause"),
    [
        (_openai_error, False, "HTTP 401 Unauthorized: 'Incorrect API key provided'"),
        (_openai_error, True, "HTTP 401 Unauthorized: 'Incorrect API key provided'"),
        (_no_choices, False, "the answer has no 'choices'"),
        (_bad_arguments, False, "the arguments of tool call 'transfer_to_human' are not JSON"),
        (_stream_ended, True, "the stream ended before 'data: [DONE]'"),
        (_stream_cut, True, "the stream was cut before 'data: [DONE]'"),
        (_stream_error, True, "the stream brought an error: 'overloaded'"),
        (_stream_huge, True, "over the limit of 1048576 bytes"),
        (_html, True, "the answer is not JSON but an HTML page"),
    ],
    ids=["error-body", "error-body-streamed", "no-choices", "bad-arguments", "stream-ended",
         "stream-cut", "stream-error", "stream-too-big", "html-streamed"],
)  # fmt: skip
def test_a_faulty_server_gives_error_verdicts_naming_the_url(
    pack: Pack, tmp_path: Path, handler: Any, stream: bool, cause: str
) -> None:
    app = web.Application()
    app.router.add_post("/v1/chat/completions", handler)
    with serving(app) as url:
        bot = endpoint_file(tmp_path, url + "v1", f"stream: {str(stream).lower()}")
        result = run(pack, RunOptions(bot=str(bot), scenarios=(FAULT_SCENARIO,)), tmp_path / "out")
    assert result.exit_code == 1
    error_verdicts(tmp_path / "out", endpoint=f"{url}v1/chat/completions", cause=cause)


def test_a_refused_connection_is_an_error_verdict(pack: Pack, tmp_path: Path) -> None:
    bot = endpoint_file(tmp_path, "http://127.0.0.1:1/v1")
    result = run(pack, RunOptions(bot=str(bot), scenarios=(FAULT_SCENARIO,)))
    assert result.exit_code == 1
    assert all("connection refused" in (r.error or "") for r in result.results)


# -- secrets ---------------------------------------------------------------------------------


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
def test_a_secret_never_reaches_results_or_transcripts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stream: bool
) -> None:
    """The server echoes the API key in an error and, streamed, in its text."""
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)

    async def leaky(request: web.Request) -> web.StreamResponse:
        key = request.headers.get("Authorization", "")
        if not stream:
            error = {"message": f"Incorrect API key provided: {key}"}
            return web.json_response({"error": error}, status=401)
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        await response.write(_sse(_chunk({"content": f"your key is {key}"}), "[DONE]"))
        await response.write_eof()
        return response

    app = web.Application()
    app.router.add_post("/v1/chat/completions", leaky)
    with serving(app) as url:
        bot = endpoint_file(tmp_path, url + "v1", f"stream: {str(stream).lower()}",
                            "headers: {Authorization: 'Bearer ${ENV:OPENAI_API_KEY}'}")  # fmt: skip
        done = harness("run", "--bot", str(bot), "--scenario", FAULT_SCENARIO, "--out", "out",
                       cwd=tmp_path)  # fmt: skip
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stdout + done.stderr
    written = "".join(f.read_text() for f in (tmp_path / "out").rglob("*") if f.is_file())
    assert "Bearer [redacted]" in written
    assert SECRET not in written + done.stdout + done.stderr


# -- configuration and the demo protocol -----------------------------------------------------


def test_the_demo_protocol_refuses_a_request_without_messages_openai_style() -> None:
    with serving(openai_app(reference_bot("careful"))) as url:
        request = urllib.request.Request(
            url + "v1/chat/completions", json.dumps({"model": "m"}).encode(), method="POST"
        )
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(request, timeout=5)
        with caught.value as answer:
            assert answer.status == 400
            error = json.loads(answer.read())["error"]
    assert error["type"] == "invalid_request_error" and "messages" in error["message"]


def test_demo_bot_serve_speaks_openai(tmp_path: Path) -> None:
    with demo_bot_serving(tmp_path, "--protocol", "openai") as printed:
        first = printed.readline()
        assert first.startswith("serving demo:deflector (openai protocol) at http://127.0.0.1:")
        # what the server prints is enough to run against it
        assert printed.readline() == "try: harness run --bot bot.yaml, with bot.yaml holding\n"
        lines = iter(printed.readline, "(Ctrl-C stops)\n")
        (tmp_path / "bot.yaml").write_text("".join(line.removeprefix("  ") for line in lines))
        run_deflector("bot.yaml", tmp_path)
