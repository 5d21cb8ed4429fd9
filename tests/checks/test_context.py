"""context.*: the bot keeps what the customer told it, across turns, channels and handoffs."""

from __future__ import annotations

from typing import Any

import pytest

from harness.model.transcript import Event

from ._build import Story, expect, judge, quotes

# -- context.no_reask ----------------------------------------------------------------------


def test_no_reask_passes_when_each_fact_is_asked_for_once() -> None:
    story = Story()
    story.customer("There's a charge on my card I didn't make")
    story.bot("What is your account number?", asks=["account_number"])
    story.customer("12345678", gives=["account_number"])
    story.bot("And your postcode?", asks=["postcode"])
    story.customer("SW1A 1AA", gives=["postcode"])
    story.bot("Thanks, I've opened a dispute.")

    verdict = judge("context.no_reask", story)

    assert verdict.verdict == "pass"
    assert verdict.message == "2 fact(s) given, none asked for again"


def test_no_reask_fails_when_the_bot_asks_again_in_the_same_channel() -> None:
    story = Story()
    story.customer("There's a charge on my card I didn't make")
    story.bot("What is your account number?", asks=["account_number"])
    given = story.customer("It's 12345678", gives=["account_number"])
    story.bot("Thanks. Which charge is it?")
    story.customer("The £89.99 one from yesterday")
    reask = story.bot("Can you confirm your account number?", asks=["account_number"])

    verdict = judge("context.no_reask", story)

    assert verdict.verdict == "fail"
    assert verdict.message == (
        "the bot asked again at turn 3 for account_number, already given at turn 2"
    )
    assert verdict.turns == (2, 3)
    assert verdict.evidence == (
        'turn 2 · chat · 00:00:42 · customer: "It\'s 12345678"',
        'turn 3 · chat · 00:01:06 · bot: "Can you confirm your account number?"',
    )
    assert verdict.evidence == quotes(given, reask)


def test_no_reask_counts_a_volunteered_fact_as_given() -> None:
    story = Story()
    story.customer("My account 12345678 has a charge I didn't make", gives=["account_number"])
    story.bot("What is your account number?", asks=["account_number"])

    verdict = judge("context.no_reask", story)

    assert verdict.verdict == "fail"
    assert verdict.turns == (1,)
    assert "My account 12345678 has a charge" in verdict.evidence[0]
    assert "What is your account number?" in verdict.evidence[1]


def test_no_reask_fails_across_a_channel_switch() -> None:
    story = Story()
    given = story.customer("My account is 12345678", gives=["account_number"])
    story.bot("Thanks. Please call us to finish this.")
    story.switch("voice")
    story.customer("Hello, I was sent here from the chat")
    reask = story.bot("Please say your account number.", asks=["account_number"])

    verdict = judge("context.no_reask", story)

    assert verdict.verdict == "fail"
    assert verdict.evidence == quotes(given, reask)
    assert verdict.evidence[0].startswith("turn 1 · chat · ")
    assert verdict.evidence[1].startswith("turn 2 · voice · ")


def test_no_reask_fails_when_the_human_asks_again_after_the_handoff() -> None:
    story = Story()
    story.customer("My husband died and I need to close his account", trigger=True)
    story.bot("I'm sorry. What is the account number?", asks=["account_number"])
    given = story.customer("12345678", gives=["account_number"])
    story.bot("I'll put you through to a colleague.", offers_handoff=True)
    story.handoff({"reason": "bereavement"})
    story.agent_joins()
    reask = story.agent("Hello, I'm Sam. Can I take the account number?", asks=["account_number"])

    verdict = judge("context.no_reask", story)

    assert verdict.verdict == "fail"
    assert verdict.message == (
        "a human agent asked again at turn 2 for account_number, already given at turn 2"
    )
    assert verdict.evidence == quotes(given, reask)
    assert verdict.evidence[1] == (
        'turn 2 · chat · 00:01:29 · agent: "Hello, I\'m Sam. Can I take the account number?"'
    )


def test_no_reask_allows_the_facts_the_scenario_lets_the_bot_ask_again() -> None:
    story = Story()
    story.customer("I want to change my address")
    story.bot("Please enter the code we texted you.", asks=["one_time_code"])
    story.customer("914205", gives=["one_time_code"])
    story.bot("That code expired. Please enter the new code.", asks=["one_time_code"])

    assert judge("context.no_reask", story).verdict == "fail"
    verdict = judge("context.no_reask", story, expect(reask_allowed=["one_time_code"]))
    assert verdict.verdict == "pass"


