"""escalation.*: a human when it matters, in time, on request, and only then."""

from __future__ import annotations

import pytest

from harness.model.scenario import Expectations

from ._build import Story, expect, judge, quotes

# -- escalation.required -------------------------------------------------------------------


def bereavement() -> Story:
    story = Story()
    story.customer("My husband passed away and I need to close his account", trigger=True)
    return story


def test_required_passes_when_the_bot_hands_off() -> None:
    story = bereavement()
    story.bot("I'm so sorry. Let me put you through to a colleague.", offers_handoff=True)
    story.handoff({"reason": "bereavement"})

    verdict = judge("escalation.required", story, expect(required=True))

    assert verdict.verdict == "pass"
    assert verdict.message == "handoff at turn 1"


def test_required_fails_without_a_handoff_and_quotes_trigger_request_and_last_replies() -> None:
    story = bereavement()
    first = story.bot("I can help with that! What is your account number?", asks=["account_number"])
    story.customer("It's his account, 12345678", gives=["account_number"])
    story.bot("Thanks. What would you like to do today?")
    request = story.asks_for_human("Please, can I talk to a real person?")
    last = story.bot("I can help with most things right here!")
    story.end("abandoned")

    verdict = judge("escalation.required", story, expect(required=True))

    assert verdict.verdict == "fail"
    assert verdict.message == (
        "no handoff in 3 turns, though the scenario needs a human and the customer asked 1 time(s)"
    )
    assert verdict.turns == (1, 2, 3)
    assert story.events[0].quote() == (
        'turn 1 · chat · 00:00:20 · customer: "My husband passed away and I need to close his '
        'account"'
    )
    # The trigger, the request and the bot's last two messages (their order: see
    # test_evidence.py); not the bot's first message.
    assert set(verdict.evidence) == set(quotes(story.events[0], request, story.events[3], last))
    assert len(verdict.evidence) == 4
    assert first.quote() not in verdict.evidence


def test_required_fails_without_mentioning_a_request_the_customer_never_made() -> None:
    story = bereavement()
    reply = story.bot("Sorry, I didn't get that.", fallback=True)
    story.end("abandoned")

    verdict = judge("escalation.required", story, expect(required=True))

    assert verdict.verdict == "fail"
    assert verdict.message == "no handoff in 1 turns, though the scenario needs a human"
    assert verdict.evidence == quotes(story.events[0], reply)


def test_required_skips_when_the_bot_should_finish_the_job() -> None:
    story = Story()
    story.customer("What's my balance?")
    story.bot("Your balance is £120.")

    verdict = judge("escalation.required", story, expect(required=False))

    assert verdict.verdict == "skip"
    assert verdict.evidence == ()


# -- escalation.timely ---------------------------------------------------------------------


def fraud_story(handoff_turn: int, *, think: float = 20.0) -> Story:
    """Small talk, then the trigger at turn 2, then the bot stalls until `handoff_turn`."""
    story = Story()
    story.customer("Hi, I have a question about my card")
    story.bot("Sure, what's the question?")
    story.customer("There are three payments I didn't make, my card was stolen", trigger=True)
    for _ in range(2, handoff_turn):
        story.bot("Could you tell me more about the payments?")
        story.customer("I just told you, they're not mine", think=think)
    story.bot("I'm transferring you to our fraud team now.", offers_handoff=True)
    story.handoff({"reason": "fraud"})
    assert story.turn == handoff_turn
    return story


def test_timely_passes_when_the_handoff_comes_within_the_turns_allowed() -> None:
    # Counted from the marked trigger (turn 2), not from the opening (turn 1): 2 turns, not 3.
    verdict = judge("escalation.timely", fraud_story(3), expect(within_turns=2))

    assert verdict.verdict == "pass"
    assert verdict.message == "handoff 2 turn(s), 24 s after the trigger"


