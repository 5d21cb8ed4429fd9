"""An example of a property test written with harness.strategies (see README, "Property
tests"): every high-stakes customer, whoever they are, is served by demo:careful."""

from __future__ import annotations

from hypothesis import given, settings

from harness import Persona, Scenario, play
from harness.strategies import personas, scenarios


@settings(max_examples=25)
@given(persona=personas(max_typo_rate=0.05), scenario=scenarios(stakes="high"))
def test_high_stakes_customers_reach_a_human_with_their_context(
    persona: Persona, scenario: Scenario
) -> None:
    result = play(scenario, persona, bot="demo:careful", seed=0)
    failing = [f"{v.name}: {v.message}" for v in result.checks if v.verdict == "fail"]
    assert result.verdict == "pass", failing
    assert result.metrics["outcome"] == "resolved_by_human"
