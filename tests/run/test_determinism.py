"""Same seed, same transcript, same verdict (DESIGN.md: "How the customer understands the
bot"): the whole bundled pack, against a good bot and a flawed one."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from harness import Pack, RunOptions, RunResult, Transcript, run

BOTS = ["demo:careful", "demo:amnesiac"]


def transcripts(result: RunResult) -> dict[str, Transcript]:
    out = {}
    for r in result.results:
        assert r.transcript is not None
        out[r.case.conversation_id] = r.transcript
    return out


def jsonl(result: RunResult) -> dict[str, str]:
    return {name: t.to_jsonl() for name, t in transcripts(result).items()}


def verdicts(result: RunResult) -> dict[str, Any]:
    return {
        r.case.conversation_id: (r.verdict, r.metrics, [v.to_dict() for v in r.checks])
        for r in result.results
    }


@pytest.mark.parametrize("bot", BOTS)
def test_the_same_seed_gives_the_same_transcripts_and_verdicts(pack: Pack, bot: str) -> None:
    first = run(pack, RunOptions(bot=bot, seed=7))
    # Another run in between (other bot, other seed): nothing may carry over from it.
    run(pack, RunOptions(bot=BOTS[BOTS.index(bot) - 1], seed=8))
    again = run(pack, RunOptions(bot=bot, seed=7))

    assert len(first.results) == len(pack.scenarios) * len(pack.personas)
    assert jsonl(again) == jsonl(first)
    assert verdicts(again) == verdicts(first)
    assert again.kpis == first.kpis
    if bot == "demo:amnesiac":  # the flawed bot's failures are reproduced too, not only passes
        assert any(r.verdict == "fail" for r in first.results)


def test_a_run_written_twice_is_the_same_on_disk(pack: Pack, tmp_path: Path) -> None:
    for name in ("a", "b"):
        run(pack, RunOptions(bot="demo:amnesiac", seed=7), tmp_path / name, keep_transcripts=False)
    files = sorted(p.name for p in (tmp_path / "a" / "transcripts").iterdir())
    assert len(files) == len(pack.scenarios) * len(pack.personas)
    assert files == sorted(p.name for p in (tmp_path / "b" / "transcripts").iterdir())
    for name in files:
        a = (tmp_path / "a" / "transcripts" / name).read_bytes()
        assert a == (tmp_path / "b" / "transcripts" / name).read_bytes(), name
    results = [json.loads((tmp_path / d / "results.json").read_text()) for d in ("a", "b")]
    for r in results:  # the only wall-clock values in the results
        del r["run"]["started"], r["run"]["finished"]
    assert results[0] == results[1]


@pytest.mark.parametrize("bot", BOTS)
def test_a_different_seed_gives_different_transcripts(pack: Pack, bot: str) -> None:
    seeds = (7, 8, 9)
    runs = {seed: transcripts(run(pack, RunOptions(bot=bot, seed=seed))) for seed in seeds}
    same_words = 0
    for conversation, transcript in runs[7].items():
        others = [runs[seed][conversation] for seed in seeds[1:]]
        # Each customer holds other facts (where the scenario has facts to generate), and
        # the conversation unfolds differently…
        if transcript.facts:
            ledgers = {tuple(t.facts.items()) for t in (transcript, *others)}
            assert len(ledgers) == len(seeds), conversation
        events = {json.dumps([e.to_dict() for e in t.events]) for t in (transcript, *others)}
        assert len(events) == len(seeds), conversation
        # …and in most conversations says other words: only where no fact is in the
        # utterance and the bot needs none may two seeds pick the same words.
        said = (t.of_kind("customer_message") for t in (transcript, *others))
        words = {tuple(e.text for e in events) for events in said}
        same_words += len(words) < len(seeds)
    assert same_words <= len(runs[7]) // 4, f"{same_words} of {len(runs[7])} said the same"


def test_a_conversation_does_not_depend_on_the_rest_of_the_run(pack: Pack) -> None:
    whole = jsonl(run(pack, RunOptions(bot="demo:amnesiac", seed=7)))
    alone = run(
        pack,
        RunOptions(
            bot="demo:amnesiac",
            seed=7,
            scenarios=("telecom.address-change",),
            personas=("anxious-older",),
        ),
    )
    ((conversation, text),) = jsonl(alone).items()
    assert whole[conversation] == text


# Fingerprints of every transcript of a run, printed by a fresh interpreter.
SCRIPT = """
import hashlib, json, sys
from harness import RunOptions, bundled_dir, load_pack, run
pack = load_pack([bundled_dir("personas"), bundled_dir("scenarios")])
for bot in sys.argv[1:]:
    for r in run(pack, RunOptions(bot=bot, seed=7)).results:
        digest = hashlib.sha256(r.transcript.to_jsonl().encode()).hexdigest()
        print(json.dumps([bot, r.case.conversation_id, digest, r.verdict]))
"""


def fingerprints(pack: Pack) -> list[list[str]]:
    rows = []
    for bot in BOTS:
        for r in run(pack, RunOptions(bot=bot, seed=7)).results:
            assert r.transcript is not None
            digest = hashlib.sha256(r.transcript.to_jsonl().encode()).hexdigest()
            rows.append([bot, r.case.conversation_id, digest, r.verdict])
    return rows


def test_transcripts_do_not_depend_on_the_process_or_its_hash_seed(pack: Pack) -> None:
    """facts.py: a stable hash, never Python's `hash()` (randomised per process)."""
    hash_seed = "2" if os.environ.get("PYTHONHASHSEED") == "1" else "1"
    child = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, *BOTS],
        env={**os.environ, "PYTHONHASHSEED": hash_seed},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        expected = fingerprints(pack)
        out, _ = child.communicate(timeout=120)
    finally:
        if child.poll() is None:  # a failure above leaves no process behind
            child.kill()
            child.communicate()
    assert child.returncode == 0
    assert [json.loads(line) for line in out.splitlines()] == expected
