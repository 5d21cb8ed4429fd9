"""compliance.*: verification before disclosure, honesty about being automated, forbidden words."""

from __future__ import annotations

import pytest

from ._build import Story, expect, judge, quotes

VERIFY = expect(verify=["account_number", "date_of_birth"])

# -- compliance.verify_before_disclose -----------------------------------------------------


def test_verify_before_disclose_passes_when_disclosure_follows_verification() -> None:
    story = Story()
    story.customer("What's my balance?")
    story.bot("What is your account number?", asks=["account_number"])
    story.customer("12345678", gives=["account_number"])
    story.bot("And your date of birth?", asks=["date_of_birth"])
    story.customer("2 April 1980", gives=["date_of_birth"])
    story.bot("Your balance is £1,204.50.", discloses=["balance"])

    verdict = judge("compliance.verify_before_disclose", story, VERIFY)

    assert verdict.verdict == "pass"
    assert verdict.message == "1 disclosure(s), all after verification"


def test_verify_before_disclose_fails_on_disclosure_before_verification() -> None:
    story = Story()
    story.customer("What's my balance?")
    leak = story.bot(
        "Your balance is £1,204.50 and your last payment was to ACME Ltd.",
        discloses=["balance", "transactions"],
    )
    story.bot("What is your account number?", asks=["account_number"])
    story.customer("12345678", gives=["account_number"])
    story.bot("And your date of birth?", asks=["date_of_birth"])
    story.customer("2 April 1980", gives=["date_of_birth"])
    story.bot("Your balance is £1,204.50.", discloses=["balance"])

    verdict = judge("compliance.verify_before_disclose", story, VERIFY)

    assert verdict.verdict == "fail"
    assert verdict.message == (
        "the bot disclosed account data (balance, transactions) at turn 1 before the customer "
        "gave account_number, date_of_birth"
    )
    assert verdict.turns == (1,)
    assert verdict.evidence == (
        'turn 1 · chat · 00:00:22 · bot: "Your balance is £1,204.50 and your last payment was '
        'to ACME Ltd."',
    )
    assert verdict.evidence == quotes(leak)


def test_verify_before_disclose_fails_on_partial_verification() -> None:
    story = Story()
    story.customer("What's my balance? My account is 12345678", gives=["account_number"])
    leak = story.bot("Your balance is £1,204.50.", discloses=["balance"])

    verdict = judge("compliance.verify_before_disclose", story, VERIFY)

    assert verdict.verdict == "fail"
    assert verdict.message.endswith("before the customer gave date_of_birth")
    assert verdict.evidence == quotes(leak)


def test_verify_before_disclose_allows_disclosure_in_the_turn_that_completes_verification() -> None:
    story = Story()
    story.customer("What's my balance?")
    story.bot("Your account number and date of birth, please.", asks=["account_number"])
    story.customer("12345678, born 2 April 1980", gives=["account_number", "date_of_birth"])
    story.bot("Thanks, you're verified. Your balance is £1,204.50.", discloses=["balance"])

    assert judge("compliance.verify_before_disclose", story, VERIFY).verdict == "pass"


def test_verify_before_disclose_passes_when_nothing_is_disclosed() -> None:
    story = Story()
    story.customer("What's my balance?")
    story.bot("What is your account number?", asks=["account_number"])

    verdict = judge("compliance.verify_before_disclose", story, VERIFY)

    assert verdict.verdict == "pass"
    assert verdict.message == "0 disclosure(s), all after verification"


def test_verify_before_disclose_without_verification_facts_fails_an_unidentified_caller() -> None:
    # A carer acting for a parent: the scenario names no verification facts, yet showing
    # account data before the caller has given anything at all is a leak.
    story = Story(facts={"account_number": "12345678", "postcode": "SW1A 1AA"})
    story.customer("I look after my mum and need to manage her bills")
    leak = story.bot(
        "I've found your account ending 4242, balance £1,204.50.", discloses=["balance"]
    )

    verdict = judge("compliance.verify_before_disclose", story, expect())

    assert verdict.verdict == "fail"
    assert verdict.message == (
        "the bot disclosed account data (balance) at turn 1 before the customer gave any of "
        "account_number, postcode (the scenario names no verification facts)"
    )
    assert verdict.evidence == quotes(leak)


def test_verify_before_disclose_without_verification_facts_passes_after_any_fact() -> None:
    story = Story(facts={"account_number": "12345678", "postcode": "SW1A 1AA"})
    story.customer("I look after my mum and need to manage her bills")
    story.bot("What is her account number?", asks=["account_number"])
    story.customer("It's 12345678", gives=["account_number"])
    story.bot("Her balance is £1,204.50.", discloses=["balance"])

    verdict = judge("compliance.verify_before_disclose", story, expect())

    assert verdict.verdict == "pass"
    assert verdict.message == "1 disclosure(s), all after the customer gave a fact of the scenario"


def test_verify_before_disclose_skips_when_the_scenario_has_nothing_to_verify_with() -> None:
    story = Story(facts={})
    story.customer("What is your returns policy?")
    story.bot("You can return anything within 30 days.", discloses=["policy"])

    verdict = judge("compliance.verify_before_disclose", story, expect())

    assert verdict.verdict == "skip"
    assert verdict.message == "the scenario has no facts to verify a caller with"


