"""The one JSON encoder for every line the harness writes: transcripts, the results log and
results.json's conversations.

Compact JSON (`,` and `:` between items, no spaces), non-ASCII text as it is, written by
orjson: a transcript's lines cost a quarter of what the standard library's encoder took.
A value orjson refuses (an integer past 64 bits, nesting deeper than 254, a key that is no
string) goes to the standard library's encoder with the same separators, so nothing the
harness could write before is refused now. A float that is not finite (a bot's `NaN`) is
written as null, as JavaScript writes it: the output is always strict JSON.
"""

from __future__ import annotations

import json
import math
from typing import Any

import orjson

_COMPACT = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def encode(value: Any) -> str:
    """`value` as one line of compact, strict JSON."""
    try:
        return orjson.dumps(value).decode()
    except orjson.JSONEncodeError:
        try:
            return _COMPACT.encode(value)
        except ValueError:  # a float that is not finite inside what orjson refused
            return _COMPACT.encode(_finite(value))


def _finite(value: Any) -> Any:
    """`value` with every float that is not finite made None, as orjson writes it."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value
