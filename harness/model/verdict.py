"""Verdicts: what a check says about one transcript."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

VerdictValue = Literal["pass", "fail", "skip"]


@dataclass(slots=True)  # not frozen: built 14 times per conversation (see Event)
class Verdict:
    """A check's verdict, with the turns and quoted transcript lines that prove it."""

    name: str
    verdict: VerdictValue
    message: str = ""
    turns: tuple[int, ...] = ()
    evidence: tuple[str, ...] = field(default=())

    def __reduce__(self) -> tuple[type[Verdict], tuple[object, ...]]:
        # pickled as its fields (worker processes hand back 14 a conversation): a third of
        # the time of the default for a slotted class
        return Verdict, (self.name, self.verdict, self.message, self.turns, self.evidence)

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "verdict": self.verdict,
            "message": self.message,
            "turns": list(self.turns),
            "evidence": list(self.evidence),
        }


def interned(checks: list[Verdict], pool: dict[tuple[object, ...], Verdict]) -> list[Verdict]:
    """`checks`, each verdict replaced by an equal one from `pool` (where a new one is added).
    A long run keeps its results for the summary, and most verdicts recur word for word
    ("handoff at turn 1"): one copy of each keeps the run's memory small. Verdicts are
    not changed once made, so sharing them is safe."""
    return [pool.setdefault((v.name, v.verdict, v.message, v.turns, v.evidence), v) for v in checks]
