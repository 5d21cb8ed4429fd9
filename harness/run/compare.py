"""Two runs side by side: what newly fails, what was fixed, what still fails, and whether
the KPIs moved by more than noise.

`compare(base, new)` is a pure function of two results.json documents (as read by
`read_results`); it returns a frozen `Comparison` (`to_dict()` gives it as JSON data).
Conversations are matched by id: with the same run seed, the same id is the same customer.

    status of a conversation   newly_failing  passed in base, fails (or errors) in new
                               fixed          failed in base, passes in new
                               still_failing  fails in both
                               unchanged      passes in both
                               only_in_base / only_in_new

A regression is a newly failing conversation, a failing one the base run did not play, or
a still failing one with a check that fails now and did not before (a known failure stays
known; a new one is news).

KPI deltas carry a 95% interval of the change: for a rate, Newcombe's hybrid score
interval for the difference of two proportions (each side a Wilson interval); for a mean
per conversation, a normal interval from the two samples. A change whose interval leaves
out 0 is more than noise.
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from harness.errors import ConfigError
from harness.run.kpis import wilson_interval

Status = Literal[
    "newly_failing", "fixed", "still_failing", "unchanged", "only_in_base", "only_in_new"
]
STATUSES: tuple[Status, ...] = (
    "newly_failing", "fixed", "still_failing", "unchanged", "only_in_base", "only_in_new",
)  # fmt: skip
Z95 = 1.959964

# (KPI name in the summary, what counts its conversations): rates over valid conversations,
# within_sla over those that reached a human.
_RATES = (
    "containment_rate", "true_resolution_rate", "false_containment_rate",
    "first_contact_resolution_rate", "repeat_contact_rate", "escalation_rate",
    "abandonment_rate",
)  # fmt: skip
_MEANS = {  # KPI name → the conversation metric it averages
    "reasks_per_conversation": "reasks",
    "turns_per_conversation": "turns",
    "repeated_statements_per_conversation": "repeated_statements",
    "time_to_human_mean": "time_to_human",
}


@dataclass(frozen=True, slots=True)
class CheckChange:
    """A check whose verdict differs between the runs (None: not run on that side)."""

    name: str
    before: str | None
    after: str | None


@dataclass(frozen=True, slots=True)
class ConversationChange:
    """One conversation in both runs (or in one of them)."""

    conversation_id: str
    status: Status
    verdict_before: str | None
    verdict_after: str | None
    outcome_before: str | None
    outcome_after: str | None
    checks: tuple[CheckChange, ...]  # only the checks whose verdict changed
    time_to_human_before: float | None
    time_to_human_after: float | None
    seed_before: int | None
    seed_after: int | None

    @property
    def regression(self) -> bool:
        """Newly failing, failing and not in the base run, or still failing with a check
        that newly fails."""
        if self.status == "newly_failing":
            return True
        if self.status == "only_in_new":
            return self.verdict_after != "pass"
        worse = any(c.after == "fail" and c.before != "fail" for c in self.checks)
        return self.status == "still_failing" and (
            worse or (self.verdict_before, self.verdict_after) == ("fail", "error")
        )

    @property
    def changed(self) -> bool:
        """Anything differs: the status, a check, the outcome or the time to human."""
        return (
            self.status not in ("unchanged", "still_failing")
            or bool(self.checks)
            or self.outcome_before != self.outcome_after
            or self.time_to_human_before != self.time_to_human_after
        )


@dataclass(frozen=True, slots=True)
class KpiDelta:
    """One KPI in both runs, the change and its 95% interval (None where it has none)."""

    name: str
    before: float | None
    after: float | None
    low: float | None
    high: float | None
    kind: Literal["rate", "mean"]

    @property
    def delta(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    @property
    def beyond_noise(self) -> bool:
        """The interval of the change leaves out 0."""
        return self.low is not None and self.high is not None and (self.low > 0 or self.high < 0)


@dataclass(frozen=True, slots=True)
class Comparison:
    """Two runs compared: every conversation's change, and the KPI deltas."""

    base: dict[str, Any]  # the base run's `run` entry (bot, seed…), and its folder as `out`
    new: dict[str, Any]
    conversations: tuple[ConversationChange, ...]
    kpis: tuple[KpiDelta, ...]
    notes: tuple[str, ...] = ()  # what makes the comparison weaker, e.g. different seeds

    def of(self, status: Status) -> list[ConversationChange]:
        return [c for c in self.conversations if c.status == status]

    @property
    def regressions(self) -> list[ConversationChange]:
        return [c for c in self.conversations if c.regression]

    @property
    def unchanged(self) -> bool:
        """Nothing changed: every conversation as before, every KPI the same."""
        return not any(c.changed for c in self.conversations) and all(
            k.before == k.after for k in self.kpis
        )

    @property
    def exit_status(self) -> int:
        """1 when anything regressed, else 0."""
        return 1 if self.regressions else 0

    def summary(self) -> dict[str, Any]:
        """Counts by status, the regressions and the exit status: what results.json keeps."""
        return {
            **{status: len(self.of(status)) for status in STATUSES},
            "regressions": [c.conversation_id for c in self.regressions],
            "exit_status": self.exit_status,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "base": self.base,
            "new": self.new,
            "summary": self.summary(),
            "conversations": [
                {**asdict(c), "regression": c.regression} for c in self.conversations
            ],
            "kpis": [
                {**asdict(k), "delta": k.delta, "beyond_noise": k.beyond_noise} for k in self.kpis
            ],
            "notes": list(self.notes),
        }


