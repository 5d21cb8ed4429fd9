"""Benchmark: the simulation against the bare loop in CPU instructions, not seconds.

On a machine shared with other work, seconds move by a fifth from run to run; the number
of instructions a piece of work executes hardly moves. This script runs itself twice under
valgrind's callgrind (which must be installed), each time warming the process with one
round of both phases of bench_virtual.py (the bundled pack against demo:careful, seed 0)
and then counting the instructions of one round of one phase alone:

  simulation   the conversations alone (bench_virtual's `play_all`)
  bare loop    the same bot requests straight to a fresh bot function (`bare_loop`)

and prints both, per turn, and last

    instructions: simulation ÷ bare loop X.XXX

    python bench/bench_instructions.py [--conversations 10000]

It takes about 50 times as long as the work itself (some 5 minutes for 10,000
conversations). Not a test: the figures depend on the Python build, not on the load.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench_virtual import bare_loop, bot_requests, play_all

from harness import RunOptions, bundled_dir, load_pack
from harness.adapters import open_bot
from harness.run import Case, plan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--phase", choices=("simulation", "bare"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase is not None:  # under valgrind: warm up, then count one phase
        counted(args.phase, args.conversations)
        return
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        sys.exit("bench_instructions: needs valgrind (with callgrind_control) on the PATH")
    counts = {phase: instructions(phase, args.conversations) for phase in ("simulation", "bare")}
    turns, requests = counts_of_work(args.conversations)
    print(f"{args.conversations} conversations asked for: {turns} turns, {requests} bot "
          f"requests; Python {sys.version.split()[0]}")  # fmt: skip
    for phase, label in (("simulation", "simulation"), ("bare", "bare loop")):
        print(f"{label:12}{counts[phase] / 1e6:10.1f} million instructions"
              f"{counts[phase] / turns / 1e3:8.1f} thousand a turn")  # fmt: skip
    print(f"instructions: simulation ÷ bare loop {counts['simulation'] / counts['bare']:.3f}")


def instructions(phase: str, conversations: int) -> int:
    """What one round of `phase` executes, counted by callgrind in a fresh process."""
    command = ["valgrind", "--tool=callgrind", "--instr-atstart=no",
               "--callgrind-out-file=/dev/null", sys.executable, str(Path(__file__)),
               "--phase", phase, "--conversations", str(conversations)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None or int(found[1]) == 0:
        sys.exit(f"bench_instructions: callgrind counted nothing for {phase}:\n{done.stderr}")
    return int(found[1])


def workload(conversations: int) -> tuple[list[Case], RunOptions, list[dict[str, Any]]]:
    """bench_virtual's cases, options and recorded bot requests."""
    pack = load_pack([bundled_dir("personas"), bundled_dir("scenarios")])
    per_repeat = len(plan(pack, RunOptions()))
    options = RunOptions(seed=0, repeat=math.ceil(conversations / per_repeat))
    cases = plan(pack, options)
    requests = bot_requests(cases, options)
    return cases, options, requests


def counts_of_work(conversations: int) -> tuple[int, int]:
    """Turns and bot requests of the workload (played here, outside valgrind)."""
    cases, options, requests = workload(conversations)
    return play_all(cases, open_bot("demo:careful"), options), len(requests)


def counted(phase: str, conversations: int) -> None:
    """Warm up with a round of each phase, then count one round of `phase` alone."""
    cases, options, requests = workload(conversations)
    play_all(cases, open_bot("demo:careful"), options)
    bare_loop(requests)
    _instrument("on")
    if phase == "simulation":
        play_all(cases, open_bot("demo:careful"), options)
    else:
        bare_loop(requests)
    _instrument("off")


def _instrument(state: str) -> None:
    """Turn callgrind's counting on or off in this process (retried: under load the
    request can time out)."""
    for _ in range(5):
        done = subprocess.run(["callgrind_control", "-i", state, str(os.getpid())],
                              capture_output=True, text=True)  # fmt: skip
        if done.returncode == 0 and "timed out" not in done.stdout + done.stderr:
            return
    sys.exit(f"bench_instructions: callgrind_control -i {state} failed: {done.stderr}")


if __name__ == "__main__":
    main()
