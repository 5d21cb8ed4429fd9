"""Many conversations at once (drivers/concurrent.py, `harness run --concurrency N`), against
real servers and processes on 127.0.0.1.

Each conversation keeps its own virtual clock, so playing many at once must change nothing
but the wall-clock time: the same transcripts as the virtual driver (latencies aside), the
same verdicts, results.json in case order, every fault still an error verdict.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import web
from harness_cli import REPO, error_verdicts, free_port, harness, verdicts

from harness import ConfigError, Pack, RunOptions, run
from harness._loop import LoopThread
from harness.adapters import InProcessAdapter, Reply, Session, open_bot
from harness.adapters.base import supports_async
from harness.bots import reference_bot
from harness.bots.serve import native_app, serving
from harness.bots.serve.callback import callback_app
from harness.bots.serve.websocket import websocket_app
from harness.run import plan, simulate

SOME = ("--scenario", "banking.*")  # a few dozen conversations, where the whole pack is not needed


def order(results_json: Path) -> list[str]:
    return [c["conversation_id"] for c in json.loads(results_json.read_text())["conversations"]]


# -- the same conversations ---------------------------------------------------------------------


class AwaitedBot:
    """A reference bot in process behind the async face, each answer given after the loop
    has run the other conversations once. Its latency is modelled (no measuring), so each
    transcript can be compared with the virtual driver's to the last digit."""

    def __init__(self, name: str) -> None:
        self.bot = InProcessAdapter(reference_bot(name), f"demo:{name}")
        self.endpoint = self.bot.endpoint
        self.loop = LoopThread("awaited-bot")
        self.in_flight = self.most = 0

    def send(self, session: Session, text: str) -> Reply:
        return self.bot.send(session, text)

    def close(self, session: Session) -> None:
        pass

    def shutdown(self) -> None:
        self.loop.stop()

    async def asend(self, session: Session, text: str) -> Reply:
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        await asyncio.sleep(0)
        self.in_flight -= 1
        return self.bot.send(session, text)

    async def aclose(self, session: Session) -> None:
        pass

    def event_loop(self) -> asyncio.AbstractEventLoop:
        return self.loop.loop


def test_each_conversation_is_the_one_the_virtual_driver_plays(pack: Pack) -> None:
    """Pauses, thinking, latency and desk waits move each conversation's own clock exactly
    as simpy's: every transcript of the pack is the same, event for event and time for time."""
    options = RunOptions(bot="demo:careful", concurrency=16)
    cases = plan(pack, options)
    sequential = {c.conversation_id: t.to_jsonl() for c, t in simulate(cases, RunOptions())}
    bot = AwaitedBot("careful")
    assert supports_async(bot)
    try:
        concurrent = {c.conversation_id: t.to_jsonl() for c, t in simulate(cases, options, bot)}
    finally:
        bot.shutdown()
    assert bot.most == 16  # they did take turns
    assert list(concurrent) != list(sequential)  # finished out of order …
    assert concurrent == sequential  # … but each is the same conversation


