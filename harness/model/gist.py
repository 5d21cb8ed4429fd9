"""The gist of a message: what it says with its volatile details aside.

A bot that says the same thing again often changes a detail each time: a new reference
(APL-123456), an amount, a date, the name of the agent it promises. Compared by their gist,
"I've started an appeal, reference APL-123456" said every turn with a new number is the
repeat it is. The loop check (checks.conversation) and the simulated customer's sense of
being told the same thing again (conversation.play) compare replies by this one measure.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Any word that holds a digit (a reference, an amount, a date or time, a count), without
# the punctuation that ends it: a sentence still ends where it ended.
_NUMBERED = re.compile(r"\S*\d(?:\S*\w)?")
# A capitalised word that does not begin a sentence, or that another one follows: a name
# (of a person, an agent, a product; "Sam Lee will call"), or a code in capitals. Run on
# text whose spacing is already folded. A one-word name that begins a sentence stays.
_NAMED = re.compile(r"(?<=[^.!?\s] )[A-Z][\w'-]*|\b[A-Z][\w'-]*(?= [A-Z])")


# Every ASCII digit as 0: the gist of a text is that of the same text with zeros, since a
# word with digits becomes `#` whatever they are; a bot's reply that differs from an earlier
# one in its numbers alone is then found in the cache. Done on the UTF-8 bytes, ten times
# as fast as str.translate: no byte of a character beyond ASCII is an ASCII digit.
_ZEROS = bytes.maketrans(b"123456789", b"000000000")


def zeroed(text: str) -> str:
    """`text` with each ASCII digit a 0."""
    return text.encode("utf-8", "surrogatepass").translate(_ZEROS).decode("utf-8", "surrogatepass")


def gist(text: str) -> str:
    """`text` with its volatile details (words with digits, names) replaced by `#`, its
    case and spacing folded."""
    return _gist(zeroed(text))


@lru_cache(maxsize=4096)  # a bot says its few replies over and over
def _gist(text: str) -> str:
    said = " ".join(text.split())
    return _NAMED.sub("#", _NUMBERED.sub("#", said)).lower()
