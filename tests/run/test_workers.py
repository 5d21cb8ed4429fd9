"""`harness run --workers N`: a run's conversations played in worker processes give the
same results.json, results log and transcripts, byte for byte (times aside), as one
process; bad values are usage errors."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path
from subprocess import CompletedProcess

from harness_cli import harness

from harness import ConversationResult, Pack, RunOptions, run
from harness.model.transcript import Transcript
from harness.run import plan
from harness.run.execute import WORKER_DIED
from harness.run.results import INTERRUPTED
from harness.run.workers import CHUNK, MAX_DEATHS

HERE = Path(__file__).parent


def written(out: Path) -> dict[str, bytes]:
    """Every file of a run folder; results.json without its wall-clock times."""
    files = {p.name: p.read_bytes() for p in (out / "transcripts").iterdir()}
    results = json.loads((out / "results.json").read_text())
    del results["run"]["started"], results["run"]["finished"]
    files["results.json"] = json.dumps(results).encode()
    files["results.jsonl"] = (out / "results.jsonl").read_bytes()
    return files


def test_two_workers_write_what_one_writes(pack: Pack, tmp_path: Path) -> None:
    options = RunOptions(bot="demo:amnesiac", seed=3, scenarios=("banking.*", "insurance.*"))
    one = run(pack, options, tmp_path / "one", keep_transcripts=False)
    shown: list[ConversationResult] = []
    two = run(pack, replace(options, workers=2), tmp_path / "two",
              progress=shown.append, keep_transcripts=False)  # fmt: skip

    assert len(one.results) > 2 * CHUNK  # more chunks than workers
    assert any(r.verdict == "fail" for r in one.results)
    expected = written(tmp_path / "one")
    actual = written(tmp_path / "two")
    assert actual.keys() == expected.keys()
    for name, content in expected.items():
        assert actual[name] == content, name
    assert [r.case.conversation_id for r in shown] == [r.case.conversation_id for r in one.results]
    assert [r.to_dict("") for r in two.results] == [r.to_dict("") for r in one.results]


def test_workers_keep_transcripts_in_memory_when_asked(pack: Pack) -> None:
    options = RunOptions(seed=3, scenarios=("telecom.*",))
    one = run(pack, options)
    two = run(pack, replace(options, workers=2))
    assert len(two.results) == len(one.results)
    for a, b in zip(one.results, two.results, strict=True):
        assert a.transcript is not None and b.transcript is not None
        assert b.transcript.to_jsonl() == a.transcript.to_jsonl()


def test_bad_worker_counts_and_network_bots_are_usage_errors(tmp_path: Path) -> None:
    for bad in ("0", "-1", "many", "1.5"):
        done = harness("run", "--workers", bad, "--out", "out", cwd=tmp_path)
        assert done.returncode == 2, bad
        assert f"argument --workers: expects a whole number from 1 to 256, got {bad} (or auto)" in (
            done.stderr
        )
        assert "Traceback" not in done.stderr
    network = harness("run", "--workers", "2", "--bot", "http://127.0.0.1:9/chat", "--out", "out",
                      cwd=tmp_path)  # fmt: skip
    assert network.returncode == 2
    assert (
        network.stderr.strip()
        .splitlines()[-1]
        .endswith("is not an in-process bot; a network bot takes --concurrency")
    )
    assert not (tmp_path / "out").exists()  # nothing was run


def crashing_run(tmp_path: Path, crash_on: list[str], *args: str) -> CompletedProcess[str]:
    env = {**os.environ, "CRASHING_BOT_ON": ",".join(crash_on)}
    return harness("run", "--bot", "crashing_bot:CrashingBot", "--workers", "2", *args,
                   "--out", str(tmp_path / "out"), cwd=HERE, env=env)  # fmt: skip


def test_a_conversation_that_ends_its_worker_process_is_an_error_and_the_run_goes_on(
    pack: Pack, tmp_path: Path
) -> None:
    options = RunOptions(scenarios=("banking.*",), repeat=2)
    cases = plan(pack, options)
    assert len(cases) > 2 * CHUNK  # more chunks than workers
    # The first chunk is the pool's first: its conversations are played in a worker.
    killer = cases[1].conversation_id
    done = crashing_run(tmp_path, [killer], "--scenario", "banking.*", "--repeat", "2")
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    careful = run(pack, options, tmp_path / "careful", keep_transcripts=False)

    written = json.loads((tmp_path / "out" / "results.json").read_text())
    entries = {e["conversation_id"]: e for e in written["conversations"]}
    assert list(entries) == [c.conversation_id for c in cases]  # every one, in order
    lost = entries.pop(killer)
    assert lost["verdict"] == "error" and lost["error"] == WORKER_DIED
    assert {c["verdict"] for c in lost["checks"]} == {"skip"}
    transcript = Transcript.from_jsonl((tmp_path / "out" / lost["transcript"]).read_text())
    assert [e.kind for e in transcript.events] == ["error", "end"]
    assert transcript.events[0].text == WORKER_DIED
    # Every other conversation as the careful bot's, the ones played again alone included.
    expected = {r.case.conversation_id: r.to_dict(entries[r.case.conversation_id]["transcript"])
                for r in careful.results if r.case.conversation_id != killer}  # fmt: skip
    assert entries == expected


def test_a_bot_that_keeps_ending_worker_processes_stops_the_run_with_what_finished(
    pack: Pack, tmp_path: Path
) -> None:
    cases = plan(pack, RunOptions(scenarios=("banking.*",), repeat=2))
    killers = [c.conversation_id for c in cases[:CHUNK:10]][:MAX_DEATHS]
    done = crashing_run(tmp_path, killers, "--scenario", "banking.*", "--repeat", "2")
    assert done.returncode == INTERRUPTED, done.stderr
    assert "Traceback" not in done.stderr
    assert (f"harness: {MAX_DEATHS} conversations each ended the process playing them: the run "
            "stops here") in done.stderr  # fmt: skip
    written = json.loads((tmp_path / "out" / "results.json").read_text())
    assert written["run"]["interrupted"] is True
    entries = written["conversations"]
    assert [e["conversation_id"] for e in entries] == [c.conversation_id for c in cases[:CHUNK]]
    assert [e["conversation_id"] for e in entries if e["verdict"] == "error"] == killers
