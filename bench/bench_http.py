"""Benchmark: many conversations at once against a native HTTP bot.

The bot runs as a subprocess on a core of its own; this script runs on another. The bot is
`harness demo-bot serve --bot careful`, or with `--null` bench/null_bot.py, a raw asyncio
server answering every POST with one fixed native reply at once: a bot that outruns any
client, so that what is measured is the client. For each concurrency N it prints
conversations/s, turns/s and requests/s of
  harness     harness.run() of the bundled pack (×repeat) with --concurrency N against the
              served bot: customers, conversations, checks and KPIs, results in memory
  adapter     the same requests through the harness's own HTTP adapter (`asend` on its
              loop), N at once, with no customer, conversation or transcript: what the
              adapter alone costs, the floor of the harness
  bare loop   the very same native requests (recorded from a virtual run in process, or
              against the null bot from a run against it, its replies being fixed), sent
              with a plain aiohttp ClientSession by N workers, each conversation's requests
              in order: the floor that no harness can go under
and the ratio of each to the bare loop (of turns/s). Between the adapter and the harness lies
the conversation work (customer, lexicon, transcript, checks); between the bare loop and the
adapter, the adapter's own. The server is restarted before every phase:
the bot remembers its customers, and each phase must find it as fresh as the other did.
The last line is `ratio at concurrency N: P% of the bare loop`, N the highest asked for.

    python bench/bench_http.py [--null] [--conversations 3000] [--concurrency 1 8 32 64]
                               [--seed 0] [--rounds 3]

Not a test: figures depend on the machine. Each phase runs `--rounds` times, interleaved,
and the best round is shown (on a shared machine the minimum is the least noisy estimate).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import aiohttp
from bench_virtual import cpu_model

from harness import RunOptions, bundled_dir, load_pack, run
from harness.adapters import open_bot
from harness.adapters.base import supports_async
from harness.model.protocol import Session
from harness.run import Case, plan, simulate

Conversation = list[dict[str, Any]]  # one conversation's native requests, in order


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--null", action="store_true", help="against bench/null_bot.py")
    parser.add_argument("--conversations", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32, 64])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"machine: {cpu_model()}, {os.cpu_count()} cores; Python {platform.python_version()}")
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if len(cores) >= 2:
        os.sched_setaffinity(0, {cores[0]})  # the harness here, the bot on cores[1]
    bot = NULL_BOT if args.null else DEMO_BOT
    served = partial(serving, bot, cores[1:])

    pack = load_pack([bundled_dir("personas"), bundled_dir("scenarios")])
    per_repeat = len(plan(pack, RunOptions()))
    base = RunOptions(seed=args.seed, repeat=math.ceil(args.conversations / per_repeat))
    cases = plan(pack, base)
    recorded = record(cases, base, served if args.null else None)
    requests = sum(len(c) for c in recorded)

    best: dict[tuple[str, int], float] = {}
    turns = 0
    for _ in range(args.rounds):
        for n in args.concurrency:
            with served() as url:
                options = replace(base, bot=url, concurrency=n)
                seconds, result = _timed(partial(run, pack, options))
            if not args.null:
                assert all(r.verdict == "pass" for r in result.results), "the careful bot failed"
            turns = sum(r.metrics["turns"] for r in result.results)
            _keep(best, ("harness", n), seconds)
            with served() as url:
                seconds, _ = _timed(partial(adapter_loop, url, recorded, n))
            _keep(best, ("adapter", n), seconds)
            with served() as url:
                seconds, _ = _timed(partial(asyncio.run, bare_loop(url, recorded, n)))
            _keep(best, ("bare loop", n), seconds)

    conversations = len(cases)
    print(f"{bot[-1]}: {conversations} conversations, {turns} turns, {requests} bot requests, "
          f"seed {args.seed}; the bot on a core of its own: {len(cores) >= 2}; "
          f"best of {args.rounds}")  # fmt: skip
    print(f"{'':10}{'N':>4}{'seconds':>9}{'conv/s':>9}{'turns/s':>9}{'req/s':>9}{'ratio':>8}")
    for n in args.concurrency:
        for phase in ("harness", "adapter", "bare loop"):
            s = best[(phase, n)]
            ratio = best[("bare loop", n)] / s
            print(f"{phase:10}{n:4}{s:9.2f}{conversations / s:9.0f}{turns / s:9.0f}"
                  f"{requests / s:9.0f}{ratio:8.0%}")  # fmt: skip
    print("ratio: harness ÷ bare loop, of the same work per second (target: "
          f"{75 if args.null else 90}% or more at concurrency 64)")  # fmt: skip
    top = max(args.concurrency)
    ratio = best[("bare loop", top)] / best[("harness", top)]
    floor = best[("bare loop", top)] / best[("adapter", top)]
    print(f"adapter alone at concurrency {top}: {floor:.0%} of the bare loop; per request: "
          f"harness {best[('harness', top)] / requests * 1e6:.0f} µs, adapter "
          f"{best[('adapter', top)] / requests * 1e6:.0f} µs, bare loop "
          f"{best[('bare loop', top)] / requests * 1e6:.0f} µs")  # fmt: skip
    print(f"ratio at concurrency {top}: {ratio:.0%} of the bare loop")


def record(
    cases: list[Case], options: RunOptions, served: Callable[[], Any] | None
) -> list[Conversation]:
    """The native requests of every conversation, as the harness sends them: from a virtual
    run in process against the same (deterministic) demo bot, or from a run against the
    served null bot."""
    if served is None:
        return [requests_of(t) for _, t in simulate(cases, options)]
    with served() as url:
        live = replace(options, bot=url, concurrency=64)
        played = {id(case): t for case, t in simulate(cases, live)}
    return [requests_of(played[id(case)]) for case in cases]


def requests_of(transcript: Any) -> Conversation:
    """The native requests the customer sent to the bot in one conversation, in order."""
    return [
        {"conversation_id": e.data["conversation_id"], "customer_id": transcript.customer_id,
         "channel": e.channel, "contact": e.contact, "text": e.text}
        for e in transcript.events
        if e.kind == "customer_message" and e.data.get("to", "bot") == "bot"
    ]  # fmt: skip


async def bare_loop(url: str, conversations: list[Conversation], n: int) -> None:
    """N workers, each sending the next conversation's requests one after another."""
    pending = iter(conversations)  # shared: each conversation is taken once

    async def worker(client: aiohttp.ClientSession) -> None:
        for conversation in pending:
            for body in conversation:
                async with client.post(url, json=body) as response:
                    response.raise_for_status()
                    json.loads(await response.read())

    async with aiohttp.ClientSession() as client:
        await asyncio.gather(*(worker(client) for _ in range(n)))


