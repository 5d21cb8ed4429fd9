"""The two shapes of what a reference bot knows: a Journey and a fact Label."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, NamedTuple


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
