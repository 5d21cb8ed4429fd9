"""The harness judges a bot it did not write as well as its own (issue 16): over 20 run seeds
the second bot's careful variant fails no check, and every seeded defect is caught by a check
of its family in at least 95% of the conversations it changes.

One test, so that the measure (about 40 s of CPU) is taken once even under xdist; its
message lists every shortfall. `python bench/bench_fidelity.py` prints the same figures with
the misses.

One defect is short of the bar today (README, "Fidelity"): in the conversations it misses,
the slowpoke's stalls kept the handoff within the `within_turns` the scenario allows (its
careful twin hands off sooner than the reference bot, so the same three stalls fit the
allowance). The harness rightly passes those by the scenario's terms; the test holds the
measured figure as a floor, so that the harness does not get worse while the bar stays open."""

from __future__ import annotations

from collections import Counter

from harness import Pack, RunOptions, plan

from .measure import measure

SEEDS = 20
BAR = 0.95
# Measured over 20 seeds: slowpoke 90.6% (4,330 of 4,780).
FLOORS = {"slowpoke": 0.90}


def test_careful_passes_the_pack_and_every_defect_is_caught_where_it_changes_things(
    pack: Pack,
) -> None:
    fidelity = measure(pack, SEEDS)
    assert fidelity.conversations == SEEDS * len(plan(pack, RunOptions()))
    shortfalls = []
    if fidelity.false_failures:
        checks = Counter(c for _, failed in fidelity.false_failures for c in failed)
        shortfalls.append(f"careful: {len(fidelity.false_failures)} false failures {dict(checks)}")
    for defect, figures in fidelity.defects.items():
        if figures.changed == 0:
            shortfalls.append(f"{defect}: never changed a conversation, nothing measured")
        elif figures.share < FLOORS.get(defect, BAR):
            where = Counter(cid.split("--")[0] for (cid, _), _ in figures.missed)
            shortfalls.append(f"{defect}: {figures.caught} of {figures.changed} caught "
                              f"({figures.share:.1%}); missed in {dict(where)}")  # fmt: skip
    assert shortfalls == [], "\n".join([fidelity.summary(), *shortfalls])
