"""An interrupted run loses nothing: Ctrl-C writes what finished and exits 130; after kill -9
every conversation in the results log has its whole transcript (one not logged may be left
partial, and is played and written again); `--resume` finishes either as one uninterrupted
run would."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from harness_cli import ctrl_c_able, harness

COMMAND = ("run", "--bot", "demo:deflector", "--repeat", "12", "--seed", "5")


def settled(results: Path) -> dict[str, Any]:
    """results.json without the times, which differ between any two runs."""
    written = json.loads(results.read_text())
    for key in ("started", "finished"):
        written["run"].pop(key)
    return written


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    cwd = tmp_path_factory.mktemp("whole")
    done = harness(*COMMAND, "--out", "out", "-q", cwd=cwd)
    assert done.returncode == 1, done.stderr  # the deflector fails the high-stakes ones
    return settled(cwd / "out" / "results.json")


def stopped(cwd: Path, sig: signal.Signals, *extra: str) -> subprocess.CompletedProcess[str]:
    """The run (with `extra` options), sent `sig` once its results log holds 200 finished
    conversations."""
    run = subprocess.Popen(
        [sys.executable, "-m", "harness", *COMMAND, *extra, "--out", "out", "-q"],
        cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=ctrl_c_able,
    )  # fmt: skip
    log = cwd / "out" / "results.jsonl"
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and run.poll() is None:
            if log.exists() and log.read_text().count("\n") > 200:
                break
            time.sleep(0.05)
    except BaseException:
        run.kill()
        run.communicate()
        raise
    if run.poll() is not None:
        raise AssertionError("the run ended before it could be stopped")
    run.send_signal(sig)
    try:
        out, err = run.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        run.kill()
        run.communicate()
        raise
    return subprocess.CompletedProcess(run.args, run.returncode, out, err)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_ctrl_c_writes_what_finished_exits_130_and_resume_completes_it(
    tmp_path: Path, uninterrupted: dict[str, Any], workers: str
) -> None:
    done = stopped(tmp_path, signal.SIGINT, "--workers", workers)
    assert done.returncode == 130, done.stderr
    assert "Traceback" not in done.stderr and "--resume out" in done.stderr
    written = json.loads((tmp_path / "out" / "results.json").read_text())
    assert written["run"]["interrupted"] is True and written["summary"]["exit_status"] == 130
    finished = written["conversations"]
    assert 200 <= len(finished) < len(uninterrupted["conversations"])
    whole = {c["conversation_id"]: c for c in uninterrupted["conversations"]}
    assert all(c == whole[c["conversation_id"]] for c in finished)
    assert not list((tmp_path / "out").rglob("*.partial"))
    transcripts = {p.name for p in (tmp_path / "out" / "transcripts").iterdir()}
    assert transcripts == {f"{c['conversation_id']}.jsonl" for c in finished}  # no stray one
    resumed = harness(*COMMAND, "--resume", "out", "--workers", workers, "-q", cwd=tmp_path)
    assert resumed.returncode == 1, resumed.stderr
    assert settled(tmp_path / "out" / "results.json") == uninterrupted


def test_after_kill_9_every_logged_conversation_is_whole_and_resume_completes_the_run(
    tmp_path: Path, uninterrupted: dict[str, Any]
) -> None:
    done = stopped(tmp_path, signal.SIGKILL)
    assert done.returncode == -signal.SIGKILL
    out = tmp_path / "out"
    assert not (out / "results.json").exists()
    logged = (out / "results.jsonl").read_text().splitlines()
    assert len(logged) > 200
    for line in logged[1:]:  # the head, then an entry a line (the last one maybe cut short)
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        transcript = (out / entry["transcript"]).read_text()
        assert transcript.endswith("\n") and [json.loads(row) for row in transcript.splitlines()]
    resumed = harness(*COMMAND, "--resume", "out", "-q", cwd=tmp_path)
    assert resumed.returncode == 1, resumed.stderr
    assert settled(out / "results.json") == uninterrupted
    assert sorted(p.name for p in (out / "transcripts").iterdir()) == sorted(
        f"{c['conversation_id']}.jsonl" for c in uninterrupted["conversations"]
    )


def test_resume_refuses_other_options_and_a_folder_without_a_run(tmp_path: Path) -> None:
    first = harness("run", "--scenario", "banking.balance", "--out", "out", "-q", cwd=tmp_path)
    assert first.returncode == 0
    other = harness("run", "--scenario", "banking.balance", "--seed", "9", "--resume", "out",
                    cwd=tmp_path)  # fmt: skip
    assert other.returncode == 2 and "that run had seed 0; resume it with the same" in other.stderr
    os.mkdir(tmp_path / "empty")
    none = harness("run", "--resume", "empty", cwd=tmp_path)
    assert none.returncode == 2 and "holds no results.jsonl" in none.stderr
    both = harness("run", "--out", "a", "--resume", "out", cwd=tmp_path)
    assert both.returncode == 2 and "without --out" in both.stderr


def test_resume_writes_over_a_transcript_left_partial_by_a_killed_run(
    tmp_path: Path, uninterrupted: dict[str, Any]
) -> None:
    """What kill -9 can leave: a log cut short (mid-line too) and, for conversations it no
    longer holds, transcripts cut short or empty. Resume plays those again."""
    whole = tmp_path / "whole"
    done = harness(*COMMAND, "--out", str(whole), "-q", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    out = tmp_path / "out"
    done = harness(*COMMAND, "--out", str(out), "-q", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    (out / "results.json").unlink()
    (out / "report.html").unlink()
    lines = (out / "results.jsonl").read_text().split("\n")
    kept, lost = lines[:150], [json.loads(line) for line in lines[150:] if line]
    (out / "results.jsonl").write_text("\n".join(kept) + "\n" + lines[150][:40])
    for n, entry in enumerate(lost):
        transcript = out / entry["transcript"]
        transcript.write_bytes(transcript.read_bytes()[: n % 3 * 100])  # empty or cut short
    resumed = harness(*COMMAND, "--resume", str(out), "-q", cwd=tmp_path)
    assert resumed.returncode == 1, resumed.stderr
    assert settled(out / "results.json") == uninterrupted
    for entry in lost:
        path = entry["transcript"]
        assert (out / path).read_bytes() == (whole / path).read_bytes()
