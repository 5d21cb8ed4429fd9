"""Metrics of a conversation and KPIs of a run (harness/run/kpis.py), on hand-built
transcripts: containment beside true resolution and false containment, time to a human
from what made one necessary, its percentiles and the Wilson bound of the share within SLA.
"""

from __future__ import annotations

from typing import Any

import pytest
from checks._build import Story

from harness.run.kpis import conversation_metrics, percentile, run_kpis, wilson_lower


def resolved_by_bot() -> Story:
    """The bot asks for the account number twice, then does the job."""
    story = Story()
    story.customer("There's a charge I didn't make", trigger=True)
    story.bot("What is your account number?", asks=["account_number"])
    story.customer("It's 12345678", gives=["account_number"])
    story.bot("Sorry, what is your account number?", asks=["account_number"])  # a re-ask
    again = story.customer("I said, 12345678", gives=["account_number"])
    again.data["repeated"] = ["account_number"]
    story.bot("I've opened a dispute.")
    story.goal_met()
    story.end("goal_met")
    return story


def falsely_contained() -> Story:
    """The bot says it is sorted; it is not, and the customer believes it."""
    story = Story()
    story.customer("There's a charge I didn't make", trigger=True)
    story.bot("That's all sorted for you.", claims_resolution=True)
    story.end("accepted_claim")
    return story


def resolved_by_human() -> Story:
    """A human is needed from the second message; one joins 50 s after the handoff."""
    story = Story()
    story.customer("Hello")  # t 20
    story.bot("How can I help?")  # t 22
    story.customer("Someone has taken money from my account", trigger=True)  # t 42
    story.bot("I'm connecting you to our fraud team.", offers_handoff=True)  # t 44
    story.handoff({"reason": "fraud"})
    story.agent_joins(wait=50.0)  # t 94
    story.agent("Which account is it?", asks=["account_number"])  # not given before
    story.customer("12345678", gives=["account_number"], to="agent")
    story.goal_met(by="human")
    story.end("goal_met")
    return story


def resolved_on_the_second_contact() -> Story:
    story = Story()
    story.customer("There's a charge I didn't make", trigger=True)
    story.bot("Please try again later.")
    story.end("left")
    story.new_contact()
    story.customer("I'm back about the charge")
    story.bot("I've opened a dispute.")
    story.goal_met()
    story.end("goal_met")
    return story


def abandoned() -> Story:
    story = Story()
    story.customer("There's a charge I didn't make", trigger=True)
    story.bot("Sorry, I didn't understand.", fallback=True)
    story.end("abandoned")
    return story


def failed() -> Story:
    story = Story()
    story.customer("There's a charge I didn't make", trigger=True)
    story._add("error", "http://bot: connection refused", endpoint="http://bot")
    story.end("error")
    return story


@pytest.mark.parametrize(
    ("story", "expected"),
    [
        (resolved_by_bot, {"turns": 3, "contacts": 1, "handoff_turn": None,
                           "time_to_human": None, "reasks": 1, "repeated_statements": 1,
                           "goal_met_contact": 1, "outcome": "resolved_by_bot"}),
        (falsely_contained, {"turns": 1, "contacts": 1, "handoff_turn": None,
                             "time_to_human": None, "reasks": 0, "repeated_statements": 0,
                             "goal_met_contact": None, "outcome": "contained_unresolved"}),
        (resolved_by_human, {"turns": 3, "contacts": 1, "handoff_turn": 2,
                             "time_to_human": 94.0 - 42.0, "reasks": 0, "repeated_statements": 0,
                             "goal_met_contact": 1, "outcome": "resolved_by_human"}),
        (resolved_on_the_second_contact, {"turns": 2, "contacts": 2, "handoff_turn": None,
                                          "time_to_human": None, "reasks": 0,
                                          "repeated_statements": 0, "goal_met_contact": 2,
                                          "outcome": "resolved_by_bot"}),
        (abandoned, {"turns": 1, "contacts": 1, "handoff_turn": None, "time_to_human": None,
                     "reasks": 0, "repeated_statements": 0, "goal_met_contact": None,
                     "outcome": "abandoned"}),
    ],
    ids=lambda value: getattr(value, "__name__", ""),
)  # fmt: skip
def test_conversation_metrics(story: Any, expected: dict[str, Any]) -> None:
    assert conversation_metrics(story().transcript) == expected


def test_time_to_human_counts_from_the_first_message_when_nothing_is_marked() -> None:
    story = Story()
    story.customer("Hello")  # t 20, the contact's first message
    story.bot("Connecting you.")
    story.handoff({})
    story.agent_joins(wait=30.0)  # t 52
    assert conversation_metrics(story.transcript)["time_to_human"] == 32.0


