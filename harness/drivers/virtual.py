"""The virtual driver: simpy time, no real waiting. The CI default.

Each conversation runs in its own simpy Environment with its own view of the Desk, so a
conversation is reproducible on its own: rerunning one case, or splitting a run across
processes, gives the same transcript. The desk's other customers are modelled as
background load: each agent is busy with probability `occupancy`, for an exponential
residual handle time (memoryless, so this is the steady state of an M/M/c desk's busy
agents). Queue waits therefore come from the same seeded stream as everything else. A
desk shared by many concurrent conversations belongs to the load driver, not here.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Generator
from typing import Any

import simpy

from harness.adapters.base import Adapter, Reply, Session
from harness.conversation import AwaitAgent, Exchange, Pause, Play, ReleaseAgent
from harness.desk import DeskConfig
from harness.errors import AdapterError
from harness.model.transcript import Transcript

AGENT_NAMES = ("Sam", "Priya", "Jonas", "Amara", "Lucia", "Tom", "Mei", "Kofi")


class Desk:
    """This conversation's view of the desk: who is free, and when the busy ones will be.

    Sampled at the first handoff: each agent is busy with the desk's other customers with
    probability `occupancy`, for an exponential residual handle time. A handoff waits for
    the earliest free agent; an agent taken stays busy until released.
    """

    def __init__(self, clock: Callable[[], float], config: DeskConfig, rng: random.Random) -> None:
        self.clock = clock  # the conversation's: simpy's, or the concurrent driver's
        self.config = config
        self.rng = rng
        self.free_at: list[float] | None = None
        self.taken: int | None = None

    def acquire(self, priority: int) -> float:
        """Seconds until an agent is free; that agent is then this customer's."""
        now = self.clock()
        if self.free_at is None:
            mean = self.config.handle_seconds
            self.free_at = [
                now + self.rng.expovariate(1.0 / mean)
                if self.rng.random() < self.config.occupancy
                else now
                for _ in range(self.config.agents)
            ]
        self.taken = min(range(len(self.free_at)), key=self.free_at.__getitem__)
        return max(0.0, self.free_at[self.taken] - now)

    def release(self) -> None:
        if self.free_at is not None and self.taken is not None:
            self.free_at[self.taken] = self.clock()
            self.taken = None


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
    desk_view = Desk(lambda: env.now, desk, rng)
    done = env.process(_drive(env, start(lambda: env.now), adapter, desk_view, rng,
                              latency))  # fmt: skip
    env.run()
    result = done.value
    assert isinstance(result, Transcript)
    return result


def _drive(
    env: simpy.Environment,
    play: Play,
    adapter: Adapter,
    desk: Desk,
    rng: random.Random,
    latency: float,
) -> Generator[Any, Any, Transcript]:
    value: Any = None
    sessions: dict[str, Session] = {}  # closed with the adapter when the conversation ends
    while True:
        try:
            effect = play.send(value)
        except StopIteration as stop:
            for session in sessions.values():
                adapter.close(session)
            return stop.value  # type: ignore[no-any-return]
        value = None
        if type(effect) is Pause:
            if effect.seconds > 0:
                yield env.timeout(effect.seconds)
        elif type(effect) is Exchange:
            # Thinking and the bot's latency are one clock event; the bot is called at the
            # moment the message is sent, which is all an in-process bot can observe.
            sent = env.now + effect.think
            sessions[effect.session.conversation_id] = effect.session
            try:
                reply: Reply | AdapterError = adapter.send(effect.session, effect.text)
            except AdapterError as exc:
                reply = exc
            took = reply.latency if isinstance(reply, Reply) else None
            yield env.timeout(effect.think + (latency if took is None else took))
            value = (sent, reply)
        elif type(effect) is AwaitAgent:
            wait = desk.acquire(effect.priority)
            if wait > 0:
                yield env.timeout(wait)
            value = rng.choice(AGENT_NAMES)
        elif type(effect) is ReleaseAgent:
            desk.release()
