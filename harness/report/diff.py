"""Two runs compared, in words: as terminal text, or as Markdown for a pull-request comment
or `$GITHUB_STEP_SUMMARY`. The comparison itself is run.compare's."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TextIO

from harness.run.compare import Comparison, ConversationChange, KpiDelta, Status

MAX_SHOWN = 20  # conversations listed per status, unless verbose

_TITLES: dict[Status, str] = {
    "newly_failing": "Newly failing",
    "fixed": "Fixed",
    "still_failing": "Still failing",
    "only_in_base": "Only in the base run",
    "only_in_new": "Only in the new run",
}


def _run(run: dict[str, Any]) -> str:
    return f"{run.get('out', '?')} (bot {run.get('bot', '?')}, seed {run.get('seed', '?')})"


def _counts(c: Comparison) -> str:
    s = c.summary()
    return (f"{len(c.conversations)} conversations: {s['newly_failing']} newly failing, "
            f"{s['fixed']} fixed, {s['still_failing']} still failing, {s['unchanged']} "
            f"passing in both, {s['only_in_base']} only in base, {s['only_in_new']} only in "
            "new")  # fmt: skip


def _value(k: KpiDelta, value: float | None) -> str:
    if value is None:
        return "–"
    return f"{100 * value:.1f}%" if k.kind == "rate" else f"{value:.2f}"


def _signed(k: KpiDelta, value: float | None) -> str:
    if value is None:
        return "–"
    return f"{100 * value:+.1f} pts" if k.kind == "rate" else f"{value:+.2f}"


def _interval(k: KpiDelta) -> str:
    if k.low is None or k.high is None:
        return "no interval"
    if k.kind == "rate":
        return f"[{100 * k.low:+.1f}, {100 * k.high:+.1f}]"
    return f"[{k.low:+.2f}, {k.high:+.2f}]"


def _seconds(value: float | None) -> str:
    return "none" if value is None else f"{value:.0f} s"


def _detail(c: ConversationChange) -> list[str]:
    """What changed in one conversation, a phrase each."""
    parts = []
    if c.verdict_before != c.verdict_after:
        parts.append(f"{c.verdict_before or '–'} → {c.verdict_after or '–'}")
    if c.outcome_before != c.outcome_after:
        parts.append(f"outcome {c.outcome_before or '–'} → {c.outcome_after or '–'}")
    parts.extend(
        f"{k.name} {k.before or '–'} → {k.after or '–'}"
        for k in c.checks
        if "fail" in (k.before, k.after)
    )  # a pass becoming a skip says little
    if c.time_to_human_before != c.time_to_human_after and c.verdict_after and c.verdict_before:
        parts.append(f"time to human {_seconds(c.time_to_human_before)} → "
                     f"{_seconds(c.time_to_human_after)}")  # fmt: skip
    return parts


def diff_text(c: Comparison, stream: TextIO, *, verbose: bool = False) -> None:
    """The comparison for the terminal: counts, each changed conversation, the KPI deltas."""
    print(f"harness diff · base {_run(c.base)} → new {_run(c.new)}", file=stream)
    for note in c.notes:
        print(f"note: {note}", file=stream)
    print(_counts(c), file=stream)
    if c.unchanged:
        print("nothing changed: every conversation and every KPI is as it was", file=stream)
        return
    for status, title in _TITLES.items():
        shown = [x for x in c.of(status) if status != "still_failing" or x.changed]
        _section(title, shown, stream, limit=None if verbose else MAX_SHOWN)
    moved = [x for x in c.of("unchanged") if x.changed]
    _section("Passing in both, but changed", moved, stream, limit=None if verbose else MAX_SHOWN)
    print("\nKPIs (base → new, change and its 95% interval; * more than noise)", file=stream)
    for k in c.kpis:
        mark = " *" if k.beyond_noise else ""
        print(f"  {k.name:<38}{_value(k, k.before):>8} → {_value(k, k.after):<8}"
              f"{_signed(k, k.delta):>11}  {_interval(k)}{mark}", file=stream)  # fmt: skip
    regressions = len(c.regressions)
    print(f"\n{regressions} regression(s)" if regressions else "\nno regressions", file=stream)


def _section(
    title: str, changes: Sequence[ConversationChange], stream: TextIO, *, limit: int | None
) -> None:
    if not changes:
        return
    print(f"\n{title} ({len(changes)})", file=stream)
    for x in changes[:limit]:
        print(f"  {x.conversation_id}", file=stream)
        detail = _detail(x)
        if detail:
            print(f"      {'; '.join(detail)}", file=stream)
    if limit is not None and len(changes) > limit:
        print(f"  … and {len(changes) - limit} more (--verbose shows them)", file=stream)


def diff_markdown(c: Comparison, *, verbose: bool = False) -> str:
    """The comparison as Markdown: a table of counts, the KPI table, the changed
    conversations in collapsed sections."""
    verdict = f"❌ {len(c.regressions)} regression(s)" if c.regressions else "✅ no regressions"
    lines = [f"### harness diff: {verdict}", "", f"base `{_run(c.base)}` → new `{_run(c.new)}`", ""]
    lines += [f"> {note}" for note in c.notes]
    s = c.summary()
    lines += ["| newly failing | fixed | still failing | passing in both | only in base "
              "| only in new |", "|---:|---:|---:|---:|---:|---:|",
              f"| {s['newly_failing']} | {s['fixed']} | {s['still_failing']} | {s['unchanged']} "
              f"| {s['only_in_base']} | {s['only_in_new']} |", ""]  # fmt: skip
    if c.unchanged:
        return "\n".join([*lines, "Nothing changed.", ""])
    lines += ["| KPI | base | new | change | 95% interval | beyond noise |",
              "|---|---:|---:|---:|---:|:---:|"]  # fmt: skip
    lines += [f"| {k.name} | {_value(k, k.before)} | {_value(k, k.after)} | "
              f"{_signed(k, k.delta)} | {_interval(k)} | {'yes' if k.beyond_noise else ''} |"
              for k in c.kpis]  # fmt: skip
    for status, title in _TITLES.items():
        changes = [x for x in c.of(status) if status != "still_failing" or x.changed]
        if changes:
            lines += ["", f"<details><summary>{title} ({len(changes)})</summary>", ""]
            shown = changes if verbose else changes[:MAX_SHOWN]
            lines += [f"- `{x.conversation_id}`: {_md('; '.join(_detail(x)))}" for x in shown]
            if len(shown) < len(changes):
                lines.append(f"- … and {len(changes) - len(shown)} more")
            lines += ["", "</details>"]
    return "\n".join([*lines, ""])


def _md(text: str) -> str:
    """Text safe inside a Markdown list item (ids and verdicts, but quoted all the same)."""
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
