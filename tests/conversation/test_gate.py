"""The lexicon's gate (harness/conversation/gate.py): the words a pattern's every match must
hold, worked out from its parsed form, and a gated search that finds what a search of the
patterns' union finds, on the lexicon's own pattern lists."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.conversation import patterns
from harness.conversation.gate import Gated, folded, required

LISTS = {
    name: getattr(patterns, name)
    for name in ("HANDOFF_OFFERS", "HANDOFF_REFUSALS", "FALLBACKS", "RESOLUTION_CLAIMS",
                 "AI_DISCLOSURES", "DISCLOSURES")
}  # fmt: skip
LABELLED = sorted((Path(__file__).parents[2] / "bench" / "lexicon").glob("*.jsonl"))


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        (r"\bwe are offline\b", {"we are offline"}),
        (r"\b(we'?re|we are) (currently )?offline\b", {"offline"}),  # the longest fixed run
        (r"\b(no agents|nobody) (is |are )?available\b", {"available"}),
        (r"\b(connect|transfer)(ing)? you", {"connect", "transfer"}),  # longer than " you"
        (r"(?=\w+ed successfully)\w+", {"ed successfully"}),  # a lookahead must match too
        (r"\b(advis[eo]r|agent)s?\b", {"dvis", "gent"}),  # every branch names a word (re
        # parses the branches' common "a" apart)
        (r"\b(agent|\w+bot)\b", {"agent", "bot"}),
        (r"(?!closed)open", {"open"}),  # what must not be there requires nothing
        (r"\bé(t|d)é\b", None),  # no ASCII word to require: always tried
        (r"(agent)?\w+", None),  # an optional word requires nothing
        (r"\d+", None),
    ],
)
def test_required_words(pattern: str, words: set[str] | None) -> None:
    assert required(pattern) == (None if words is None else frozenset(words))


def test_folding_covers_every_letter_that_matches_an_ascii_one() -> None:
    everything = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)
    for char in set(re.findall("[a-z]", everything, re.IGNORECASE)):
        assert folded(char) == char.lower() if char.isascii() else folded(char).isascii()


def _corpus() -> list[str]:
    lines = [line for path in LABELLED for line in path.read_text(encoding="utf-8").splitlines()]
    texts = [json.loads(line)["text"] for line in lines if line.strip()]
    sentences = [s for t in texts for s in re.split(r"(?<=[.!?])\s+", t)]
    return texts + sentences + [t.upper() for t in texts]


@pytest.mark.parametrize("name", LISTS)
def test_a_gated_search_finds_what_the_union_finds_on_every_labelled_message(name: str) -> None:
    gated = Gated(LISTS[name])
    union = re.compile(gated.pattern, re.IGNORECASE)
    for text in _corpus():
        found = union.search(text)
        assert bool(gated.search(text)) == bool(found), text
        if found:  # the leftmost start, as the union's first match has it
            assert min(m.start() for m in gated.finditer(text)) == found.start(), text


WORDS = sorted({w for p in LISTS.values() for x in p for w in (required(x) or ())} | {
    "I", "you", "your", "we", "Sorry,", "the", "can't", "will", "now", "please", "İ", "ſ", "K",
    ".", "!", "?", "12", "😊", "agent", "OFFLINE", "Done",
})  # fmt: skip


@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=14), st.sampled_from(list(LISTS)))
def test_a_gated_search_finds_what_the_union_finds_on_any_words(
    words: list[str], name: str
) -> None:
    text = " ".join(words)
    gated = Gated(LISTS[name])
    found = re.compile(gated.pattern, re.IGNORECASE).search(text)
    assert bool(gated.search(text)) == bool(found)
