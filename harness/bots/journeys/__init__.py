"""What the reference bots know: journeys (what a customer can come for) and fact labels.

One module per domain, so that a new scenario's journey is added beside its kin. Each
module defines `JOURNEYS` (a tuple of `Journey`) and `LABELS` (fact name → `Label`). A
customer's message is matched against the journeys in order: every high-stakes journey
before any routine one, so that a customer in trouble who also mentions a routine matter
reaches the help for the trouble.
"""

from __future__ import annotations

from harness.bots.journeys import banking, insurance, public, retail, utilities
from harness.bots.journeys.journey import Journey, Label, journey

__all__ = ["JOURNEYS", "LABELS", "Journey", "Label", "journey"]


def _collect() -> tuple[tuple[Journey, ...], dict[str, Label]]:
    journeys: list[Journey] = []
    labels: dict[str, Label] = {}
    for module in (banking, insurance, utilities, public, retail):
        journeys.extend(module.JOURNEYS)
        for name, label in module.LABELS.items():
            if labels.setdefault(name, label) != label:
                raise ValueError(f"{module.__name__}: label {name!r} differs from another domain's")
    intents = [j.intent for j in journeys]
    if len(set(intents)) != len(intents):
        raise ValueError(f"journey intents repeat: {intents}")
    journeys.sort(key=lambda j: not j.high_stakes)  # stable: the order within stays
    return tuple(journeys), labels


JOURNEYS, LABELS = _collect()
