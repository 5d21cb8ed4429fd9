"""The virtual driver: a plain float clock, no real waiting. The CI default.

Each conversation runs on its own clock (drivers.step.Clock) with its own view of the Desk
(conversation.desk), so a conversation is reproducible on its own: rerunning one case, or
splitting a run across processes, gives the same transcript. Such a conversation shares no
resource with another, so nothing needs an event queue: time passing is one addition, as
it is on a simpy Environment's clock (the same sums, the same floats, the same
transcript), at a fraction of the cost. A desk shared by many concurrent conversations
belongs to the load driver (drivers.load), whose conversations queue on one shared simpy
Environment.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from harness.adapters.base import Adapter
from harness.conversation.desk import Desk, DeskConfig, Queued
from harness.conversation.play import Exchange, Play
from harness.drivers.step import Clock, Steps, steps
from harness.errors import AdapterError
from harness.model.protocol import Reply
from harness.model.transcript import Transcript


def run_virtual(
    start: Callable[[Callable[[], float]], Play],
    adapter: Adapter,
    rng: random.Random,
    *,
    desk: DeskConfig,
    latency: float = 1.0,
) -> Transcript:
    """Play one conversation in virtual time; `start(clock)` makes its generator."""
    clock = Clock()
    return drive(steps(start(clock), Desk(clock, desk, rng), rng, latency, clock), adapter, clock)


def drive(conversation: Steps, adapter: Adapter, clock: Clock) -> Transcript:
    """Do what `conversation` needs: time passes on `clock`, the bot is called, a session
    is closed."""
    value: Reply | AdapterError | None = None
    send = conversation.send
    while True:
        try:
            need = send(value)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        value = None
        if isinstance(need, Exchange):
            try:
                value = adapter.send(need.session, need.text)
            except AdapterError as exc:
                value = exc
        elif isinstance(need, int | float):
            clock.now += need
        elif isinstance(need, Queued):  # a conversation's own desk answers in seconds
            raise TypeError("only the load driver waits on a shared desk's queue")
        else:
            adapter.close(need)
