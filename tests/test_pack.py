"""The bundled pack: every file valid, ids unique, the rules a high-stakes scenario must keep,
the coverage the pack promises, and the pack reachable from an installed wheel."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from collections import Counter
from pathlib import Path

import pytest
import yaml

import harness.loading
from harness import ConfigError, Pack, bundled_dir, load_pack

REPO = Path(__file__).resolve().parent.parent
KINDS = ("scenarios", "personas")


def files_of(kind: str) -> list[Path]:
    return sorted(p for p in bundled_dir(kind).rglob("*") if p.is_file())


def raw_ids(kind: str) -> list[str]:
    """The ids as written in the files, read without the loader (which rejects duplicates)."""
    return [yaml.safe_load(p.read_text(encoding="utf-8"))["id"] for p in files_of(kind)]


# -- every file validates --------------------------------------------------------------------


def test_in_a_source_checkout_the_bundled_folders_are_the_repositorys() -> None:
    assert not (REPO / "harness" / "_packs").exists(), "a stale harness/_packs would shadow them"
    assert [bundled_dir(kind) for kind in KINDS] == [REPO / kind for kind in KINDS]


@pytest.mark.parametrize("kind", KINDS)
def test_every_bundled_file_is_yaml_so_none_is_silently_skipped(kind: str) -> None:
    files = files_of(kind)
    assert files, f"no bundled {kind}"
    assert [p.name for p in files if p.suffix not in harness.loading.YAML_SUFFIXES] == []


@pytest.mark.parametrize("path", files_of("scenarios") + files_of("personas"), ids=lambda p: p.stem)
def test_each_bundled_file_validates_on_its_own(path: Path) -> None:
    kind = "persona" if "personas" in path.relative_to(REPO).parts else "scenario"
    pack = load_pack([path], base=load_pack([bundled_dir("personas")]))
    assert pack.files[f"{kind}:{yaml.safe_load(path.read_text())['id']}"] == path


def test_every_bundled_file_is_in_the_pack(pack: Pack) -> None:
    assert sorted(pack.files.values()) == sorted(files_of("scenarios") + files_of("personas"))


def test_scenario_and_persona_files_are_told_apart_by_their_folder(pack: Pack) -> None:
    for key, path in pack.files.items():
        kind, _, _ = key.partition(":")
        assert f"{kind}s" in path.relative_to(REPO).parts, (key, path)


# -- ids and references ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_ids_are_unique_across_files(kind: str) -> None:
    ids = raw_ids(kind)
    assert [i for i, n in Counter(ids).items() if n > 1] == []
    assert len(ids) == len(files_of(kind))


def test_a_scenarios_folder_id_prefix_and_domain_agree(pack: Pack) -> None:
    """`pytest -m telecom` selects the telecom scenarios, and each sits in its domain's folder."""
    for sid, scenario in pack.scenarios.items():
        folder = pack.files[f"scenario:{sid}"].parent.name
        assert sid.split(".")[0] == scenario.domain == folder, (sid, scenario.domain, folder)


def test_every_persona_a_scenario_names_exists(pack: Pack) -> None:
    missing = [(s.id, name) for s in pack.scenarios.values() for name in s.personas
               if name not in pack.personas]  # fmt: skip
    assert missing == []


def test_the_facts_a_scenario_expects_are_facts_it_has(pack: Pack) -> None:
    for s in pack.scenarios.values():
        named = {*s.expectations.context.handoff_facts, *s.expectations.context.reask_allowed,
                 *s.expectations.compliance.verify}  # fmt: skip
        assert named <= set(s.facts), (s.id, named - set(s.facts))


# -- the rules of stakes ---------------------------------------------------------------------


def test_every_high_stakes_scenario_requires_a_human_with_its_facts(pack: Pack) -> None:
    high = [s for s in pack.scenarios.values() if s.stakes == "high"]
    assert high
    for s in high:
        assert s.expectations.escalation.required is True, s.id
        assert s.expectations.context.handoff_facts, f"{s.id}: no handoff_facts"
        # Without a limit escalation.timely has nothing to judge: a late handoff passes.
        limits = s.expectations.escalation
        assert limits.within_turns is not None, f"{s.id}: no within_turns"
        assert limits.within_seconds is not None, f"{s.id}: no within_seconds"