def test_no_reask_names_only_the_facts_asked_again_not_the_new_ones() -> None:
    story = Story()
    story.customer("My account is 12345678", gives=["account_number"])
    story.bot("What are your account number and postcode?", asks=["account_number", "postcode"])

    verdict = judge("context.no_reask", story)

    assert verdict.verdict == "fail"
    assert "for account_number," in verdict.message
    assert "postcode" not in verdict.message


# -- context.channel_carryover -------------------------------------------------------------


def chat_then_voice() -> Story:
    story = Story()
    story.customer("My card was stolen, account 12345678", gives=["account_number"], trigger=True)
    story.bot("I'm sorry. Please call us on 0800 123 456.")
    story.switch("voice")
    story.customer("Hi, I was on the chat a minute ago about my stolen card", think=90.0)
    return story


def test_channel_carryover_passes_when_the_new_channel_knows_what_was_said() -> None:
    story = chat_then_voice()
    story.bot("I can see your chat about account ending 5678. Let me block the card.")

    verdict = judge("context.channel_carryover", story)

    assert verdict.verdict == "pass"
    assert verdict.message == "1 channel switch(es), nothing asked for again"


def test_channel_carryover_passes_when_the_new_channel_asks_for_a_new_fact() -> None:
    story = chat_then_voice()
    story.bot("For security, what is your date of birth?", asks=["date_of_birth"])

    assert judge("context.channel_carryover", story).verdict == "pass"


def test_channel_carryover_fails_when_the_new_channel_asks_again() -> None:
    story = chat_then_voice()
    given, switch = story.events[0], story.events[2]
    lost = story.bot("Welcome. Please say or key in your account number.", asks=["account_number"])

    verdict = judge("context.channel_carryover", story)

    assert verdict.verdict == "fail"
    assert (
        verdict.message
        == "after the switch from chat to voice the bot asked again for account_number"
    )
    assert verdict.turns == (1, 2)
    assert verdict.evidence == quotes(given, switch, lost)
    assert verdict.evidence[0] == (
        'turn 1 · chat · 00:00:20 · customer: "My card was stolen, account 12345678"'
    )
    assert (
        verdict.evidence[1]
        == 'turn 1 · chat · 00:00:22 · channel_switch: {"from": "chat", "to": "voice"}'
    )
    assert verdict.evidence[2] == (
        'turn 2 · voice · 00:01:54 · bot: "Welcome. Please say or key in your account number."'
    )


def test_channel_carryover_fails_on_a_repeat_contact_in_another_channel() -> None:
    story = Story()
    story.customer("My account is 12345678", gives=["account_number"])
    story.bot("Thanks, someone will email you.")
    story.end("left")
    story.new_contact(channel="email")
    story.customer("Nobody emailed me.")
    lost = story.bot("Please reply with your account number.", asks=["account_number"])

    verdict = judge("context.channel_carryover", story)

    assert verdict.verdict == "fail"
    assert "from chat to email" in verdict.message
    assert verdict.evidence[-1] == lost.quote()
    assert verdict.evidence[-1].startswith("turn 2 · email · 168:")


def test_channel_carryover_leaves_a_reask_on_the_same_channel_to_no_reask() -> None:
    story = Story()
    story.customer("Hello")
    story.bot("Please call us.")
    story.switch("voice")
    story.customer("My account is 12345678", gives=["account_number"])
    story.bot("Please say your account number.", asks=["account_number"])

    assert judge("context.channel_carryover", story).verdict == "pass"
    assert judge("context.no_reask", story).verdict == "fail"


def test_channel_carryover_ignores_the_desk_agent() -> None:
    # A human who asks again is context.no_reask's and context.handoff_payload's business.
    story = chat_then_voice()
    story.handoff({})
    story.agent("What's your account number?", asks=["account_number"])

    assert judge("context.channel_carryover", story).verdict == "pass"


def test_channel_carryover_allows_the_facts_the_scenario_lets_the_bot_ask_again() -> None:
    # A one-time code is per session: asking for a fresh one on the new channel is not
    # losing context, and `reask_allowed` says so (context.no_reask honours it).
    story = Story()
    story.customer("I want to change my address")
    story.bot("Please enter the code we texted you.", asks=["one_time_code"])
    story.customer("914205", gives=["one_time_code"])
    story.bot("Please finish this by phone.")
    story.switch("voice")
    story.customer("Hello, I'm calling from the chat")
    story.bot("Please key in the new code we just texted you.", asks=["one_time_code"])
    expectations = expect(reask_allowed=["one_time_code"])

    assert judge("context.no_reask", story, expectations).verdict == "pass"
    assert judge("context.channel_carryover", story, expectations).verdict == "pass"


