"""The second bot on its own: independent of the reference bots, and doing what it says."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from .second_bot import VARIANTS, Careful, Deflector, FalseResolver, Oversharer, Penny
from .second_bot_nlu import Speller, entities, wants_person

HERE = Path(__file__).resolve().parent


@pytest.mark.parametrize("module", ["second_bot.py", "second_bot_nlu.py"])
def test_it_shares_nothing_with_the_reference_bots(module: str) -> None:
    tree = ast.parse((HERE / module).read_text(encoding="utf-8"))
    imported = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)] + [
        a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
    ]
    assert [m for m in imported if m.startswith("harness")] == []


def say(bot: Penny, text: str, conversation: str = "c:1", channel: str = "chat") -> dict[str, Any]:
    request = {"conversation_id": conversation, "customer_id": "cust-1", "channel": channel,
               "contact": 1, "text": text}  # fmt: skip
    return bot(request)


def words(reply: dict[str, Any]) -> str:
    return " ".join(m["text"] for m in reply["messages"])


def test_careful_verifies_then_does_the_job_and_says_so() -> None:
    bot = Careful()
    first = say(bot, "Can you tell me my balance please?")
    assert "account number and date of birth" in words(first) and first["actions"] == []
    done = say(bot, "My account number is 12345678 and my date of birth is 3 March 1970.")
    assert done["actions"] == ["balance_given"]
    assert "Your available balance is £" in words(done)


def test_careful_remembers_across_channels_and_the_amnesiac_does_not() -> None:
    for variant, asks_again in ((Careful, False), (VARIANTS["amnesiac"], True)):
        bot = variant()
        say(bot, "I've moved house and need to change my address.")
        say(bot, "My account number is 12345678 and my date of birth is 3 March 1970.")
        reply = say(bot, "Hi, I was on the chat about changing my address.", "c:2", "voice")
        assert ("account number" in words(reply)) is asks_again, variant.__name__


def test_a_high_stakes_request_reaches_a_person_with_the_facts_unless_deflected() -> None:
    opening = "Someone used my card without permission: £250.00 went to a shop."
    answer = "Account number: 12345678, date of birth: 3 March 1970."
    bot = Careful()
    say(bot, opening)
    handoff = say(bot, answer)["handoff"]
    assert handoff is not None and handoff["context"]["slots"]["account_number"] == "12345678"
    bot = Deflector()
    say(bot, opening)
    assert say(bot, answer)["handoff"] is None
    assert say(bot, "Put me through to a real person.")["handoff"] is None


def test_the_false_resolver_claims_without_acting_and_the_oversharer_shows_too_soon() -> None:
    reply = say(FalseResolver(), "What is your returns policy?")
    assert reply["actions"] == [] and "I've gone ahead" in words(reply)
    assert "balance of £" in words(say(Oversharer(), "Can you tell me my balance please?"))
    assert "balance" not in words(say(Careful(), "Can you tell me my balance please?"))


def test_facts_are_found_by_shape_and_cue() -> None:
    found = entities(
        "My account number is 12345678 and my date of birth is 01/02/1990 and my payment due "
        "date is 15 January 2026, my email address is a.b@example.com, postcode: SW1A 1AA."
    )
    assert found == {
        "account_number": "12345678", "date_of_birth": "01/02/1990",
        "due_date": "15 January 2026", "email": "a.b@example.com", "postcode": "SW1A 1AA",
    }  # fmt: skip


def test_a_slip_is_put_right_before_the_rules_read_it() -> None:
    speller = Speller({"person", "speak", "ending"})
    assert speller("Can I speka to a preson? I keep thinking about endng it") == (
        "can i speak to a person? i keep thinking about ending it"
    )
    assert wants_person(speller("I want to speka to a person"))
    assert not wants_person("Someone has changed my password")
