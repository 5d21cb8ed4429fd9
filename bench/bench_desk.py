"""Benchmark: the shared desk alone (conversation.shared_desk), in handoffs per second.

Handoffs arrive as a Poisson process at an M/M/c desk (80% busy, with abandonment, and
without) on a simpy Environment; each is a callback, as the load driver's conversations
see it, with no conversation around it. Prints handoffs/s (target: at least 100,000/s).

    python bench/bench_desk.py [--handoffs 1000000] [--agents 50] [--rounds 3]

Not a test: figures depend on the machine; the best of `--rounds` is shown.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Generator
from typing import Any

import simpy

from harness.conversation.shared_desk import DeskPlan, Handle, SharedDesk


def handoffs(plan: DeskPlan, n: int, rate: float) -> float:
    """Seconds to put `n` handoffs through the desk."""
    env = simpy.Environment()
    desk = SharedDesk(env, plan, random.Random(0))
    rng = random.Random(1)

    def arrivals() -> Generator[Any, Any, None]:
        for _ in range(n):
            yield env.timeout(rng.expovariate(rate))
            desk.acquire(1)  # a Queued answer is left to the desk: nobody waits on it here

    env.process(arrivals())
    start = time.perf_counter()
    env.run()
    took = time.perf_counter() - start
    assert desk.handoffs == n
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--handoffs", type=int, default=1_000_000)
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    handle = 480.0
    rate = 0.8 * args.agents / handle  # 80% busy
    for abandonment in (False, True):
        plan = DeskPlan(agents=args.agents, handle=Handle(mean=handle), abandonment=abandonment)
        best = min(handoffs(plan, args.handoffs, rate) for _ in range(args.rounds))
        label = "with abandonment" if abandonment else "no abandonment"
        print(f"desk, {args.agents} agents, 80% busy, {label}: "
              f"{args.handoffs / best:,.0f} handoffs/s")  # fmt: skip


if __name__ == "__main__":
    main()
