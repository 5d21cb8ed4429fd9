"""The check catalogue: named rules over a transcript, each yielding a Verdict.

A check is a pure function `(Transcript, Expectations) -> Verdict`. It reads the
transcript, never the bot, so the same check runs on a live run, a replay or an imported
production transcript. Names are stable: reports and CI key on them.
"""

from __future__ import annotations

from collections.abc import Iterable

from harness.checks import compliance, context, conversation, escalation, resolution  # noqa: F401
from harness.checks._base import REGISTERED, Check
from harness.model.scenario import Expectations
from harness.model.transcript import Transcript
from harness.model.verdict import Verdict

__all__ = ["CATALOGUE", "FAMILIES", "Check", "run_checks"]

FAMILIES = ("escalation", "context", "resolution", "conversation", "compliance")
# Catalogue order, as in DESIGN.md: by family, then in the order each module defines them.
CATALOGUE = dict(sorted(REGISTERED.items(), key=lambda item: FAMILIES.index(item[0].split(".")[0])))


def run_checks(
    transcript: Transcript, expectations: Expectations, names: Iterable[str] | None = None
) -> list[Verdict]:
    """Every check of the catalogue (or only `names`), in catalogue order."""
    wanted = set(names) if names is not None else None
    return [
        check.fn(transcript, expectations)
        for name, check in CATALOGUE.items()
        if wanted is None or name in wanted
    ]
