"""The load driver: open arrivals, every conversation on one simpy Environment, one desk.

Conversations arrive at the times given (a Poisson process drawn by the caller), each
becomes a simpy process (drivers.virtual.drive over the shared step) and all their
handoffs go to the same desk, so they queue for the same agents. Virtual time: as fast as
the machine allows, the same seed the same run. Each finished conversation is handed to
`finish` at once, so the caller can write it and let it go.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Generator, Iterable
from functools import partial
from typing import Any

import simpy

from harness.adapters.base import Adapter
from harness.conversation.desk import DeskView
from harness.conversation.play import Play
from harness.drivers.step import steps
from harness.drivers.virtual import drive
from harness.model.transcript import Transcript

Clock = Callable[[], float]
Begin = Callable[[int, Clock], tuple[Play, random.Random]]  # the i-th arrival's conversation
Finish = Callable[[int, float, Transcript], None]  # arrival index, arrival time, transcript


def run_load(
    env: simpy.Environment,
    arrivals: Iterable[float],
    begin: Begin,
    adapter: Adapter,
    desk: DeskView,
    finish: Finish,
    *,
    latency: float = 1.0,
) -> None:
    """Play a conversation at each arrival time (seconds, ascending) until all have ended."""
    clock: Clock = lambda: env.now  # noqa: E731 (every conversation's clock is the run's)
    state = {"open": 0, "arriving": True}
    done = env.event()

    def ended(i: int, at: float, process: simpy.Event) -> None:
        state["open"] -= 1
        transcript = process.value
        assert isinstance(transcript, Transcript)
        finish(i, at, transcript)
        if not state["open"] and not state["arriving"]:
            done.succeed()

    def arrive() -> Generator[simpy.Event, Any, None]:
        for i, at in enumerate(arrivals):
            if at > env.now:
                yield env.timeout(at - env.now)
            play, rng = begin(i, clock)
            process = env.process(drive(env, steps(play, desk, rng, latency, clock), adapter))
            state["open"] += 1
            process.callbacks.append(partial(ended, i, env.now))
        state["arriving"] = False
        if not state["open"]:
            done.succeed()

    env.process(arrive())
    env.run(until=done)