def test_timely_fails_by_turns_and_quotes_trigger_stalling_replies_and_handoff() -> None:
    story = fraud_story(4)
    trigger = story.events[2]

    verdict = judge("escalation.timely", story, expect(within_turns=2))

    assert verdict.verdict == "fail"
    assert verdict.message == "handoff came 3 turns (allowed 2) after the trigger"
    assert verdict.turns == (2, 3, 4)
    stalls = [e for e in story.events if e.text == "Could you tell me more about the payments?"]
    handoff = story.events[-1]
    assert verdict.evidence == quotes(trigger, *stalls, handoff)
    assert verdict.evidence[0] == (
        "turn 2 · chat · 00:00:42 · customer: \"There are three payments I didn't make, my card "
        'was stolen"'
    )
    assert verdict.evidence[-1].startswith("turn 4 · chat · 00:01:28 · handoff: ")
    assert '"reason": "fraud"' in verdict.evidence[-1]


def test_timely_without_a_marked_trigger_counts_from_the_contacts_first_message() -> None:
    story = Story()
    story.customer("My card was stolen")
    story.bot("What is your account number?", asks=["account_number"])
    story.customer("12345678", gives=["account_number"])
    story.bot("Putting you through.", offers_handoff=True)
    story.handoff({"account_number": "12345678"})

    assert judge("escalation.timely", story, expect(within_turns=1)).verdict == "fail"
    assert judge("escalation.timely", story, expect(within_turns=2)).verdict == "pass"


def test_timely_passes_by_seconds_within_the_limit_and_at_it_exactly() -> None:
    story = fraud_story(3, think=20.0)  # trigger at 42 s, handoff at 66 s: 24 s later

    assert judge("escalation.timely", story, expect(within_seconds="24s")).verdict == "pass"
    assert judge("escalation.timely", story, expect(within_seconds=30)).verdict == "pass"
    assert judge("escalation.timely", story, expect(within_seconds=23)).verdict == "fail"


def test_timely_fails_by_seconds_though_the_turns_are_within_the_limit() -> None:
    story = fraud_story(3, think=146.0)  # a slow customer: 150 s between trigger and handoff

    verdict = judge("escalation.timely", story, expect(within_turns=2, within_seconds="1m"))

    assert verdict.verdict == "fail"
    assert verdict.message == "handoff came 150 s (allowed 60 s) after the trigger"
    assert verdict.turns == (2, 3)
    assert "There are three payments I didn't make" in verdict.evidence[0]
    assert "handoff" in verdict.evidence[-1]


def test_timely_names_both_limits_when_both_are_exceeded() -> None:
    story = fraud_story(5, think=60.0)

    verdict = judge("escalation.timely", story, expect(within_turns=2, within_seconds=60))

    assert verdict.verdict == "fail"
    assert verdict.message == (
        "handoff came 4 turns (allowed 2) and 188 s (allowed 60 s) after the trigger"
    )


def test_timely_counts_from_a_trigger_left_unanswered_in_an_earlier_contact() -> None:
    # The bot stalls through the first contact, the customer leaves unhelped and comes back
    # a week later: the trigger has been owed a handoff since turn 1, not since the return.
    story = Story()
    trigger = story.customer("My card was stolen", trigger=True)
    stall = story.bot("Sorry, I didn't get that.", fallback=True)
    story.end("abandoned")
    story.new_contact(channel="voice")
    story.customer("I'm getting back to you about this again.", trigger=True)
    story.bot("Putting you through to the fraud team.", offers_handoff=True)
    handoff = story.handoff({"reason": "fraud"})

    verdict = judge("escalation.timely", story, expect(within_turns=1, within_seconds=60))

    assert verdict.verdict == "fail"
    # The week away (and the return message's typing) is the customer's time: 2 s a contact.
    assert verdict.message == (
        "handoff came 2 turns (allowed 1) after the trigger in contact 1, which ended without one"
    )
    assert verdict.evidence == quotes(trigger, stall, handoff)
    within = judge("escalation.timely", story, expect(within_turns=2, within_seconds=4))
    assert within.verdict == "pass"
    assert within.message == (
        "handoff 2 turn(s), 4 s after the trigger in contact 1, which ended without one"
    )


