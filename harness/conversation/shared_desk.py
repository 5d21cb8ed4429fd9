"""The one desk a load run shares: every conversation's handoffs queue for the same agents.

`DeskPlan` is desk.yaml: agents per time block of the day (shifts), the handle-time
distribution, the agent's reply time, the customers' patience in the queue and who is
served first. `SharedDesk` is its simpy model on the run's one Environment: a handoff
takes a free agent at once or waits in a priority queue (lower priority first, then first
come first served); the agent is busy for a handle time drawn for that handoff, then takes
the next customer waiting. A customer whose patience (exponential, mean `patience`) runs
out first leaves the queue. With exponential handle times and no abandonment this is
M/M/c, and its waits agree with Erlang C (tests/test_load_desk.py).

The model is callbacks on simpy events rather than a simpy Resource: a handoff costs one
timeout for its handle time (and one for patience when it waits), so the desk alone takes
well over 100,000 handoffs a second (bench/bench_desk.py).
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Generator
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, model_validator

from harness.conversation.desk import Queued
from harness.model.durations import Duration

DAY = 86_400.0
HOUR = 3_600.0
Rule = Literal["vulnerable", "high_stakes"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Shift(_Model):
    at: Duration = Field(description="when the block starts, from midnight, e.g. '8h'")
    agents: int = Field(ge=0, le=10_000, description="human agents on duty from then on")


class Handle(_Model):
    mean: Duration = Field(480.0, gt=0, description="mean handle time of one handoff, e.g. '8m'")
    distribution: Literal["exponential", "lognormal"] = Field(
        "exponential", description="how handle times spread around the mean"
    )
    sigma: float = Field(
        0.5, gt=0, le=3, description="lognormal only: the spread (sigma of the log)"
    )


class DeskPlan(_Model):
    """desk.yaml: how the one desk of a load run is staffed and how it serves."""

    agents: int = Field(4, ge=1, le=10_000, description="agents on duty all day (no shifts)")
    shifts: list[Shift] = Field(
        default_factory=list,
        description="agents per time block, repeated every day; replaces `agents`; the "
        "first block starts at 0h. An agent going off duty finishes the customer in hand",
    )
    handle: Handle = Field(default_factory=Handle, description="an agent's time per handoff")
    reply: Duration = Field(20.0, description="an agent's time to answer a customer's message")
    patience: Duration = Field(
        180.0, gt=0, description="mean time a customer waits in the queue before giving up"
    )
    abandonment: bool = Field(True, description="false: customers wait however long it takes")
    priority: list[Rule] = Field(
        default_factory=list,
        description="who is served first, most important first, e.g. [vulnerable, "
        "high_stakes]; by default first come first served (the M/M/c that Erlang C describes)",
    )

    @model_validator(mode="after")
    def _shifts_in_order(self) -> DeskPlan:
        starts = [s.at for s in self.shifts]
        if starts and (starts[0] != 0 or starts != sorted(set(starts)) or starts[-1] >= DAY):
            raise ValueError("shifts start at 0h and go up within one day, e.g. 0h, 8h, 18h")
        if self.shifts and not any(s.agents for s in self.shifts):
            raise ValueError("every shift has 0 agents: no handoff would ever be taken")
        return self

    def agents_at(self, t: float) -> int:
        """Agents on duty at `t` seconds from the run's start (midnight)."""
        if not self.shifts:
            return self.agents
        day = t % DAY
        return [s.agents for s in self.shifts if s.at <= day][-1]

    def priority_of(self, *, vulnerable: bool, high_stakes: bool) -> int:
        """0 is served first: one bit a rule, the first rule the most significant."""
        held = {"vulnerable": vulnerable, "high_stakes": high_stakes}
        return sum(0 if held[r] else 1 << (len(self.priority) - 1 - i)
                   for i, r in enumerate(self.priority))  # fmt: skip


class DeskClock(Protocol):
    """What the desk needs of its clock: simpy's Environment, or a live run's wall clock
    (drivers.live.WallClock) that offers the same four things."""

    @property
    def now(self) -> float: ...

    def event(self) -> Any:
        """An event a waiting customer is given; `succeed(value)` wakes it."""

    def timeout(self, delay: float) -> Any:
        """An event `delay` seconds from now whose `callbacks` are then called."""

    def process(self, generator: Generator[Any, Any, None]) -> Any:
        """Run a generator that yields timeouts."""


