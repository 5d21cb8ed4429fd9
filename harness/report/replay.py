"""A replayed conversation in words: both transcripts side by side from the turn where the
bot's behaviour parts, then every check's verdict before and after."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from typing import TextIO

from harness.model.transcript import Event, Transcript, outcome
from harness.run.replay import Replay

COLUMN = 58  # characters a column; two columns and a gutter fit 120

_WHO = {"customer_message": "customer", "bot_message": "bot", "agent_message": "agent"}


def _line(e: Event) -> str:
    if e.kind in _WHO:
        to = " → agent" if e.data.get("to") == "agent" else ""
        return f"{_WHO[e.kind]}{to}: {e.text}" if e.text else f"{_WHO[e.kind]}: (no text)"
    if e.kind == "handoff":
        return f"HANDOFF ({e.data.get('reason') or 'no reason given'})"
    if e.kind == "agent_joined":
        return f"agent {e.data.get('agent', '')} joined after {e.data.get('wait', 0):.0f} s"
    if e.kind == "end":
        return f"END: {e.data.get('outcome', e.data.get('reason', ''))}"
    if e.kind == "channel_switch":
        return f"switch {e.data.get('from')} → {e.data.get('to')}"
    return f"{e.kind}: {e.text or e.data.get('reason') or e.data.get('by') or ''}".rstrip(": ")


def _cells(t: Transcript, turn: int) -> list[str]:
    """The events of one turn, wrapped to the column."""
    lines: list[str] = []
    for e in t.events:
        if e.turn == turn and e.kind not in ("resolution_claimed",):
            lines.extend(textwrap.wrap(_line(e), COLUMN, subsequent_indent="  ") or [""])
    return lines


def _rows(r: Replay, start: int) -> Iterator[str]:
    for turn in range(start, max(r.before.turns, r.after.turns) + 1):
        left, right = _cells(r.before, turn), _cells(r.after, turn)
        yield f"── turn {turn} " + "─" * (2 * COLUMN - 6)
        for i in range(max(len(left), len(right))):
            a = left[i] if i < len(left) else ""
            b = right[i] if i < len(right) else ""
            yield f"{a:<{COLUMN}} │ {b}".rstrip()


def replay_text(r: Replay, stream: TextIO) -> None:
    """Where the replay parts from the recording, both sides from there, and the checks."""
    case = r.case
    print(f"harness replay · {case.conversation_id} (seed {case.seed}) · before: bot "
          f"{r.bot_before or 'unknown'} · after: bot {r.bot}", file=stream)  # fmt: skip
    if r.parted_at is None:
        print(f"the bot behaved the same in all {r.after.turns} turns", file=stream)
    else:
        same = {1: "", 2: "turn 1 is the same; "}.get(
            r.parted_at, f"turns 1–{r.parted_at - 1} are the same; "
        )
        print(f"{same}the two part at turn {r.parted_at}\n", file=stream)
        before = f"before ({r.bot_before or 'recorded'})"
        print(f"{before:<{COLUMN}} │ after ({r.bot})", file=stream)
        for row in _rows(r, r.parted_at):
            print(row, file=stream)
    print("\nchecks (before → after)", file=stream)
    after = {v.name: v for v in r.checks_after}
    for v in r.checks_before:
        now = after.get(v.name)
        verdict = now.verdict if now else "–"
        mark = "   now passes" if (v.verdict, verdict) == ("fail", "pass") else (
            "   now fails" if verdict == "fail" and v.verdict != "fail" else "")  # fmt: skip
        print(f"  {v.name:<36}{v.verdict:>5} → {verdict:<5}{mark}".rstrip(), file=stream)
        if now is not None and now.verdict == "fail" and now.message:
            print(f"      {now.message}", file=stream)
    print(f"\nreplayed verdict: {r.verdict} (outcome {outcome(r.after)})", file=stream)
