"""A list of regexes searched case-insensitively as one, but faster: each pattern is tried
only on a text that holds one of the words any match of it must hold.

The lexicon's readings are unions of a hundred-odd patterns, and `re` tries every branch at
every position of a text. Most patterns cannot match most texts, and most say so in plain
words: "offline" is in every match of `\\b(we're|we are) (currently )?offline\\b`. So each
pattern's required words are worked out once from its parsed form (`required`), and a
pattern runs only on a text that holds one of them. Where nothing can be told for sure
(a pattern that may match without any fixed word), the pattern always runs: the gate can
make a reading faster, never different.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from re import _constants as sre  # type: ignore[attr-defined]  # the parser's opcodes
from re import _parser as sre_parse  # type: ignore[attr-defined]  # private, stable since 3.11
from typing import Any

# Read case-insensitively, an ASCII letter also matches these four: fold them first.
_FOLD = str.maketrans({"İ": "i", "ı": "i", "ſ": "s", "K": "k"})

Words = frozenset[str]


def folded(text: str) -> str:
    """`text` as the gate compares it: lower case, and the four letters that match an ASCII
    letter case-insensitively made that letter."""
    return text.translate(_FOLD).lower()


@lru_cache(maxsize=1024)
def required(pattern: str) -> Words | None:
    """Words (lower case, ASCII), one of which every case-insensitive match of `pattern`
    holds; None where that cannot be told."""
    try:
        tree = sre_parse.parse(pattern, re.IGNORECASE)
    except (re.error, RecursionError):
        return None
    return _sequence(list(tree))


def _sequence(items: list[tuple[Any, Any]]) -> Words | None:
    """The most selective of the words a sequence's parts require (its runs of literal
    characters, and the groups, repeats and lookarounds it must match)."""
    best: Words | None = None
    run: list[str] = []
    for op, arg in [*items, (None, None)]:  # a last item, to end the run
        if op is sre.LITERAL:
            run.append(chr(arg))
            continue
        for found in (_literal(run), _part(op, arg)):
            if found is not None and (best is None or _rank(found) > _rank(best)):
                best = found
        run = []
    return best


def _literal(run: list[str]) -> Words | None:
    word = "".join(run).lower()
    return frozenset({word}) if word.strip() and word.isascii() else None


def _part(op: Any, arg: Any) -> Words | None:
    if op is sre.SUBPATTERN:
        return _sequence(list(arg[-1]))
    if op is sre.BRANCH:  # every branch must say which words it needs
        options = [_sequence(list(branch)) for branch in arg[1]]
        if any(o is None for o in options):
            return None
        return frozenset().union(*options)  # type: ignore[arg-type]
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT) and arg[0] >= 1:
        return _sequence(list(arg[2]))
    if op is sre.ASSERT:  # a lookahead or lookbehind that must match
        return _sequence(list(arg[1]))
    return None  # optional, negated or not a fixed word: nothing required


def _rank(words: Words) -> tuple[int, int]:
    """Longer words, then fewer of them, make a narrower gate."""
    return min(len(w.strip()) for w in words), -len(words)


class Gated:
    """`patterns` searched case-insensitively, each behind its gate of required words; as a
    search of their union (`pattern`, its source) would find, for a match's presence and
    the leftmost start among them."""

    def __init__(self, patterns: Iterable[str]) -> None:
        patterns = tuple(patterns)
        self.pattern = "|".join(f"(?:{p})" for p in patterns)
        self._parts = [(required(p), re.compile(p, re.IGNORECASE)) for p in patterns]
        self._words = tuple(sorted(set().union(*(w for w, _ in self._parts if w is not None))))

    def _open(self, text: str) -> Iterator[re.Pattern[str]]:
        low = folded(text)
        present = {w for w in self._words if w in low}  # each word looked for once
        for words, compiled in self._parts:
            if words is None or not words.isdisjoint(present):
                yield compiled

    def search(self, text: str) -> re.Match[str] | None:
        """A match of any of the patterns in `text` (not necessarily the leftmost), or None."""
        for compiled in self._open(text):
            if found := compiled.search(text):
                return found
        return None

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        """Every match of each pattern in `text`, pattern by pattern."""
        for compiled in self._open(text):
            yield from compiled.finditer(text)


@lru_cache(maxsize=256)
def gated(patterns: tuple[str, ...]) -> Gated:
    """One `Gated` for a list of patterns, shared by every lexicon that reads with it."""
    return Gated(patterns)
