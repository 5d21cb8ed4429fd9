"""From a failure to a regression scenario, run as a user runs it: `harness diff`,
`run --baseline`, `replay` and `capture [--shrink]` on runs of the bundled pack."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from harness_cli import harness, verdicts

from harness import bundled_dir
from harness.model.transcript import Transcript
from harness.run.capture import ddmin
from harness.run.compare import compare, read_results
from harness.run.replay import find_transcript, replay

SOME = ("--scenario", "banking.*")  # enough conversations to show every kind of change
CASE = "banking.fraud-dispute--calm-precise--0"  # fails escalation.required on the deflector


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A careful run and a deflector run of the banking scenarios, with the same seed."""
    where = tmp_path_factory.mktemp("runs")
    for bot, out in (("demo:careful", "careful"), ("demo:deflector", "deflector")):
        done = harness("run", *SOME, "--bot", bot, "--out", out, "-q", cwd=where)
        assert done.returncode == (0 if out == "careful" else 1), done.stderr
    return where


def failing(run: Path) -> set[str]:
    written = json.loads((run / "results.json").read_text())["conversations"]
    return {e["conversation_id"] for e in written if e["verdict"] != "pass"}


def listed(text: str, section: str) -> set[str]:
    """The conversation ids listed under a section of `harness diff`'s text."""
    body = text[text.index(f"\n{section} (") :].split("\n\n")[0]
    return {line.strip() for line in body.splitlines()[1:] if line.startswith("  ") and
            not line.startswith("      ")}  # fmt: skip


# -- harness diff --------------------------------------------------------------------------


def test_diff_counts_what_the_deflector_newly_fails(runs: Path) -> None:
    done = harness("diff", "careful", "deflector", "-v", cwd=runs)
    assert done.returncode == 1, done.stderr
    newly = failing(runs / "deflector")
    assert newly and listed(done.stdout, "Newly failing") == newly
    assert f"{len(newly)} newly failing, 0 fixed, 0 still failing" in done.stdout
    assert "escalation.required pass → fail" in done.stdout
    assert "containment_rate" in done.stdout and " *" in done.stdout  # more than noise
    back = harness("diff", "deflector", "careful", "-v", cwd=runs)
    assert back.returncode == 0 and listed(back.stdout, "Fixed") == newly


def test_a_run_diffed_against_itself_says_nothing_changed(runs: Path) -> None:
    done = harness("diff", "deflector", "deflector", cwd=runs)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "nothing changed" in done.stdout
    assert "Newly failing" not in done.stdout and "Fixed" not in done.stdout


def test_diff_markdown_is_a_table_for_a_pull_request(runs: Path) -> None:
    done = harness("diff", "careful", "deflector", "--markdown", cwd=runs)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert lines[0].startswith("### harness diff: ") and "regression" in lines[0]
    head = lines.index("| newly failing | fixed | still failing | passing in both | only in "
                       "base | only in new |")  # fmt: skip
    assert lines[head + 1] == "|---:|---:|---:|---:|---:|---:|"
    assert lines[head + 2].startswith(f"| {len(failing(runs / 'deflector'))} | 0 | 0 |")
    assert any(line.startswith("| containment_rate |") and line.endswith("| yes |")
               for line in lines)  # fmt: skip


def test_diff_of_a_folder_that_is_no_run_is_a_usage_error(runs: Path) -> None:
    done = harness("diff", "careful", "nowhere", cwd=runs)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr == "harness: nowhere: no results.json here; give the --out folder of a run\n"


