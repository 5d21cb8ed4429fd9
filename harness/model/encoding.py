"""The one JSON encoder for every line the harness writes: transcripts, the results log and
results.json's conversations.

Strict JSON (no NaN or Infinity), non-ASCII text as it is, `", "` and `": "` between items:
the bytes `json.dumps(value, ensure_ascii=False, allow_nan=False)` gives. `encode` calls
the standard library's C encoder directly: `JSONEncoder.encode` builds a new one on every
call, which cost a third of encoding a transcript event. `encode_shared` encodes a
mapping whose dict values are shared between many lines (a transcript header's scenario
and persona, the same for every conversation that plays them) encoding each such value
once.
"""

from __future__ import annotations

import json
import json.encoder
from collections.abc import Callable, Mapping
from typing import Any

_STRICT = json.JSONEncoder(ensure_ascii=False, allow_nan=False)
_MAX_SHARED = 4096


def _unencodable(value: object) -> object:
    return _STRICT.default(value)  # raises TypeError: "Object of type X is not JSON serializable"


def _made() -> Callable[[Any], str]:
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # a Python without the C accelerator
        return _STRICT.encode
    # no circular check (markers None): the harness encodes data, never a structure that
    # holds itself; the arguments are JSONEncoder's own for ensure_ascii=False, allow_nan=False
    chunks = make(None, _unencodable, json.encoder.encode_basestring, None, ": ", ", ",
                  False, False, False)  # fmt: skip

    def encode(value: Any) -> str:
        return "".join(chunks(value, 0))

    return encode


encode: Callable[[Any], str] = _made()
_key: Callable[[str], str] = json.encoder.encode_basestring
_SHARED: dict[int, tuple[object, str]] = {}  # id(value) → (value, its encoding)


def encode_shared(mapping: Mapping[str, Any]) -> str:
    """`encode(mapping)`, the same bytes, with each dict value encoded once for all the
    mappings that share it (the value object itself, which must never change once made)."""
    parts = []
    for key, value in mapping.items():
        if isinstance(value, dict):
            known = _SHARED.get(id(value))
            if known is None or known[0] is not value:
                if len(_SHARED) >= _MAX_SHARED:
                    _SHARED.clear()
                known = _SHARED[id(value)] = (value, encode(value))
            parts.append(f"{_key(key)}: {known[1]}")
        else:
            parts.append(f"{_key(key)}: {encode(value)}")
    return "{" + ", ".join(parts) + "}"