def read_results(folder: Path) -> dict[str, Any]:
    """The results.json of a run folder (`--out`); a ConfigError names what is wrong."""
    path = folder / "results.json" if folder.is_dir() else folder
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError([f"{folder}: no results.json here; give the --out folder of a "
                           "run"]) from None  # fmt: skip
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError([f"{path}: not a results.json ({exc})"]) from None
    if not isinstance(data, dict) or not isinstance(data.get("conversations"), list):
        raise ConfigError([f"{path}: not a results.json (no 'conversations' list)"])
    data.setdefault("run", {})["out"] = str(folder)
    return data


def compare(base: Mapping[str, Any], new: Mapping[str, Any]) -> Comparison:
    """Compare two results.json documents (`new` against `base`)."""
    before = {c["conversation_id"]: c for c in base["conversations"]}
    after = {c["conversation_id"]: c for c in new["conversations"]}
    ids = [*before, *(i for i in after if i not in before)]
    changes = tuple(compare_entries(i, before.get(i), after.get(i)) for i in ids)
    notes = []
    seeds = (base.get("run", {}).get("seed"), new.get("run", {}).get("seed"))
    if seeds[0] != seeds[1]:
        notes.append(f"the runs have different seeds ({seeds[0]} and {seeds[1]}): a "
                     "conversation id names a different customer in each")  # fmt: skip
    kpis = _kpis(base, new, list(before.values()), list(after.values()))
    return Comparison(dict(base.get("run", {})), dict(new.get("run", {})), changes, kpis,
                      tuple(notes))  # fmt: skip


def against(
    baseline: Mapping[str, Any], entries: Sequence[Mapping[str, Any]], kpis: Mapping[str, Any],
    *, bot: str, seed: int, out: Path | None,
) -> Comparison:  # fmt: skip
    """A run just played (its results.json entries and KPIs) compared with a baseline run."""
    run = {"bot": bot, "seed": seed, "out": None if out is None else str(out)}
    return compare(baseline, {"run": run, "summary": kpis, "conversations": entries})


def known_failure(baseline: Mapping[str, Any], entry: Mapping[str, Any]) -> bool:
    """Whether a failing entry is a failure the baseline run had too (not a regression)."""
    cid = entry["conversation_id"]
    base = next((e for e in baseline["conversations"] if e["conversation_id"] == cid), None)
    return base is not None and not compare_entries(cid, base, entry).regression


