"""The virtual driver: simpy time, no real waiting. The CI default.

Each conversation runs in its own simpy Environment with its own view of the Desk
(conversation.desk), so a conversation is reproducible on its own: rerunning one case, or
splitting a run across processes, gives the same transcript. A desk shared by many
concurrent conversations belongs to the load driver (drivers.load), which drives each of
its conversations with `drive` on one shared Environment.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Generator
from typing import Any

import simpy

from harness.adapters.base import Adapter
from harness.conversation.desk import Desk, DeskConfig, Queued
from harness.conversation.play import Exchange, Play
from harness.drivers.step import Steps, steps
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
    env = simpy.Environment()
    clock = lambda: env.now  # noqa: E731 (the conversation's clock is simpy's)
    conversation = steps(start(clock), Desk(clock, desk, rng), rng, latency, clock)
    done = env.process(drive(env, conversation, adapter))
    env.run()
    result = done.value
    assert isinstance(result, Transcript)
    return result


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
