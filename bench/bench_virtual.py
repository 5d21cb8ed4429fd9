"""Benchmark: the bundled pack against demo:careful in virtual time, on one core.

Prints conversations/s and turns/s for
  end-to-end   harness.run(): play, check, compute metrics, write every transcript and
               results.json (what `harness run` does, minus the terminal summary)
  simulation   the conversations alone (customer, bot, lexicon, desk, simpy clock)
  bare loop    the same customer messages, sent straight to a fresh bot function
and the ratio of each to the bare loop, plus peak memory (max RSS of this process).

    python bench/bench_virtual.py [--conversations 10000] [--seed 0]

Not a test: figures depend on the machine. Run it on a quiet machine and compare ratios.
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import tempfile
import time
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
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as the target says

    pack = load_pack([bundled_dir("personas"), bundled_dir("scenarios")])
    per_repeat = len(plan(pack, RunOptions()))
    options = RunOptions(seed=args.seed, repeat=math.ceil(args.conversations / per_repeat))
    cases = plan(pack, options)

    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        result = run(pack, options, Path(tmp) / "run")
        end_to_end = time.perf_counter() - started
    turns = sum(r.transcript.turns for r in result.results)

    adapter = open_bot("demo:careful")
    lexicons = {s.id: Lexicon(s) for s in pack.scenarios.values()}
    started = time.perf_counter()
    for case in cases:
        play_case(case, adapter, options, lexicons[case.scenario.id])
    simulation = time.perf_counter() - started

    # The bare loop: each message the customers sent to the bot, in the same order and the
    # same sessions, to a fresh bot: the floor that no harness can go under.
    requests = [
        {"conversation_id": e.data["conversation_id"], "customer_id": r.transcript.customer_id,
         "channel": e.channel, "contact": e.contact, "text": e.text}
        for r in result.results for e in r.transcript.events
        if e.kind == "customer_message" and e.data.get("to", "bot") == "bot"
    ]  # fmt: skip
    bot = reference_bot("careful")
    started = time.perf_counter()
    for request in requests:
        bot(request)
    bare = time.perf_counter() - started

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    n = len(result.results)
    print(f"{n} conversations, {turns} turns ({turns / n:.2f} per conversation), "
          f"{len(requests)} bot requests, seed {args.seed}, one core")  # fmt: skip
    print(f"{'':14}{'seconds':>9}{'conv/s':>10}{'turns/s':>10}{'× bare':>9}")
    for name, seconds in (("end-to-end", end_to_end), ("simulation", simulation), ("bare loop", bare)):
        print(f"{name:14}{seconds:9.2f}{n / seconds:10.0f}{turns / seconds:10.0f}"
              f"{seconds / bare:9.1f}")  # fmt: skip
    print(f"peak memory (max RSS): {peak:.0f} MiB")


if __name__ == "__main__":
    main()
