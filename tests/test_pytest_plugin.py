"""The pytest plugin, run as a user runs it: pytester sessions over a copy of the bundled pack."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import xml.etree.ElementTree as ET

import pytest
from harness_cli import harness

from harness import Pack, RunOptions, bundled_dir, plan

pytest_plugins = ["pytester"]

# The child sessions run under the project's own pytest settings.
SETTINGS = """
[tool.pytest.ini_options]
addopts = ["--strict-markers", "--strict-config", "-p", "no:cacheprovider"]
filterwarnings = ["error"]
xfail_strict = true
"""
# Two personas that ask for a human only when stuck: a bot that never hands off fails them
# exactly where the stakes need a human.
TWO = ("-k", "calm-precise or self-reliant")
EVIDENCE = re.compile(r'^ +turn \d+ · chat · \d\d:\d\d:\d\d · customer: ".+"$', re.MULTILINE)


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    shutil.copytree(bundled_dir("scenarios"), pytester.path / "scenarios")
    pytester.makepyprojecttoml(SETTINGS)
    # Under xdist the inner runs inherit the worker's environment; pytest-benchmark, where
    # installed, then takes them for xdist runs and warns, which fails them.
    monkeypatch.setenv("PYTEST_ADDOPTS", "-p no:benchmark")
    return pytester


def ids(result: pytest.RunResult) -> list[str]:
    return [line for line in result.outlines if "::" in line and not line.startswith("FAILED")]


def summary(result: pytest.RunResult, *words: str) -> list[str]:
    """The node ids in the short summary lines starting with one of `words`.

    pytest appends " - reason" to a line when the terminal is wide enough, so only the id
    (which holds no spaces) is kept.
    """
    return [line.split()[1] for line in result.outlines if line.startswith(words)]


def high_stakes(pack: Pack) -> set[str]:
    return {sid for sid, s in pack.scenarios.items() if s.stakes == "high"}


def test_each_scenario_persona_and_repeat_is_an_item_with_a_readable_id(
    project: pytest.Pytester, pack: Pack
) -> None:
    result = project.runpytest("scenarios", "--co", "-q", "-k", "fraud-dispute",
                               "--harness-repeat", "2")  # fmt: skip
    collected = ids(result)
    assert len(collected) == 2 * len(pack.personas)
    where = "scenarios/banking/fraud-dispute.yaml::banking.fraud-dispute"
    assert f"{where}[calm-precise-0]" in collected and f"{where}[calm-precise-1]" in collected
    generated = ids(project.runpytest("scenarios", "--co", "-q", "--generated", "1",
                                      "-k", "banking.balance and gen"))  # fmt: skip
    assert len(generated) == 1 and re.search(r"banking\.balance\[gen-\d+-0\]$", generated[0])


def test_only_harness_scenarios_are_collected(project: pytest.Pytester) -> None:
    (project.path / "personas").mkdir()
    shutil.copy(bundled_dir("personas") / "calm-precise.yaml", project.path / "personas")
    mine = project.path / "mine"
    mine.mkdir()
    text = (bundled_dir("scenarios") / "banking" / "balance.yaml").read_text()
    (mine / "balance.yaml").write_text(text.replace("id: banking.balance", "id: mine.balance"))
    (mine / "workflow.yml").write_text("name: ci\non: push\njobs: {}\n")
    (mine / "compose.yaml").write_text("id: web\nservices: {}\n")
    collected = ids(project.runpytest("personas", "mine", "--co", "-q"))
    assert collected
    assert all(line.startswith("mine/balance.yaml::mine.balance[") for line in collected)


@pytest.mark.parametrize(
    ("select", "wanted"),
    [
        (("-m", "high_stakes"), lambda s: s.stakes == "high"),
        (
            ("-m", "low_stakes and not banking"),
            lambda s: s.stakes == "low" and s.domain != "banking",
        ),
        (("-m", "insurance"), lambda s: s.domain == "insurance"),
        (("-k", "fraud"), lambda s: "fraud" in s.id),
    ],
    ids=["high_stakes", "low_stakes-not-banking", "domain", "keyword"],
)
def test_markers_and_keywords_select_items(
    project: pytest.Pytester, pack: Pack, select: tuple[str, str], wanted: object
) -> None:
    result = project.runpytest("scenarios", "--co", "-q", *select)  # under --strict-markers
    chosen = {line.split("::")[1].split("[")[0] for line in ids(result)}
    assert chosen == {sid for sid, s in pack.scenarios.items() if wanted(s)}  # type: ignore[operator]
    assert result.ret == 0


def test_the_careful_bot_passes_every_bundled_item(project: pytest.Pytester, pack: Pack) -> None:
    result = project.runpytest("scenarios", "--bot", "demo:careful", "-q")
    total = len(plan(pack, RunOptions()))
    result.assert_outcomes(passed=total)
    results = json.loads((project.path / "reports/pytest/results.json").read_text())
    assert results["summary"]["pass"] == total and results["summary"]["exit_status"] == 0
    assert len(list((project.path / "reports/pytest/transcripts").iterdir())) == total
    result.stdout.fnmatch_lines([f"harness: {total} conversations, 0 failing; *"])


def test_the_deflector_fails_the_high_stakes_items_with_evidence_and_a_rerun_command(
    project: pytest.Pytester, pack: Pack
) -> None:
    result = project.runpytest("scenarios", "--bot", "demo:deflector", *TWO)
    failed = {node.split("::")[1] for node in summary(result, "FAILED ")}
    two = ("calm-precise", "self-reliant")
    wanted = {f"{sid}[{pid}-0]" for sid in high_stakes(pack) for pid in two}
    assert failed == wanted
    result.assert_outcomes(failed=len(wanted), passed=2 * len(pack.scenarios) - len(wanted))
    text = result.stdout.str()
    case = "banking.fraud-dispute--calm-precise--0"
    section = text[text.index("banking.fraud-dispute × calm-precise: fail") :]
    section = section[: section.index("\nrerun: ") + 300].split("\n_")[0]
    assert "FAIL escalation.required: no handoff" in section
    assert EVIDENCE.search(section), section
    assert f"transcript: reports/pytest/transcripts/{case}.jsonl" in section
    assert (project.path / "reports/pytest/transcripts" / f"{case}.jsonl").is_file()
    rerun = ("harness run scenarios/banking/fraud-dispute.yaml --bot demo:deflector --seed 0 "
             "--scenario banking.fraud-dispute --persona calm-precise")  # fmt: skip
    assert re.search(f"^rerun: {re.escape(rerun)}$", section, re.MULTILINE), section
    assert "Traceback" not in text and "pytest_plugin.py" not in text
    # the command replays the same conversation, with the same failing checks
    done = harness(*shlex.split(rerun)[1:], "--out", "again", cwd=project.path)
    assert done.returncode == 1, done.stderr
    again = json.loads((project.path / "again/results.json").read_text())["conversations"]
    first = json.loads((project.path / "reports/pytest/results.json").read_text())["conversations"]
    assert again == [e for e in first if e["conversation_id"] == case]


def test_a_broken_scenario_file_says_file_line_and_no_traceback(project: pytest.Pytester) -> None:
    text = (project.path / "scenarios/banking/balance.yaml").read_text()
    broken = text.replace("stakes: low", "stakes: medium")
    assert broken != text
    (project.path / "scenarios/banking/balance.yaml").write_text(broken)
    (project.path / "scenarios/banking/syntax.yaml").write_text("id: x\ngoal: [\n")
    result = project.runpytest("scenarios", "-q", "-k", "balance")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    line = next(i + 1 for i, row in enumerate(broken.splitlines()) if row.startswith("stakes"))
    result.stdout.fnmatch_lines([
        f"scenarios/banking/balance.yaml:{line}: stakes: expects 'high' or 'low', got 'medium'*",
        "scenarios/banking/syntax.yaml:3: YAML syntax error: *",
    ], consecutive=False)  # fmt: skip
    assert "Traceback" not in result.stdout.str() and "loading.py" not in result.stdout.str()


def test_a_bad_option_is_a_usage_error(project: pytest.Pytester) -> None:
    result = project.runpytest("scenarios", "--harness-seed", "soon")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--harness-seed (harness_seed) expects a whole number*'soon'*"])


def test_junit_xml_carries_the_conversation_as_properties(project: pytest.Pytester) -> None:
    project.runpytest("scenarios", "--bot", "demo:deflector", "-k",
                      "fraud-dispute and calm-precise", "--junitxml", "junit.xml")  # fmt: skip
    (case,) = ET.parse(project.path / "junit.xml").getroot().iter("testcase")
    props = {p.get("name"): p.get("value") for p in case.iter("property")}
    assert props["scenario"] == "banking.fraud-dispute" and props["persona"] == "calm-precise"
    assert props["outcome"] == "abandoned" and props["verdict"] == "fail"
    assert int(props["seed"] or "") > 0 and props["time_to_human"] == "none"
    assert "escalation.required" in (props["failing_checks"] or "")
    assert (case.find("failure") is not None) and "rerun" in props
    project.runpytest("scenarios", "-k", "fraud-dispute and calm-precise", "--junitxml", "ok.xml")
    (case,) = ET.parse(project.path / "ok.xml").getroot().iter("testcase")
    props = {p.get("name"): p.get("value") for p in case.iter("property")}
    assert props["outcome"] == "resolved_by_human" and float(props["time_to_human"] or "") > 0


def test_allure_results_hold_labels_steps_and_the_transcript(project: pytest.Pytester) -> None:
    project.runpytest("scenarios", "--bot", "demo:deflector", "-k",
                      "fraud-dispute and calm-precise", "--alluredir", "allure")  # fmt: skip
    (path,) = (project.path / "allure").glob("*-result.json")
    test = json.loads(path.read_text())
    assert test["status"] == "failed"
    labels = {(label["name"], label["value"]) for label in test["labels"]}
    assert {("domain", "banking"), ("stakes", "high"), ("severity", "critical"),
            ("check", "escalation.required")} <= labels  # fmt: skip
    assert test["steps"][0]["name"] == "turn 1 · chat"
    assert test["steps"][0]["steps"][0]["name"].startswith("turn 1 · chat · 00:00:")
    assert "FAIL escalation.required" in test["description"]
    assert EVIDENCE.search(test["description"])
    (attachment,) = test["attachments"]
    assert attachment["type"] == "application/x-ndjson"
    head = (project.path / "allure" / attachment["source"]).read_text().splitlines()[0]
    assert json.loads(head)["conversation_id"] == "banking.fraud-dispute--calm-precise--0"


@pytest.mark.parametrize("bot", ["nomod:bot", "demo:carefull", "missing.yaml"])
def test_a_bad_bot_is_one_usage_error_before_anything_runs(
    project: pytest.Pytester, bot: str
) -> None:
    result = project.runpytest("scenarios", "--bot", bot)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.errlines if line.startswith("ERROR: ")]
    assert (len(errors) == 1 and "--bot" in errors[0]) or "missing.yaml" in errors[0], errors
    assert len(result.outlines) + len(result.errlines) < 10
    assert "Traceback" not in result.stdout.str() + result.stderr.str()


def test_the_summary_gives_the_kpis(project: pytest.Pytester) -> None:
    result = project.runpytest("scenarios", "-k", "fraud-dispute")
    result.stdout.fnmatch_lines(["harness KPIs: containment * true resolution * false "
                                 "containment * time to human p90 * within 60 s *"])  # fmt: skip


def test_repeats_give_pass_hat_k_and_flaky_cases(project: pytest.Pytester) -> None:
    result = project.runpytest("scenarios", "-k", "fraud-dispute or banking.balance",
                               "--harness-repeat", "2", "--bot", "demo:deflector")  # fmt: skip
    result.stdout.fnmatch_lines(["harness KPIs: * · pass^1 *% pass^2 *% · 0 flaky"])
    written = json.loads((project.path / "reports/pytest/results.json").read_text())
    summary, conversations = written["summary"], written["conversations"]
    cases = {f"{c['scenario']}--{c['persona']}" for c in conversations}
    passing = {f"{c['scenario']}--{c['persona']}" for c in conversations if c["verdict"] == "pass"}
    assert 0 < len(passing) < len(cases)  # the deflector fails some, always the same ones
    assert summary["flaky"] == []
    assert summary["pass_hat_k"] == {"1": round(len(passing) / len(cases), 4),
                                     "2": round(len(passing) / len(cases), 4)}  # fmt: skip


def test_allure_gives_each_case_its_own_history(project: pytest.Pytester) -> None:
    """Allure keys a test's history (and retries) on its historyId: one per case, never one
    for every persona of a scenario."""
    result = project.runpytest("scenarios", "-k", "fraud-dispute", "--harness-repeat", "2",
                               "--alluredir", "allure")  # fmt: skip
    tests = [json.loads(p.read_text()) for p in (project.path / "allure").glob("*-result.json")]
    assert len(tests) == result.parseoutcomes()["passed"] > 2
    assert len({t["historyId"] for t in tests}) == len(tests)
    parameters = {(p["name"], p["value"]) for t in tests for p in t["parameters"]}
    assert {("persona", "'calm-precise'"), ("repeat", "1")} <= parameters


def test_xdist_gives_the_verdicts_of_a_serial_run(project: pytest.Pytester) -> None:
    common = ("scenarios", "--bot", "demo:deflector", "-k",
              "calm-precise or demands-human", "-p", "no:benchmark")  # fmt: skip
    serial = project.runpytest_subprocess(*common, "--harness-out", "serial", "-rA",
                                          "--harness-report", "serial.html")  # fmt: skip
    parallel = project.runpytest_subprocess(*common, "--harness-out", "parallel", "-rA", "-n", "2",
                                            "--harness-report", "parallel.html")  # fmt: skip
    outcomes = [(sorted(summary(run, "PASSED ")), sorted(summary(run, "FAILED ")))
                for run in (serial, parallel)]  # fmt: skip
    assert outcomes[0] == outcomes[1] and outcomes[0][0] and outcomes[0][1]
    written = [json.loads((project.path / out / "results.json").read_text())
               for out in ("serial", "parallel")]  # fmt: skip
    assert written[0]["conversations"] == written[1]["conversations"]
    assert written[0]["summary"] == written[1]["summary"]
    # what results.json says of the scenarios and personas travels from the workers too
    assert written[0]["pack"] == written[1]["pack"]
    fraud = written[1]["pack"]["scenarios"]["banking.fraud-dispute"]
    assert fraud["file"] == "scenarios/banking/fraud-dispute.yaml" and fraud["title"]
    assert written[1]["pack"]["personas"]["calm-precise"] == {"name": "Calm and precise",
                                                              "file": None}  # fmt: skip
    # --harness-report: the HTML report of the session, with each failing conversation
    parallel.stdout.fnmatch_lines(["harness: * failing; results: *; report: parallel.html"])
    page = (project.path / "parallel.html").read_text()
    for entry in written[1]["conversations"]:
        wanted = f'data-conversation="{entry["conversation_id"]}"'
        assert (wanted in page) == (entry["verdict"] != "pass")


PLAYING = """
from hypothesis import HealthCheck, given, settings
from harness.strategies import personas
import yaml
from pathlib import Path

