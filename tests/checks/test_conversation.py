"""conversation.*: loops and dead ends."""

from __future__ import annotations

import pytest

from harness.model.gist import gist
from harness.model.transcript import Event

from ._build import Story, expect, judge, quotes

FALLBACK = "Sorry, I didn't understand. Could you rephrase?"

# -- conversation.no_loop ------------------------------------------------------------------


def fallbacks(n: int, text: str = FALLBACK) -> tuple[Story, list[Event]]:
    """The customer opens, the bot helps once, then falls back `n` times in a row."""
    story = Story()
    story.customer("I want to dispute a charge")
    story.bot("What is your account number?", asks=["account_number"])
    replies = []
    for i in range(n):
        story.customer(f"It's about the charge from yesterday ({i})")
        replies.append(story.bot(text.format(i=i), fallback=True))
    return story, replies


@pytest.mark.parametrize("limit", [2, 3, 4])
def test_no_loop_passes_with_one_fallback_fewer_than_the_limit(limit: int) -> None:
    story, _ = fallbacks(limit - 1)

    verdict = judge("conversation.no_loop", story, expect(max_fallbacks=limit, max_repeats=9))

    assert verdict.verdict == "pass"
    assert verdict.message == "no loop"


@pytest.mark.parametrize("limit", [2, 3, 4])
def test_no_loop_fails_on_as_many_identical_fallbacks_as_the_limit(limit: int) -> None:
    story, replies = fallbacks(limit)

    verdict = judge("conversation.no_loop", story, expect(max_fallbacks=limit, max_repeats=9))

    assert verdict.verdict == "fail"
    assert verdict.message == f"the bot fell back {limit} times in a row (limit {limit})"
    assert verdict.turns == tuple(range(2, limit + 2))
    assert verdict.evidence == quotes(*replies)
    assert all(line.endswith(f'bot: "{FALLBACK}"') for line in verdict.evidence)


def test_no_loop_sees_a_reply_repeated_with_new_details_each_time() -> None:
    """A new reference, amount or date each turn does not make a repeated reply a new one."""
    story = Story()
    story.customer("My claim was denied, I want to appeal")
    replies = []
    for i, (ref, amount) in enumerate([("APL-123456", "$1,240.00"), ("APL-998877", "$1,240.50"),
                                       ("APL-555001", "$980")]):  # fmt: skip
        story.customer(f"Can I speak to a person please? ({i})")
        replies.append(story.bot(f"I've started an appeal for {amount}, reference {ref}."))
    verdict = judge("conversation.no_loop", story)
    assert verdict.verdict == "fail"
    assert verdict.message == "the bot said the same thing 3 times in a row (limit 3)"
    assert verdict.evidence == quotes(*replies)


def test_no_loop_sees_a_reply_repeated_with_a_new_name_each_time() -> None:
    story = Story()
    replies = []
    for agent in ("Sam Lee", "Jo Park", "Ana Ruiz"):
        story.customer("I want to speak to a person")
        replies.append(story.bot(f"Thanks for waiting. {agent} from our Claims team will call."))
    verdict = judge("conversation.no_loop", story)
    assert verdict.verdict == "fail"
    assert verdict.evidence == quotes(*replies)


def test_no_loop_keeps_replies_that_differ_in_words_apart() -> None:
    story = Story()
    for text in ("Your balance is $12.00.", "Your last payment was $12.00.", "Your balance is $9."):
        story.customer("and?")
        story.bot(text)
    assert judge("conversation.no_loop", story).verdict == "pass"


def test_fallbacks_and_repeats_have_limits_of_their_own() -> None:
    """A limit low enough to catch a looper's fallbacks does not flag a bot that asks one
    unanswered question again."""
    story = Story()
    for _ in range(3):
        story.customer("hmm")
        story.bot("What is your account number?", asks=["account_number"])
    strict = expect(max_fallbacks=2, max_repeats=4)
    assert judge("conversation.no_loop", story, strict).verdict == "pass"
    assert judge("conversation.no_loop", fallbacks(2)[0], strict).verdict == "fail"


