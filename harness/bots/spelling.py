"""Customers mistype: repairing words one slip from the reference bots' vocabulary.

When a message matches no journey, or does not ask for a human, the bot repairs the words
that are one slip (two letters swapped, one dropped, doubled or added) from a word of its
vocabulary (the words of its journeys, its fact labels and its ways of being asked for a
human) and reads the message again. Exact matches never pay for this.
"""

from __future__ import annotations

import re
from functools import lru_cache

from harness.bots.journeys import JOURNEYS, LABELS
from harness.bots.reading import HUMAN, HUMAN_WORDS

_ESCAPE = re.compile(r"\\[A-Za-z]")  # \b, \d, \w… in a pattern's source: not letters
_RUN = re.compile(r"(?:\[[a-z]+\]|[a-z]\??)+")  # letters, [sz] classes, optional letters
_PIECE = re.compile(r"\[([a-z]+)\]|([a-z])(\?)?")
MIN_WORD = 4  # shorter words are left alone: "did" is one slip from "died"
_WORDS = re.compile(r"[A-Za-z]{4,}")  # the words that may be repaired
MIN_STEM = 6  # a vocabulary word this long also repairs the start of a longer word


def _spellings(run: str) -> list[str]:
    """Every word a run of a pattern spells: `recogni[sz]e` → recognise, recognize."""
    words = [""]
    for m in _PIECE.finditer(run):
        if m[1]:
            words = [w + c for w in words for c in m[1]]
        elif m[3]:
            words = [w + x for w in words for x in ("", m[2])]
        else:
            words = [w + m[2] for w in words]
    return words


def _words(sources: list[str]) -> frozenset[str]:
    words: set[str] = set()
    for source in sources:
        for run in _RUN.findall(_ESCAPE.sub(" ", source)):
            words.update(w for w in _spellings(run) if len(w) >= MIN_WORD)
    return frozenset(words)


# The words the reference bots read by: their journeys', their fact labels', and those of
# a request for a human.
JOURNEY_WORDS = _words([s for j in JOURNEYS for s in (j.pattern.pattern, *j.keywords)])
LABEL_WORDS = _words([s for x in LABELS.values() for s in (x.name, x.pattern, *x.words)])
REQUEST_WORDS = _words([HUMAN.pattern, *HUMAN_WORDS])
VOCABULARY = JOURNEY_WORDS | LABEL_WORDS | REQUEST_WORDS
# Vocabulary words by first letter and length: a slip changes the length by one at most.
_BY_START: dict[tuple[str, int], tuple[str, ...]] = {}
for _word in sorted(VOCABULARY):
    _key = (_word[0], len(_word))
    _BY_START[_key] = (*_BY_START.get(_key, ()), _word)
# Stems (vocabulary words of MIN_STEM letters or more) by first letter.
_STEMS: dict[str, tuple[str, ...]] = {}
for _word in sorted(w for w in VOCABULARY if len(w) >= MIN_STEM):
    _STEMS[_word[0]] = (*_STEMS.get(_word[0], ()), _word)
# Words already known to need no repair; bounded, since a live bot reads any text.
_FINE: set[str] = set()
MAX_FINE = 1 << 16


def repair(text: str) -> tuple[str, frozenset[str]] | None:
    """`text` with its mistyped words put right, and the vocabulary words they were put
    right to; None when no word is mistyped."""
    words = _WORDS.findall(text)
    if _FINE.issuperset(words):  # the common case: one C-level test
        return None
    fixes: dict[str, str] = {}
    known: set[str] = set()
    for word in words:
        if word not in _FINE:
            right = _repaired(word.lower())
            if right is None:
                if len(_FINE) >= MAX_FINE:
                    _FINE.clear()
                _FINE.add(word)
            else:
                fixes[word] = right[0]
                known.add(right[1])
    if not fixes:
        return None
    return _WORDS.sub(lambda m: fixes.get(m[0], m[0]), text), frozenset(known)


@lru_cache(maxsize=1 << 16)
def _repaired(word: str) -> tuple[str, str] | None:
    """The word `word` is one slip from (a vocabulary word, or a word starting with one),
    and that vocabulary word; None if none.

    The first letter must agree: people rarely mistype it, and a bot that "corrects" it
    reads words that were never there ("that" for "chat")."""
    if len(word) < MIN_WORD or word in VOCABULARY:
        return None
    n = len(word)
    for v in sorted(_BY_START.get((word[0], n - 1), ()) + _BY_START.get((word[0], n), ())
                    + _BY_START.get((word[0], n + 1), ())):  # fmt: skip
        if one_slip(word, v):
            return v, v
    for v in _STEMS.get(word[0], ()):  # "recgonition": a mistyped start of a longer word
        if len(v) <= n and not word.startswith(v):
            for k in (len(v), len(v) + 1, len(v) - 1):
                # (a start one letter short of the stem is no slip: "month" of "monthly")
                if k < len(word) and word[:k] != v[:k] and one_slip(word[:k], v):
                    return v + word[k:], v
    return None


def one_slip(typed: str, word: str) -> bool:
    """Whether `typed` is `word` with one slip: two neighbours swapped, a letter dropped or
    added, inside the word (at the end only a doubled one: "bills" and "week" are other
    words, not slips of "bill" and "weeks"). Not a letter changed: that turns too many words
    into others ("moter" into "meter", "being" into "bring")."""
    n, m = len(typed), len(word)
    if abs(n - m) > 1 or typed == word:
        return False
    i = 0
    while i < min(n, m) and typed[i] == word[i]:
        i += 1
    if n > m:  # a letter added; at the end, only a doubled one ("billl", not "bills")
        return typed[i + 1 :] == word[i:] and (i < m or typed[i] == typed[i - 1])
    if n < m:  # a letter dropped: inside a word of five letters or more ("hard" is no slip)
        return n >= 5 and i < n and typed[i:] == word[i + 1 :]
    swapped = i + 1 < n and typed[i] == word[i + 1] and typed[i + 1] == word[i]
    return swapped and typed[i + 2 :] == word[i + 2 :]