@settings(max_examples=5, derandomize=True, database=None, deadline=None)
@given(persona=personas(asks_for_human="never"))
def test_drawn_customers_reach_a_human(harness_play, persona):
    result = harness_play("banking.fraud-dispute", persona, seed=3)
    assert result.verdict == "pass", [v.name for v in result.checks if v.verdict == "fail"]

def test_an_inline_scenario(harness_play):
    raw = yaml.safe_load(Path("scenarios/banking/balance.yaml").read_text())
    raw["id"] = "inline.balance"
    result = harness_play(raw, "terse-mobile")
    assert result.case.scenario.id == "inline.balance" and result.metrics["outcome"]
    assert result.transcript is not None and result.transcript.events

def test_against_the_configured_bot(harness_play):
    result = harness_play("banking.fraud-dispute", "calm-precise", checks=["escalation.*"])
    failing = [v.name for v in result.checks if v.verdict == "fail"]
    assert failing == ["escalation.required", "escalation.on_request"]
"""


def test_the_fixture_plays_against_the_configured_bot(project: pytest.Pytester) -> None:
    project.makepyfile(test_playing=PLAYING)
    result = project.runpytest("test_playing.py", "--bot", "demo:deflector", "-q")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*test_drawn_customers_reach_a_human*", "*escalation.required*"])
    assert "then run: harness run drawn.yaml --bot demo:deflector --seed 3" in result.stdout.str()
    project.runpytest("test_playing.py", "-q", "-k", "drawn").assert_outcomes(passed=1)


def test_given_persona_files_play_instead_of_the_bundled_ones_or_beside_them(
    project: pytest.Pytester, pack: Pack
) -> None:
    mine = project.path / "mine"
    mine.mkdir()
    text = (bundled_dir("personas") / "self-reliant.yaml").read_text()
    for name in ("stoic", "brisk"):
        (mine / f"{name}.yaml").write_text(text.replace("id: self-reliant", f"id: {name}"))
    alone = ids(project.runpytest("scenarios", "--harness-personas", "mine", "--co", "-q",
                                  "-k", "fraud-dispute"))  # fmt: skip
    assert sorted(i.split("[")[1] for i in alone) == ["brisk-0]", "stoic-0]"]
    beside = ids(project.runpytest("scenarios", "--harness-personas", "mine", "--co", "-q",
                                   "-k", "fraud-dispute", "--harness-with-bundled"))  # fmt: skip
    assert len(beside) == len(pack.personas) + 2


def test_the_fixture_finds_a_collected_scenario_of_the_users_own(
    project: pytest.Pytester,
) -> None:
    text = (bundled_dir("scenarios") / "banking" / "balance.yaml").read_text()
    (project.path / "own").mkdir()
    (project.path / "own" / "balance.yaml").write_text(
        text.replace("id: banking.balance", "id: own.balance").replace(
            "domain: banking", "domain: own"
        )
    )
    project.makepyfile(test_own="""