def test_channel_carryover_skips_without_a_channel_switch() -> None:
    story = Story()
    story.customer("My account is 12345678", gives=["account_number"])
    story.bot("What is your account number?", asks=["account_number"])

    verdict = judge("context.channel_carryover", story)

    assert verdict.verdict == "skip"
    assert verdict.message == "the customer never switched channel"


# -- context.handoff_payload ---------------------------------------------------------------


def fraud_with_two_facts() -> Story:
    story = Story()
    story.customer("There are payments on my card I didn't make", trigger=True)
    story.bot("What is your account number?", asks=["account_number"])
    story.customer("12345678", gives=["account_number"])
    story.bot("And the postcode on the account?", asks=["postcode"])
    story.customer("SW1A 1AA", gives=["postcode"])
    story.bot("Thanks, I'm passing you to our fraud team.", offers_handoff=True)
    return story


def test_handoff_payload_passes_when_the_context_carries_every_fact_by_name() -> None:
    story = fraud_with_two_facts()
    story.handoff({"account_number": "12345678", "postcode": "SW1A 1AA"})

    verdict = judge("context.handoff_payload", story)

    assert verdict.verdict == "pass"
    assert verdict.message == "1 handoff(s) carried every disclosed fact required"


def test_handoff_payload_accepts_the_values_under_any_key_or_inside_a_summary() -> None:
    story = fraud_with_two_facts()
    story.handoff(
        {"customer": {"acct": "12345678"}, "notes": ["Fraud claim, lives at sw1a 1aa, upset"]}
    )

    assert judge("context.handoff_payload", story).verdict == "pass"


def test_handoff_payload_fails_when_one_disclosed_fact_is_missing() -> None:
    story = fraud_with_two_facts()
    postcode = story.events[4]
    handoff = story.handoff({"account_number": "12345678", "summary": "fraud on card"})

    verdict = judge("context.handoff_payload", story)

    assert verdict.verdict == "fail"
    assert verdict.message == ("the handoff at turn 3 lacks postcode, which the customer had given")
    assert verdict.turns == (3,)
    assert verdict.evidence == quotes(postcode, handoff)
    assert verdict.evidence[0] == 'turn 3 · chat · 00:01:04 · customer: "SW1A 1AA"'
    assert verdict.evidence[1].startswith("turn 3 · chat · 00:01:06 · handoff: ")
    assert '"account_number": "12345678"' in verdict.evidence[1]


def test_handoff_payload_fails_on_a_blank_context() -> None:
    story = fraud_with_two_facts()
    story.handoff(None)

    verdict = judge("context.handoff_payload", story)

    assert verdict.verdict == "fail"
    assert "lacks account_number, postcode" in verdict.message
    assert verdict.turns == (2, 3)
    assert verdict.evidence[0] == 'turn 2 · chat · 00:00:42 · customer: "12345678"'


@pytest.mark.parametrize("context", [None, {}, {"reason": "", "notes": [], "slots": {}}])
def test_handoff_payload_fails_on_an_empty_context_before_any_fact_was_given(
    context: dict[str, Any] | None,
) -> None:
    # No fact given yet, so no fact is missing: the human still starts blind.
    story = Story()
    came = story.customer("I look after my mum and need to manage her bills", trigger=True)
    story.bot("Let me get a member of our team for you.", offers_handoff=True)
    handoff = story.handoff(context)

    verdict = judge("context.handoff_payload", story)

    assert verdict.verdict == "fail"
    assert verdict.message == (
        "the handoff at turn 1 carried an empty context: the human starts with nothing of "
        "what the customer said, not even why it came"
    )
    assert verdict.evidence == quotes(came, handoff)


def test_handoff_payload_passes_a_context_without_facts_that_says_why_the_customer_came() -> None:
    story = Story()
    story.customer("I look after my mum and need to manage her bills", trigger=True)
    story.handoff({"intent": "third_party_access"})

    assert judge("context.handoff_payload", story).verdict == "pass"


def test_handoff_payload_does_not_count_a_key_without_a_value() -> None:
    story = fraud_with_two_facts()
    story.handoff({"account_number": "12345678", "postcode": "", "date_of_birth": None})

    verdict = judge("context.handoff_payload", story)

    assert verdict.verdict == "fail"
    assert "lacks postcode," in verdict.message


