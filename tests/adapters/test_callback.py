"""Bots that call the harness back (kind: callback), against real servers on 127.0.0.1.

Each test bot is an aiohttp server that takes the customer's message and then calls the
harness's own server: the desk to hand over, the webhook to reply. Nothing is mocked.
"""

from __future__ import annotations

import asyncio
import gc
import io
import json
import os
import socket
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp import ClientSession, web
from harness_cli import REPO, free_port, harness, run_faulty, verdicts

from harness import Pack, RunOptions, run
from harness.adapters import Reply, Session, open_bot
from harness.bots import reference_bot
from harness.bots.serve import serving
from harness.bots.serve.callback import callback_app

EXAMPLE = REPO / "examples" / "endpoints" / "callback.yaml"
NEEDS_HUMAN = "banking.account-takeover"  # escalation.required
SECRET = "s3cr3t-desk-token-77"
SESSION = Session("c-1", "u-1", "chat", 1)

Handler = Callable[[dict[str, Any], ClientSession], Awaitable[Any]]


def bot_app(handle: Handler) -> web.Application:
    """A bot at POST /chat: `handle(body, client)` may call the harness back with `client`,
    and its result is the answer to the message (JSON)."""
    client: list[ClientSession] = []

    async def chat(request: web.Request) -> web.Response:
        return web.json_response(await handle(await request.json(), client[0]))

    async def calling(app: web.Application) -> Any:
        client.append(ClientSession())
        yield
        await client.pop().close()

    app = web.Application()
    app.router.add_post("/chat", chat)
    app.cleanup_ctx.append(calling)
    return app


def endpoint(tmp_path: Path, url: str, **sections: Any) -> Path:
    """An endpoint file for a bot at `url`: the native fields and both URLs in the body."""
    config: dict[str, Any] = {
        "kind": "callback",
        "url": url,
        "body": {
            "conversation_id": "{conversation_id}",
            "text": "{text}",
            **{
                f"{name}_url": f"{{{name}_url}}" for name in ("desk", "webhook") if name in sections
            },
        },
        "reply": {"messages": "$.messages[*].text", "end": "$.end"},
        **sections,
    }
    path = tmp_path / "bot.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., Path]]:
    """Serve a bot for the test and write its endpoint file; both stop with the test."""
    with_servers: list[Any] = []

    def start(handle: Handler, **sections: Any) -> Path:
        server = serving(bot_app(handle))
        url = server.__enter__()
        with_servers.append(server)
        return endpoint(tmp_path, url + "chat", **sections)

    yield start
    for server in reversed(with_servers):
        server.__exit__(None, None, None)
    gc.collect()  # an unclosed socket would warn here, and warnings are errors


async def post(client: ClientSession, url: str, body: Any) -> tuple[int, str]:
    """POST `body` as JSON; the status and text of the answer. (A stream, not bytes: aiohttp
    warns of large bodies sent as bytes, and one test sends 2 MB.)"""
    data = io.BytesIO(json.dumps(body).encode())
    async with client.post(url, data=data, headers={"Content-Type": "application/json"}) as answer:
        return answer.status, await answer.text()


def said(text: str, **more: Any) -> dict[str, Any]:
    return {"messages": [{"text": text}], **more}


def talk(path: Path, *texts: str) -> list[Reply]:
    """Open the bot of the endpoint file at `path`, send it `texts` one by one in SESSION,
    and shut it down; its replies."""
    adapter = open_bot(str(path), timeout=5)
    try:
        return [adapter.send(SESSION, text) for text in texts]
    finally:
        adapter.shutdown()


# -- the whole pack, against the demo ---------------------------------------------------------


@pytest.mark.parametrize("name", ["careful", "deflector"])
def test_the_served_callback_bot_gets_the_verdicts_it_gets_in_process(
    pack: Pack, tmp_path: Path, name: str
) -> None:
    """The demo hands off only through the desk and replies only through the webhook: a
    handoff or reply the harness missed would change verdicts. A fresh server per run: the
    reference bots remember customers."""
    run(pack, RunOptions(bot=f"demo:{name}"), tmp_path / "in-process")
    started = time.monotonic()
    with serving(callback_app(reference_bot(name))) as url:
        env = {**os.environ, "CALLBACK_BOT_URL": url}
        done = harness("run", "--bot", str(EXAMPLE), "--out", str(tmp_path / "callback"),
                       cwd=tmp_path, env=env)  # fmt: skip
    assert time.monotonic() - started < 30
    assert done.returncode == (0 if name == "careful" else 1), done.stdout + done.stderr
    expected = verdicts(tmp_path / "in-process" / "results.json")
    assert len(expected) >= 300  # the whole pack
    assert verdicts(tmp_path / "callback" / "results.json") == expected


