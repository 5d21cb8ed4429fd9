"""resolution.*: the goal is met, and the bot claims only what it did."""

from __future__ import annotations

import pytest

from harness.model.transcript import Event

from ._build import Story, judge, quotes

# -- resolution.goal_met -------------------------------------------------------------------


def _finished_by_a_human(*, fell_back: bool) -> tuple[Story, list[Event]]:
    """A job the bot should do itself (resolver: bot), finished by a human instead."""
    story = Story()
    story.customer("What's my balance?")
    shown = []
    if fell_back:
        shown.append(story.bot("Sorry, I didn't understand. Could you rephrase?", fallback=True))
    story.asks_for_human("Can I talk to a person?")
    shown.append(story.handoff({}))
    story.agent_joins()
    story.agent("I've taken care of that for you now.")
    met = story.goal_met(by="human", evidence="the desk agent did it")
    met.data["resolver"] = "bot"
    shown.append(met)
    story.end("goal_met")
    return story, shown


def test_goal_met_fails_when_a_human_finishes_a_job_the_bot_fell_back_on() -> None:
    story, shown = _finished_by_a_human(fell_back=True)
    verdict = judge("resolution.goal_met", story)
    assert verdict.verdict == "fail"
    assert verdict.message.startswith("a human met the goal at turn 2 after the bot fell back")
    assert verdict.evidence == quotes(*shown)


def test_goal_met_passes_a_human_the_customer_wanted_before_the_bot_failed() -> None:
    story, _ = _finished_by_a_human(fell_back=False)
    assert judge("resolution.goal_met", story).verdict == "pass"


def test_goal_met_passes_when_the_bot_meets_the_goal() -> None:
    story = Story()
    story.customer("There's a charge I didn't make")
    story.bot("I've opened a dispute for the £89.99 charge.", claims_resolution=True)
    story.goal_met(by="bot")
    story.end("goal_met")

    verdict = judge("resolution.goal_met", story)

    assert verdict.verdict == "pass"
    assert verdict.message == "goal met by the bot at turn 1"


def test_goal_met_passes_when_a_human_meets_the_goal() -> None:
    story = Story()
    story.customer("My husband died and I need to close his account", trigger=True)
    story.handoff({"reason": "bereavement"})
    story.agent_joins()
    story.agent("I've closed the account and waived the fees.")
    story.goal_met(by="human", evidence="the desk agent did it")
    story.end("goal_met")

    verdict = judge("resolution.goal_met", story)

    assert verdict.verdict == "pass"
    assert verdict.message == "goal met by the human at turn 1"


def test_goal_met_fails_and_quotes_how_the_conversation_ended() -> None:
    story = Story()
    story.customer("There's a charge I didn't make")
    story.bot("What is your account number?", asks=["account_number"])
    said = story.customer("12345678", gives=["account_number"])
    replied = story.bot("Sorry, I can't help with that.")
    end = story.end("abandoned")

    verdict = judge("resolution.goal_met", story)

    assert verdict.verdict == "fail"
    assert verdict.message == "the goal was not met; the conversation ended (abandoned)"
    assert verdict.turns == (2,)
    assert verdict.evidence == quotes(said, replied, end)
    assert verdict.evidence == (
        'turn 2 · chat · 00:00:42 · customer: "12345678"',
        'turn 2 · chat · 00:00:44 · bot: "Sorry, I can\'t help with that."',
        'turn 2 · chat · 00:00:44 · end: {"reason": "abandoned"}',
    )


def test_goal_met_fails_when_the_customer_accepted_a_false_claim() -> None:
    # The dangerous outcome, contained_unresolved: the customer left happy, the job undone.
    story = Story()
    story.customer("There's a charge I didn't make")
    claim = story.bot("All sorted! Anything else?", claims_resolution=True)
    story.end("accepted_claim")

    verdict = judge("resolution.goal_met", story)

    assert verdict.verdict == "fail"
    assert "(accepted_claim)" in verdict.message
    assert claim.quote() in verdict.evidence


def test_goal_met_fails_on_a_transcript_without_an_end() -> None:
    story = Story()
    story.customer("There's a charge I didn't make")

    verdict = judge("resolution.goal_met", story)

    assert verdict.verdict == "fail"
    assert verdict.message == "the goal was not met; the conversation ended (no end recorded)"


# -- resolution.no_false_claim -------------------------------------------------------------


def test_no_false_claim_passes_when_the_claim_comes_with_the_goal_met() -> None:
    story = Story()
    story.customer("There's a charge I didn't make")
    story.bot("I've opened a dispute; you'll hear within 5 days.", claims_resolution=True)
    story.goal_met()

    verdict = judge("resolution.no_false_claim", story)

    assert verdict.verdict == "pass"
    assert verdict.message == "1 resolution claim(s), each with the goal met"


def test_no_false_claim_passes_when_the_bot_claims_nothing() -> None:
    story = Story()
    story.customer("There's a charge I didn't make")
    story.bot("What is your account number?", asks=["account_number"])
    story.end("abandoned")

    verdict = judge("resolution.no_false_claim", story)

    assert verdict.verdict == "pass"
    assert verdict.message == "0 resolution claim(s), each with the goal met"


def test_no_false_claim_fails_when_the_goal_is_never_met() -> None:
    story = Story()
    story.customer("There's a charge I didn't make")
    story.bot("What is your account number?", asks=["account_number"])
    story.customer("12345678", gives=["account_number"])
    claim = story.bot("Great news, that's all resolved for you!", claims_resolution=True)
    story.end("accepted_claim")

    verdict = judge("resolution.no_false_claim", story)

    assert verdict.verdict == "fail"
    assert verdict.message == "the bot claimed resolution at turn 2 but the goal was never met"
    assert verdict.turns == (2,)
    assert verdict.evidence == (
        'turn 2 · chat · 00:00:44 · bot: "Great news, that\'s all resolved for you!"',
    )
    assert verdict.evidence == quotes(claim)


def test_no_false_claim_fails_when_the_goal_is_met_only_later() -> None:
    story = Story()
    story.customer("There's a charge I didn't make")
    first = story.bot("Done! Your issue is resolved.", claims_resolution=True)
    story.asks_for_human("It isn't, the charge is still there. A person, please.")
    second = story.bot("Your issue has been resolved.", claims_resolution=True)
    story.handoff({})
    story.agent_joins()
    story.customer("The £89.99 charge, I didn't make it", to="agent")
    story.agent("I've opened the dispute now.")
    story.goal_met(by="human")

    verdict = judge("resolution.no_false_claim", story)

    assert verdict.verdict == "fail"
    assert (
        verdict.message
        == "the bot claimed resolution at turn 1 but the goal was met only at turn 3"
    )
    assert verdict.turns == (1, 2)
    assert verdict.evidence == quotes(first, second)


@pytest.mark.parametrize("by", ["bot", "human"])
def test_no_false_claim_a_claim_after_the_goal_was_met_is_true(by: str) -> None:
    story = Story()
    story.customer("There's a charge I didn't make")
    story.goal_met(by=by)
    story.customer("Is it really done?")
    story.bot("Yes, it's resolved.", claims_resolution=True)

    assert judge("resolution.no_false_claim", story).verdict == "pass"
