"""The reference bots, by name: `demo:careful` and one flawed variant per defect."""

from __future__ import annotations

from harness.bots.reference import FLAWS, ReferenceBot

NAMES = ("careful", *FLAWS)

__all__ = ["NAMES", "ReferenceBot", "reference_bot"]


def reference_bot(name: str) -> ReferenceBot:
    """A fresh reference bot (no memory of earlier runs)."""
    if name not in NAMES:
        raise KeyError(name)
    return ReferenceBot(None if name == "careful" else name)