# -- the desk -------------------------------------------------------------------------------


def test_a_desk_call_is_the_handoff_though_the_reply_says_nothing_of_it(
    pack: Pack, tmp_path: Path, serve: Callable[..., Path]
) -> None:
    context = {"account_number": "12345678", "summary": "locked out"}

    async def handle(body: dict[str, Any], client: ClientSession) -> Any:
        call = {"conversation_id": body["conversation_id"], "why": "fraud", "ctx": context}
        status, _ = await post(client, body["desk_url"], call)
        assert status == 202
        return said("Thank you, one moment please.")

    path = serve(handle, desk={"context": "$.ctx", "reason": "$.why", "wait": 0})
    options = RunOptions(bot=str(path), scenarios=(NEEDS_HUMAN,), personas=("calm-precise",))
    (result,) = run(pack, options, tmp_path / "out").results
    assert result.transcript is not None
    handoff = result.transcript.first("handoff")
    assert handoff is not None and handoff.turn == 1
    assert handoff.data["context"] == context and handoff.data["reason"] == "fraud"
    assert handoff.data["desk"][0]["ticket"].startswith("desk-")
    checks = {v.name: v.verdict for v in result.checks}
    assert checks["escalation.required"] == "pass"


def test_a_desk_call_just_after_the_reply_belongs_to_its_turn(serve: Callable[..., Path]) -> None:
    """Within `desk.wait` of the reply; and the latency runs to the call."""

    async def handle(body: dict[str, Any], client: ClientSession) -> Any:
        async def later() -> None:
            await asyncio.sleep(0.2)
            await post(client, body["desk_url"], {"conversation_id": body["conversation_id"]})

        asyncio.get_running_loop().create_task(later())
        return said("Let me get someone.")

    (reply,) = talk(serve(handle, desk={"wait": 1.0}), "I want a person")
    assert reply.handoff is not None and reply.handoff["context"] == {}
    assert reply.latency is not None and 0.2 <= reply.latency < 0.9


def test_a_desk_call_between_turns_goes_into_the_next_reply(serve: Callable[..., Path]) -> None:
    calls: list[int] = []

    async def handle(body: dict[str, Any], client: ClientSession) -> Any:
        calls.append(1)
        if len(calls) == 1:
            return said("first")  # the desk call comes after the turn is over
        await post(client, body["desk_url"], {"conversation_id": body["conversation_id"],
                                              "reason": "late"})  # fmt: skip
        return said("second")

    first, second = talk(serve(handle, desk={"wait": 0}), "one", "two")
    assert first.handoff is None
    assert second.handoff is not None and second.handoff["reason"] == "late"


@pytest.mark.parametrize(
    ("call", "status", "answer"),
    [
        ({"conversation_id": "someone-else", "reason": "x"}, 404,
         "no conversation 'someone-else' is open here"),
        ({"reason": "x"}, 400, "the body names no conversation at $.conversation_id"),
        ({"conversation_id": "c-1", "context": "all of it"}, 400,
         '$.context must be an object, got "all of it"'),
        ([1, 2], 400, "the body must be a JSON object, got [1, 2]"),
        ({"conversation_id": "c-1", "context": {"x": "x" * 2**21}}, 413,
         "Maximum request body size 1048576 exceeded."),
    ],
    ids=["unknown-conversation", "no-conversation", "context-not-object", "not-object", "too-big"],
)  # fmt: skip
def test_a_desk_call_the_desk_cannot_take_is_refused_and_changes_nothing(
    serve: Callable[..., Path], call: Any, status: int, answer: str
) -> None:
    answers: list[tuple[int, str]] = []

    async def handle(body: dict[str, Any], client: ClientSession) -> Any:
        answers.append(await post(client, body["desk_url"], call))
        return said("Hello.")

    (reply,) = talk(serve(handle, desk={"wait": 0.1}), "hello")
    assert answers == [(status, answer)]
    assert reply.handoff is None and reply.messages == ("Hello.",)


# -- the webhook ----------------------------------------------------------------------------


