"""harness.strategies: bounds are kept, bad arguments are named, failures shrink and say how
to reproduce them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from harness_cli import harness
from hypothesis import find, given, settings
from hypothesis.errors import InvalidArgument

from harness import Pack, Persona, Scenario, play, reproduce
from harness.run import bundled_pack
from harness.strategies import personas, scenarios, utterances

pytest_plugins = ["pytester"]


@settings(max_examples=50)
@given(persona=personas(min_patience=3, max_patience=6, locales=["de_DE", "fr_FR"],
                        asks_for_human="never", vulnerable=True, max_typo_rate=0.1))  # fmt: skip
def test_personas_keep_within_the_bounds_given(persona: Persona) -> None:
    assert 3 <= persona.patience <= 6 and persona.locale in ("de_DE", "fr_FR")
    assert persona.asks_for_human == "never" and persona.vulnerable
    assert 0 <= persona.typo_rate <= 0.1


def test_personas_shrink_to_the_simplest_customer() -> None:
    simplest = find(personas(), lambda p: True)
    assert simplest == Persona(id="drawn", name="Drawn customer", patience=0)
    patient = find(personas(), lambda p: p.patience >= 4 and p.vulnerable)
    assert patient == Persona(id="drawn", name="Drawn customer", patience=4, vulnerable=True)


@pytest.mark.parametrize(
    ("strategy", "message"),
    [
        (lambda: personas(min_patience=7, max_patience=3), "min_patience=7, max_patience=3"),
        (lambda: personas(max_patience=11), "≤ max_patience ≤ 10"),
        (lambda: personas(asks_for_human="sometimes"), "asks_for_human='sometimes': expects"),
        (lambda: personas(locales=["german"]), "locales=['german']"),
        (lambda: personas(max_typo_rate=0.5), "max_typo_rate=0.5"),
        (lambda: personas(vulnerable="yes"), "vulnerable='yes'"),  # type: ignore[arg-type]
        (lambda: scenarios(stakes="medium"), "stakes='medium'"),  # type: ignore[arg-type]
        (lambda: scenarios(domain="space"), "its domains: banking"),
    ],
)
def test_bad_arguments_name_the_argument_and_value(strategy: object, message: str) -> None:
    with pytest.raises(InvalidArgument, match=re.escape(message)):
        strategy()  # type: ignore[operator]


@settings(max_examples=20)
@given(scenario=scenarios(stakes="high", domain=["banking", "insurance"]))
def test_scenarios_are_filtered(scenario: Scenario) -> None:
    assert scenario.stakes == "high" and scenario.domain in ("banking", "insurance")


def test_scenarios_shrink_to_the_first_by_id(pack: Pack) -> None:
    assert find(scenarios(pack=pack), lambda s: True).id == min(pack.scenarios)


FRAUD = bundled_pack().scenarios["banking.fraud-dispute"]  # wherever the tests run from


@settings(max_examples=30)
@given(text=utterances(), fraud=utterances(FRAUD, locales=["en_GB"]))
def test_utterances_are_filled_in(text: str, fraud: str) -> None:
    assert text and "{" not in text and "}" not in text
    assert "{" not in fraud


def test_reproduce_names_a_known_persona_by_id(pack: Pack) -> None:
    line = reproduce(pack.scenarios["banking.balance"], pack.personas["calm-precise"],
                     bot="demo:looper", seed=3)  # fmt: skip
    assert line == ("Reproduce with: harness run --bot demo:looper --seed 3 "
                    "--scenario banking.balance --persona calm-precise")  # fmt: skip


def test_a_drawn_persona_reproduces_from_its_yaml_on_the_command_line(
    pack: Pack, tmp_path: Path
) -> None:
    persona = Persona(id="drawn", name="Drawn customer", patience=2, verbosity="terse",
                      locale="de_DE", cues=["I'm in a hurry."])  # fmt: skip
    scenario = pack.scenarios["banking.fraud-dispute"]
    result = play(scenario, persona, bot="demo:deflector", seed=5)
    assert result.verdict == "fail"
    text = reproduce(scenario, persona, bot="demo:deflector", seed=5)
    body, command = text.split("\nthen run: ")
    (tmp_path / "drawn.yaml").write_text(body.split("\n", 1)[1] + "\n")
    args = command.split()[1:]
    assert args[:2] == ["run", "drawn.yaml"]
    done = harness(*args, "--out", "out", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    (entry,) = json.loads((tmp_path / "out" / "results.json").read_text())["conversations"]
    assert entry["seed"] == result.case.seed
    assert [c["verdict"] for c in entry["checks"]] == [v.verdict for v in result.checks]
    assert result.transcript is not None
    written = (tmp_path / "out" / entry["transcript"]).read_text()
    assert written == result.transcript.to_jsonl()


PROPERTY = """
from hypothesis import Phase, given, settings
from harness import play
from harness.strategies import personas, scenarios

@settings(max_examples=10, database=None, derandomize=True, deadline=None,
          phases=[p for p in Phase if p is not Phase.explain])
@given(persona=personas(), scenario=scenarios(stakes="high"))
def test_high_stakes_customers_are_served(persona, scenario):
    result = play(scenario, persona, bot="{bot}", seed=0)
    assert result.verdict == "pass", [v.name for v in result.checks if v.verdict == "fail"]
"""


def test_a_broken_bot_fails_the_property_with_a_shrunk_example_and_a_reproduce_line(
    pytester: pytest.Pytester, pack: Pack
) -> None:
    first = min(s.id for s in pack.scenarios.values() if s.stakes == "high")
    pytester.makepyfile(PROPERTY.replace("{bot}", "demo:deflector"))
    outcome = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-W", "ignore")
    outcome.assert_outcomes(failed=1)
    out = outcome.stdout.str()
    # Hypothesis calls it a "Falsifying example" or, since 6.16x, a "Failing test case"
    assert re.search(
        r"(Falsifying example|Failing test case): test_high_stakes_customers_are_served\(", out
    ), out
    # shrunk: the simplest customer, the first high-stakes scenario
    persona = next(line for line in out.splitlines() if "persona=Persona(" in line)
    for trait in ("id='drawn'", "patience=0", "asks_for_human='when_stuck'", "cues=[]",
                  "vulnerable=False", "typo_rate=0.0", "locale='en_US'"):  # fmt: skip
        assert trait in persona, persona
    assert f"scenario=scenario('{first}')" in out
    assert ("then run: harness run drawn.yaml --bot demo:deflector --seed 0 "
            f"--scenario {first} --persona drawn") in out  # fmt: skip
    assert "escalation.required" in out


def test_the_same_property_passes_against_careful(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(PROPERTY.replace("{bot}", "demo:careful"))
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)
