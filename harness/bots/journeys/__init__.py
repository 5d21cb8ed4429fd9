"""What the reference bots know: journeys (what a customer can come for) and fact labels.

One module per domain, so that a new scenario's journey is added beside its kin. Each
module defines `JOURNEYS` (a tuple of `Journey`) and `LABELS` (fact name → `Label`). A
customer's message is matched against the journeys in order: every high-stakes journey
before any routine one, so that a customer in trouble who also mentions a routine matter
reaches the help for the trouble.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, NamedTuple

__all__ = ["JOURNEYS", "LABELS", "Journey", "Label", "journey"]


@dataclass(frozen=True, slots=True)
class Journey:
    intent: str
    keywords: tuple[str, ...]  # plain words, one of which must appear for `pattern` to match
    pattern: re.Pattern[str]  # matched against the lower-cased message
    high_stakes: bool
    verify: tuple[str, ...]  # facts that verify identity, asked first
    needs: tuple[str, ...]  # facts the job itself needs
    team: str = ""  # high stakes: who takes the handoff
    action: str = ""  # low stakes: what the bot does
    done: str = ""  # low stakes: what it says when done ({fact} and {balance} filled in)


def journey(intent: str, keywords: str, pattern: str, **kw: Any) -> Journey:
    """A journey; `keywords` are |-separated plain lower-case words."""
    return Journey(intent, tuple(keywords.split("|")), re.compile(pattern), **kw)


class Label(NamedTuple):
    """How the bot asks for a fact, and how it finds the fact in a customer's message."""

    name: str  # how the bot names it when asking
    words: tuple[str, ...]  # one of these is in any message that labels the fact
    pattern: str  # the label, lower case (a regular expression)
    value: str | None = None  # a value so distinctive it needs no label (regex), if any


def _collect() -> tuple[tuple[Journey, ...], dict[str, Label]]:
    from harness.bots.journeys import banking, insurance, public, retail, utilities

    journeys: list[Journey] = []
    labels: dict[str, Label] = {}
    for module in (banking, insurance, utilities, public, retail):
        journeys.extend(module.JOURNEYS)
        for name, label in module.LABELS.items():
            if labels.setdefault(name, label) != label:
                raise ValueError(f"{module.__name__}: label {name!r} differs from another domain's")
    intents = [j.intent for j in journeys]
    if len(set(intents)) != len(intents):
        raise ValueError(f"journey intents repeat: {intents}")
    journeys.sort(key=lambda j: not j.high_stakes)  # stable: the order within stays
    return tuple(journeys), labels


JOURNEYS, LABELS = _collect()