def test_webhook_replies_are_gathered_until_the_bot_is_quiet(serve: Callable[..., Path]) -> None:
    """Two calls, no `done`: the turn ends `quiet` s after the last; the latency is to it."""

    async def handle(body: dict[str, Any], client: ClientSession) -> Any:
        async def later() -> None:
            for text in ("Checking…", "Your balance is £12."):
                await asyncio.sleep(0.1)
                await post(client, body["webhook_url"],
                           {"conversation_id": body["conversation_id"], **said(text)})  # fmt: skip

        asyncio.get_running_loop().create_task(later())
        return {"status": "queued"}

    adapter = open_bot(str(serve(handle, webhook={"quiet": 0.4})), timeout=5)
    try:
        started = time.monotonic()
        reply = adapter.send(SESSION, "balance please")
        took = time.monotonic() - started
    finally:
        adapter.shutdown()
    assert reply.messages == ("Checking…", "Your balance is £12.")
    assert reply.latency is not None and 0.2 <= reply.latency < 0.4 <= took


def test_a_bot_that_never_calls_back_is_an_error_after_the_timeout(
    tmp_path: Path, serve: Callable[..., Path]
) -> None:
    async def handle(body: dict[str, Any], client: ClientSession) -> Any:
        return {}  # acknowledged; the reply never comes

    path = serve(handle, webhook={"done": "$.done"})
    url = yaml.safe_load(path.read_text())["url"]
    cause = "the bot took the message but posted no reply to http://127.0.0.1:"
    errors = run_faulty(tmp_path, str(path), endpoint=url, cause=cause)
    assert all("/webhook within the timeout of 0.3 s" in error for error in errors)


def test_a_webhook_call_for_an_unknown_conversation_gets_404(serve: Callable[..., Path]) -> None:
    answers: list[tuple[int, str]] = []

    async def handle(body: dict[str, Any], client: ClientSession) -> Any:
        stray = {"conversation_id": "nobody", **said("boo"), "done": True}
        answers.append(await post(client, body["webhook_url"], stray))
        mine = {"conversation_id": body["conversation_id"], **said("hi"), "done": True}
        answers.append(await post(client, body["webhook_url"], mine))
        return {}

    (reply,) = talk(serve(handle, webhook={"done": "$.done"}), "hello")
    assert answers == [(404, "no conversation 'nobody' is open here"), (202, "received")]
    assert reply.messages == ("hi",)


# -- the server and secrets ------------------------------------------------------------------


def test_the_callback_server_listens_on_127_0_0_1_only_and_on_the_port_asked(
    serve: Callable[..., Path],
) -> None:
    port = free_port()
    urls: list[str] = []

    async def handle(body: dict[str, Any], client: ClientSession) -> Any:
        urls.append(body["desk_url"])
        return said("hi")

    adapter = open_bot(str(serve(handle, desk={"wait": 0}, port=port)), timeout=5)
    try:
        adapter.send(SESSION, "hello")
        assert urls == [f"http://127.0.0.1:{port}/desk"]
        with pytest.raises(OSError), socket.create_connection(("127.0.0.2", port), 2):
            pass
    finally:
        adapter.shutdown()
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), 2):
        pass  # stopped by shutdown()


def test_a_secret_the_bot_echoes_in_its_calls_is_never_recorded(
    tmp_path: Path, serve: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DESK_TOKEN", SECRET)

    async def handle(body: dict[str, Any], client: ClientSession) -> Any:
        cid = body["conversation_id"]
        await post(client, body["desk_url"], {"conversation_id": cid,
                   "reason": f"token {SECRET}", "context": {"auth": SECRET}})  # fmt: skip
        await post(client, body["webhook_url"], {"conversation_id": cid,
                   **said(f"your token is {SECRET}"), "done": True})  # fmt: skip
        return {"echo": SECRET}

    path = serve(handle, desk={"wait": 0}, webhook={"done": "$.done"})
    config = yaml.safe_load(path.read_text())
    config["headers"] = {"Authorization": "Bearer ${ENV:DESK_TOKEN}"}
    path.write_text(yaml.safe_dump(config))
    done = harness("run", "--bot", str(path), "--scenario", NEEDS_HUMAN, "--out", "out",
                   cwd=tmp_path)  # fmt: skip
    assert "Traceback" not in done.stderr
    out = tmp_path / "out"
    recorded = [out / "results.json", *(out / "transcripts").iterdir()]
    assert any("[redacted]" in p.read_text() for p in recorded)
    assert not any(SECRET in p.read_text() for p in recorded)
