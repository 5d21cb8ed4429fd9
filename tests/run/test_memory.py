"""What a run keeps in memory: one copy of each verdict (model/verdict.py `interned`), since
most recur word for word across conversations and a long run keeps every result."""

from __future__ import annotations

from harness import RunOptions, bundled_dir, load_pack, run
from harness.model.verdict import Verdict, interned


def _fields(v: Verdict) -> tuple[object, ...]:
    return (v.name, v.verdict, v.message, v.turns, v.evidence)


def test_interned_verdicts_are_equal_and_shared() -> None:
    pool: dict[tuple[object, ...], Verdict] = {}
    first = interned([Verdict("a", "pass", "handoff at turn 1"), Verdict("b", "skip")], pool)
    again = interned([Verdict("a", "pass", "handoff at turn 1"), Verdict("b", "fail", "x")], pool)
    assert again[0] is first[0]  # the same verdict: one copy
    assert _fields(again[1]) == ("b", "fail", "x", (), ())  # a different one: kept as made
    assert again[1] is not first[1]


def test_a_run_keeps_one_copy_of_each_verdict() -> None:
    pack = load_pack([bundled_dir("personas"), bundled_dir("scenarios")])
    result = run(pack, RunOptions(repeat=2), keep_transcripts=False)
    kept = [v for r in result.results for v in r.checks]
    distinct = {_fields(v) for v in kept}
    assert len({id(v) for v in kept}) == len(distinct)
    assert len(distinct) < len(kept) / 10  # what the sharing saves on the bundled pack
