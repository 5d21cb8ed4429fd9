"""The one JSON encoder: every value the harness writes comes back as it went in, on one line."""

from __future__ import annotations

import json
import math
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from harness.model.encoding import encode

_LEAVES = st.none() | st.booleans() | st.integers() | st.text()
_LEAVES |= st.floats(allow_nan=False, allow_infinity=False)
JSONISH = st.recursive(
    _LEAVES,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(JSONISH)
def test_every_value_comes_back_on_one_line(value: Any) -> None:
    line = encode(value)
    assert "\n" not in line and "\r" not in line  # a transcript is one event a line
    assert json.loads(line) == value


def test_a_float_that_is_not_finite_is_written_as_null() -> None:
    raw = {"score": math.nan, "limits": [math.inf, -math.inf, 1.5]}
    assert json.loads(encode(raw)) == {"score": None, "limits": [None, None, 1.5]}
    # also where the fast encoder gives way to the standard library's
    big = {"id": 2**70, "score": math.nan}
    assert json.loads(encode(big)) == {"id": 2**70, "score": None}


def test_what_the_fast_encoder_refuses_is_still_written() -> None:
    deep: Any = "leaf"
    for _ in range(400):  # deeper than orjson's limit of 254, as a bot's raw reply may be
        deep = [deep]
    for value in (deep, {"n": 2**80}, {"n": -(2**64)}):
        assert json.loads(encode(value)) == value
    assert json.loads(encode({1: "a key that is no string"})) == {"1": "a key that is no string"}


def test_text_is_written_as_it_is() -> None:
    text = "Grüße — 你好 👋 \u2028 line separator kept"
    assert encode({"text": text}) == '{"text":"' + text + '"}'
