"""The seed rule: every random choice flows from one integer seed.

A conversation's seed is derived from the run's seed and the conversation's coordinates
(scenario, persona, repeat) with a stable hash, never Python's `hash()`, so the same run
seed gives the same transcripts on every machine and in every Python process, and one
case rerun alone is the same conversation. Pools of generated values and generated
personas derive their seeds the same way.
"""

from __future__ import annotations

import hashlib


def derive_seed(*parts: object) -> int:
    """A stable 63-bit seed from any parts (run seed, scenario id, persona id, repeat…)."""
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1