def test_every_low_stakes_scenario_expects_the_bot_to_finish_without_a_human(pack: Pack) -> None:
    low = [s for s in pack.scenarios.values() if s.stakes == "low"]
    assert low
    for s in low:
        # required: false is what the `escalation.unneeded` check keys on
        assert s.expectations.escalation.required is False, s.id
        assert s.goal.resolver == "either", f"{s.id}: a low-stakes goal only a human can meet"


def test_stakes_are_only_high_or_low(pack: Pack) -> None:
    assert {s.stakes for s in pack.scenarios.values()} == {"high", "low"}


# -- what the pack covers --------------------------------------------------------------------


def test_the_pack_has_enough_scenarios_personas_and_high_stakes(pack: Pack) -> None:
    assert len(pack.scenarios) >= 6
    assert len(pack.personas) >= 4
    assert sum(s.stakes == "high" for s in pack.scenarios.values()) >= 4


def test_the_pack_has_a_channel_switch(pack: Pack) -> None:
    switches = [(s.id, step.switch) for s in pack.scenarios.values() for step in s.steps
                if step.switch and step.switch != s.channels[0]]  # fmt: skip
    assert switches
    for scenario_id, channel in switches:
        assert channel in pack.scenarios[scenario_id].channels


def test_the_pack_has_a_repeat_contact(pack: Pack) -> None:
    declared = [s.id for s in pack.scenarios.values() if s.repeat_contact is not None]
    scripted = [s.id for s in pack.scenarios.values() if any(st.return_after for st in s.steps)]
    assert declared, "no scenario where an unresolved customer comes back"
    assert scripted, "no scenario that scripts a return on a later contact"


def test_the_personas_cover_every_way_of_asking_for_a_human(pack: Pack) -> None:
    asks = {p.asks_for_human for p in pack.personas.values()}
    assert asks == {"at_once", "when_stuck", "never"}
    assert any(p.vulnerable for p in pack.personas.values())


# -- the packs inside an installed wheel -------------------------------------------------------


def force_include() -> dict[str, str]:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    table: dict[str, str] = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    return table


def test_the_wheel_ships_each_pack_where_bundled_dir_looks_first() -> None:
    assert force_include() == {kind: f"harness/_packs/{kind}" for kind in KINDS}


def fake_package(root: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Make bundled_dir believe the harness package lives at root/harness."""
    (root / "harness").mkdir(parents=True)
    monkeypatch.setattr(
        harness.loading, "__file__", str(root / "harness" / "loading" / "__init__.py")
    )
    return root / "harness"


def test_bundled_dir_prefers_the_packs_inside_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = fake_package(tmp_path, monkeypatch)
    for kind in KINDS:
        (package / "_packs" / kind).mkdir(parents=True)
        (tmp_path / kind).mkdir()  # a checkout-style folder beside it loses
    assert [bundled_dir(kind) for kind in KINDS] == [package / "_packs" / k for k in KINDS]


def test_bundled_dir_falls_back_to_the_folder_beside_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_package(tmp_path, monkeypatch)
    (tmp_path / "scenarios").mkdir()
    assert bundled_dir("scenarios") == tmp_path / "scenarios"


def test_a_missing_bundled_folder_is_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_package(tmp_path, monkeypatch)
    (tmp_path / "personas").write_text("a file, not a folder")
    with pytest.raises(ConfigError) as info:
        bundled_dir("personas")
    assert info.value.problems == ["the bundled personas/ folder is missing from this installation"]


def test_an_installed_layout_runs_the_bundled_pack_without_the_checkout(tmp_path: Path) -> None:
    """The package and the force-included packs, laid out as the wheel lays them out."""
    site = tmp_path / "site-packages"
    shutil.copytree(REPO / "harness", site / "harness",
                    ignore=shutil.ignore_patterns("__pycache__", "_packs"))  # fmt: skip
    for source, target in force_include().items():
        shutil.copytree(REPO / source, site / target)
    script = (
        "import harness, harness.loading as l;"
        "print(harness.__file__);"
        "print(l.bundled_dir('scenarios')); print(l.bundled_dir('personas'));"
        "from harness.cli import main; raise SystemExit(main(['list', 'scenarios']))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True,
        timeout=60, check=False, env={**os.environ, "PYTHONPATH": str(site)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    where, scenarios, personas, *listed = done.stdout.splitlines()
    assert Path(where).is_relative_to(site)
    assert (scenarios, personas) == (str(site / "harness/_packs/scenarios"),
                                     str(site / "harness/_packs/personas"))  # fmt: skip
    assert sorted(line.split()[0] for line in listed) == sorted(raw_ids("scenarios"))
