"""Playing one recorded conversation again: the same customer (scenario as played, persona,
facts, seed and repeat, all from the transcript's header) against another bot.

`find_transcript(where, conversation_id)` reads a transcript from a run folder or a file;
`replay(transcript, bot=…)` plays it again and checks both; `parting_turn` is the first
turn where the bot's side of the two transcripts differs.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from harness.checks import CATALOGUE, run_checks
from harness.errors import ConfigError, did_you_mean
from harness.model.transcript import Event, Transcript
from harness.model.verdict import Verdict
from harness.run.execute import iter_results
from harness.run.plan import Case
from harness.run.reproduce import replayable

_BOT_SIDE = frozenset(
    {"bot_message", "handoff", "agent_joined", "agent_message", "resolution_claimed", "goal_met",
     "error"}
)  # fmt: skip
_UNREAD = frozenset({"raw", "conversation_id"})  # differ between any two plays, say nothing


@dataclass(frozen=True, slots=True)
class Replay:
    """A conversation as recorded (`before`) and played again against `bot` (`after`)."""

    case: Case
    bot_before: str | None
    bot: str
    before: Transcript
    after: Transcript
    checks_before: tuple[Verdict, ...]
    checks_after: tuple[Verdict, ...]
    parted_at: int | None  # the first turn whose bot side differs; None: none does

    @property
    def verdict(self) -> str:
        """The replayed conversation's verdict: pass, fail or error."""
        if self.after.first("error") is not None:
            return "error"
        return "fail" if any(v.verdict == "fail" for v in self.checks_after) else "pass"


def find_transcript(where: Path, conversation_id: str | None) -> tuple[Transcript, str]:
    """The transcript of `conversation_id` in the run folder `where`, or the transcript file
    `where`; with the path it was read from, as given."""
    if where.is_dir():
        if not conversation_id:
            raise ConfigError([f"{where}: a run folder needs a CONVERSATION_ID"])
        folder = where / "transcripts"
        path = folder / f"{conversation_id}.jsonl"
        if not path.is_file():
            known = sorted(p.stem for p in folder.glob("*.jsonl")) if folder.is_dir() else []
            hint = did_you_mean(conversation_id, known) if known else " (no transcripts/ here)"
            raise ConfigError([f"{where}: no conversation {conversation_id!r}{hint}"])
    elif where.is_file():
        path = where
    else:
        raise ConfigError([f"{where}: no such run folder or transcript file"])
    try:
        transcript = Transcript.from_jsonl(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError([f"{path}: not a transcript ({exc})"]) from None
    if conversation_id and transcript.conversation_id != conversation_id:
        raise ConfigError([f"{path}: holds conversation {transcript.conversation_id!r}, "
                           f"not {conversation_id!r}"])  # fmt: skip
    return transcript, str(path)


def recorded_bot(transcript: Transcript, source: str) -> str:
    """The bot the transcript was played against, from its header; a ConfigError when it
    names none that can be opened again (asks for --bot)."""
    bot = str((transcript.played or {}).get("bot") or "")
    if not bot or bot == "adapter":
        raise ConfigError([f"{source}: the transcript does not name a bot to play against; "
                           "give one with --bot"])  # fmt: skip
    return bot


def check_names(patterns: tuple[str, ...] | list[str]) -> list[str]:
    """The catalogue's names that the patterns pick (all for none)."""
    return [n for n in CATALOGUE if not patterns
            or any(fnmatch.fnmatchcase(n, p) for p in patterns)]  # fmt: skip


def replay(transcript: Transcript, *, bot: str, source: str, timeout: float = 10.0) -> Replay:
    """Play the customer of `transcript` again against `bot`, and check both transcripts."""
    case, options = replayable(transcript, source=source, bot=bot)
    options = replace(options, timeout=timeout)
    after = next(iter_results([case], options))
    assert after.transcript is not None
    names = check_names(options.checks)
    before_checks = run_checks(transcript, case.scenario.expectations, names)
    bot_before = (transcript.played or {}).get("bot")
    return Replay(case, bot_before, bot, transcript, after.transcript, tuple(before_checks),
                  tuple(after.checks), parting_turn(transcript, after.transcript))  # fmt: skip


def _bot_side(events: list[Event]) -> dict[int, list[tuple[Any, ...]]]:
    turns: dict[int, list[tuple[Any, ...]]] = {}
    for e in events:
        if e.kind in _BOT_SIDE:
            data = {k: v for k, v in e.data.items() if k not in _UNREAD}
            turns.setdefault(e.turn, []).append((e.kind, e.text, sorted(data.items(), key=str)))
    return turns


def parting_turn(before: Transcript, after: Transcript) -> int | None:
    """The first turn where the bot (or the desk after it) did something else: another
    reply, a handoff or none, an end; None when the two agree turn for turn."""
    a, b = _bot_side(before.events), _bot_side(after.events)
    last = max(before.turns, after.turns)
    for turn in range(1, last + 1):
        if a.get(turn, []) != b.get(turn, []):
            return turn
    return None
