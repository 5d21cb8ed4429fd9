"""Generated personas and locale-aware facts: reproducible from a seed, readable by the bot."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from harness_cli import harness

from harness import ConfigError, Pack, Persona, RunOptions, generate_persona, plan, run
from harness.bots.reading import extract
from harness.customer.facts import LOCALES, make_fact
from harness.customer.generate import generated_seeds, seed_of
from harness.model.scenario import FactSpec


def test_a_seed_gives_the_same_persona_and_its_id_gives_the_seed_back() -> None:
    assert generate_persona(1234) == generate_persona(1234)
    assert generate_persona(1234).id == "gen-1234" and seed_of("gen-1234") == 1234
    assert generate_persona(1234) != generate_persona(1235)
    assert seed_of("calm-precise") is None and seed_of("gen-x") is None
    with pytest.raises(ValueError, match="seed is 0–999999, got -1"):
        generate_persona(-1)


def test_generated_personas_vary_every_trait_within_its_bounds() -> None:
    crowd = [generate_persona(seed) for seed in range(300)]
    # `weight` is not a trait but how often a persona arrives in a load run: always 1 here
    for field in Persona.model_fields.keys() - {"weight"}:
        values = {json.dumps(getattr(p, field), sort_keys=True) for p in crowd}
        assert len(values) > 1, f"every generated persona has the same {field}"
    assert {p.locale for p in crowd} == set(LOCALES)
    assert all(p.typo_rate <= 0.08 for p in crowd)
    assert 0.1 < sum(p.vulnerable for p in crowd) / len(crowd) < 0.3


def test_generated_seeds_are_distinct_and_follow_the_run_seed() -> None:
    assert generated_seeds(7, 50) == generated_seeds(7, 50)
    assert len(set(generated_seeds(7, 50))) == 50
    assert generated_seeds(7, 5) == generated_seeds(7, 50)[:5]
    assert generated_seeds(7, 5) != generated_seeds(8, 5)


# The label the reference bot reads each fact by, as a customer states it.
STATED = {"date_of_birth": "date of birth", "postcode": "postcode", "amount": "amount"}


@pytest.mark.parametrize("locale", LOCALES)
def test_facts_are_written_the_local_way_and_read_back_whole(locale: str) -> None:
    import random

    rng = random.Random(1)
    for kind in ("name", "address", "postcode", "company", "phone", "date_of_birth", "date"):
        for _ in range(50):
            value = make_fact(FactSpec(kind=kind), rng, locale)  # type: ignore[arg-type]
            assert not re.search(r"[.,;!?]", value), (kind, value)
    for kind, label in STATED.items():
        for _ in range(50):
            value = make_fact(FactSpec(kind=kind), rng, locale)  # type: ignore[arg-type]
            assert extract(f"My {label} is {value}, thanks.").get(kind) == value
    symbol = {"en_US": "$", "en_GB": "£"}.get(locale, "€")
    assert make_fact(FactSpec(kind="amount"), rng, locale).startswith(symbol)
    assert make_fact(FactSpec(kind="iban"), rng, locale)[:2] == {"en_US": "GB"}.get(
        locale, locale[-2:]
    )
    months = {"de_DE": "Januar|März|Mai|Juni|Juli|Oktober|Dezember", "es_ES": " de ",
              "fr_FR": "janvier|février|mars|avril|mai|juin|juillet|août|décembre",
              "en_GB": "January|March|May|June|July|October|December", "en_US": "/"}  # fmt: skip
    dates = [make_fact(FactSpec(kind="date_of_birth"), rng, locale) for _ in range(50)]
    assert any(re.search(months[locale], d) for d in dates), dates


def test_generated_personas_play_every_scenario_after_the_pack_personas(pack: Pack) -> None:
    cases = plan(pack, RunOptions(generated=3, seed=7))
    names = [f"gen-{s}" for s in generated_seeds(7, 3)]
    assert len(cases) == len(pack.scenarios) * (len(pack.personas) + 3)
    for sid in pack.scenarios:
        assert [c.persona.id for c in cases if c.scenario.id == sid][-3:] == names
    assert {c.persona_seed for c in cases if c.persona.id in names} == set(generated_seeds(7, 3))
    alone = plan(pack, RunOptions(personas=("gen-42",), scenarios=("banking.balance",)))
    assert [(c.persona.id, c.persona_seed) for c in alone] == [("gen-42", 42)]
    with pytest.raises(ConfigError, match="--generated expects 0 or more"):
        plan(pack, RunOptions(generated=-1))


def test_a_generated_case_rerun_alone_is_the_same_conversation(pack: Pack) -> None:
    whole = run(pack, RunOptions(seed=7, generated=4))
    (sid, pid) = ("insurance.denied-claim", f"gen-{generated_seeds(7, 4)[2]}")
    alone = run(pack, RunOptions(seed=7, scenarios=(sid,), personas=(pid,)))
    (single,) = alone.results
    (same,) = [r for r in whole.results if r.case.conversation_id == single.case.conversation_id]
    assert same.transcript is not None and single.transcript is not None
    assert single.transcript.to_jsonl() == same.transcript.to_jsonl()


def test_generated_run_passes_careful_and_is_the_same_twice(tmp_path: Path) -> None:
    results = []
    for name in ("a", "b"):
        done = harness("run", "--generated", "20", "--seed", "7", "--out", name, cwd=tmp_path)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr
        assert "rerun one: --persona gen-<seed> --seed 7" in done.stdout
        results.append(json.loads((tmp_path / name / "results.json").read_text()))
    for r in results:  # the only wall-clock values in the results
        del r["run"]["started"], r["run"]["finished"]
    assert results[0] == results[1]
    entries = results[0]["conversations"]
    generated = [e for e in entries if e["persona"].startswith("gen-")]
    assert len(generated) == 20 * len({e["scenario"] for e in entries})
    assert all(e["persona"] == f"gen-{e['persona_seed']}" for e in generated)
    assert results[0]["run"]["generated"] == 20
    for name in sorted(p.name for p in (tmp_path / "a" / "transcripts").iterdir()):
        a = (tmp_path / "a" / "transcripts" / name).read_bytes()
        assert a == (tmp_path / "b" / "transcripts" / name).read_bytes(), name


def test_a_failing_generated_persona_prints_how_to_rerun_it_alone(tmp_path: Path) -> None:
    done = harness("run", "--bot", "demo:deflector", "--generated", "2", "--seed", "3",
                   "--scenario", "banking.fraud-dispute", "--out", "out", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 1
    line = next(x for x in done.stdout.splitlines() if "rerun: harness run" in x)
    command = line.split("rerun: harness ", 1)[1].split()
    again = harness(*command, "--out", "again", cwd=tmp_path)
    assert again.returncode == 1
    (entry,) = json.loads((tmp_path / "again" / "results.json").read_text())["conversations"]
    first = json.loads((tmp_path / "out" / "results.json").read_text())["conversations"]
    assert entry in first
