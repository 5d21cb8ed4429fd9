"""The desk (harness/conversation/desk.py): a human agent asks only for the handoff facts the
context lacks, then does the job; a conversation's view of the queue gives the wait for the
earliest free agent."""

from __future__ import annotations

import random

import pytest

from harness.conversation.desk import Desk, DeskAgent, DeskConfig

from ._build import facts, scenario


def agent(handoff_facts: tuple[str, ...] = ("account_number", "card_last4")) -> DeskAgent:
    return DeskAgent(scenario(handoff_facts=handoff_facts), "Priya", facts())


def test_the_agent_asks_only_for_the_handoff_facts_the_context_lacks() -> None:
    desk_agent = agent()
    says = desk_agent.join({"account_number": facts()["account_number"]})
    assert says.asks == ("card_last4",)  # not the account number, not the postcode
    assert says.text == (
        "Hi, this is Priya, a member of our team. I've read your case. "
        "Could you give me your last four digits of your card?"
    )
    assert not says.resolved and says.actions == ()


def test_once_told_the_agent_resolves_with_the_goals_actions() -> None:
    desk_agent = agent()
    desk_agent.join({})
    says = desk_agent.hear({"card_last4": facts()["card_last4"]})
    assert says.asks == ("account_number",)  # still missing
    says = desk_agent.hear({"account_number": facts()["account_number"]})
    assert says.resolved and says.asks == ()
    assert says.actions == ("dispute_opened",)
    assert says.text == "Thank you. I've taken care of that for you now."


def test_a_context_that_carries_every_needed_fact_is_resolved_at_once() -> None:
    """Found by value too: the bot's summary names the card's digits under no key of ours."""
    summary = f"acct {facts()['account_number']}, card ending {facts()['card_last4']}"
    says = agent().join({"summary": summary})
    assert says.resolved and says.asks == ()


def test_an_agent_never_asks_for_a_fact_the_customer_does_not_hold() -> None:
    desk_agent = DeskAgent(scenario(), "Sam", {"account_number": facts()["account_number"]})
    says = desk_agent.join({})
    assert says.asks == ("account_number",)  # card_last4 is needed but not held


def test_with_no_handoff_facts_the_agent_resolves_at_once() -> None:
    assert agent(handoff_facts=()).join({}).resolved


class Draws(random.Random):
    """Each agent busy (random() is 0) for the handle times given, in agent order."""

    def __init__(self, *handle_times: float) -> None:
        super().__init__(0)
        self.handle_times = list(handle_times)
        self.rates: list[float] = []

    def random(self) -> float:
        return 0.0

    def expovariate(self, lambd: float = 1.0) -> float:
        self.rates.append(lambd)
        return self.handle_times.pop(0)


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize("seed", range(5))
def test_with_occupancy_0_no_one_waits(seed: int) -> None:
    clock = Clock(40.0)
    desk = Desk(clock, DeskConfig(agents=2, occupancy=0.0), random.Random(seed))
    assert desk.acquire(priority=1) == 0.0
    clock.now = 90.0
    desk.release()
    assert desk.acquire(priority=1) == 0.0


def test_with_every_agent_busy_the_wait_is_until_the_earliest_is_free() -> None:
    clock = Clock(50.0)
    rng = Draws(300.0, 120.0, 500.0)
    desk = Desk(clock, DeskConfig(agents=3, occupancy=1.0, handle_seconds=240.0), rng)
    assert desk.acquire(priority=1) == 120.0  # agent 2, free at 170
    assert rng.rates == [1 / 240.0] * 3  # mean handle time: handle_seconds
    clock.now = 200.0  # the customer talks with agent 2 until 200
    desk.release()
    clock.now = 210.0
    assert desk.acquire(priority=1) == 0.0  # agent 2 is free again since 200


def test_the_busy_agents_are_drawn_once_per_conversation() -> None:
    clock = Clock(0.0)
    rng = Draws(100.0, 60.0)
    desk = Desk(clock, DeskConfig(agents=2, occupancy=1.0), rng)
    assert desk.acquire(priority=0) == 60.0
    clock.now = 60.0
    desk.release()
    clock.now = 70.0
    assert desk.acquire(priority=0) == 0.0  # no new draw (Draws would have run dry)
    assert rng.handle_times == []


def test_a_seeded_desk_gives_the_same_waits() -> None:
    config = DeskConfig(agents=4, occupancy=1.0)

    def wait(seed: int) -> float:
        return Desk(lambda: 0.0, config, random.Random(seed)).acquire(priority=1)

    assert wait(11) == wait(11) > 0
    assert wait(12) != wait(11)
