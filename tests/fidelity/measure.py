"""The harness's fidelity on the second bot: false failures on its careful variant, and for
each seeded defect the share of the conversations it changes that a check of its family
fails. Shared by tests/fidelity/test_fidelity.py and bench/bench_fidelity.py.

A defect "changes" a conversation when the flawed variant's transcript of the same case
(conversation id and run seed) differs from careful's in what the bot did: its messages,
actions or handoffs. A conversation the defect leaves alone says nothing about the harness.
"""

from __future__ import annotations

import fnmatch
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from harness import ConversationResult, Pack, RunOptions, run
from harness.model.transcript import Transcript

from . import second_bot
from .second_bot import DEFECTS, VARIANTS

# The checks that judge each defect (DESIGN.md's catalogue), as name patterns.
FAMILIES: dict[str, tuple[str, ...]] = {
    "deflector": ("escalation.*",),
    "amnesiac": ("context.*",),
    "slowpoke": ("escalation.timely", "escalation.on_request"),
    "blank-handoff": ("context.handoff_payload", "context.no_reask"),
    "false-resolver": ("resolution.*",),
    "looper": ("conversation.no_loop", "escalation.*"),
    "oversharer": ("compliance.verify_before_disclose",),
}
# Under whatever name the tests or the bench imported it: that name imports.
BOT = f"{second_bot.__name__}:{{}}"

Key = tuple[str, int]  # conversation id, run seed


@dataclass
class DefectFigures:
    changed: int = 0
    caught: int = 0
    by_check: Counter[str] = field(default_factory=Counter)  # family checks that caught
    missed: list[tuple[Key, list[str]]] = field(default_factory=list)  # what failed instead

    @property
    def share(self) -> float:
        return self.caught / self.changed if self.changed else 1.0


@dataclass
class Fidelity:
    conversations: int = 0
    false_failures: list[tuple[Key, list[str]]] = field(default_factory=list)
    defects: dict[str, DefectFigures] = field(
        default_factory=lambda: {d: DefectFigures() for d in DEFECTS}
    )

    def summary(self) -> str:
        shares = ", ".join(f"{d} {f.share:.0%}" for d, f in self.defects.items())
        return (
            f"fidelity: careful false failures {len(self.false_failures)} of "
            f"{self.conversations}; per defect: {shares}"
        )


def behaviour(t: Transcript) -> list[tuple[object, ...]]:
    """What the bot did in a transcript: its messages, actions and handoffs, in order."""
    return [
        (e.contact, e.kind, e.text, tuple(e.data.get("actions", ())),
         repr(e.data) if e.kind == "handoff" else "")
        for e in t.events
        if e.kind in ("bot_message", "handoff")
    ]  # fmt: skip


def failing(result: ConversationResult) -> list[str]:
    return [v.name for v in result.checks if v.verdict == "fail"]


def _played(pack: Pack, variant: str, seed: int) -> dict[Key, ConversationResult]:
    options = RunOptions(bot=BOT.format(VARIANTS[variant].__name__), seed=seed)
    return {(r.case.conversation_id, seed): r for r in run(pack, options).results}


def measure(pack: Pack, seeds: int, progress: Callable[[str], None] | None = None) -> Fidelity:
    """Careful and every defect over the pack, run seeds 0..seeds-1."""
    figures = Fidelity()
    for seed in range(seeds):
        careful = _played(pack, "careful", seed)
        figures.conversations += len(careful)
        for key, result in careful.items():
            if failed := failing(result):
                figures.false_failures.append((key, failed))
        for defect in DEFECTS:
            _compare(figures.defects[defect], defect, careful, _played(pack, defect, seed))
        if progress is not None:
            progress(f"seed {seed}: {figures.summary()}")
    return figures


def _compare(
    into: DefectFigures,
    defect: str,
    careful: dict[Key, ConversationResult],
    flawed: dict[Key, ConversationResult],
) -> None:
    for key, result in flawed.items():
        assert result.transcript is not None and careful[key].transcript is not None
        if behaviour(result.transcript) == behaviour(careful[key].transcript):
            continue
        into.changed += 1
        failed = failing(result)
        family = [n for n in failed if any(fnmatch.fnmatch(n, p) for p in FAMILIES[defect])]
        if family:
            into.caught += 1
            into.by_check.update(family)
        else:
            into.missed.append((key, failed))
