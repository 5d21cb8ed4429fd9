"""`harness run --workers N`: a run's conversations played in worker processes give the
same results.json, results log and transcripts, byte for byte (times aside), as one
process; bad values are usage errors."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from harness_cli import harness

from harness import ConversationResult, Pack, RunOptions, run
from harness.run.workers import CHUNK


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
