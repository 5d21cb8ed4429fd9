"""How the reference bots read a customer message: the journey it opens, the facts it
states, and whether it asks for a human. Deterministic pattern matching, made cheap: the
words each token of a message holds are found once and remembered, and only the journeys
and labels those words announce are tried."""

from __future__ import annotations

import re
from dataclasses import dataclass

from harness.bots.journeys import JOURNEYS, LABELS, Journey

_VALUE = r"(?P<v>[^.,;!?\n]+?)(?=\s+and\s+my\b|[.,;!?](?:\s|$)|$)"


@dataclass(frozen=True, slots=True)
class _Extractor:
    words: tuple[str, ...]  # one must be in the lower-cased text for the label to be there
    labelled: re.Pattern[str]  # label then value, matched in the lower-cased text
    labelled_any_case: re.Pattern[str]  # the same, for a text that lower-casing reshapes
    bare: re.Pattern[str] | None  # a value so distinctive that it needs no label
    bare_needs: tuple[str, ...] = ()  # one of these is in any text `bare` matches (if any)


def _needs(pattern: str) -> tuple[str, ...]:
    """Strings one of which is in every text that `pattern` matches, found in its top level
    (which every match goes through): its longest run of literal characters, else a set of
    characters it starts with ("[$£€]"); () when there is none ("\\d{8}")."""
    from re import _constants as c  # type: ignore[attr-defined]  # re's own parser
    from re import _parser  # type: ignore[attr-defined]

    parsed = _parser.parse(pattern)
    if parsed.state.flags & c.SRE_FLAG_IGNORECASE:
        return ()  # a literal may match in another case
    items = list(parsed)
    runs, run = [], ""
    for op, arg in items:
        if op is c.LITERAL:
            run += chr(arg)
        else:
            runs.append(run)
            run = ""
    runs.append(run)
    if longest := max(runs, key=len):
        return (longest,)
    if items and items[0][0] is c.IN and all(op is c.LITERAL for op, _ in items[0][1]):
        return tuple(chr(arg) for _, arg in items[0][1])
    return ()


def _extractor(words: tuple[str, ...], label: str, value: str | None) -> _Extractor:
    # Matching the lower-cased text with a case-sensitive pattern lets re skip ahead to the
    # label's first letters; with IGNORECASE it tries every position, several times slower.
    captured = f"(?P<v>(?i:{value}))" if value else _VALUE
    labelled = rf"(?:{label})\s*(?:is|was|:)?\s*{captured}"
    return _Extractor(
        words,
        re.compile(labelled),
        re.compile(labelled, re.IGNORECASE),
        re.compile(value) if value else None,
        _needs(value) if value else (),
    )


_DIGIT = re.compile(r"\d")
_EXTRACT = {name: _extractor(x.words, x.pattern, x.value) for name, x in LABELS.items()}
_RANK = {name: i for i, name in enumerate(_EXTRACT)}  # facts are found in this order
_BARE = frozenset(name for name, x in _EXTRACT.items() if x.bare is not None)
_LABELS_OF: dict[str, list[str]] = {}  # the labels that each word can announce
for _name, _x in _EXTRACT.items():
    for _word in _x.words:
        _LABELS_OF.setdefault(_word, []).append(_name)


# Every word that journeys and labels look for. A word without a space lies inside one
# whitespace-separated token of a message, so the words each token holds are found once
# and remembered: messages repeat their tokens far more often than not. Phrases (with a
# space) are few and looked for in the whole text.
_LOOKED_FOR = frozenset(
    {w for j in JOURNEYS for w in j.keywords} | {w for x in _EXTRACT.values() for w in x.words}
)
_PHRASES = tuple(sorted(w for w in _LOOKED_FOR if " " in w))
_SINGLE = tuple(sorted(w for w in _LOOKED_FOR if not any(c.isspace() for c in w)))
assert len(_PHRASES) + len(_SINGLE) == len(_LOOKED_FOR), "a looked-for word holds a tab?"
# the journeys (by position) that each word can open
_JOURNEYS_OF: dict[str, list[int]] = {}
for _i, _j in enumerate(JOURNEYS):
    for _word in _j.keywords:
        _JOURNEYS_OF.setdefault(_word, []).append(_i)


class _TokenWords(dict[str, frozenset[str]]):
    """token → the single looked-for words it holds; bounded, since a live bot reads any text."""

    def __missing__(self, token: str) -> frozenset[str]:
        if len(self) >= MAX_TOKENS:
            self.clear()
        found = self[token] = frozenset(w for w in _SINGLE if w in token)
        return found


MAX_TOKENS = 1 << 16
_TOKEN_WORDS = _TokenWords()


def seen_words(lowered: str) -> set[str]:
    """The words of journeys and labels that the lower-cased text holds."""
    found: set[str] = set().union(*map(_TOKEN_WORDS.__getitem__, lowered.split()))
    found.update(p for p in _PHRASES if p in lowered)
    return found


HUMAN_WORDS = ("speak", "talk", "chat", "human", "person", "put me through", "operator")
HUMAN = re.compile(
    r"\b(speak|talk|chat) (to|with) (a |an )?(real )?(person|human|agent|someone|somebody"
    r"|advis[eo]r|representative)|\bhuman\b|real person|put me through|\boperator\b"
)


def extract(text: str, seen: set[str] | None = None) -> dict[str, str]:
    """The facts a customer message states, by label or by an unmistakable format."""
    found: dict[str, str] = {}
    lowered = text.lower()
    aligned = len(lowered) == len(text)  # each character lower-cased to one: spans carry over
    digits = _DIGIT.search(text) is not None  # every distinctive value format has a digit
    seen = seen_words(lowered) if seen is None else seen
    labelled = {name for word in seen for name in _LABELS_OF.get(word, ())}  # cheap test first
    for name in sorted(labelled | _BARE if digits else labelled, key=_RANK.__getitem__):
        x = _EXTRACT[name]
        match = None
        if name in labelled:
            match = x.labelled.search(lowered) if aligned else x.labelled_any_case.search(text)
        if match:
            found[name] = text[match.start("v") : match.end("v")].strip()
        elif (
            digits
            and x.bare is not None
            and (not x.bare_needs or any(map(text.__contains__, x.bare_needs)))
            and (match := x.bare.search(text))
        ):
            found[name] = match[0]
    if "amount" in found and not _DIGIT.search(found["amount"]):
        del found["amount"]
    return found


def find_journey(lowered: str, seen: set[str] | None = None) -> Journey | None:
    """The first journey (in JOURNEYS order) that the text matches."""
    seen = seen_words(lowered) if seen is None else seen
    candidates = sorted({i for word in seen for i in _JOURNEYS_OF.get(word, ())})
    return next((JOURNEYS[i] for i in candidates if JOURNEYS[i].pattern.search(lowered)), None)


def says(lowered: str, keywords: tuple[str, ...], pattern: re.Pattern[str]) -> bool:
    """Whether the text matches. Plain substring tests first: the patterns backtrack and
    are slow to fail, and most texts hold none of the words."""
    return any(map(lowered.__contains__, keywords)) and pattern.search(lowered) is not None