def compare_entries(
    cid: str, a: Mapping[str, Any] | None, b: Mapping[str, Any] | None
) -> ConversationChange:
    """One conversation's results.json entries compared (None: not in that run)."""
    va, vb = (a or {}).get("verdict"), (b or {}).get("verdict")
    ca = {v["name"]: v["verdict"] for v in (a or {}).get("checks", ())}
    cb = {v["name"]: v["verdict"] for v in (b or {}).get("checks", ())}
    names = [*ca, *(n for n in cb if n not in ca)] if a is not None and b is not None else []
    checks = tuple(CheckChange(n, ca.get(n), cb.get(n)) for n in names if ca.get(n) != cb.get(n))
    return ConversationChange(
        cid, _status(va, vb), va, vb, (a or {}).get("outcome"), (b or {}).get("outcome"), checks,
        _tth(a), _tth(b), (a or {}).get("seed"), (b or {}).get("seed"),
    )  # fmt: skip


def _status(before: str | None, after: str | None) -> Status:
    if before is None:
        return "only_in_new"
    if after is None:
        return "only_in_base"
    if before == "pass":
        return "unchanged" if after == "pass" else "newly_failing"
    return "fixed" if after == "pass" else "still_failing"


def _tth(entry: Mapping[str, Any] | None) -> float | None:
    value = (entry or {}).get("metrics", {}).get("time_to_human")
    return None if value is None else float(value)


def _kpis(
    base: Mapping[str, Any], new: Mapping[str, Any],
    before: Sequence[Mapping[str, Any]], after: Sequence[Mapping[str, Any]],
) -> tuple[KpiDelta, ...]:  # fmt: skip
    a, b = base.get("summary", {}), new.get("summary", {})
    na, nb = _valid(before), _valid(after)
    deltas = [_rate_delta("pass_rate", _passed(before), len(before), _passed(after), len(after))]
    for name in _RATES:
        if name in a and name in b:
            deltas.append(_rate_delta(name, round(a[name] * na), na, round(b[name] * nb), nb))
    ta, tb = a.get("time_to_human", {}), b.get("time_to_human", {})
    if ta.get("within_sla") is not None and tb.get("within_sla") is not None:
        deltas.append(_rate_delta("time_to_human_within_sla",
                                  round(ta["within_sla"] * ta["count"]), ta["count"],
                                  round(tb["within_sla"] * tb["count"]), tb["count"]))  # fmt: skip
    for name, metric in _MEANS.items():
        deltas.append(_mean_delta(name, _values(before, metric), _values(after, metric)))
    return tuple(deltas)


def _valid(entries: Sequence[Mapping[str, Any]]) -> int:
    return sum(1 for e in entries if e.get("outcome") != "error")


def _passed(entries: Sequence[Mapping[str, Any]]) -> int:
    return sum(1 for e in entries if e.get("verdict") == "pass")


def _values(entries: Sequence[Mapping[str, Any]], metric: str) -> list[float]:
    return [float(v) for e in entries if e.get("outcome") != "error"
            and (v := e.get("metrics", {}).get(metric)) is not None]  # fmt: skip


def _rate_delta(name: str, xa: int, na: int, xb: int, nb: int) -> KpiDelta:
    """Newcombe's hybrid score interval (his method 10) for the change of a rate."""
    if not na or not nb:
        return KpiDelta(name, xa / na if na else None, xb / nb if nb else None, None, None, "rate")
    pa, pb = xa / na, xb / nb
    la, ua = wilson_interval(xa, na, Z95)
    lb, ub = wilson_interval(xb, nb, Z95)
    d = pb - pa
    low = d - math.sqrt((pb - lb) ** 2 + (ua - pa) ** 2)
    high = d + math.sqrt((ub - pb) ** 2 + (pa - la) ** 2)
    return KpiDelta(name, pa, pb, low, high, "rate")


def _mean_delta(name: str, a: Sequence[float], b: Sequence[float]) -> KpiDelta:
    """The change of a mean, with a normal 95% interval (none below two values a side)."""
    ma = statistics.fmean(a) if a else None
    mb = statistics.fmean(b) if b else None
    if len(a) < 2 or len(b) < 2 or ma is None or mb is None:
        return KpiDelta(name, ma, mb, None, None, "mean")
    se = math.sqrt(statistics.variance(a) / len(a) + statistics.variance(b) / len(b))
    d = mb - ma
    return KpiDelta(name, ma, mb, d - Z95 * se, d + Z95 * se, "mean")
