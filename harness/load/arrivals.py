"""Who arrives when in a load run: the rate (`120/h`), a day's profile, the weighted draw.

Arrivals are a Poisson process: at a fixed `--rate`, or following a profile (profile.yaml:
the rate per block of the day, with optional ramps between blocks), drawn by thinning a
process at the profile's peak rate. Which scenario arrives is drawn by the scenarios'
`weight:`, then which persona plays it by the personas' `weight:` (default 1 each).
"""

from __future__ import annotations

import bisect
import itertools
import random
import re
from collections.abc import Iterator, Sequence
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from harness.conversation.shared_desk import DAY
from harness.errors import ConfigError
from harness.loading import Pack
from harness.model.durations import Duration
from harness.model.persona import Persona
from harness.model.scenario import Scenario

_PER = {"s": 1.0, "min": 60.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_RATE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*/\s*(s|min|m|h|d)\s*$")
RATE_HELP = "a rate such as '120/h', '2/min' or '0.5/s'"


def parse_rate(value: object) -> float:
    """Arrivals per second from '120/h', '2/min', '0.5/s' (or a bare number: per second)."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return float(value)
    match = _RATE.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"expects {RATE_HELP}, got {value!r}")
    return float(match[1]) / _PER[match[2]]


Rate = Annotated[float, BeforeValidator(parse_rate)]


class Block(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    at: Duration = Field(description="when the block starts, from midnight, e.g. '8h'")
    rate: Rate = Field(description="arrivals from then on, e.g. '120/h'")
    ramp: Duration = Field(
        0.0, description="the rate moves in a straight line from the block before's over this "
        "long from `at` (0: a step)"
    )  # fmt: skip


class Profile(BaseModel):
    """profile.yaml: a day's arrival curve, repeated every day of the run."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    blocks: list[Block] = Field(min_length=1, description="the first starts at 0h")

    @model_validator(mode="after")
    def _in_order(self) -> Profile:
        starts = [b.at for b in self.blocks]
        if starts[0] != 0 or starts != sorted(set(starts)) or starts[-1] >= DAY:
            raise ValueError("blocks start at 0h and go up within one day, e.g. 0h, 8h, 18h")
        if not any(b.rate > 0 for b in self.blocks):
            raise ValueError("every block's rate is 0: nobody would arrive")
        return self

    def rate_at(self, t: float) -> float:
        day = t % DAY
        k = bisect.bisect_right([b.at for b in self.blocks], day) - 1
        block = self.blocks[k]
        if block.ramp > 0 and day < block.at + block.ramp:
            before = self.blocks[k - 1].rate  # for the first block, the day before's last
            return before + (block.rate - before) * (day - block.at) / block.ramp
        return block.rate

    @property
    def peak(self) -> float:
        return max(b.rate for b in self.blocks)


def arrival_times(
    rng: random.Random, rate: float | Profile, *, until: float | None, count: int | None
) -> Iterator[float]:
    """Arrival times in seconds: a Poisson process, until `until` or `count` arrivals."""
    peak = rate.peak if isinstance(rate, Profile) else rate
    t = 0.0
    for _ in range(count) if count is not None else itertools.count():
        while True:
            t += rng.expovariate(peak)
            if not isinstance(rate, Profile) or rng.random() * peak < rate.rate_at(t):
                break  # thinning: kept with probability rate(t) / peak
        if until is not None and t >= until:
            return
        yield t


class Mix:
    """The weighted draw of who arrives: a scenario by its weight, then one of its personas."""

    def __init__(self, pack: Pack) -> None:
        self.scenarios = sorted(pack.scenarios.values(), key=lambda s: s.id)
        self._scenario_weights = _cumulative(self.scenarios)
        self.personas: list[list[Persona]] = []
        for s in self.scenarios:
            ids = s.personas or sorted(pack.personas)
            missing = [p for p in ids if p not in pack.personas]
            if missing:
                raise ConfigError([f"{s.id}: persona {missing[0]!r} is not in the pack"])
            self.personas.append([pack.personas[p] for p in ids])
        if not all(self.personas):
            raise ConfigError(["nothing to run: no persona to play the scenarios"])
        self._persona_weights = [_cumulative(ps) for ps in self.personas]

    def draw(self, rng: random.Random) -> tuple[Scenario, Persona]:
        i = _pick(self._scenario_weights, rng)
        return self.scenarios[i], self.personas[i][_pick(self._persona_weights[i], rng)]


def _cumulative(items: Sequence[Scenario] | Sequence[Persona]) -> list[float]:
    return list(itertools.accumulate(item.weight for item in items))


def _pick(cumulative: list[float], rng: random.Random) -> int:
    return bisect.bisect_right(cumulative, rng.random() * cumulative[-1])