def test_no_loop_by_default_fails_two_fallbacks_in_a_row_that_offer_no_way_out() -> None:
    story, replies = fallbacks(2)

    verdict = judge("conversation.no_loop", story)

    assert verdict.verdict == "fail"
    assert verdict.message == "the bot fell back 2 times in a row (limit 2)"
    assert verdict.evidence == quotes(*replies)


def test_no_loop_passes_fallbacks_that_offer_a_person() -> None:
    """Not understood twice, a bot that offers a person has opened a way out: the next
    fallback starts afresh, however many the customer's words need."""
    story, _ = fallbacks(1)
    for i in range(3):
        story.customer(f"No, it's about the charge ({i})")
        story.bot("Hmm, I didn't get that. Would you like to chat with one of our agents?",
                  fallback=True, offers_handoff=True)  # fmt: skip

    assert judge("conversation.no_loop", story, expect(max_repeats=9)).verdict == "pass"


@pytest.mark.parametrize(
    ("text", "gist_of"),
    [
        ("Reference APL-123456 for $1,240.00", "reference # for #"),
        ("Your  order #A-77 ships 12/05", "your order # ships #"),
        ("Ticket INC0012345 is open", "ticket # is open"),
        ("ref a1b2c3, due 5pm.", "ref #, due #."),  # any word with a digit in it
        ("Hi Sam. Alex Smith will call you.", "# #. # # will call you."),  # names
        ("Sam will call. Thanks, I will wait.", "sam will call. thanks, # will wait."),
        ("Sorry. I can't. Thanks!", "sorry. i can't. thanks!"),  # a sentence's first word
    ],
)
def test_the_gist_of_a_reply_drops_its_volatile_details(text: str, gist_of: str) -> None:
    assert gist(text) == gist_of


def test_no_loop_default_limit_is_two() -> None:
    assert judge("conversation.no_loop", fallbacks(1)[0]).verdict == "pass"
    assert judge("conversation.no_loop", fallbacks(2)[0]).verdict == "fail"


def test_no_loop_counts_fallbacks_in_different_words() -> None:
    story, replies = fallbacks(3, "Sorry, I didn't catch that ({i}).")

    verdict = judge("conversation.no_loop", story, expect(max_fallbacks=3))

    assert verdict.verdict == "fail"
    assert verdict.message == "the bot fell back 3 times in a row (limit 3)"
    assert (
        verdict.evidence[0] == 'turn 2 · chat · 00:00:44 · bot: "Sorry, I didn\'t catch that (0)."'
    )
    assert verdict.evidence == quotes(*replies)


def test_no_loop_a_helpful_reply_breaks_the_run() -> None:
    story, _ = fallbacks(1)
    story.customer("12345678", gives=["account_number"])
    story.bot("Thanks, which charge?")
    story.customer("The one from yesterday")
    story.bot(FALLBACK, fallback=True)

    assert judge("conversation.no_loop", story).verdict == "pass"


def test_no_loop_fails_when_the_bot_says_the_same_thing_again_and_again() -> None:
    story = Story()
    story.customer("I want to cancel")
    replies = [story.bot("Have you tried our new plans?")]
    story.customer("No, I want to cancel")
    replies.append(story.bot("Have you tried our new plans?"))
    story.customer("CANCEL")
    replies.append(story.bot("Have you tried our new plans?"))

    verdict = judge("conversation.no_loop", story)

    assert verdict.verdict == "fail"
    assert verdict.message == "the bot said the same thing 3 times in a row (limit 3)"
    assert verdict.turns == (1, 2, 3)
    assert verdict.evidence == quotes(*replies)


