"""The load driver: open arrivals, every conversation on one simpy Environment, one desk.

Conversations arrive at the times given (a Poisson process drawn by the caller), each
becomes a simpy process (`drive`, over the shared step) and all their
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
from harness.conversation.desk import DeskView, Queued
from harness.conversation.play import Exchange, Play
from harness.drivers.step import Steps, steps
from harness.errors import AdapterError
from harness.model.protocol import Reply
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


def drive(
    env: simpy.Environment, conversation: Steps, adapter: Adapter
) -> Generator[Any, Any, Transcript]:
    """A simpy process doing what `conversation` needs: time passes, the bot is called,
    a queued handoff waits for the shared desk."""
    value: Reply | AdapterError | bool | None = None
    while True:
        try:
            need = conversation.send(value)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        value = None
        if isinstance(need, Exchange):
            try:
                value = adapter.send(need.session, need.text)
            except AdapterError as exc:
                value = exc
        elif isinstance(need, int | float):
            yield env.timeout(need)
        elif isinstance(need, Queued):
            value = yield need.event
        else:
            adapter.close(need)
