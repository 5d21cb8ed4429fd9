"""What the lexicon reads from a bot's words (harness/conversation/lexicon.py): the facts a
reply asks for, an offer or refusal of a human, a fallback, a claim of resolution, the
goal's evidence. Each reading has examples that must give it and examples that must not."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness import bundled_dir, load_pack
from harness.conversation.lexicon import Lexicon, digit_blind

from ._build import scenario

LEXICON = Lexicon(scenario())
BALANCE = load_pack([bundled_dir("scenarios")]).scenarios["banking.balance"]


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("What is your account number?", ["account_number"]),
        ("Could you tell me your account no, please", ["account_number"]),  # the kind's wording
        ("Please give me your postcode and the last four digits of your card.",
         ["card_last4", "postcode"]),  # scenario order, not the order said
        ("Thanks. Now, what's your post code?", ["postcode"]),  # the request, not the thanks
        ("Your account number is on file.", []),  # naming a fact is not asking for it
        ("I have updated the postcode on your account.", []),
        ("Hello, how can I help?", []),
        # a request that is neither a question nor opened by "please" / "can you"
        ("I'll just need your account number and postcode.", ["account_number", "postcode"]),
        ("Account number, please.", ["account_number"]),
        ("Let's start with your account number.", ["account_number"]),
        ("Just tell me the last 4 digits of your card.", ["card_last4"]),
        ("First, your account number.", ["account_number"]),
        ("Great. Next, your postcode.", ["postcode"]),
        ("Enter your account number to continue.", ["account_number"]),
        ("We'll also need your postcode.", ["postcode"]),
        # a statement that mentions a fact does not ask for it
        ("Your account number ending 12 is verified.", []),
        ("I've updated your postcode.", []),
        ("Thanks, I have your postcode.", []),
        ("First, your postcode has been updated.", []),
        ("I can see what's happened with your account number.", []),
        ("Your postcode, as you said, is on file.", []),
    ],
)  # fmt: skip
def test_a_reply_asks_for_the_facts_its_requests_name(text: str, asks: list[str]) -> None:
    assert LEXICON.asked(text) == asks
    assert LEXICON.read(text).get("asks", []) == asks


@pytest.mark.parametrize(
    ("text", "unknown"),
    [
        ("What's your membership number?", ["membership number"]),
        ("Can you give me your customer ID, please?", ["customer id"]),
        ("Please provide your policy reference.", ["policy reference"]),
        ("Could you please confirm your email address?", ["email address"]),
        ("May I have your username and your PIN?", ["username", "pin"]),
        ("Can I take your name and membership number?", ["membership number"]),
        ("And your loyalty card number?", ["loyalty card number"]),
        ("We'll need the booking reference to go on.", ["booking reference"]),
        ("What is the order number on your receipt?", ["order number"]),
        ("Tell me your date of birth.", ["date of birth"]),  # a kind this scenario lacks
        ("I'll just need your membership number.", ["membership number"]),
        ("Membership number, please.", ["membership number"]),
        ("Let's start with your booking reference.", ["booking reference"]),
        ("First, your membership number.", ["membership number"]),
    ],
)  # fmt: skip
def test_a_request_for_a_detail_the_scenario_does_not_declare_is_read(
    text: str, unknown: list[str]
) -> None:
    assert LEXICON.asked_unknown(text) == unknown
    assert LEXICON.read(text).get("asks_unknown") == unknown
    assert "asks" not in LEXICON.read(text)


def test_a_request_for_declared_and_undeclared_details_reads_both() -> None:
    text = "Thanks. Please give me your postcode and your membership number."
    assert LEXICON.read(text) == {"asks": ["postcode"], "asks_unknown": ["membership number"]}


@pytest.mark.parametrize(
    "text",
    [
        "Is there anything else?",
        "Would you like me to connect you?",
        "Can you tell me what happened?",
        "Can you tell me a bit more about what happened?",
        "What is the reason for your call?",
        "What's your name?",  # no detail a person might not have to hand
        "What is your account number?",  # declared: read as asks
        "Could you tell me the last four digits of your card?",  # declared, by its label
        "Your reference number is APL-123456.",  # telling, not asking
        "Would you like me to send your reference number again?",
        "Have you received your new PIN?",
        "I'll send a code to your email address.",
        "What is the status of your order number?",
        "Confirm your postcode and we text a code.",  # what follows is not asked for
        "Can you give me your postcode, or we'll text a code?",
        "Your membership number ending 12 is verified.",
        "Thanks, I have your membership number.",
        "First, your booking reference has been updated.",
    ],
)
def test_no_unknown_detail_is_read_where_none_is_asked_for(text: str) -> None:
    assert LEXICON.asked_unknown(text) == []
    assert "asks_unknown" not in LEXICON.read(text)


def test_a_scenarios_asked_by_patterns_are_read_as_asking() -> None:
    plain, extended = Lexicon(scenario()), Lexicon(scenario(asked_by=["who do you bank with"]))
    text = "Who do you bank with?"
    assert plain.asked(text) == []
    assert extended.asked(text) == ["account_number"]


@pytest.mark.parametrize(
    ("text", "reading"),
    [
        ("I can connect you to one of our advisors.", "offers_handoff"),
        ("Would you like to speak to a person?", "offers_handoff"),
        ("I'm handing you over now.", "offers_handoff"),
        ("I can't transfer you right now.", "refuses_handoff"),
        ("Sorry, no agents are available at the moment.", "refuses_handoff"),
        ("I cannot connect you to an advisor, I'm afraid.", "refuses_handoff"),  # not an offer
        ("Sorry, I didn't understand that.", "fallback"),
        ("Could you rephrase that?", "fallback"),
        ("I'm not sure what you mean.", "fallback"),
        ("Your refund has been processed.", "claims_resolution"),
        ("That's all sorted for you.", "claims_resolution"),
        ("The issue is now resolved.", "claims_resolution"),
    ],
)
def test_each_signal_is_read_from_its_phrasings(text: str, reading: str) -> None:
    flags = {"offers_handoff", "refuses_handoff", "fallback", "claims_resolution"}
    read = LEXICON.read(text)
    assert {key for key in read if key in flags} == {reading}


@pytest.mark.parametrize(
    "text",
    [
        "How can I help you today?",
        "Our team has reviewed the charge.",  # a team, but no offer of one
        "I understand, that must be worrying.",  # understanding is not a fallback
        "Has your card been cancelled?",  # a question about a resolution is not a claim
        "I will look into the charge now.",
        "You can reset the password in the app.",
    ],
)
def test_ordinary_replies_carry_no_signal(text: str) -> None:
    assert LEXICON.read(text) == {}


def test_a_scenario_extends_the_lexicon_and_only_its_own() -> None:
    extended = Lexicon(scenario(lexicon={"fallbacks": ["say what now"],
                                         "handoff_offers": ["ring our team"]}))  # fmt: skip
    assert extended.read("Say what now?") == {"fallback": True}
    assert extended.read("Please ring our team.") == {"offers_handoff": True}
    assert LEXICON.read("Say what now?") == {}
    assert LEXICON.read("Please ring our team.") == {}


def test_the_goals_evidence_is_an_action_first_then_text() -> None:
    dispute = "Your dispute is open now."
    assert LEXICON.goal_evidence(["noted", "dispute_opened"], [dispute]) == "action dispute_opened"
    assert LEXICON.goal_evidence(["noted"], ["Hello.", dispute]) == f"text {dispute!r}"
    assert LEXICON.goal_evidence(["noted"], ["I have noted the charge."]) == ""
    assert Lexicon().goal_evidence(["dispute_opened"], [dispute]) == ""  # no scenario, no goal


def test_a_reading_is_the_same_every_time_and_a_fresh_dict() -> None:
    text = "What is your account number? I'm an automated assistant."
    first = LEXICON.read(text)
    first["asks"] = ["postcode"]  # changing one reading must not change the next
    assert LEXICON.read(text) == {"asks": ["account_number"], "ai_disclosure": True}


# -- texts that differ in their digits alone ---------------------------------------------

NUMBERED = [
    "Your balance is ${}.{}. Is there anything else?",  # a disclosure quotes the number
    "Your card ending {} is blocked. I'm connecting you to a colleague now.",
    "Sorry, I didn't get that. Reference {}{}.",
    "What's your pin{} number and your membership{} id?",  # undeclared details, digits named
    "Done: your dispute {} is open. Anything else I can help with?",
    "I've sent a code to {}. Could you read it out?",
]


@given(
    template=st.sampled_from(NUMBERED),
    numbers=st.lists(st.integers(0, 10**9), min_size=4, max_size=4),
    earlier=st.lists(st.integers(0, 10**9), min_size=2, max_size=2),
)
def test_a_text_reads_as_itself_whatever_was_read_before_it(
    template: str, numbers: list[int], earlier: list[int]
) -> None:
    """Texts with other numbers read first (the reading of the zeroed text is shared) leave
    a text's reading, its quoted words included, as a fresh read of that text gives it."""
    lexicon = Lexicon(BALANCE)
    assert lexicon._digit_blind  # else this test would not test the shared reading
    for number in earlier:
        lexicon.read(template.format(number, number, number, number))
    text = template.format(*numbers)
    assert lexicon.read(text) == lexicon._read(text)


def test_a_pattern_that_names_a_digit_is_not_digit_blind() -> None:
    """`last (four|4) digits` tells 4 from 5: a lexicon with it shares no reading; counts
    (`{0,2}`) and classes (`\\d`, `\\w`) treat every digit alike."""
    assert not LEXICON._digit_blind
    assert digit_blind(r"(you )?(are|re) ( [\w-]+){0,2} \d+ \bbot\b")
    for pattern in (r"last (four|4) digits", r"[0-9]", r"\x34", r"(?P<n1>x)", r"x\{2}"):
        assert not digit_blind(pattern), pattern