def adapter_loop(url: str, conversations: list[Conversation], n: int) -> None:
    """The bare loop's requests through the harness's HTTP adapter: N workers awaiting
    `asend` on the adapter's own loop, as the concurrent driver does, with nothing else."""
    adapter = open_bot(url)
    assert supports_async(adapter)
    pending = iter(conversations)  # shared: each conversation is taken once

    async def worker() -> None:
        for conversation in pending:
            for body in conversation:
                session = Session(body["conversation_id"], body["customer_id"],
                                  body["channel"], body["contact"])  # fmt: skip
                await adapter.asend(session, body["text"])

    async def workers() -> None:
        await asyncio.gather(*(worker() for _ in range(n)))

    try:
        asyncio.run_coroutine_threadsafe(workers(), adapter.event_loop()).result()
    finally:
        adapter.shutdown()


DEMO_BOT = (sys.executable, "-m", "harness", "demo-bot", "serve", "--bot", "careful",
            "--port", "0", "the served demo bot")  # fmt: skip
NULL_BOT = (sys.executable, str(Path(__file__).with_name("null_bot.py")), "--port", "0",
            "the null bot")  # fmt: skip


@contextmanager
def serving(bot: tuple[str, ...], cores: list[int]) -> Iterator[str]:
    """A fresh server of `bot` (its command, then its name) on a free port (on `cores`)."""
    server = subprocess.Popen(bot[:-1], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        found = re.search(r"http://\S+", server.stdout.readline())
        assert found, "the server did not say where it listens"
        if cores:
            os.sched_setaffinity(server.pid, set(cores))
        yield found[0]
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=10)
        if server.stdout is not None:
            server.stdout.close()


def _keep(best: dict[tuple[str, int], float], key: tuple[str, int], seconds: float) -> None:
    best[key] = min(best.get(key, math.inf), seconds)


def _timed(work: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


if __name__ == "__main__":
    main()