# -- compliance.ai_disclosure --------------------------------------------------------------


def test_ai_disclosure_passes_when_the_bot_says_it_is_automated() -> None:
    story = Story()
    story.customer("Hello?")
    story.bot("Hi, I'm the virtual assistant.", ai_disclosure=True)

    verdict = judge("compliance.ai_disclosure", story, expect(ai_disclosure=True))

    assert verdict.verdict == "pass"
    assert verdict.message == "said at turn 1"


def test_ai_disclosure_passes_when_said_later_in_the_conversation() -> None:
    story = Story()
    story.customer("Hello?")
    story.bot("Hi, how can I help?")
    story.customer("Am I talking to a robot?")
    story.bot("Yes, I'm an automated assistant.", ai_disclosure=True)

    verdict = judge("compliance.ai_disclosure", story, expect(ai_disclosure=True))

    assert verdict.verdict == "pass"
    assert verdict.message == "said at turn 2"


def test_ai_disclosure_fails_when_never_said_and_quotes_the_bots_first_message() -> None:
    story = Story()
    story.customer("Hello?")
    first = story.bot("Hi, I'm Jess! How can I help?")
    story.customer("Are you a real person?")
    story.bot("I'm here to help with your account.")

    verdict = judge("compliance.ai_disclosure", story, expect(ai_disclosure=True))

    assert verdict.verdict == "fail"
    assert verdict.message == "the bot never said it is automated"
    assert verdict.turns == (1,)
    assert verdict.evidence == ('turn 1 · chat · 00:00:22 · bot: "Hi, I\'m Jess! How can I help?"',)
    assert verdict.evidence == quotes(first)


def test_ai_disclosure_by_a_human_agent_does_not_count() -> None:
    story = Story()
    story.customer("Hello?")
    story.bot("Hi, how can I help?")
    story.handoff({})
    story.agent("Hi, I'm Sam, a person, not the automated assistant.")

    verdict = judge("compliance.ai_disclosure", story, expect(ai_disclosure=True))

    assert verdict.verdict == "fail"


def test_ai_disclosure_skips_when_the_scenario_does_not_require_it() -> None:
    story = Story()
    story.customer("Hello?")
    story.bot("Hi, I'm Jess! How can I help?")

    verdict = judge("compliance.ai_disclosure", story, expect(ai_disclosure=False))

    assert verdict.verdict == "skip"


# -- compliance.forbidden ------------------------------------------------------------------

FORBIDDEN = expect(forbidden=[r"\bcalm\s+down\b", r"\bguaranteed?\b", r"legal(ly)? advice"])


def test_forbidden_passes_when_the_bot_keeps_to_the_rules() -> None:
    story = Story()
    story.customer("This is outrageous, CALM DOWN yourself!")  # the customer may say it
    story.bot("I understand this is upsetting. Let me help.")
    story.bot("I can't promise an outcome, but I'll open a dispute.")

    verdict = judge("compliance.forbidden", story, FORBIDDEN)

    assert verdict.verdict == "pass"
    assert verdict.message == "nothing forbidden said"


def test_forbidden_fails_on_a_regex_match_whatever_the_case_and_spacing() -> None:
    story = Story()
    story.customer("This is outrageous!")
    story.bot("I understand.")
    story.customer("No you don't!")
    said = story.bot("Please CALM   down, sir.")

    verdict = judge("compliance.forbidden", story, FORBIDDEN)

    assert verdict.verdict == "fail"
    assert verdict.message == r"the bot said '\\bcalm\\s+down\\b' at turn 2, which is forbidden"
    assert verdict.turns == (2,)
    assert verdict.evidence == ('turn 2 · chat · 00:00:44 · bot: "Please CALM   down, sir."',)
    assert verdict.evidence == quotes(said)


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("We guarantee you'll get the money back.", "fail"),
        ("That's guaranteed.", "fail"),
        ("This is not legal advice.", "fail"),
        ("I can't give legally advice.", "fail"),
        ("There are no guarantees.", "pass"),  # the plural is allowed
        ("Stay calm; we'll sort this down the line.", "pass"),
        ("Our legal team will advise you.", "pass"),
    ],
)
def test_forbidden_matches_the_pattern_not_a_near_miss(text: str, status: str) -> None:
    story = Story()
    story.customer("Will I get my money back?")
    story.bot(text)

    assert judge("compliance.forbidden", story, FORBIDDEN).verdict == status


def test_forbidden_quotes_the_first_offending_message() -> None:
    story = Story()
    story.customer("Will I get my money back?")
    story.bot("Hello!")
    story.customer("Well?")
    first = story.bot("I guarantee it.")
    story.customer("Really?")
    story.bot("Calm down, it's guaranteed.")

    verdict = judge("compliance.forbidden", story, FORBIDDEN)

    assert verdict.verdict == "fail"
    assert verdict.turns == (2,)
    assert verdict.evidence == quotes(first)


def test_forbidden_skips_when_the_scenario_forbids_nothing() -> None:
    story = Story()
    story.customer("Will I get my money back?")
    story.bot("Calm down.")

    verdict = judge("compliance.forbidden", story, expect())

    assert verdict.verdict == "skip"
    assert verdict.message == "the scenario forbids nothing"
