"""The terminal summary: a row per scenario × persona, the failures with evidence, then KPIs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any, TextIO

from harness.run import ConversationResult, RunResult
from harness.run.reproduce import replay_command, rerun_command

MAX_FAILURES_SHOWN = 10
MAX_RERUN_HINTS = 10
MAX_FLAKY_SHOWN = 10


def summary(result: RunResult, stream: TextIO, *, verbose: bool = False) -> None:
    rows: dict[tuple[str, str], list[ConversationResult]] = defaultdict(list)
    generated: dict[str, set[str]] = defaultdict(set)  # scenario → its generated personas
    for r in result.results:
        if r.case.persona_seed is not None:
            generated[r.case.scenario.id].add(r.case.persona.id)
    for r in result.results:  # generated personas roll up into one row a scenario
        scenario = r.case.scenario.id
        persona = r.case.persona.id
        if r.case.persona_seed is not None:
            persona = f"{len(generated[scenario])} generated"
        rows[(scenario, persona)].append(r)
    width = max(len(f"{s} × {p}") for s, p in rows) + 2
    o = result.options
    print(f"harness run · bot {o.bot} · seed {o.seed} · {len(result.results)} conversations",
          file=stream)  # fmt: skip
    print(
        f"\n{'scenario × persona':<{width}}{'verdict':<14}{'outcome':<24}failing checks",
        file=stream,
    )
    for (scenario, persona), group in rows.items():
        print(f"{scenario + ' × ' + persona:<{width}}{_verdicts(group):<14}"
              f"{_common(r.metrics['outcome'] for r in group):<24}{_failing(group)}",
              file=stream)  # fmt: skip
    failures = [r for r in result.results if r.verdict != "pass"]
    if failures:
        _failures(failures, result, stream, limit=None if verbose else MAX_FAILURES_SHOWN)
    _kpis(result.kpis, stream)
    if "pass_hat_k" in result.kpis:
        _repeats(result.kpis, stream, limit=None if verbose else MAX_FLAKY_SHOWN)
    if result.out is not None:
        print(f"\nresults: {result.out / 'results.json'}", file=stream)
    passed = sum(1 for r in result.results if r.verdict == "pass")
    print(f"{passed} passed, {len(result.results) - passed} failed", file=stream)


def _verdicts(group: Sequence[ConversationResult]) -> str:
    if len(group) == 1:
        return group[0].verdict
    passed = sum(1 for r in group if r.verdict == "pass")
    return f"pass {passed}/{len(group)}"


def _common(values: Any) -> str:
    counts: dict[str, int] = defaultdict(int)
    for value in values:
        counts[value] += 1
    return max(counts, key=lambda k: counts[k]) + ("" if len(counts) == 1 else " …")


def _failing(group: Sequence[ConversationResult]) -> str:
    names = sorted({v.name for r in group for v in r.checks if v.verdict == "fail"})
    errors = [r for r in group if r.verdict == "error"]
    return ", ".join(names + (["error"] if errors else []))


def _failures(
    failures: Sequence[ConversationResult], result: RunResult, stream: TextIO, limit: int | None
) -> None:
    print("\nFailures", file=stream)
    o = result.options
    for r in failures[:limit]:
        where = (f"  transcript: {result.out / 'transcripts' / (r.case.conversation_id + '.jsonl')}"
                 if result.out else "")  # fmt: skip
        print(f"\n{r.case.conversation_id} (seed {r.case.seed}){where}", file=stream)
        if r.error is not None:
            print(f"  error: {r.error}", file=stream)
        for v in r.checks:
            if v.verdict == "fail":
                print(f"  FAIL {v.name}: {v.message}", file=stream)
                for line in v.evidence:
                    print(f"       {line}", file=stream)
        if result.out is not None:
            command = replay_command(str(result.out), r.case.conversation_id, bot=o.bot)
            print(f"  replay: {command}", file=stream)
    if limit is not None and len(failures) > limit:
        print(f"\n… and {len(failures) - limit} more failing conversations "
              "(all are in results.json; --verbose shows them here)", file=stream)  # fmt: skip


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def kpi_line(k: dict[str, Any]) -> str:
    """The KPIs that matter most, on one line (for pytest's summary, CI logs)."""
    tth = k["time_to_human"]
    line = (f"containment {_pct(k['containment_rate'])} · true resolution "
            f"{_pct(k['true_resolution_rate'])} · false containment "
            f"{_pct(k['false_containment_rate'])}")  # fmt: skip
    if tth["count"]:
        line += (f" · time to human p90 {tth['p90']:.0f} s · within {tth['sla_seconds']:.0f} s "
                 f"{_pct(tth['within_sla'])} (95% lower bound "
                 f"{_pct(tth['within_sla_lower_95'])})")  # fmt: skip
    if "pass_hat_k" in k:
        line += " · " + _pass_hat_k(k["pass_hat_k"], sep=" ")
        line += f" · {len(k['flaky'])} flaky"
    return line


def _pass_hat_k(pass_hat_k: dict[str, float], sep: str) -> str:
    return sep.join(f"pass^{n} {_pct(share)}" for n, share in pass_hat_k.items())


def _repeats(k: dict[str, Any], stream: TextIO, limit: int | None) -> None:
    """pass^k, the pass rate's interval and the flaky cases (a run with --repeat 2 or more)."""
    low, high = k["pass_rate_95"]
    print("\nAcross repeats (a case is one scenario × persona)", file=stream)
    print(f"  {_pass_hat_k(k['pass_hat_k'], sep='   ')}", file=stream)
    print(f"  pass rate {_pct(k['pass_rate'])} (95% interval {_pct(low)}–{_pct(high)})",
          file=stream)  # fmt: skip
    flaky: list[str] = k["flaky"]
    print(f"  flaky cases (verdicts differ between repeats): {len(flaky) or 'none'}", file=stream)
    for case in flaky[:limit]:
        print(f"    {case}", file=stream)
    if limit is not None and len(flaky) > limit:
        print(f"    … and {len(flaky) - limit} more (all are in results.json; --verbose shows "
              "them here)", file=stream)  # fmt: skip


def _kpis(k: dict[str, Any], stream: TextIO) -> None:
    tth = k["time_to_human"]
    print("\nKPIs", file=stream)
    print(f"  containment {_pct(k['containment_rate'])}   true resolution "
          f"{_pct(k['true_resolution_rate'])}   false containment "
          f"{_pct(k['false_containment_rate'])}", file=stream)  # fmt: skip
    print(f"  escalation {_pct(k['escalation_rate'])}   first-contact resolution "
          f"{_pct(k['first_contact_resolution_rate'])}   repeat contacts "
          f"{_pct(k['repeat_contact_rate'])}   abandonment {_pct(k['abandonment_rate'])}",
          file=stream)  # fmt: skip
    if tth["count"]:
        spread = "  ".join(f"{p} {tth[p]:.0f} s" for p in ("p50", "p90", "p95", "p99"))
        print(f"  time to human (n={tth['count']}): {spread}   within {tth['sla_seconds']:.0f} s: "
              f"{_pct(tth['within_sla'])} (95% lower bound {_pct(tth['within_sla_lower_95'])})",
              file=stream)  # fmt: skip
    else:
        print("  time to human: no customer reached a human", file=stream)
    print(f"  re-asks per conversation {k['reasks_per_conversation']:.2f}   turns per conversation "
          f"{k['turns_per_conversation']:.1f}   repeated statements per conversation "
          f"{k['repeated_statements_per_conversation']:.2f}", file=stream)  # fmt: skip


def rerun_hints(
    result: RunResult, paths: Sequence[str], stream: TextIO, *, verbose: bool = False
) -> None:
    """How to rerun each failing generated persona alone (its id carries its seed)."""
    o = result.options
    if o.generated:
        print(f"generated personas: {o.generated} a scenario, persona seeds drawn from "
              f"--seed {o.seed} (rerun one: --persona gen-<seed> --seed {o.seed})",
              file=stream)  # fmt: skip
    failing = sorted({(r.case.scenario.id, r.case.persona.id) for r in result.results
                      if r.verdict != "pass" and r.case.persona_seed is not None})  # fmt: skip
    shown = failing if verbose else failing[:MAX_RERUN_HINTS]
    for scenario, persona in shown:
        command = rerun_command(paths, bot=o.bot, seed=o.seed, scenario=scenario, persona=persona)
        print(f"  rerun: {command}", file=stream)
    if len(shown) < len(failing):
        print(f"  … and {len(failing) - len(shown)} more (--verbose shows them)", file=stream)