def test_time_to_human_counts_a_first_contact_left_unhelped_but_not_the_time_away() -> None:
    # As escalation.timely counts: the customer was owed a human from its first message in
    # chat; the week before it rang is its own time, its time on the phone is not.
    story = Story()
    story.customer("Someone is using my card", trigger=True)  # t 20
    story.bot("Sorry, I didn't get that.", fallback=True)  # t 22
    story.end("abandoned")
    story.new_contact(channel="voice")
    story.customer("I'm ringing about my card", trigger=True)
    story.bot("Connecting you.")
    story.handoff({})
    story.agent_joins(wait=30.0)

    t = story.transcript
    first, again = (e for e in t.of_kind("customer_message"))
    joined = t.first("agent_joined")
    assert joined is not None
    expected = (t.events[1].t - first.t) + (joined.t - again.t)
    assert conversation_metrics(t)["time_to_human"] == round(expected, 3)
    assert expected > joined.t - again.t  # the first contact's wait counts, the week not
    assert expected < 3600


def test_a_handoff_no_agent_took_has_no_time_to_human() -> None:
    story = Story()
    story.customer("Help", trigger=True)
    story.bot("Connecting you.")
    story.handoff({})
    story.end("abandoned")
    assert conversation_metrics(story.transcript)["time_to_human"] is None


def test_containment_is_shown_beside_true_resolution_and_false_containment() -> None:
    stories = [resolved_by_bot, falsely_contained, resolved_by_human,
               resolved_on_the_second_contact, abandoned, failed]  # fmt: skip
    kpis = run_kpis([conversation_metrics(s().transcript) for s in stories], sla_seconds=60.0)
    # Five conversations count (the error is left out): four kept by the bot, of which two
    # went nowhere; three resolved, one of them only on the second contact.
    assert kpis["conversations"] == 6
    assert kpis["outcomes"] == {"abandoned": 1, "contained_unresolved": 1, "error": 1,
                                "resolved_by_bot": 2, "resolved_by_human": 1}  # fmt: skip
    assert kpis["containment_rate"] == 4 / 5
    assert kpis["true_resolution_rate"] == 3 / 5
    assert kpis["false_containment_rate"] == 2 / 5
    assert kpis["first_contact_resolution_rate"] == 2 / 5
    assert kpis["repeat_contact_rate"] == 1 / 5
    assert kpis["escalation_rate"] == 1 / 5
    assert kpis["abandonment_rate"] == 1 / 5
    assert kpis["reasks_per_conversation"] == 1 / 5
    assert kpis["repeated_statements_per_conversation"] == 1 / 5
    assert kpis["turns_per_conversation"] == (3 + 1 + 3 + 2 + 1) / 5
    assert kpis["time_to_human"] == {
        **{"count": 1, "p50": 52.0, "p90": 52.0, "p95": 52.0, "p99": 52.0},
        **{"sla_seconds": 60.0, "within_sla": 1.0, "within_sla_lower_95": 0.2065},
    }  # one of one within the SLA proves little: the bound is low


def metrics(time_to_human: float | None, outcome: str = "resolved_by_human") -> dict[str, Any]:
    return {"turns": 2, "contacts": 1, "handoff_turn": 1, "time_to_human": time_to_human,
            "reasks": 0, "repeated_statements": 0, "goal_met_contact": 1,
            "outcome": outcome}  # fmt: skip


def test_time_to_human_percentiles_interpolate_and_the_sla_share_has_a_wilson_bound() -> None:
    waits = [40.0, 10.0, 100.0, 30.0, 20.0]
    errored = metrics(500.0, outcome="error")  # an error's wait is not the desk's
    kpis = run_kpis([*map(metrics, waits), errored, metrics(None)], sla_seconds=60.0)
    assert kpis["time_to_human"] == {
        "count": 5,
        "p50": 30.0,
        "p90": 76.0,  # rank 3.6: 40 + 0.6 × (100 − 40)
        "p95": 88.0,
        "p99": 97.6,
        "sla_seconds": 60.0,
        "within_sla": 4 / 5,
        "within_sla_lower_95": 0.3755,  # the Wilson interval of 4/5 is 0.3755–0.9638
    }


def test_a_run_without_waits_has_no_time_to_human_figures() -> None:
    kpis = run_kpis([metrics(None)], sla_seconds=60.0)
    assert kpis["time_to_human"] == {"count": 0, "p50": None, "p90": None, "p95": None,
                                     "p99": None, "sla_seconds": 60.0, "within_sla": None,
                                     "within_sla_lower_95": None}  # fmt: skip


def test_a_run_of_errors_only_has_rates_of_zero() -> None:
    kpis = run_kpis([metrics(None, outcome="error")] * 3, sla_seconds=60.0)
    assert kpis["conversations"] == 3 and kpis["outcomes"] == {"error": 3}
    assert kpis["containment_rate"] == kpis["true_resolution_rate"] == 0.0


@pytest.mark.parametrize(
    ("successes", "n", "lower"),
    [(4, 5, 0.3755), (10, 10, 0.7225), (0, 10, 0.0), (50, 100, 0.4038), (0, 0, 0.0)],
)
def test_wilson_lower_bound(successes: int, n: int, lower: float) -> None:
    """Reference values of the 95% Wilson score interval (Newcombe 1998, method 3)."""
    assert wilson_lower(successes, n) == pytest.approx(lower, abs=5e-5)


def test_percentile_interpolates_between_ranks() -> None:
    assert percentile([4.0, 1.0, 3.0, 2.0], 50) == 2.5
    assert percentile([7.0], 99) == 7.0
    assert percentile([1.0, 2.0], 100) == 2.0
