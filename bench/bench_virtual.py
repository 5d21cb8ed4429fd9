"""Benchmark: the bundled pack against demo:careful in virtual time, on one core.

Prints conversations/s and turns/s for
  end-to-end   harness.run(): play, check, compute metrics, write every transcript and
               results.json (what `harness run` does, minus the terminal summary)
  simulation   the conversations alone (customer, bot, lexicon, desk, simpy clock)
  bare loop    the same customer messages, sent straight to a fresh bot function
and the ratio of each to the bare loop, plus peak memory (max RSS of this process).

    python bench/bench_virtual.py [--conversations 10000] [--seed 0] [--rounds 3]

Not a test: figures depend on the machine. Each phase runs `--rounds` times, interleaved,
and the best round is shown (on a shared machine the minimum is the least noisy estimate).
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from harness import RunOptions, bundled_dir, load_pack, run
from harness.adapters import open_bot
from harness.bots import reference_bot
from harness.lexicon import Lexicon
from harness.runner import plan, play_case


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as the target says

    pack = load_pack([bundled_dir("personas"), bundled_dir("scenarios")])
    per_repeat = len(plan(pack, RunOptions()))
    options = RunOptions(seed=args.seed, repeat=math.ceil(args.conversations / per_repeat))
    cases = plan(pack, options)

    # The bare loop replays each message the customers sent to the bot, in the same order
    # and sessions, to a fresh bot: the floor that no harness can go under.
    result = run(pack, options)
    turns = sum(r.transcript.turns for r in result.results if r.transcript)
    requests = [
        {"conversation_id": e.data["conversation_id"], "customer_id": r.transcript.customer_id,
         "channel": e.channel, "contact": e.contact, "text": e.text}
        for r in result.results if r.transcript for e in r.transcript.events
        if e.kind == "customer_message" and e.data.get("to", "bot") == "bot"
    ]  # fmt: skip
    lexicons = {s.id: Lexicon(s) for s in pack.scenarios.values()}
    best = {"end-to-end": math.inf, "in memory": math.inf, "simulation": math.inf, "bare loop": math.inf}
    for _ in range(args.rounds):
        with tempfile.TemporaryDirectory() as tmp:
            best["end-to-end"] = min(best["end-to-end"], _timed(
                lambda: run(pack, options, Path(tmp) / "run", keep_transcripts=False)))
        best["in memory"] = min(best["in memory"], _timed(lambda: run(pack, options)))
        adapter = open_bot("demo:careful")
        best["simulation"] = min(best["simulation"], _timed(
            lambda: [play_case(c, adapter, options, lexicons[c.scenario.id]) for c in cases]))
        bot = reference_bot("careful")
        best["bare loop"] = min(best["bare loop"], _timed(lambda: [bot(r) for r in requests]))

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    n = len(result.results)
    print(f"{n} conversations, {turns} turns ({turns / n:.2f} per conversation), "
          f"{len(requests)} bot requests, seed {args.seed}, one core")  # fmt: skip
    print(f"{'':14}{'seconds':>9}{'conv/s':>10}{'turns/s':>10}{'× bare':>9}   (best of {args.rounds})")
    for name, seconds in best.items():
        print(f"{name:14}{seconds:9.2f}{n / seconds:10.0f}{turns / seconds:10.0f}"
              f"{seconds / best['bare loop']:9.1f}")  # fmt: skip
    print("end-to-end: run() writing every transcript and results.json; in memory: run() with "
          "checks and KPIs, nothing written;\nsimulation: the conversations alone; bare loop: "
          "the same bot requests straight to the bot function")
    print(f"peak memory (max RSS): {peak:.0f} MiB")


def _timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
