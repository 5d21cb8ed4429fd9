"""The `harness` command, run as a user runs it: a subprocess, its output and exit status."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from harness_cli import harness

REPO = Path(__file__).resolve().parent.parent


def test_run_with_no_argument_passes_the_bundled_pack(tmp_path: Path) -> None:
    done = harness("run", "--out", "out", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["summary"]["exit_status"] == 0
    assert results["summary"]["fail"] == 0 and results["summary"]["pass"] >= 24
    for entry in results["conversations"]:
        assert entry["verdict"] == "pass"
        assert (tmp_path / "out" / entry["transcript"]).is_file()
    assert "KPIs" in done.stdout and "true resolution" in done.stdout


def test_run_writes_to_reports_by_default(tmp_path: Path) -> None:
    done = harness("run", "--scenario", "banking.balance", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    (run_dir,) = (tmp_path / "reports").iterdir()
    assert run_dir.name.startswith("run-") and (run_dir / "results.json").is_file()


def test_the_deflector_fails_escalation_required_with_exit_1(tmp_path: Path) -> None:
    done = harness("run", "--bot", "demo:deflector", "--out", "out", cwd=tmp_path)
    assert done.returncode == 1
    assert "FAIL escalation.required" in done.stdout
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    failed = {c["name"] for e in results["conversations"] for c in e["checks"]
              if c["verdict"] == "fail"}  # fmt: skip
    assert "escalation.required" in failed


@pytest.mark.parametrize(
    ("flaw", "check"),
    [
        ("amnesiac", "context.no_reask"),
        ("amnesiac", "context.channel_carryover"),
        ("slowpoke", "escalation.timely"),
        ("blank-handoff", "context.handoff_payload"),
        ("false-resolver", "resolution.no_false_claim"),
        ("looper", "conversation.no_loop"),
        ("oversharer", "compliance.verify_before_disclose"),
    ],
)
def test_each_flawed_bot_exits_1_with_its_check_failing(
    tmp_path: Path, flaw: str, check: str
) -> None:
    done = harness("run", "--bot", f"demo:{flaw}", "--check", check, "--out", "out", cwd=tmp_path)
    assert done.returncode == 1, done.stdout
    assert f"FAIL {check}" in done.stdout


def test_a_malformed_scenario_gives_file_line_and_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "scenarios" / "bad.yaml"
    bad.parent.mkdir()
    bad.write_text(
        "id: bad\ntitle: Bad\ndomain: banking\nstakes: hihg\n"
        "goal:\n  intent: x\n  utterances: [hi]\n  evidence: {actions: [done]}\n"
        "expectations:\n  escalation: {required: true}\n  contxt: {}\n"
    )
    done = harness("run", str(bad), cwd=tmp_path)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert (
        f"{bad}:4: stakes: expects 'high' or 'low', got 'hihg' (did you mean 'high'?)"
        in done.stderr
    )
    assert f"{bad}:11: expectations.contxt: unknown key (did you mean 'context'?)" in done.stderr
    assert not (tmp_path / "reports").exists()  # nothing was run
    assert harness("validate", str(bad), cwd=tmp_path).returncode == 2


def test_usage_errors_exit_2_without_traceback(tmp_path: Path) -> None:
    for args in (("run", "--bot", "demo:carefull"), ("run", "--scenario", "nope.*"),
                 ("run", "--repeat", "0"), ("run", "missing.yaml"), ("frobnicate",)):  # fmt: skip
        done = harness(*args, cwd=tmp_path)
        assert done.returncode == 2, args
        assert "Traceback" not in done.stderr, args
    assert (
        "did you mean demo:careful?"
        in harness("run", "--bot", "demo:carefull", cwd=tmp_path).stderr
    )


def test_list_validate_and_schema(tmp_path: Path) -> None:
    scenarios = harness("list", "scenarios", cwd=tmp_path).stdout.splitlines()
    assert len(scenarios) >= 6 and sum(" high " in line for line in scenarios) >= 4
    assert len(harness("list", "personas", cwd=tmp_path).stdout.splitlines()) >= 4
    assert "demo:oversharer" in harness("list", "bots", cwd=tmp_path).stdout
    assert len(harness("list", "checks", cwd=tmp_path).stdout.splitlines()) == 14
    schema = json.loads(harness("schema", "scenario", cwd=tmp_path).stdout)
    assert schema["additionalProperties"] is False and "expectations" in schema["required"]
    repo = Path(__file__).resolve().parent.parent
    done = harness("validate", str(repo / "scenarios"), str(repo / "personas"), cwd=tmp_path)
    assert done.returncode == 0 and done.stdout.startswith("ok:")


@pytest.mark.parametrize(
    ("args", "status"),
    [
        (("list", "scenarios"), 1),
        (("schema", "scenario"), 1),
        (("run", "--scenario", "banking.balance", "--out", "out"), 1),
        (("--help",), 0),  # argparse ignores the failed write itself, then exits 0
    ],
    ids=["list", "schema", "run", "help"],
)
def test_a_reader_that_goes_away_early_gets_no_traceback(
    tmp_path: Path, args: tuple[str, ...], status: int
) -> None:
    """`harness list scenarios | head`: the reader closes the pipe; the harness stops quietly.

    The read end is closed before the harness starts, so that its first write fails every
    time (with `| head` that depends on timing).
    """
    read, write = os.pipe()
    os.close(read)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "harness", *args],
            cwd=tmp_path, stdout=write, stderr=subprocess.PIPE, text=True, timeout=120,
            check=False,
        )  # fmt: skip
    finally:
        os.close(write)
    assert done.stderr == ""  # no traceback, no "Exception ignored ... BrokenPipeError"
    assert done.returncode == status  # 1 as Python exits on EPIPE (docs: "Note on SIGPIPE")


def test_validating_the_bundled_folders_by_path_reads_each_file_once() -> None:
    root = Path(__file__).resolve().parent.parent
    done = harness("validate", "scenarios", "personas", cwd=root)
    assert done.returncode == 0, done.stderr
    assert "already defined" not in done.stderr


def test_a_bot_module_in_the_current_folder_is_found_by_the_harness_command(
    tmp_path: Path,
) -> None:
    """The `harness` console script (not `python -m`, which adds the folder itself) finds
    mybot.py in the folder it runs in, as the rerun lines it prints assume."""
    (tmp_path / "mybot.py").write_text(
        "from harness.bots import reference_bot\nbot = reference_bot('careful')\n"
    )
    command = shutil.which("harness")
    assert command is not None, "the harness command is installed with the package"
    done = subprocess.run(
        [command, "run", "--bot", "mybot:bot", "--scenario", "banking.balance", "--out", "o"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "o" / "results.json").exists()


def test_own_personas_play_own_scenarios_alone_unless_with_bundled(tmp_path: Path) -> None:
    """2 own personas × 3 own scenarios are 6 conversations, not 2 + 13 bundled a scenario."""
    own = tmp_path / "pack"
    (own / "personas").mkdir(parents=True)
    persona = (REPO / "personas" / "self-reliant.yaml").read_text()
    for name in ("stoic", "brisk"):
        (own / "personas" / f"{name}.yaml").write_text(
            persona.replace("id: self-reliant", f"id: {name}")
        )
    for name in ("balance", "card-activation", "fraud-dispute"):
        text = (REPO / "scenarios" / "banking" / f"{name}.yaml").read_text()
        (own / f"{name}.yaml").write_text(text.replace("id: banking.", "id: own."))
    alone = harness("run", "pack", "--out", "alone", "-q", cwd=tmp_path)
    assert alone.returncode in (0, 1), alone.stderr
    played = json.loads((tmp_path / "alone" / "results.json").read_text())["conversations"]
    assert sorted({c["persona"] for c in played}) == ["brisk", "stoic"] and len(played) == 6
    beside = harness("run", "pack", "--with-bundled", "--out", "beside", "-q", cwd=tmp_path)
    assert beside.returncode in (0, 1), beside.stderr
    played = json.loads((tmp_path / "beside" / "results.json").read_text())["conversations"]
    bundled = len(list((REPO / "personas").glob("*.yaml")))
    assert len(played) == 3 * (bundled + 2)


def test_fail_under_sla_fails_a_run_whose_lower_bound_misses_the_target(tmp_path: Path) -> None:
    common = ("run", "--scenario", "banking.fraud-dispute", "-q")
    missed = harness(*common, "--agents", "1", "--sla", "30", "--fail-under-sla", "0.9",
                     "--out", "missed", cwd=tmp_path)  # fmt: skip
    assert missed.returncode == 1, missed.stderr
    assert "--fail-under-sla:" in missed.stderr and "under the target of 90.0%" in missed.stderr
    met = harness(*common, "--sla", "3600", "--fail-under-sla", "0.5", "--out", "met",
                  cwd=tmp_path)  # fmt: skip
    assert met.returncode == 0, met.stderr
    bad = harness(*common, "--fail-under-sla", "90", cwd=tmp_path)
    assert bad.returncode == 2 and "expects a share above 0 and at most 1" in bad.stderr


def test_generated_personas_roll_up_into_one_row_a_scenario(tmp_path: Path) -> None:
    done = harness("run", "--scenario", "banking.balance", "--generated", "30", "--out", "o",
                   "-q", cwd=tmp_path)  # fmt: skip
    rows = [line for line in done.stdout.splitlines() if line.startswith("banking.balance × ")]
    assert "banking.balance × 30 generated" in done.stdout
    assert len(rows) == len(list((REPO / "personas").glob("*.yaml"))) + 1


def test_progress_counts_verdicts_as_conversations_finish() -> None:
    from harness.report.progress import Progress
    from harness.run import RunOptions, bundled_pack, plan
    from harness.run.execute import iter_results

    cases = plan(bundled_pack(), RunOptions(bot="demo:deflector", scenarios=("banking.*",)))
    progress = Progress(len(cases), enabled=False)
    results = list(iter_results(cases, RunOptions(bot="demo:deflector")))
    for result in results:
        progress.advance(result)
    for verdict in ("pass", "fail"):
        assert progress.counts[verdict] == sum(r.verdict == verdict for r in results) > 0
