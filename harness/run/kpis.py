"""Metrics of one conversation and the KPIs of a run, all computed from transcripts.

Containment is shown beside true resolution and false containment, because containment
alone counts a customer who gave up inside the bot as a success. Across repeats of the same
scenario × persona (`--repeat K`), `repeat_statistics` says how reliably the bot passes.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

from harness.model.transcript import Transcript, outcome


def conversation_metrics(t: Transcript) -> dict[str, Any]:
    stated: set[str] = set()
    reasks = repeated = 0
    handoff = t.first("handoff")
    for event in t.events:
        if event.kind in ("bot_message", "agent_message"):
            reasks += sum(1 for fact in event.data.get("asks", ()) if fact in stated)
        elif event.kind == "customer_message":
            stated.update(event.data.get("facts", {}))
            repeated += len(event.data.get("repeated", ()))
    met = t.first("goal_met")
    return {
        "turns": t.turns,
        "contacts": max((e.contact for e in t.events), default=1),
        "handoff_turn": handoff.turn if handoff else None,
        "time_to_human": _time_to_human(t),
        "reasks": reasks,
        "repeated_statements": repeated,
        "goal_met_contact": met.contact if met else None,
        "outcome": outcome(t),
    }


def _time_to_human(t: Transcript) -> float | None:
    """Seconds from what made a human necessary to a human joining (queue wait included),
    counted as escalation.timely counts them: from the earliest trigger still owed a
    handoff, across contacts, the time away between contacts aside."""
    handoff = t.first("handoff")
    if handoff is None:
        return None
    joined = next(
        (e for e in t.events[t.events.index(handoff) :] if e.kind == "agent_joined"), None
    )
    if joined is None:
        return None
    return round(t.seconds_in_contact(t.owed_since(handoff), joined), 3)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0–100) with linear interpolation between ranks."""
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def wilson_lower(successes: int, n: int, z: float = 1.96) -> float:
    """Lower bound of the Wilson score interval (95% by default) for a proportion."""
    return wilson_interval(successes, n, z)[0]


def wilson_interval(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval (95% by default) for a proportion; (0, 1) when n is 0."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    centre = p + z * z / (2 * n)
    margin = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - margin) / (1 + z * z / n), min(1.0, (centre + margin) / (1 + z * z / n))


def run_kpis(metrics: Sequence[dict[str, Any]], *, sla_seconds: float) -> dict[str, Any]:
    n = len(metrics)
    outcomes = Counter(m["outcome"] for m in metrics)
    valid = [m for m in metrics if m["outcome"] != "error"]
    v = len(valid) or 1
    contained = [m for m in valid if m["handoff_turn"] is None]
    resolved = [m for m in valid if m["goal_met_contact"] is not None]
    waits = [m["time_to_human"] for m in valid if m["time_to_human"] is not None]
    within = sum(1 for w in waits if w <= sla_seconds)
    return {
        "conversations": n,
        "outcomes": dict(sorted(outcomes.items())),
        "containment_rate": len(contained) / v,
        "true_resolution_rate": len(resolved) / v,
        "false_containment_rate": sum(1 for m in contained if m["goal_met_contact"] is None) / v,
        "first_contact_resolution_rate": sum(1 for m in resolved if m["goal_met_contact"] == 1) / v,
        "repeat_contact_rate": sum(1 for m in valid if m["contacts"] > 1) / v,
        "escalation_rate": (len(valid) - len(contained)) / v,
        "abandonment_rate": outcomes.get("abandoned", 0) / v,
        "time_to_human": {
            "count": len(waits),
            **{
                f"p{q}": round(percentile(waits, q), 1) if waits else None for q in (50, 90, 95, 99)
            },
            "sla_seconds": sla_seconds,
            "within_sla": within / len(waits) if waits else None,
            "within_sla_lower_95": round(wilson_lower(within, len(waits)), 4) if waits else None,
        },
        "reasks_per_conversation": sum(m["reasks"] for m in valid) / v,
        "turns_per_conversation": sum(m["turns"] for m in valid) / v,
        "repeated_statements_per_conversation": sum(m["repeated_statements"] for m in valid) / v,
    }


def repeat_statistics(entries: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Statistics across repeats, from results.json's conversations (their `scenario`,
    `persona`, `repeat` and `verdict`); empty unless some case was played at least twice.

    A case is one scenario × persona. `pass_hat_k[k]` estimates the chance that k repeats
    of a case all pass, as tau2-bench does: for a case passed c times in n repeats,
    C(c, k) / C(n, k) (every k of its n repeats taken alike), averaged over the cases
    played at least k times. A conversation that errored did not pass. `flaky` lists the
    cases whose verdicts differ between repeats; `pass_rate_95` is the Wilson interval on
    the share of conversations that passed."""
    verdicts: dict[str, list[str]] = defaultdict(list)
    for e in entries:
        verdicts[f"{e['scenario']}--{e['persona']}"].append(e["verdict"])
    most = max(map(len, verdicts.values()), default=0)
    if most < 2:
        return {}
    passes = {case: sum(1 for v in vs if v == "pass") for case, vs in verdicts.items()}
    pass_hat_k: dict[str, float] = {}
    for k in range(1, most + 1):
        shares = [math.comb(passes[case], k) / math.comb(len(vs), k)
                  for case, vs in verdicts.items() if len(vs) >= k]  # fmt: skip
        pass_hat_k[str(k)] = round(sum(shares) / len(shares), 4)
    passed, n = sum(passes.values()), len(entries)
    return {
        "pass_hat_k": pass_hat_k,
        "flaky": sorted(case for case, vs in verdicts.items() if len(set(vs)) > 1),
        "pass_rate": round(passed / n, 4),
        "pass_rate_95": [round(bound, 4) for bound in wilson_interval(passed, n)],
    }


def sla_shortfall(kpis: dict[str, Any], share: float) -> str | None:
    """Why the time-to-human KPI fails to prove `share` within the SLA (its 95% Wilson lower
    bound is below it, or no customer reached a human); None when it proves it."""
    tth = kpis["time_to_human"]
    target = f"{share:.1%} of customers reaching a human within {tth['sla_seconds']:g} s"
    lower = tth["within_sla_lower_95"]
    if lower is None:
        return f"no customer reached a human, so nothing shows {target}"
    if lower < share:
        return (f"{tth['within_sla']:.1%} reached one within it, but the 95% lower bound, "
                f"{lower:.1%}, is under the target of {target}")  # fmt: skip
    return None