@pytest.fixture(scope="module")
def in_process(pack: Pack, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """results.json of the whole pack in process, sequentially, for each reference bot."""
    found = {}
    for name in ("careful", "deflector"):
        out = tmp_path_factory.mktemp(name)
        run(pack, RunOptions(bot=f"demo:{name}"), out)
        found[name] = out / "results.json"
    return found


@pytest.mark.parametrize("name", ["careful", "deflector"])
def test_a_served_reference_bot_gets_its_in_process_verdicts_16_at_a_time(
    in_process: dict[str, Path], tmp_path: Path, name: str
) -> None:
    """The whole pack over HTTP with 16 conversations in flight: the verdicts and outcomes
    of the sequential in-process run, in results.json in the same (case) order."""
    with serving(native_app(reference_bot(name))) as url:  # a fresh bot: no memory yet
        done = harness("run", "--bot", url, "--concurrency", "16", "--out", "out", cwd=tmp_path)
    assert done.returncode == (0 if name == "careful" else 1), done.stdout + done.stderr
    assert done.stderr == ""
    expected = verdicts(in_process[name])
    assert len(expected) >= 300  # the whole pack
    assert verdicts(tmp_path / "out" / "results.json") == expected
    assert order(tmp_path / "out" / "results.json") == order(in_process[name])
    assert len(list((tmp_path / "out" / "transcripts").iterdir())) == len(expected)
    run_head = json.loads((tmp_path / "out" / "results.json").read_text())["run"]
    assert run_head["concurrency"] == 16  # the results say how they were played


def test_websocket_subprocess_and_callback_bots_play_concurrently_too(
    pack: Pack, tmp_path: Path, in_process: dict[str, Path]
) -> None:
    """A WebSocket per conversation, many open at once; one bot process taking the
    conversations' requests one at a time (the lock); one desk and webhook server taking
    every conversation's calls: the same verdicts each way."""
    expected = {k: v for k, v in verdicts(in_process["careful"]).items() if k.startswith("bank")}
    stdio = tmp_path / "bot.yaml"
    stdio.write_text(json.dumps({"kind": "subprocess", "command": [
        sys.executable, "-m", "harness", "demo-bot", "stdio", "--bot", "careful"]}))  # fmt: skip
    callback = str(REPO / "examples/endpoints/callback.yaml")
    with (
        serving(websocket_app(reference_bot("careful"))) as url,
        serving(callback_app(reference_bot("careful"))) as called,
    ):
        bots = {"ws": "ws" + url.removeprefix("http"), "stdio": str(stdio), "callback": callback}
        env = {**os.environ, "CALLBACK_BOT_URL": called}
        for kind, bot in bots.items():
            done = harness("run", "--bot", bot, "--concurrency", "8", *SOME, "--out", kind,
                           cwd=tmp_path, env=env)  # fmt: skip
            assert done.returncode == 0, done.stdout + done.stderr
            assert verdicts(tmp_path / kind / "results.json") == expected, kind


# -- really at once, never more than N -------------------------------------------------------


class Counting:
    """The careful bot over HTTP, counting the requests in flight; each answer takes 5 ms,
    so that requests sent together are in flight together."""

    def __init__(self) -> None:
        self.bot = reference_bot("careful")
        self.in_flight = self.most = self.requests = 0

    async def answer(self, request: web.Request) -> web.Response:
        self.in_flight += 1
        self.requests += 1
        self.most = max(self.most, self.in_flight)
        try:
            await asyncio.sleep(0.005)
            return web.json_response(self.bot(await request.json()))
        finally:
            self.in_flight -= 1

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/", self.answer)
        return app


@pytest.mark.parametrize(("concurrency", "least", "most"), [(16, 8, 16), (1, 1, 1)])
def test_the_bot_sees_up_to_n_requests_at_once_and_never_more(
    pack: Pack, concurrency: int, least: int, most: int
) -> None:
    counting = Counting()
    with serving(counting.app()) as url:
        options = RunOptions(bot=url, scenarios=(SOME[1],), concurrency=concurrency)
        result = run(pack, options)
    assert all(r.verdict == "pass" for r in result.results)
    assert counting.requests > 100
    assert least <= counting.most <= most


# -- faults are still results -------------------------------------------------------------------


async def _fails(request: web.Request) -> web.Response:
    return web.Response(status=500, text="Internal Server Error: database is down")


@pytest.fixture
def faulty(request: pytest.FixtureRequest) -> Iterator[str]:
    """The URL of a dead port, or of a server that answers every request with a 500."""
    if request.param == "dead":
        yield f"http://127.0.0.1:{free_port()}/"
        return
    app = web.Application()
    app.router.add_post("/", _fails)
    with serving(app) as url:
        yield url


@pytest.mark.parametrize(
    ("faulty", "cause"),
    [("dead", "connection refused"), ("500", "HTTP 500 Internal Server Error")],
    indirect=["faulty"],
    ids=["dead-port", "http-500"],
)
def test_faults_under_concurrency_give_every_conversation_an_error_verdict(
    pack: Pack, tmp_path: Path, faulty: str, cause: str
) -> None:
    done = harness("run", "--bot", faulty, "--concurrency", "16", "--out", "out", cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    errors = error_verdicts(tmp_path / "out", endpoint=faulty, cause=cause)
    assert len(errors) == len(plan(pack, RunOptions()))
    assert order(tmp_path / "out" / "results.json") == [c.conversation_id for c in plan(
        pack, RunOptions())]  # fmt: skip


def test_leaving_early_cancels_the_rest_and_leaks_nothing(pack: Pack) -> None:
    """A consumer that stops after a few conversations (Ctrl-C, a failing test): the others
    are cancelled, and shutting the adapter down closes every socket (no ResourceWarning,
    which pytest turns into an error)."""
    options = RunOptions(concurrency=16)
    counting = Counting()
    with serving(counting.app()) as url:
        adapter = open_bot(url)
        try:
            played = simulate(plan(pack, options), options, adapter)
            firsts = [next(played) for _ in range(3)]
            played.close()
        finally:
            adapter.shutdown()
    assert len(firsts) == 3
    # the conversations in flight when the consumer left got no further: the rest of the
    # pack (some 650 requests) was never played
    assert counting.requests < len(plan(pack, options)) / 3


# -- in process, and bad values ----------------------------------------------------------------


def test_an_in_process_bot_plays_one_at_a_time_and_says_so_once(
    in_process: dict[str, Path], tmp_path: Path
) -> None:
    done = harness("run", "--bot", "demo:careful", "--concurrency", "8", *SOME, "--out", "out",
                   cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr == (
        "harness: --concurrency 8: demo:careful runs in process, "
        "so its conversations are played one at a time\n"
    )
    expected = {k: v for k, v in verdicts(in_process["careful"]).items() if k.startswith("bank")}
    assert verdicts(tmp_path / "out" / "results.json") == expected


def test_a_concurrency_below_one_is_a_usage_error(pack: Pack, tmp_path: Path) -> None:
    done = harness("run", "--concurrency", "0", cwd=tmp_path)
    assert done.returncode == 2
    assert "--concurrency: expects a whole number from 1 to 1,024, got 0" in done.stderr
    with pytest.raises(ConfigError, match="--concurrency expects 1 or more, got 0"):
        plan(pack, RunOptions(concurrency=0))
