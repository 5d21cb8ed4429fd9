"""The Desk: simulated human agents who take handoffs.

Four parts. `DeskConfig` says how the desk is staffed. `Desk` is one conversation's view of
its queue, on the driver's clock (time-to-human includes the wait): the desk's other
customers are modelled as background load, each agent busy with probability `occupancy`
for an exponential residual handle time (memoryless, so this is the steady state of an
M/M/c desk's busy agents), drawn from the conversation's own seeded stream. `DeskAgent` is
what one human agent says, a sans-IO policy like the customer: it reads the handoff
context, asks only for the facts the scenario says a human needs and the context lacks,
then does what the customer came for. A competent human is the baseline the bot's handoff
is judged against. `DeskView` is what a driver's step asks of a desk: this per-conversation
view, or the one desk a load run shares (conversation.shared_desk), whose answer may be
`Queued`: wait for its event.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from harness.model.scenario import Scenario
from harness.model.transcript import facts_in_context


class DeskConfig(BaseModel):
    """Staffing of the simulated desk."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    agents: int = Field(4, ge=1, le=10_000, description="human agents on shift")
    handle_seconds: float = Field(
        240.0, gt=0, description="mean handle time of one conversation (exponential)"
    )
    occupancy: float = Field(
        0.6, ge=0, le=1, description="share of agents busy with other customers at the start"
    )
    reply_seconds: float = Field(20.0, ge=0, description="an agent's time to answer a message")


@dataclass(slots=True)  # built for every message of an agent: not frozen, for speed
class AgentSays:
    text: str
    asks: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    resolved: bool = False


@dataclass(slots=True)
class DeskAgent:
    scenario: Scenario
    name: str
    facts: dict[str, str]
    known: set[str] = field(default_factory=set)

    def join(self, context: dict[str, object]) -> AgentSays:
        """The agent picks up the handoff: learns what the context carries."""
        self.known = facts_in_context(self.facts, context)
        return self._next(f"Hi, this is {self.name}, a member of our team. I've read your case.")

    def hear(self, stated: dict[str, str]) -> AgentSays:
        self.known.update(stated)
        return self._next("Thank you.")

    def _next(self, lead: str) -> AgentSays:
        needed = self.scenario.expectations.context.handoff_facts
        missing = tuple(f for f in needed if f not in self.known and f in self.facts)
        if missing:
            labels = " and ".join(self.scenario.label(f) for f in missing)
            return AgentSays(f"{lead} Could you give me your {labels}?", asks=missing)
        goal = self.scenario.goal
        return AgentSays(
            f"{lead} I've taken care of that for you now.",
            actions=tuple(goal.evidence.actions),
            resolved=True,
        )


@dataclass(frozen=True, slots=True)
class Queued:
    """A handoff waiting in a shared desk's queue. The driver waits on `event` (a simpy
    event); its value is True once an agent takes the customer, False if the customer gave
    up waiting first."""

    event: object


class DeskView(Protocol):
    """What a conversation's step asks of a desk."""

    def acquire(self, priority: int) -> float | Queued:
        """Seconds until an agent is this customer's (lower `priority` is served first), or
        Queued when only the shared clock can tell."""
        ...

    def release(self) -> None:
        """The agent is done with this customer."""
        ...


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
