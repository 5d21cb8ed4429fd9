"""The virtual driver: simpy time, no real waiting. The CI default.

Each conversation runs in its own simpy Environment with its own Desk, so a conversation
is reproducible on its own: rerunning one case, or splitting a run across processes,
gives the same transcript. The desk's other customers are modelled as background load:
at the start each agent is busy with probability `occupancy`, for an exponential residual
handle time (memoryless, so this is the steady state of an M/M/c desk's busy agents).
Queue waits for a handoff therefore come from the same seeded stream as everything else.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Generator
from typing import Any

import simpy

from harness.adapters.base import Adapter, Reply
from harness.conversation import AwaitAgent, Exchange, Pause, Play, ReleaseAgent
from harness.desk import DeskConfig
from harness.errors import AdapterError
from harness.model.transcript import Transcript

AGENT_NAMES = ("Sam", "Priya", "Jonas", "Amara", "Lucia", "Tom", "Mei", "Kofi")


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
    agents = simpy.PriorityResource(env, capacity=desk.agents)
    for _ in range(desk.agents):
        if rng.random() < desk.occupancy:
            env.process(_busy(env, agents, rng.expovariate(1.0 / desk.handle_seconds)))
    done = env.process(_drive(env, start(lambda: env.now), adapter, agents, rng, latency))
    env.run()
    result = done.value
    assert isinstance(result, Transcript)
    return result


def _busy(env: simpy.Environment, agents: simpy.PriorityResource, seconds: float) -> Any:
    with agents.request(priority=0) as request:
        yield request
        yield env.timeout(seconds)


def _drive(
    env: simpy.Environment,
    play: Play,
    adapter: Adapter,
    agents: simpy.PriorityResource,
    rng: random.Random,
    latency: float,
) -> Generator[Any, Any, Transcript]:
    value: Any = None
    request = None
    while True:
        try:
            effect = play.send(value)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        value = None
        if type(effect) is Pause:
            if effect.seconds > 0:
                yield env.timeout(effect.seconds)
        elif type(effect) is Exchange:
            try:
                value = adapter.send(effect.session, effect.text)
            except AdapterError as exc:
                value = exc
            took = value.latency if isinstance(value, Reply) else None
            yield env.timeout(latency if took is None else took)
        elif type(effect) is AwaitAgent:
            request = agents.request(priority=effect.priority)
            yield request
            value = rng.choice(AGENT_NAMES)
        elif type(effect) is ReleaseAgent and request is not None:
            agents.release(request)
            request = None
