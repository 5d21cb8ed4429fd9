"""The harness judges a bot it did not write as well as its own (issue 16): over 20 run seeds
the second bot's careful variant fails no check, and every seeded defect is caught by a check
of its family in at least 95% of the conversations it changes."""

from __future__ import annotations

import pytest

from harness import Pack, RunOptions, plan

from .measure import Fidelity, measure
from .second_bot import DEFECTS

SEEDS = 20
BAR = 0.95


@pytest.fixture(scope="module")
def fidelity(pack: Pack) -> Fidelity:
    return measure(pack, SEEDS)


def test_the_careful_second_bot_passes_the_whole_pack(pack: Pack, fidelity: Fidelity) -> None:
    assert fidelity.conversations == SEEDS * len(plan(pack, RunOptions()))
    assert fidelity.false_failures == []


@pytest.mark.parametrize("defect", DEFECTS)
def test_each_defect_is_caught_where_it_changes_the_conversation(
    fidelity: Fidelity, defect: str
) -> None:
    figures = fidelity.defects[defect]
    assert figures.changed > 0, f"{defect} never changed a conversation: nothing was measured"
    assert figures.share >= BAR, (
        f"{defect}: {figures.caught} of {figures.changed} caught; missed {figures.missed[:10]}"
    )
