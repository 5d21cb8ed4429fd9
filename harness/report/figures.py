"""What report.html shows, computed from results.json: KPIs, chart data, the failure matrix,
the scenario × persona grid and the changes against a baseline.

Everything here aggregates, so the page stays small however many conversations the run
had: the charts get bins and counts, the grid keeps its most failing personas and folds the
rest into one column. Plain data in, plain data out; html.py renders it.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

OUTCOMES = (
    "resolved_by_bot",
    "resolved_by_human",
    "escalated_unresolved",
    "contained_unresolved",
    "abandoned",
    "error",
)
VERDICTS = ("pass", "fail", "error")
GRID_PERSONAS = 40  # personas shown as columns of the grid; the rest share one column
HISTOGRAM_BINS = 24

Entry = Mapping[str, Any]


def verdict_class(verdict: object) -> str:
    """The CSS class for a verdict; anything unexpected gets one class of its own, so that
    no text from results.json ever becomes a class name."""
    return verdict if isinstance(verdict, str) and verdict in VERDICTS else "unknown"


def kpis(summary: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(label, value, note) for each KPI; containment comes first, with true resolution and
    false containment beside it."""
    rates = (
        ("containment", "containment_rate", "kept in the bot"),
        ("true resolution", "true_resolution_rate", "goal met, by bot or human"),
        ("false containment", "false_containment_rate", "kept in the bot, goal not met"),
        ("escalation", "escalation_rate", "handed to a human"),
        ("first-contact resolution", "first_contact_resolution_rate", ""),
        ("repeat contacts", "repeat_contact_rate", ""),
        ("abandonment", "abandonment_rate", ""),
    )
    shown = [(label, _percent(summary.get(key)), note) for label, key, note in rates]
    per_conversation = (
        ("re-asks", "reasks_per_conversation"),
        ("turns", "turns_per_conversation"),
        ("repeated statements", "repeated_statements_per_conversation"),
    )
    for label, key in per_conversation:
        value = summary.get(key)
        shown.append((label, f"{value:.2f}" if number(value) else "–", "per conversation"))
    return shown


def repeats(summary: Mapping[str, Any], *, most: int = 50) -> dict[str, Any] | None:
    """pass^k, the pass rate with its 95% interval and the flaky cases (at most `most`
    listed) of a run with repeats; None when its summary has none."""
    pass_hat_k = summary.get("pass_hat_k")
    if not isinstance(pass_hat_k, dict):
        return None
    interval = summary.get("pass_rate_95")
    low, high = interval if isinstance(interval, list) and len(interval) == 2 else (None, None)
    flaky = summary.get("flaky")
    flaky = [str(case) for case in flaky] if isinstance(flaky, list) else []
    return {
        "pass_hat_k": [(f"pass^{k}", _percent(v)) for k, v in pass_hat_k.items()],
        "pass_rate": _percent(summary.get("pass_rate")),
        "interval": f"{_percent(low)}–{_percent(high)}",
        "flaky": flaky[:most],
        "unlisted": max(0, len(flaky) - most),
    }


def number(value: object) -> bool:
    """A finite int or float (not a bool): what results.json holds where a figure belongs."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _percent(value: object) -> str:
    return f"{value:.1%}" if number(value) else "–"


def time_to_human(summary: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The time-to-human figures as (label, value) pairs: percentiles, SLA share, bound."""
    tth = summary.get("time_to_human") or {}
    if not tth.get("count"):
        return [("reached a human", "no customer reached a human")]
    seconds = [(f"p{q}", f"{tth[f'p{q}']} s") for q in (50, 90, 95, 99) if number(tth.get(f"p{q}"))]
    return [
        ("reached a human", str(tth["count"])),
        *seconds,
        (f"within {tth.get('sla_seconds')} s", _percent(tth.get("within_sla"))),
        ("95% Wilson lower bound", _percent(tth.get("within_sla_lower_95"))),
    ]


def outcome_counts(entries: Iterable[Entry]) -> dict[str, int]:
    counts = Counter(e.get("outcome") for e in entries)
    return {name: counts.get(name, 0) for name in OUTCOMES}


def histogram(values: Sequence[float], sla: float) -> dict[str, Any]:
    """Time-to-human values in equal bins from 0 to past the SLA and the 99th percentile;
    the last bin also holds every value beyond."""
    if not values:
        return {"bins": [], "width": 0, "sla": sla}
    ordered = sorted(values)
    top = max(ordered[int(0.99 * (len(ordered) - 1))], sla * 1.25, 1.0)  # about the p99
    width = _round_width(top / HISTOGRAM_BINS)
    counts: Counter[int] = Counter(min(max(int(v // width), 0), HISTOGRAM_BINS) for v in ordered)
    bins = [{"x": round((i + 0.5) * width, 3), "y": counts.get(i, 0)}
            for i in range(HISTOGRAM_BINS + 1)]  # fmt: skip
    return {"bins": bins, "width": width, "sla": sla}


def _round_width(width: float) -> float:
    """A bin width of 1, 2 or 5 times a power of ten, at least `width`."""
    power = 10 ** math.floor(math.log10(width))
    return float(next(power * m for m in (1, 2, 5, 10) if power * m >= width))


def failure_matrix(entries: Iterable[Entry]) -> dict[str, Any]:
    """Failing verdicts counted by check × scenario: a row for each scenario, a column for
    each check that failed somewhere."""
    cells: Counter[tuple[str, str]] = Counter()
    scenarios: dict[str, None] = {}
    for entry in entries:
        scenarios.setdefault(str(entry.get("scenario")), None)
        for check in entry.get("checks", ()):
            if check.get("verdict") == "fail":
                cells[str(check.get("name")), str(entry.get("scenario"))] += 1
    checks = sorted({name for name, _ in cells})
    return {
        "checks": checks,
        "scenarios": list(scenarios),
        "rows": [[cells.get((c, s), 0) for c in checks] for s in scenarios],
    }


def verdict_grid(entries: Iterable[Entry]) -> dict[str, Any]:
    """Scenario × persona: each cell the worst verdict and how many of its conversations
    passed. Past GRID_PERSONAS personas, the most failing stay and the rest share a column."""
    cells: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    failing: Counter[str] = Counter()
    scenarios: dict[str, None] = {}
    for entry in entries:
        scenario, persona = str(entry.get("scenario")), str(entry.get("persona"))
        scenarios.setdefault(scenario, None)
        cells[scenario, persona][verdict_class(entry.get("verdict"))] += 1
        failing[persona] += entry.get("verdict") != "pass"
    personas = sorted({p for _, p in cells})
    shown = personas
    if len(personas) > GRID_PERSONAS:
        top = sorted(personas, key=lambda p: (-failing[p], p))[:GRID_PERSONAS]
        shown = sorted(top)
    rest = set(personas) - set(shown)
    rows = []
    for scenario in scenarios:
        row = [_cell(cells.get((scenario, p))) for p in shown]
        if rest:
            folded: Counter[str] = Counter()
            for p in rest:
                folded.update(cells.get((scenario, p), Counter()))
            row.append(_cell(folded))
        rows.append({"scenario": scenario, "cells": row})
    return {"personas": shown, "folded": len(rest), "rows": rows}


def _cell(counts: Counter[str] | None) -> dict[str, Any] | None:
    if not counts:
        return None
    total = sum(counts.values())
    worst = next((v for v in ("error", "unknown", "fail") if counts.get(v)), "pass")
    return {"verdict": worst, "passed": counts.get("pass", 0), "total": total}