def test_no_loop_compares_whole_replies_of_several_messages() -> None:
    story = Story()
    for n in range(3):
        story.customer(f"Cancel please ({n})")
        story.bot("I hear you.")
        story.bot("Have you tried our new plans?" if n < 2 else "Here is the cancellation form.")

    assert judge("conversation.no_loop", story).verdict == "pass"


# -- conversation.no_dead_end --------------------------------------------------------------


def test_no_dead_end_passes_when_the_goal_was_met() -> None:
    story = Story()
    story.customer("Where's my parcel?")
    story.bot("It arrives tomorrow.")
    story.goal_met()
    story.end("goal_met")

    verdict = judge("conversation.no_dead_end", story)

    assert verdict.verdict == "pass"
    assert verdict.message == "the goal was met"


def test_no_dead_end_fails_when_the_customer_gives_up_with_no_way_forward() -> None:
    story = Story()
    story.customer("Where's my parcel?")
    story.bot("What is your order number?", asks=["order_number"])
    story.customer("I don't have it, it was a gift")
    second = story.bot("I need the order number to continue.")
    story.customer("I don't have it!")
    last = story.bot(FALLBACK, fallback=True)
    end = story.end("abandoned")

    verdict = judge("conversation.no_dead_end", story)

    assert verdict.verdict == "fail"
    assert verdict.message == (
        "the customer gave up with the goal unmet and no offer of a human or other way forward"
    )
    assert verdict.turns == (2, 3)
    assert verdict.evidence == quotes(second, last, end)
    assert verdict.evidence[-1] == 'turn 3 · chat · 00:01:06 · end: {"reason": "abandoned"}'


def test_no_dead_end_fails_when_the_bot_closes_the_conversation() -> None:
    story = Story()
    story.customer("I can't pay this bill, I've lost my job", trigger=True)
    last = story.bot("Payment is due on the 1st. Goodbye.")
    end = story.end("bot_ended")

    verdict = judge("conversation.no_dead_end", story)

    assert verdict.verdict == "fail"
    assert verdict.message.startswith("the bot closed the conversation with the goal unmet")
    assert verdict.evidence == quotes(last, end)


def test_no_dead_end_passes_when_the_bot_offered_a_human() -> None:
    story = Story()
    story.customer("I can't pay this bill, I've lost my job", trigger=True)
    story.bot("Would you like to talk to our support team?", offers_handoff=True)
    story.end("abandoned")

    verdict = judge("conversation.no_dead_end", story)

    assert verdict.verdict == "pass"
    assert verdict.message == "the bot offered or gave a way to a human"


def test_no_dead_end_passes_when_the_bot_handed_off() -> None:
    story = Story()
    story.customer("I can't pay this bill, I've lost my job", trigger=True)
    story.handoff({})
    story.agent_joins()
    story.agent("Let me look at a payment plan.")
    story.end("abandoned")

    assert judge("conversation.no_dead_end", story).verdict == "pass"


def test_no_dead_end_only_the_final_contact_counts() -> None:
    story = Story()
    story.customer("I can't pay this bill")
    story.bot("Would you like to talk to our support team?", offers_handoff=True)
    story.end("left")
    story.new_contact()
    story.customer("I'm getting back to you about this again.")
    last = story.bot("Payment is due on the 1st.")
    end = story.end("abandoned")

    verdict = judge("conversation.no_dead_end", story)

    assert verdict.verdict == "fail"
    assert verdict.turns == (2,)
    assert verdict.evidence == quotes(last, end)


@pytest.mark.parametrize("reason", ["left", "accepted_claim", "error"])
def test_no_dead_end_other_endings_are_not_dead_ends(reason: str) -> None:
    story = Story()
    story.customer("Where's my parcel?")
    story.bot(FALLBACK, fallback=True)
    story.end(reason)

    verdict = judge("conversation.no_dead_end", story)

    assert verdict.verdict == "pass"
    assert verdict.message == f"the conversation ended with {reason}, not a dead end"