def test_handoff_payload_requires_only_the_scenarios_handoff_facts() -> None:
    story = fraud_with_two_facts()
    story.handoff({"account_number": "12345678"})

    assert judge("context.handoff_payload", story).verdict == "fail"
    narrow = expect(handoff_facts=["account_number"])
    assert judge("context.handoff_payload", story, narrow).verdict == "pass"
    wide = expect(handoff_facts=["account_number", "postcode"])
    assert judge("context.handoff_payload", story, wide).verdict == "fail"


def test_handoff_payload_requires_only_the_facts_disclosed_before_the_handoff() -> None:
    story = Story()
    story.customer("My card was stolen, account 12345678", gives=["account_number"], trigger=True)
    story.handoff({"account_number": "12345678"})
    story.agent_joins()
    story.agent("Hello, can I take your postcode?", asks=["postcode"])
    story.customer("SW1A 1AA", gives=["postcode"], to="agent")

    # The postcode was never disclosed, though handoff_facts names it.
    narrow = expect(handoff_facts=["account_number", "postcode"])
    assert judge("context.handoff_payload", story, narrow).verdict == "pass"


def test_handoff_payload_checks_every_handoff() -> None:
    story = Story()
    story.customer("My account is 12345678", gives=["account_number"])
    story.handoff({"account_number": "12345678"})
    story.agent_joins()
    story.customer("My postcode is SW1A 1AA", gives=["postcode"], to="agent")
    story.agent("I'll pass you to the fraud specialists.")
    second = story.handoff({"account_number": "12345678"}, reason="transfer")

    verdict = judge("context.handoff_payload", story)

    assert verdict.verdict == "fail"
    assert verdict.message.startswith("the handoff at turn 2 lacks postcode")
    assert verdict.evidence[-1] == second.quote()
    assert 'customer: "My postcode is SW1A 1AA"' in verdict.evidence[0]


def test_handoff_payload_skips_without_a_handoff() -> None:
    story = Story()
    story.customer("My account is 12345678", gives=["account_number"])
    story.bot("Done.")

    verdict = judge("context.handoff_payload", story)

    assert verdict.verdict == "skip"
    assert verdict.message == "no handoff happened"


def chat_then_phone(context: dict[str, Any], later: bool = False) -> tuple[Story, Event, Event]:
    """The customer explains in chat, is cut off and rings at once (or `later`, in a contact
    of its own), and is handed over."""
    story = Story()
    chat = story.customer("Someone changed my password and added a payee", trigger=True)
    story.bot("Before I can help, I need to confirm it's you.")
    if later:
        story.new_contact(after=600.0, channel="voice")
    else:
        story.switch("voice")
    story.customer("I've had to ring instead, the chat keeps logging me out", trigger=True)
    story.bot("Let me get our security team.", offers_handoff=True)
    return story, chat, story.handoff(context)


@pytest.mark.parametrize(("later", "where"), [(False, "1 (voice)"), (True, "2 (voice)")])
def test_handoff_payload_fails_words_kept_from_the_last_session_only(
    later: bool, where: str
) -> None:
    # The bot kept a transcript of the customer's words, but only of the phone call: what
    # was said in chat never reached the human (a memory that resets at the switch).
    story, chat, handoff = chat_then_phone(
        {"topic": "account_security",
         "transcript": ["I've had to ring instead, the chat keeps logging me out"]},
        later,
    )  # fmt: skip

    verdict = judge("context.handoff_payload", story)

    assert verdict.verdict == "fail"
    assert verdict.message == (
        f"the handoff at turn 2 quotes the customer from contact {where} only: nothing of "
        "what it told the bot in contact 1 (chat) reached the human"
    )
    assert verdict.evidence == quotes(chat, handoff)


@pytest.mark.parametrize(
    "context",
    [
        {"transcript": ["someone changed my password and  added a payee",
                        "I've had to ring instead, the chat keeps logging me out"]},
        {"summary": "Someone changed my password and added a payee / I've had to ring "
                    "instead, the chat keeps logging me out"},
        {"topic": "account_security", "summary": "password changed, payee added"},
    ],
)  # fmt: skip
def test_handoff_payload_passes_words_from_every_contact_or_none_quoted(
    context: dict[str, Any],
) -> None:
    story, _, _ = chat_then_phone(context)

    assert judge("context.handoff_payload", story).verdict == "pass"


def test_handoff_payload_asks_no_earlier_words_once_a_handoff_answered_them() -> None:
    story = Story()
    story.customer("My card was stolen", trigger=True)
    story.handoff({"transcript": ["My card was stolen"]})
    story.new_contact(channel="voice")
    story.customer("Calling back about the new card", trigger=True)
    story.handoff({"transcript": ["Calling back about the new card"]})

    assert judge("context.handoff_payload", story).verdict == "pass"
