"""Statistics across repeats (harness/run/kpis.py `repeat_statistics`): pass^k as tau2-bench
estimates it, the flaky cases and the Wilson interval on the pass rate; on hand-built
entries with answers worked out by hand, then through `harness run --repeat` against the
careful bot (never flaky) and a bot that fails at random (flaky_bot.py)."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from harness_cli import harness

from harness.run.kpis import repeat_statistics

HERE = Path(__file__).parent


def entries(verdicts: dict[str, list[str]]) -> list[dict[str, Any]]:
    """results.json conversations: `verdicts` per "scenario--persona" case, one a repeat."""
    return [{"scenario": case.split("--")[0], "persona": case.split("--")[1], "repeat": r,
             "verdict": verdict}
            for case, played in verdicts.items() for r, verdict in enumerate(played)]  # fmt: skip


def test_pass_hat_k_flaky_and_interval_on_known_cases() -> None:
    # always passes (c=3), passes twice in three (c=2), never passes (c=0)
    stats = repeat_statistics(entries({"s--a": ["pass"] * 3, "s--b": ["pass", "fail", "pass"],
                                       "t--a": ["fail", "error", "fail"]}))  # fmt: skip
    # pass^k = mean over cases of C(c, k) / C(3, k)
    assert stats["pass_hat_k"] == {"1": round(5 / 9, 4),  # (1 + 2/3 + 0) / 3
                                   "2": round(4 / 9, 4),  # (1 + 1/3 + 0) / 3
                                   "3": round(1 / 3, 4)}  # (1 + 0 + 0) / 3  # fmt: skip
    assert stats["flaky"] == ["s--b", "t--a"]  # fail and error differ too
    assert stats["pass_rate"] == round(5 / 9, 4)
    low, high = stats["pass_rate_95"]  # Wilson, 5 of 9: 0.267 to 0.811
    assert low == pytest.approx(0.2667, abs=1e-4) and high == pytest.approx(0.8112, abs=1e-4)


def test_pass_hat_k_is_not_the_share_of_first_k_repeats() -> None:
    """Every k of a case's repeats count alike: failing first or last gives the same pass^k."""
    first = repeat_statistics(entries({"s--a": ["fail", "pass", "pass"]}))
    last = repeat_statistics(entries({"s--a": ["pass", "pass", "fail"]}))
    assert first["pass_hat_k"] == last["pass_hat_k"] == {"1": 0.6667, "2": 0.3333, "3": 0.0}


def test_a_case_played_fewer_times_counts_up_to_its_repeats() -> None:
    """An interrupted run: pass^3 is over the cases that were played three times."""
    stats = repeat_statistics(entries({"s--a": ["pass"] * 3, "s--b": ["fail", "pass"]}))
    assert stats["pass_hat_k"] == {"1": 0.75, "2": 0.5, "3": 1.0}


def test_no_statistics_without_repeats() -> None:
    assert repeat_statistics(entries({"s--a": ["pass"], "s--b": ["fail"]})) == {}
    assert repeat_statistics([]) == {}


def run(tmp_path: Path, *args: str) -> tuple[dict[str, Any], list[dict[str, Any]], str]:
    done = harness("run", *args, "--out", str(tmp_path / "out"), cwd=HERE)
    assert done.returncode in (0, 1), done.stderr
    written = json.loads((tmp_path / "out" / "results.json").read_text())
    return written["summary"], written["conversations"], done.stdout


def test_the_careful_bot_passes_every_repeat(tmp_path: Path) -> None:
    summary, conversations, stdout = run(tmp_path, "--repeat", "3", "--bot", "demo:careful")
    assert len({c["repeat"] for c in conversations}) == 3
    assert summary["pass_hat_k"] == {"1": 1.0, "2": 1.0, "3": 1.0}
    assert summary["flaky"] == []
    assert summary["pass_rate"] == 1.0 and summary["pass_rate_95"][1] == 1.0
    assert "pass^1 100.0%   pass^2 100.0%   pass^3 100.0%" in stdout
    assert "flaky cases (verdicts differ between repeats): none" in stdout
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert '<section id="repeats">' in page and "No flaky case" in page


def test_a_bot_that_fails_at_random_is_flaky_and_pass_hat_k_falls(tmp_path: Path) -> None:
    flaky = ("--bot", "flaky_bot:FlakyBot", "--scenario", "banking.*")
    summary, conversations, stdout = run(tmp_path, "--repeat", "4", *flaky)
    verdicts: dict[str, set[str]] = defaultdict(set)
    for c in conversations:
        verdicts[f"{c['scenario']}--{c['persona']}"].add(c["verdict"])
    assert summary["flaky"] == sorted(case for case, seen in verdicts.items() if len(seen) > 1)
    assert summary["flaky"]
    shares = [summary["pass_hat_k"][str(k)] for k in range(1, 5)]
    assert shares == sorted(shares, reverse=True) and shares[0] > shares[-1]
    passed = sum(1 for c in conversations if c["verdict"] == "pass")
    assert shares[0] == round(passed / len(conversations), 4) == summary["pass_rate"]
    low, high = summary["pass_rate_95"]
    assert 0 < low < summary["pass_rate"] < high < 1
    assert f"flaky cases (verdicts differ between repeats): {len(summary['flaky'])}" in stdout
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert f"<li><code>{summary['flaky'][0]}</code></li>" in page


def test_one_repeat_adds_no_statistics(tmp_path: Path) -> None:
    summary, _, stdout = run(tmp_path, "--bot", "demo:careful", "--scenario", "banking.balance")
    assert "pass_hat_k" not in summary and "flaky" not in summary
    assert "Across repeats" not in stdout
    assert '<section id="repeats">' not in (tmp_path / "out" / "report.html").read_text()