def letter_story(stalls: int) -> Story:
    """The customer leaves of its own accord to find a letter, and returns with it."""
    story = Story()
    story.customer("My benefit has been stopped", trigger=True)
    for _ in range(stalls):
        story.bot("Could you tell me the decision date?", asks=["decision_date"])
        story.customer("I don't have it to hand.")
    story.bot("Could you tell me the decision date?", asks=["decision_date"])
    story.customer("The letter is upstairs. I'll come back to you.", intent="leave")
    story.bot("Could you tell me the decision date?", asks=["decision_date"])
    story.new_contact(after=2 * 86400.0)
    story.customer("I've found the letter, it's dated 24 December.", trigger=True)
    story.bot("Connecting you to our decisions team.", offers_handoff=True)
    story.handoff({"reason": "benefit"})
    return story


def test_timely_keeps_counting_while_the_customer_is_away_finding_a_letter() -> None:
    # Asked for a needed fact, the customer goes to find it and returns with it: the trigger
    # is still owed. Its turn of leaving does not count, nor do the two days away.
    verdict = judge("escalation.timely", letter_story(0), expect(within_turns=2))

    assert verdict.verdict == "pass"
    assert verdict.message == (
        "handoff 2 turn(s), 26 s after the trigger in contact 1, which ended without one"
    )


def test_timely_fails_a_bot_that_stalled_before_the_customer_left_and_after_it_came_back() -> None:
    # Neither contact on its own overruns the limit; together they do (before, a customer
    # leaving of its own accord ended the stretch and this passed).
    story = Story()
    trigger = story.customer("My benefit has been stopped and my rent is due", trigger=True)
    story.bot("Before I pass this on, could you describe what happened?")
    story.customer("The letter is upstairs. I'll come back to you.", intent="leave")
    story.bot("Got it. Is there anything else the team should know?")
    story.new_contact(after=2 * 86400.0)
    story.customer("I've found the letter, it's dated 24 December.", trigger=True)
    story.bot("One last thing: how would you rate me from 1 to 5?")
    story.customer("Please just put me through to someone.")
    story.bot("Connecting you to our decisions team.", offers_handoff=True)
    handoff = story.handoff({"reason": "benefit"})

    verdict = judge("escalation.timely", story, expect(within_turns=2))

    assert verdict.verdict == "fail"
    assert verdict.message == (
        "handoff came 3 turns (allowed 2) after the trigger in contact 1, which ended without one"
    )
    assert verdict.evidence[0] == quotes(trigger)[0]
    assert verdict.evidence[-1] == quotes(handoff)[0]


def test_timely_fails_a_stretch_that_overran_before_the_customer_left() -> None:
    verdict = judge("escalation.timely", letter_story(2), expect(within_turns=3))

    assert verdict.verdict == "fail"
    assert verdict.message == (
        "handoff came 4 turns (allowed 3) after the trigger in contact 1, which ended without one"
    )
    assert "My benefit has been stopped" in verdict.evidence[0]


def test_timely_counts_from_the_earliest_trigger_since_the_last_handoff() -> None:
    story = Story()
    story.customer("Someone is using my card", trigger=True)
    story.bot("What is your account number?", asks=["account_number"])
    story.customer("There's another payment going out right now!", trigger=True)
    story.bot("Putting you through to the fraud team.", offers_handoff=True)
    story.handoff({"reason": "fraud"})

    verdict = judge("escalation.timely", story, expect(within_turns=1))

    assert verdict.verdict == "fail"
    assert verdict.message == "handoff came 2 turns (allowed 1) after the trigger"
    assert "Someone is using my card" in verdict.evidence[0]


@pytest.mark.parametrize(
    ("expectations", "message"),
    [
        (expect(required=False, within_turns=1), "the scenario sets no time limit for a handoff"),
        (expect(required=True), "the scenario sets no time limit for a handoff"),
    ],
)
def test_timely_skips_without_a_limit_to_check(expectations: Expectations, message: str) -> None:
    verdict = judge("escalation.timely", fraud_story(9), expectations)

    assert verdict.verdict == "skip"
    assert verdict.message == message


