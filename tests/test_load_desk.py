"""The shared desk against queueing theory: Erlang C on M/M/c, Erlang A's direction,
shifts, priorities and the figures it reports."""

from __future__ import annotations

import math
import random
from collections.abc import Generator
from typing import Any

import pytest
import simpy

from harness.conversation.desk import Queued
from harness.conversation.shared_desk import DeskPlan, Handle, SharedDesk, Shift


def erlang_c_within(c: int, rate: float, mean_handle: float, t: float) -> float:
    """P(queue wait <= t) in an M/M/c queue (Erlang C), rate per second."""
    a = rate * mean_handle  # offered load in Erlangs
    assert a < c, "the queue must be stable"
    top = a**c / math.factorial(c) * c / (c - a)
    waits = top / (sum(a**k / math.factorial(k) for k in range(c)) + top)
    return 1 - waits * math.exp(-(c - a) / mean_handle * t)


def waits(
    plan: DeskPlan,
    rate: float,
    n: int,
    *,
    seed: int = 1,
    priorities: tuple[int, ...] = (1,),
) -> list[tuple[int, float | None]]:
    """(priority, queue wait) of `n` Poisson arrivals; None for those who gave up."""
    env = simpy.Environment()
    desk = SharedDesk(env, plan, random.Random(seed))
    rng = random.Random(seed + 1)
    seen: list[tuple[int, float | None]] = []
    done = env.event()  # the desk's shifts go on for ever: run until the last is served

    def customer(priority: int) -> Generator[Any, Any, None]:
        came = env.now
        answer = desk.acquire(priority)
        if isinstance(answer, Queued):
            taken = yield answer.event
            seen.append((priority, env.now - came if taken else None))
        else:
            seen.append((priority, answer))
        if len(seen) == n:
            done.succeed()

    def arrivals() -> Generator[Any, Any, None]:
        for _ in range(n):
            yield env.timeout(rng.expovariate(rate))
            env.process(customer(rng.choice(priorities)))

    env.process(arrivals())
    env.run(until=done)
    return seen


def share_within(seen: list[tuple[int, float | None]], t: float) -> float:
    return sum(1 for _, w in seen if w is not None and w <= t) / len(seen)


@pytest.mark.parametrize(
    ("agents", "per_hour", "handle"),
    [(1, 6.0, 300.0), (6, 36.0, 480.0), (20, 170.0, 360.0)],
    ids=["c=1 rho=.5", "c=6 rho=.8", "c=20 rho=.85"],
)
def test_the_desk_agrees_with_erlang_c(agents: int, per_hour: float, handle: float) -> None:
    plan = DeskPlan(agents=agents, handle=Handle(mean=handle), abandonment=False)
    seen = waits(plan, per_hour / 3600, 200_000)
    for t in (0.0, 60.0, 300.0):
        expected = erlang_c_within(agents, per_hour / 3600, handle, t)
        assert share_within(seen, t) == pytest.approx(expected, abs=0.01), t


def test_erlang_c_itself_matches_a_known_figure() -> None:
    # a = 2 Erlangs on 3 agents: C(3, 2) = 4/9 (the textbook example)
    assert 1 - erlang_c_within(3, 2.0, 1.0, 0.0) == pytest.approx(4 / 9)


def test_abandonment_lowers_the_waits_of_those_who_stay() -> None:
    """Erlang A's direction: customers who give up shorten the queue for the others."""
    kept = DeskPlan(agents=6, handle=Handle(mean=480), abandonment=False)
    impatient = kept.model_copy(update={"abandonment": True, "patience": 120.0})
    rate = 40 / 3600  # rho = 0.89: a long queue without abandonment
    patient = waits(kept, rate, 50_000)
    leaving = waits(impatient, rate, 50_000)
    served = [w for _, w in leaving if w is not None]
    assert len(served) < len(leaving)  # some gave up
    mean_kept = sum(w for _, w in patient if w is not None) / len(patient)
    assert sum(served) / len(served) < mean_kept / 2
    assert share_within(leaving, 60) > share_within(patient, 60)


def test_the_urgent_are_served_first() -> None:
    plan = DeskPlan(agents=2, handle=Handle(mean=300), abandonment=False)
    seen = waits(plan, 20 / 3600, 20_000, priorities=(0, 1))
    mean = {p: sum(w or 0 for q, w in seen if q == p) / sum(1 for q, _ in seen if q == p)
            for p in (0, 1)}  # fmt: skip
    assert mean[0] < mean[1] / 3


def test_priority_follows_the_rules_in_order() -> None:
    plan = DeskPlan(priority=["vulnerable", "high_stakes"])
    order = [plan.priority_of(vulnerable=v, high_stakes=h) for v, h in
             [(True, True), (True, False), (False, True), (False, False)]]  # fmt: skip
    assert order == [0, 1, 2, 3]
    assert DeskPlan().priority_of(vulnerable=False, high_stakes=False) == 0  # first come first


def test_shifts_change_the_agents_on_duty() -> None:
    plan = DeskPlan(shifts=[Shift(at=0, agents=1), Shift(at=8 * 3600, agents=10)])
    assert [plan.agents_at(h * 3600) for h in (0, 7.9, 8, 23, 24, 33)] == [1, 1, 10, 10, 1, 10]
    plan = plan.model_copy(update={"abandonment": False, "handle": Handle(mean=600)})
    seen = waits(plan, 20 / 3600, 2_000)  # 1 agent cannot keep up at night; 10 can by day
    figures = SharedDesk(simpy.Environment(), plan, random.Random(0)).summary()
    assert figures["handoffs"] == 0
    assert max(w or 0 for _, w in seen) > 3600


def test_shifts_must_start_at_midnight_and_go_up() -> None:
    with pytest.raises(ValueError, match="shifts start at 0h"):
        DeskPlan(shifts=[Shift(at=3600, agents=1)])
    with pytest.raises(ValueError, match="shifts start at 0h"):
        DeskPlan(shifts=[Shift(at=0, agents=1), Shift(at=0, agents=2)])
    with pytest.raises(ValueError, match="every shift has 0 agents"):
        DeskPlan(shifts=[Shift(at=0, agents=0), Shift(at=3600, agents=0)])


def test_the_figures_add_up() -> None:
    env = simpy.Environment()
    plan = DeskPlan(agents=2, handle=Handle(mean=600), abandonment=False)
    desk = SharedDesk(env, plan, random.Random(3))
    rng = random.Random(4)

    def arrivals() -> Generator[Any, Any, None]:
        for _ in range(5_000):
            yield env.timeout(rng.expovariate(6 / 3600))
            desk.acquire(1)

    env.process(arrivals())
    env.run()
    figures = desk.summary()
    assert figures["handoffs"] == 5_000
    assert figures["utilisation"] == pytest.approx(0.5, abs=0.03)  # a = 1 Erlang on 2 agents
    assert figures["abandoned"] == 0
    hourly = figures["hourly"]
    assert isinstance(hourly, list) and len(hourly) > 100
