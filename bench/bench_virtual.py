"""Benchmark: the bundled pack against demo:careful in virtual time, on one core.

Prints conversations/s and turns/s for
  end-to-end   harness.run(): play, check, compute metrics, write every transcript and
               results.json (what `harness run` does, minus the terminal summary)
  in memory    harness.run() without an output folder: every result kept in memory
  simulation   the conversations alone (customer, bot, lexicon, desk, simpy clock), each
               dropped once played, as the CLI does
  bare loop    the same customer messages, sent straight to a fresh bot function
  report.html  building the run's report.html from its results.json, as `harness run`
               does after the run (timed apart, not part of end-to-end)
and the ratio of each to the bare loop, plus the end-to-end run's peak memory; then the
end-to-end run on one worker process and on two (`--workers 2`), both free to use every
core, and the speedup of two. The last line is

    ratios: simulation X.XX, end-to-end Y.YY, workers-2 speedup Z.ZZ

    python bench/bench_virtual.py [--conversations 10000] [--seed 0] [--rounds 3]
                                  [--out-dir reports]

The end-to-end runs write into a scratch folder under `--out-dir` (default `reports/`,
where `harness run` writes), removed afterwards. Creating a file costs very different
amounts on different folders of one machine (a crowded /tmp has been seen at 20x the cost
of the same disk elsewhere), so the script prints what one file costs there.

Not a test: figures depend on the machine. Each phase runs `--rounds` times, interleaved,
and the best round is shown (on a shared machine the minimum is the least noisy estimate).
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import resource
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from harness import RunOptions, bundled_dir, load_pack, run
from harness.adapters import Adapter, open_bot
from harness.bots import reference_bot
from harness.report.html import write_report
from harness.run import Case, plan, simulate
from harness.run.workers import cores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out-dir", type=Path, default=Path("reports"),
                        help="where the end-to-end runs write (default: reports/)")  # fmt: skip
    args = parser.parse_args()
    print(f"machine: {cpu_model()}, {cores()} cores this process may use, "
          f"{os.cpu_count()} in all; Python {platform.python_version()}")  # fmt: skip
    every_core = os.sched_getaffinity(0) if hasattr(os, "sched_setaffinity") else None
    if every_core is not None:
        os.sched_setaffinity(0, {min(every_core)})  # one core, as the target says

    args.out_dir.mkdir(parents=True, exist_ok=True)
    pack = load_pack([bundled_dir("personas"), bundled_dir("scenarios")])
    per_repeat = len(plan(pack, RunOptions()))
    options = RunOptions(seed=args.seed, repeat=math.ceil(args.conversations / per_repeat))
    cases = plan(pack, options)

    def end_to_end(workers: int = 1, report: bool = False) -> float:
        """The run's seconds; with `report`, report.html's too, kept in `best`."""
        with tempfile.TemporaryDirectory(prefix="bench-", dir=args.out_dir) as tmp:
            out = Path(tmp) / "run"
            seconds = _timed(partial(run, pack, replace(options, workers=workers), out,
                                     keep_transcripts=False))  # fmt: skip
            if report:  # what `harness run` does next, timed apart
                built = _timed(partial(write_report, out))
                best["report.html"] = min(best.get("report.html", math.inf), built)
        return seconds

    # Peak memory first, before this script holds anything of its own: what `harness run`
    # needs for the whole run.
    best: dict[str, float] = {}
    best["end-to-end"] = end_to_end()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    # The bare loop replays each message the customers sent to the bot, in the same order
    # and sessions, to a fresh bot: the floor that no harness can go under.
    requests = bot_requests(cases, options)
    turns = 0
    for _ in range(args.rounds):
        best["end-to-end"] = min(best["end-to-end"], end_to_end(report=True))
        best["in memory"] = min(
            best.get("in memory", math.inf), _timed(partial(run, pack, options))
        )
        # A fresh bot each round: the reference bots remember their customers.
        adapter = open_bot("demo:careful")
        started = time.perf_counter()
        turns = play_all(cases, adapter, options)
        best["simulation"] = min(best.get("simulation", math.inf), time.perf_counter() - started)
        bare = _timed(partial(bare_loop, requests))
        best["bare loop"] = min(best.get("bare loop", math.inf), bare)

    if every_core is not None:
        os.sched_setaffinity(0, every_core)
    for _ in range(args.rounds):  # interleaved too, both free to use every core
        for workers in (1, 2):
            name = f"{workers} worker{'s' * (workers > 1)}"
            best[name] = min(best.get(name, math.inf), end_to_end(workers))

    n = len(cases)
    print(f"{n} conversations, {turns} turns ({turns / n:.2f} per conversation), "
          f"{len(requests)} bot requests, seed {args.seed}, one core")  # fmt: skip
    print(
        f"{'':14}{'seconds':>9}{'conv/s':>10}{'turns/s':>10}{'× bare':>9}   (best of {args.rounds})"
    )
    for name, seconds in best.items():
        print(f"{name:14}{seconds:9.2f}{n / seconds:10.0f}{turns / seconds:10.0f}"
              f"{seconds / best['bare loop']:9.1f}")  # fmt: skip
    print(
        "end-to-end: run() writing every transcript and results.json; in memory: run() with "
        "checks and KPIs, nothing written;\nsimulation: the conversations alone; bare loop: "
        "the same bot requests straight to the bot function"
    )
    print("report.html: `harness run`'s next step, the page built from the end-to-end run's "
          "results.json (not in the end-to-end figure)")  # fmt: skip
    print(f"peak memory of the end-to-end run (max RSS): {peak:.0f} MiB")
    print(f"creating one small file in {args.out_dir}/: {file_cost(args.out_dir) * 1e6:.0f} µs")
    print("1 worker, 2 workers: the end-to-end run with --workers 1 and 2, on every core")
    bare = best["bare loop"]
    print(f"ratios: simulation {best['simulation'] / bare:.2f}, "
          f"end-to-end {best['end-to-end'] / bare:.2f}, "
          f"workers-2 speedup {best['1 worker'] / best['2 workers']:.2f}")  # fmt: skip


def cpu_model() -> str:
    """The CPU's model name, as the kernel reports it where it does."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def file_cost(folder: Path, files: int = 2000) -> float:
    """Seconds to create, write and close one small file in a fresh folder under `folder`."""
    with tempfile.TemporaryDirectory(prefix="bench-", dir=folder) as tmp:
        started = time.perf_counter()
        for i in range(files):
            (Path(tmp) / f"{i}.jsonl").write_bytes(b"{}\n" * 100)
        return (time.perf_counter() - started) / files


def play_all(cases: list[Case], adapter: Adapter, options: RunOptions) -> int:
    """The conversations alone; like the CLI, keeps none of them once played."""
    return sum(transcript.turns for _, transcript in simulate(cases, options, adapter))


def bot_requests(cases: list[Case], options: RunOptions) -> list[dict[str, Any]]:
    """Each message the customers sent to the bot, in order, as the bot received it."""
    return [
        {"conversation_id": e.data["conversation_id"], "customer_id": t.customer_id,
         "channel": e.channel, "contact": e.contact, "text": e.text}
        for _, t in simulate(cases, options) for e in t.events
        if e.kind == "customer_message" and e.data.get("to", "bot") == "bot"
    ]  # fmt: skip


def bare_loop(requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    bot = reference_bot("careful")
    return [bot(r) for r in requests]


def _timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