def test_conversations_in_one_run_only_are_named(tmp_path: Path, runs: Path) -> None:
    done = harness("run", "--scenario", "banking.balance", "--bot", "demo:deflector",
                   "--out", "few", "-q", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 1
    c = compare(read_results(runs / "careful"), read_results(tmp_path / "few"))
    only = {x.conversation_id for x in c.of("only_in_base")}
    assert only and all(not cid.startswith("banking.balance--") for cid in only)
    assert not c.of("only_in_new")
    newly = {x.conversation_id for x in c.of("newly_failing")}
    assert newly == failing(tmp_path / "few")


def test_the_interval_of_a_change_is_newcombes() -> None:
    """Newcombe (1998), Table II, example (a): 56/70 against 48/80, a difference of 0.2,
    has the hybrid score interval (method 10) 0.0524 to 0.3339."""
    base = {"run": {"seed": 0}, "summary": {}, "conversations": [
        {"conversation_id": str(i), "verdict": "pass" if i < 48 else "fail", "outcome": "x"}
        for i in range(80)]}  # fmt: skip
    new = {"run": {"seed": 0}, "summary": {}, "conversations": [
        {"conversation_id": str(i), "verdict": "pass" if i < 56 else "fail", "outcome": "x"}
        for i in range(70)]}  # fmt: skip
    rate = compare(base, new).kpis[0]
    assert rate.name == "pass_rate" and rate.delta == pytest.approx(0.2)
    assert (round(rate.low or 0, 4), round(rate.high or 0, 4)) == (0.0524, 0.3339)
    assert rate.beyond_noise


# -- harness run --baseline ----------------------------------------------------------------


def test_a_baseline_gate_fails_on_regressions_only(runs: Path, tmp_path: Path) -> None:
    known = harness("run", *SOME, "--bot", "demo:deflector", "--baseline", str(runs / "deflector"),
                    "--out", "known", "-q", cwd=tmp_path)  # fmt: skip
    assert known.returncode == 0, known.stdout
    assert "no regressions" in known.stdout or "nothing changed" in known.stdout
    written = json.loads((tmp_path / "known/results.json").read_text())
    assert written["baseline"]["path"] == str(runs / "deflector")
    assert written["baseline"]["regressions"] == [] and written["summary"]["exit_status"] == 0
    assert written["summary"]["fail"] == len(failing(runs / "deflector"))  # still failing
    new = harness("run", *SOME, "--bot", "demo:deflector", "--baseline", str(runs / "careful"),
                  "--out", "new", "-q", cwd=tmp_path)  # fmt: skip
    assert new.returncode == 1
    written = json.loads((tmp_path / "new/results.json").read_text())
    assert set(written["baseline"]["regressions"]) == failing(runs / "deflector")
    assert written["summary"]["exit_status"] == 1


def test_a_missing_baseline_stops_the_run_before_it_starts(tmp_path: Path) -> None:
    done = harness("run", "--baseline", "gone", "--out", "out", cwd=tmp_path)
    assert done.returncode == 2 and "gone: no results.json here" in done.stderr
    assert not (tmp_path / "out").exists()


# -- the transcript header, and harness replay ----------------------------------------------


def test_a_transcript_alone_plays_its_conversation_again(runs: Path) -> None:
    transcript, source = find_transcript(runs / "deflector", CASE)
    again = replay(transcript, bot="demo:deflector", source=source)
    assert again.parted_at is None
    assert again.after.to_jsonl() == transcript.to_jsonl()  # the same conversation, to the byte
    assert Transcript.from_jsonl(transcript.to_jsonl()) == transcript


def test_replay_against_a_fixed_bot_shows_where_they_part(runs: Path) -> None:
    done = harness("replay", "deflector", CASE, "--bot", "demo:careful", cwd=runs)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "before: bot demo:deflector · after: bot demo:careful" in out
    assert "turn 1 is the same; the two part at turn 2" in out
    row = next(line for line in out.splitlines() if "│" in line and "HANDOFF" in line)
    assert row.index("HANDOFF") > row.index("│")  # the handoff is on the careful side only
    assert re.search(r"^  escalation\.required +fail → pass +now passes$", out, re.MULTILINE)
    assert "replayed verdict: pass (outcome resolved_by_human)" in out


def test_replay_takes_a_transcript_file_and_the_recorded_bot(runs: Path) -> None:
    done = harness("replay", f"deflector/transcripts/{CASE}.jsonl", cwd=runs)
    assert done.returncode == 1
    assert "the bot behaved the same in all" in done.stdout
    assert re.search(r"^  escalation\.required +fail → fail$", done.stdout, re.MULTILINE)


def test_replay_of_an_unknown_conversation_is_a_usage_error(runs: Path, tmp_path: Path) -> None:
    done = harness("replay", "deflector", CASE.replace("fraud", "frud"), cwd=runs)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"(did you mean '{CASE}'?)" in done.stderr
    head, *events = (runs / "deflector/transcripts" / f"{CASE}.jsonl").read_text().splitlines()
    old = {k: v for k, v in json.loads(head).items() if k != "played"}
    (tmp_path / "old.jsonl").write_text("\n".join([json.dumps(old), *events]))
    done = harness("replay", "old.jsonl", "--bot", "demo:careful", cwd=tmp_path)
    assert done.returncode == 2 and "has no 'played' entry" in done.stderr


# -- harness capture ----------------------------------------------------------------------


def customer_turns(scenario: Path) -> int:
    return len(yaml.safe_load(scenario.read_text())["steps"])


def test_capture_writes_a_regression_scenario(runs: Path) -> None:
    done = harness("capture", "deflector", CASE, "-o", "regressions/fraud.yaml", cwd=runs)
    assert done.returncode == 0, done.stdout + done.stderr
    path = runs / "regressions/fraud.yaml"
    text = path.read_text()
    assert text.startswith("# Regression scenario written by `harness capture` from ")
    assert "run seed 0" in text and "where check escalation.required failed" in text
    scenario = yaml.safe_load(text)
    recorded = Transcript.from_jsonl((runs / "deflector/transcripts" / f"{CASE}.jsonl").read_text())
    assert {k: f["value"] for k, f in scenario["facts"].items()} == recorded.facts
    said = [e for e in recorded.events if e.kind == "customer_message"]
    assert len(scenario["steps"]) == len(said)
    assert harness("validate", "regressions/fraud.yaml", cwd=runs).returncode == 0
    for bot, status in (("demo:deflector", 1), ("demo:careful", 0)):
        out = f"played-{bot[5:]}"  # not the module's run folders: an --out is never reused
        played = harness("run", "regressions/fraud.yaml", "--bot", bot, "--out", out, cwd=runs)
        assert played.returncode == status, played.stdout
        ((_, checks),) = verdicts(runs / out / "results.json").values()
        assert checks["escalation.required"] == ("fail" if status else "pass")


def test_capture_shrink_keeps_the_fewest_turns_that_still_fail(runs: Path) -> None:
    done = harness("capture", "deflector", CASE, "-o", "small/fraud.yaml", "--shrink", cwd=runs)
    assert done.returncode == 0, done.stdout + done.stderr
    recorded = Transcript.from_jsonl((runs / "deflector/transcripts" / f"{CASE}.jsonl").read_text())
    turns = sum(1 for e in recorded.events if e.kind == "customer_message")
    kept = customer_turns(runs / "small/fraud.yaml")
    assert 1 <= kept <= turns
    assert f"shrunk: removed {turns - kept} of {turns} customer turns" in done.stdout
    files = done.stdout.split("wrote ")[1].splitlines()[0].split(" and ")
    assert harness("validate", *files, cwd=runs).returncode == 0
    failed = harness("run", *files, "--bot", "demo:deflector", "--out", "s1", cwd=runs)
    assert failed.returncode == 1 and "FAIL escalation.required" in failed.stdout
    assert harness("run", *files, "--bot", "demo:careful", "--out", "s2", cwd=runs).returncode == 0
    again = harness("capture", "deflector", CASE, "-o", "small2/fraud.yaml", "--shrink", cwd=runs)
    assert again.stdout.replace("small2", "small") == done.stdout  # deterministic


def test_capture_of_a_passing_conversation_is_a_usage_error(runs: Path) -> None:
    done = harness("capture", "careful", CASE, cwd=runs)
    assert done.returncode == 2
    assert done.stderr.endswith(f"conversation {CASE} failed no check; nothing to capture\n")


def test_ddmin_finds_the_parts_a_failure_needs() -> None:
    seen: list[list[int]] = []

    def needs_3_and_7(items: list[int]) -> bool:
        seen.append(items)
        return 3 in items and 7 in items

    assert ddmin(list(range(10)), needs_3_and_7) == [3, 7]
    assert len(seen) == len({tuple(s) for s in seen})  # no subset tried twice
    assert ddmin(["a", "b"], lambda items: True, allow_empty=True) == []


# -- the command every failure carries ----------------------------------------------------

BOT = """from harness.bots import named, reference_bot

reply = reference_bot(named("deflector"))
"""
# The `harness` console script: unlike `python -m`, it does not put the current folder on
# the import path. This stands in for it, from a folder of its own.
SCRIPT = "import sys\nfrom harness.cli import main\nsys.exit(main())\n"


def test_the_replay_command_of_a_failure_works_when_pasted(tmp_path: Path) -> None:
    (tmp_path / "mybot.py").write_text(BOT)
    scenario = yaml.safe_load((bundled_dir("scenarios") / "banking/fraud-dispute.yaml").read_text())
    scenario["id"] = "mine.fraud"
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere/fraud.yaml").write_text(yaml.safe_dump(scenario))
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin/console.py").write_text(SCRIPT)

    def pasted(command: str) -> subprocess.CompletedProcess[str]:
        words = shlex.split(command)
        assert words[0] == "harness"
        return subprocess.run([sys.executable, str(tmp_path / "bin/console.py"), *words[1:]],
                              cwd=tmp_path, capture_output=True, text=True, timeout=120,
                              check=False)  # fmt: skip

    done = pasted("harness run elsewhere/fraud.yaml --bot mybot:reply --out out -v")
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stdout + done.stderr
    commands = [line.split("replay: ")[1] for line in done.stdout.splitlines()
                if line.startswith("  replay: ")]  # fmt: skip
    assert len(commands) == len(failing(tmp_path / "out"))
    command = next(c for c in commands if "calm-precise" in c)
    assert command == "harness replay out mine.fraud--calm-precise--0 --bot mybot:reply"
    again = pasted(command)
    assert again.returncode == 1, again.stderr
    assert "the bot behaved the same in all" in again.stdout


def test_capture_keeps_an_accepted_offer_apart_from_a_request(tmp_path: Path) -> None:
    """The slowpoke offers a human and then stalls: escalation.on_request fails because an
    accepted offer needs the handoff itself. Said again as `ask_human`, the request would be
    met by the next offer and the failure lost; `accept_human` keeps it."""
    done = harness("run", "--bot", "demo:slowpoke", "--scenario", "banking.account-takeover",
                   "--persona", "anxious-older", "--out", "slow", "-q", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 1
    case = "banking.account-takeover--anxious-older--0"
    captured = harness("capture", "slow", case, "--check", "escalation.on_request",
                       "-o", "slow.yaml", cwd=tmp_path)  # fmt: skip
    assert captured.returncode == 0, captured.stdout + captured.stderr
    steps = yaml.safe_load((tmp_path / "slow.yaml").read_text())["steps"]
    assert [s for s in steps if "accept_human" in s]
    again = harness("run", "slow.yaml", "--bot", "demo:slowpoke", "--out", "again", cwd=tmp_path)
    assert "FAIL escalation.on_request" in again.stdout


def entry(cid: str, verdict: str, fails: tuple[str, ...] = (), tth: float | None = None) -> dict:
    checks = [{"name": n, "verdict": "fail" if n in fails else "pass"}
              for n in ("escalation.required", "context.no_reask")]  # fmt: skip
    return {"conversation_id": cid, "verdict": verdict, "outcome": "x", "checks": checks,
            "metrics": {"time_to_human": tth}}  # fmt: skip


def test_a_known_failure_that_fails_a_further_check_is_a_regression() -> None:
    base = {"run": {"seed": 0}, "summary": {}, "conversations": [
        entry("a", "fail", ("escalation.required",)), entry("b", "fail", ("escalation.required",)),
        entry("c", "pass", tth=30.0)]}  # fmt: skip
    new = {"run": {"seed": 1}, "summary": {}, "conversations": [
        entry("a", "fail", ("escalation.required",)),
        entry("b", "fail", ("escalation.required", "context.no_reask")),
        entry("c", "pass", tth=95.0), entry("d", "fail", ("context.no_reask",))]}  # fmt: skip
    c = compare(base, new)
    assert [x.status for x in c.conversations] == [
        "still_failing", "still_failing", "unchanged", "only_in_new"]  # fmt: skip
    assert [x.conversation_id for x in c.regressions] == ["b", "d"] and c.exit_status == 1
    moved = c.conversations[2]
    assert moved.changed and (moved.time_to_human_before, moved.time_to_human_after) == (30, 95)
    assert c.notes and "different seeds" in c.notes[0]
    assert json.loads(json.dumps(c.to_dict()))["summary"]["regressions"] == ["b", "d"]