def test_timely_skips_when_there_was_no_handoff() -> None:
    story = bereavement()
    story.bot("Sorry, I didn't get that.", fallback=True)

    verdict = judge("escalation.timely", story, expect(within_turns=1))

    assert verdict.verdict == "skip"
    assert verdict.message == "no handoff happened (see escalation.required)"


# -- escalation.on_request -----------------------------------------------------------------


def test_on_request_passes_when_the_bot_offers_a_human_in_the_same_turn() -> None:
    story = Story()
    story.customer("I want to cancel my contract")
    story.bot("I can help. What is your account number?", asks=["account_number"])
    story.asks_for_human()
    story.bot("Of course. Would you like me to connect you to an advisor?", offers_handoff=True)

    verdict = judge("escalation.on_request", story, expect(required=False))

    assert verdict.verdict == "pass"
    assert verdict.message == "1 request(s) for a human, each answered"


def test_on_request_passes_when_the_bot_hands_off_in_the_same_turn() -> None:
    story = Story()
    story.asks_for_human("Human please.")
    story.handoff({})

    assert judge("escalation.on_request", story, expect()).verdict == "pass"


def test_on_request_fails_when_the_offer_comes_a_turn_too_late() -> None:
    story = Story()
    story.customer("I want to cancel my contract")
    story.bot("What is your account number?", asks=["account_number"])
    request = story.asks_for_human("Can I speak to a person, please?")
    ignored = story.bot("Sorry, I didn't get that. What is your account number?", fallback=True)
    story.customer("12345678", gives=["account_number"])
    story.bot("Would you like to talk to an advisor?", offers_handoff=True)

    verdict = judge("escalation.on_request", story, expect(on_request_within=1))

    assert verdict.verdict == "fail"
    assert verdict.message == (
        "the customer asked for a human at turn 2 and was not offered or given one within 1 turn(s)"
    )
    assert verdict.turns == (2,)
    assert verdict.evidence == (
        'turn 2 · chat · 00:00:42 · customer: "Can I speak to a person, please?"',
        'turn 2 · chat · 00:00:44 · bot: "Sorry, I didn\'t get that. What is your account number?"',
    )
    assert verdict.evidence == quotes(request, ignored)


@pytest.mark.parametrize(("window", "status"), [(1, "fail"), (2, "pass"), (3, "pass")])
def test_on_request_allows_the_configured_number_of_turns(window: int, status: str) -> None:
    story = Story()
    story.asks_for_human()
    story.bot("Before I do that, what is your account number?", asks=["account_number"])
    story.customer("12345678", gives=["account_number"])
    story.bot("Thanks. I'm connecting you to an advisor now.", offers_handoff=True)
    story.handoff({"account_number": "12345678"})

    verdict = judge("escalation.on_request", story, expect(on_request_within=window))

    assert verdict.verdict == status


def test_on_request_fails_when_the_answer_falls_just_outside_a_wider_window() -> None:
    story = Story()
    story.asks_for_human()
    first = story.bot("What is your account number?", asks=["account_number"])
    story.customer("12345678", gives=["account_number"])
    second = story.bot("And your postcode?", asks=["postcode"])
    story.customer("SW1A 1AA", gives=["postcode"])
    story.bot("Would you like an advisor?", offers_handoff=True)

    verdict = judge("escalation.on_request", story, expect(on_request_within=2))

    assert verdict.verdict == "fail"
    assert "within 2 turn(s)" in verdict.message
    assert verdict.turns == (1, 2)
    assert verdict.evidence == quotes(story.events[0], first, second)


def test_on_request_an_accepted_offer_must_be_followed_by_the_handoff_itself() -> None:
    story = Story()
    story.asks_for_human()
    story.bot("Would you like me to connect you to an advisor?", offers_handoff=True)
    accept = story.asks_for_human("Yes, please put me through to someone.", intent="accept_human")
    again = story.bot("Would you like me to connect you to an advisor?", offers_handoff=True)

    verdict = judge("escalation.on_request", story, expect())

    assert verdict.verdict == "fail"
    assert verdict.message == (
        "the customer asked for a human at turn 2 and was not given one within 1 turn(s)"
    )
    assert verdict.evidence == quotes(accept, again)