class SharedDesk:
    """The desk of a load run on its clock; also every conversation's DeskView."""

    def __init__(self, env: DeskClock, plan: DeskPlan, rng: random.Random) -> None:
        self.env = env
        self.plan = plan
        self.rng = rng
        self.on_duty = plan.agents_at(0.0)
        self.busy = 0
        self.waiting = 0
        self._queue: list[list[object]] = []  # heap of [priority, ticket, event, state]
        self._ticket = 0
        self.handoffs = self.abandoned = 0
        self.figures = _Figures()
        if plan.shifts:
            env.process(self._shifts())

    def acquire(self, priority: int) -> float | Queued:
        self.figures.advance(self)
        self.handoffs += 1
        if self.busy < self.on_duty and not self.waiting:
            self._start()
            return 0.0
        event = self.env.event()
        entry: list[object] = [priority, self._ticket, event, "waiting"]
        self._ticket += 1
        heapq.heappush(self._queue, entry)
        self.waiting += 1
        if self.plan.abandonment:
            patience = self.rng.expovariate(1.0 / self.plan.patience)
            self.env.timeout(patience).callbacks.append(lambda _: self._give_up(entry))
        return Queued(event)

    def release(self) -> None:
        """Nothing to do: the agent is busy for the drawn handle time, however the
        conversation goes on."""

    def _start(self) -> None:
        self.busy += 1
        self.env.timeout(self._handle()).callbacks.append(self._finish)

    def _handle(self) -> float:
        h = self.plan.handle
        if h.distribution == "exponential":
            return self.rng.expovariate(1.0 / h.mean)
        return self.rng.lognormvariate(math.log(h.mean) - h.sigma**2 / 2, h.sigma)

    def _finish(self, _: object) -> None:
        self.figures.advance(self)
        self.busy -= 1
        self._serve()

    def _serve(self) -> None:
        """Free agents on duty take the customers waiting, most urgent first."""
        while self.busy < self.on_duty and self._queue:
            entry = heapq.heappop(self._queue)
            if entry[3] != "waiting":
                continue  # gave up already: dropped lazily
            entry[3] = "served"
            self.waiting -= 1
            self._start()
            entry[2].succeed(True)  # type: ignore[attr-defined]

    def _give_up(self, entry: list[object]) -> None:
        if entry[3] == "waiting":
            self.figures.advance(self)
            entry[3] = "gone"
            self.waiting -= 1
            self.abandoned += 1
            entry[2].succeed(False)  # type: ignore[attr-defined]

    def _shifts(self) -> Generator[Any, Any, None]:
        starts = [s.at for s in self.plan.shifts]
        day = 0.0
        while True:
            for at in [*starts[1:], DAY]:
                yield self.env.timeout(day + at - self.env.now)
                self.figures.advance(self)
                self.on_duty = self.plan.agents_at(self.env.now)
                self._serve()
            day += DAY

    def summary(self) -> dict[str, object]:
        """The desk's figures for sla.json: utilisation, queue length, abandonment."""
        self.figures.advance(self)
        return self.figures.summary(self)


class _Figures:
    """Time-weighted desk figures, in total and per hour of the run."""

    def __init__(self) -> None:
        self.at = 0.0
        self.max_queue = 0
        self.hours: list[list[float]] = []  # per hour: [queue·s, busy·s, on duty·s]

    def advance(self, desk: SharedDesk) -> None:
        now = desk.env.now
        self.max_queue = max(self.max_queue, desk.waiting)
        while self.at < now:
            hour = int(self.at // HOUR)
            while len(self.hours) <= hour:
                self.hours.append([0.0, 0.0, 0.0])
            step = min(now, (hour + 1) * HOUR) - self.at
            row = self.hours[hour]
            row[0] += desk.waiting * step
            row[1] += min(desk.busy, max(desk.on_duty, desk.busy)) * step
            row[2] += max(desk.on_duty, desk.busy) * step
            self.at += step

    def summary(self, desk: SharedDesk) -> dict[str, object]:
        seconds = self.at or 1.0
        queue = sum(r[0] for r in self.hours)
        busy, staffed = sum(r[1] for r in self.hours), sum(r[2] for r in self.hours)
        return {
            "handoffs": desk.handoffs,
            "utilisation": round(busy / staffed, 4) if staffed else None,
            "queue_length": {"mean": round(queue / seconds, 4), "max": self.max_queue},
            "abandoned": desk.abandoned,
            "abandonment_rate": round(desk.abandoned / desk.handoffs, 4) if desk.handoffs else None,
            "hourly": [
                {
                    "hour": i,
                    "queue_length": round(r[0] / HOUR, 4),
                    "utilisation": round(r[1] / r[2], 4) if r[2] else None,
                }
                for i, r in enumerate(self.hours)
            ],
        }
