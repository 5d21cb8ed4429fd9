"""Evidence across the catalogue: every failing verdict quotes real transcript lines, in
transcript order (as `_base.failed` promises), and names exactly the turns it quotes."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from harness.model.scenario import Expectations

from ._build import Story, expect, judge


def no_reask_two_facts() -> Story:
    # The customer gives the postcode first, the account number second; the bot then asks
    # for both in its own order (account number first).
    story = Story()
    story.customer("I'm at SW1A 1AA", gives=["postcode"])
    story.bot("Thanks.")
    story.customer("And my account is 12345678", gives=["account_number"])
    story.bot("What are your account number and postcode?", asks=["account_number", "postcode"])
    return story


def carryover_two_facts() -> Story:
    story = no_reask_two_facts()
    del story.events[-1]
    story.switch("voice")
    story.customer("Hello, I was on the chat")
    story.bot("Your account number and postcode, please.", asks=["account_number", "postcode"])
    return story


def required_asked_late() -> Story:
    story = Story()
    story.customer("My husband passed away", trigger=True)
    story.bot("I'm sorry to hear that.")
    story.customer("I need to close his account")
    story.bot("I can help with most things here.")
    story.asks_for_human()
    story.bot("What would you like to do today?")
    return story


def timely_late() -> Story:
    story = Story()
    story.customer("My card was stolen", trigger=True)
    story.bot("What is your account number?", asks=["account_number"])
    story.customer("12345678", gives=["account_number"])
    story.bot("Connecting you.", offers_handoff=True)
    story.handoff({"account_number": "12345678"})
    return story


def payload_two_missing() -> Story:
    story = no_reask_two_facts()
    del story.events[-1]
    story.bot("Connecting you.", offers_handoff=True)
    story.handoff({"reason": "fraud"})
    return story


def looping() -> Story:
    story = Story()
    for n in range(3):
        story.customer(f"Cancel ({n})")
        story.bot("Sorry?", fallback=True)
        story.bot("Please rephrase.")
    return story


def dead_end() -> Story:
    story = looping()
    story.end("abandoned")
    return story


CASES: list[tuple[str, Callable[[], Story], Expectations]] = [
    ("context.no_reask", no_reask_two_facts, expect()),
    ("context.channel_carryover", carryover_two_facts, expect()),
    ("escalation.required", required_asked_late, expect(required=True)),
    ("escalation.timely", timely_late, expect(within_turns=1)),
    ("context.handoff_payload", payload_two_missing, expect()),
    ("conversation.no_loop", looping, expect()),
    ("conversation.no_dead_end", dead_end, expect()),
    ("resolution.goal_met", dead_end, expect()),
]


@pytest.mark.parametrize(
    ("name", "build", "expectations"), CASES, ids=[f"{c[0]}-{c[1].__name__}" for c in CASES]
)
def test_failing_evidence_quotes_transcript_lines_in_transcript_order(
    name: str, build: Callable[[], Story], expectations: Expectations
) -> None:
    story = build()
    lines = [e.quote() for e in story.events]

    verdict = judge(name, story, expectations)

    assert verdict.verdict == "fail"
    assert len(verdict.evidence) >= 2
    assert all(line in lines for line in verdict.evidence), "evidence quotes no real line"
    positions = [lines.index(line) for line in verdict.evidence]
    assert positions == sorted(positions), (
        f"{name} quotes lines out of transcript order: {verdict.evidence}"
    )
    assert set(verdict.turns) == {story.events[p].turn for p in positions}