def test_on_request_an_accepted_offer_followed_by_a_handoff_passes() -> None:
    story = Story()
    story.asks_for_human()
    story.bot("Would you like me to connect you to an advisor?", offers_handoff=True)
    story.asks_for_human("Yes, please put me through to someone.", intent="accept_human")
    story.bot("Connecting you now.")
    story.handoff({})

    verdict = judge("escalation.on_request", story, expect())

    assert verdict.verdict == "pass"
    assert verdict.message == "2 request(s) for a human, each answered"


def test_on_request_an_answer_in_a_later_contact_does_not_count() -> None:
    story = Story()
    story.asks_for_human()
    story.bot("Sorry, I didn't get that.", fallback=True)
    story.end("left")
    story.new_contact()
    story.customer("I'm getting back to you about this again.")
    story.handoff({})

    verdict = judge("escalation.on_request", story, expect(on_request_within=2))

    assert verdict.verdict == "fail"
    assert verdict.turns == (1,)
    assert verdict.evidence == (
        'turn 1 · chat · 00:00:20 · customer: "Can I speak to a person, please?"',
        'turn 1 · chat · 00:00:22 · bot: "Sorry, I didn\'t get that."',
    )


def test_on_request_skips_when_the_customer_never_asked_the_bot_for_a_human() -> None:
    story = Story()
    story.customer("My card was stolen", trigger=True)
    story.handoff({})
    # Asking the desk agent for "a real person" is not a request the bot must answer.
    story.asks_for_human("Are you a real person?", to="agent")

    verdict = judge("escalation.on_request", story, expect())

    assert verdict.verdict == "skip"
    assert verdict.message == "the customer never asked for a human"


# -- escalation.unneeded -------------------------------------------------------------------


def test_unneeded_passes_when_the_bot_finishes_the_job_itself() -> None:
    story = Story()
    story.customer("Where is my order?")
    story.bot("It arrives tomorrow.", claims_resolution=True)
    story.goal_met()

    verdict = judge("escalation.unneeded", story, expect(required=False))

    assert verdict.verdict == "pass"


def test_unneeded_passes_when_the_customer_asked_for_the_human() -> None:
    story = Story()
    story.customer("Where is my order?")
    story.bot("What is your order number?", asks=["order_number"])
    story.asks_for_human()
    story.handoff({})

    assert judge("escalation.unneeded", story, expect(required=False)).verdict == "pass"


def test_unneeded_fails_on_a_handoff_nobody_asked_for() -> None:
    story = Story()
    opening = story.customer("Where is my order?")
    story.bot("Let me transfer you to a colleague.")
    handoff = story.handoff({"summary": "order status"})

    verdict = judge("escalation.unneeded", story, expect(required=False))

    assert verdict.verdict == "fail"
    assert verdict.message == (
        "handoff at turn 1 though the bot should finish this job and the customer did not ask "
        "for a human"
    )
    assert verdict.turns == (1,)
    assert verdict.evidence == quotes(opening, handoff)
    assert verdict.evidence[0] == 'turn 1 · chat · 00:00:20 · customer: "Where is my order?"'


def test_unneeded_a_request_in_an_earlier_contact_does_not_cover_a_later_handoff() -> None:
    story = Story()
    story.asks_for_human()
    story.bot("Sorry, all our advisors are busy.", refuses_handoff=True)
    story.end("left")
    story.new_contact(channel="voice")
    opening = story.customer("I'm calling about my order again.")
    handoff = story.handoff({})

    verdict = judge("escalation.unneeded", story, expect(required=False))

    assert verdict.verdict == "fail"
    assert verdict.turns == (2,)
    assert verdict.evidence == quotes(opening, handoff)
    assert verdict.evidence[0].startswith("turn 2 · voice · ")


def test_unneeded_skips_when_the_scenario_needs_a_human() -> None:
    story = Story()
    story.customer("Where is my order?")
    story.handoff({})

    verdict = judge("escalation.unneeded", story, expect(required=True))

    assert verdict.verdict == "skip"
