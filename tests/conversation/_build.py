"""A scenario written for the conversation tests: every fact, label and expectation in view.

    scenario(handoff_facts=["account_number"], lexicon={"fallbacks": ["say what now"]})

The customer holds `FACTS` (tests/checks/_build.py); the scenario is validated by the real
model, as a scenario file is.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from checks._build import FACTS

from harness.model.scenario import Scenario


def scenario(
    *,
    handoff_facts: Iterable[str] = ("account_number", "card_last4"),
    resolver: str = "either",
    lexicon: dict[str, list[str]] | None = None,
    asked_by: Iterable[str] = (),
) -> Scenario:
    """A disputed card charge: three facts, goal evidence as an action and as text."""
    spec: dict[str, Any] = {
        "id": "test.dispute",
        "title": "A card charge the customer did not make",
        "domain": "banking",
        "stakes": "high",
        "channels": ["chat", "voice"],
        "facts": {
            "account_number": {"kind": "account_number", "asked_by": list(asked_by)},
            "card_last4": {"kind": "card_last4", "label": "last four digits of your card"},
            "postcode": {"kind": "postcode"},
        },
        "goal": {
            "intent": "dispute",
            "utterances": ["There's a charge on my card I didn't make."],
            "evidence": {"actions": ["dispute_opened"], "text": ["dispute (is|has been) open"]},
            "resolver": resolver,
        },
        "expectations": {
            "escalation": {"required": True},
            "context": {"handoff_facts": list(handoff_facts)},
        },
    }
    if lexicon is not None:
        spec["lexicon"] = lexicon
    return Scenario.model_validate(spec)


def facts() -> dict[str, str]:
    """The customer's facts, a fresh copy for each conversation."""
    return {name: FACTS[name] for name in ("account_number", "card_last4", "postcode")}