def test_own(harness_play):
    assert harness_play("own.balance", "calm-precise").verdict == "pass"
""")  # fmt: skip
    project.runpytest("own", "test_own.py").assert_outcomes(
        passed=len([p for p in bundled_dir("personas").iterdir()]) + 1
    )


def test_a_given_persona_fails_with_a_rerun_line_naming_its_file(project: pytest.Pytester) -> None:
    mine = project.path / "mine"
    mine.mkdir()
    text = (bundled_dir("personas") / "self-reliant.yaml").read_text()
    (mine / "stoic.yaml").write_text(text.replace("id: self-reliant", "id: stoic"))
    result = project.runpytest("scenarios", "--harness-personas", "mine", "--bot",
                               "demo:deflector", "-k", "fraud-dispute and stoic")  # fmt: skip
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "rerun: harness run scenarios/banking/fraud-dispute.yaml mine/stoic.yaml "
        "--bot demo:deflector *--persona stoic"
    ])  # fmt: skip


def test_a_baseline_xfails_known_failures_and_fails_regressions(
    project: pytest.Pytester, pack: Pack
) -> None:
    wanted = 2 * len(high_stakes(pack))  # the items the deflector fails (see above)
    project.runpytest("scenarios", "--bot", "demo:careful", *TWO, "--harness-out", "good")
    project.runpytest("scenarios", "--bot", "demo:deflector", *TWO, "--harness-out", "bad")
    known = project.runpytest("scenarios", "--bot", "demo:deflector", *TWO, "-rx",
                              "--harness-baseline", "bad", "--harness-out", "known")  # fmt: skip
    known.assert_outcomes(xfailed=wanted, passed=2 * len(pack.scenarios) - wanted)
    assert known.ret == 0
    known.stdout.fnmatch_lines(["XFAIL *fraud-dispute*calm-precise* - known failure: *"])
    written = json.loads((project.path / "known/results.json").read_text())
    assert written["baseline"]["regressions"] == [] and written["summary"]["exit_status"] == 0
    new = project.runpytest("scenarios", "--bot", "demo:deflector", *TWO,
                            "--harness-baseline", "good")  # fmt: skip
    new.assert_outcomes(failed=wanted, passed=2 * len(pack.scenarios) - wanted)
    assert new.ret == 1
    case = "banking.fraud-dispute--calm-precise--0"
    replay = f"replay: harness replay reports/pytest {case} --bot demo:deflector"
    assert re.search(f"^{re.escape(replay)}$", new.stdout.str(), re.MULTILINE)
    written = json.loads((project.path / "reports/pytest/results.json").read_text())
    assert len(written["baseline"]["regressions"]) == wanted
    # the replay command works as printed, from where pytest ran
    again = harness(*shlex.split(replay.split(": ", 1)[1])[1:], "--bot", "demo:careful",
                    cwd=project.path)  # fmt: skip
    assert again.returncode == 0 and "the two part at turn" in again.stdout, again.stderr


def test_a_missing_baseline_is_a_usage_error(project: pytest.Pytester) -> None:
    result = project.runpytest("scenarios", "--harness-baseline", "gone", "-k", "balance")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--harness-baseline: *gone: no results.json here*"])
