"""Hypothesis strategies for testing a bot with properties instead of examples.

    from hypothesis import given, settings
    from harness import play
    from harness.strategies import personas, scenarios

    @settings(max_examples=25)
    @given(persona=personas(), scenario=scenarios(stakes="high"))
    def test_high_stakes_customers_reach_a_human(persona, scenario):
        result = play(scenario, persona, bot="mybot:Bot", seed=0)
        assert result.verdict == "pass", result.checks

Each strategy shrinks toward the simplest case: a persona with default traits (patience
shrinks to `min_patience`), no cues, no typos, `en_US`; the first scenario by id. A failing
`play()` notes the `harness run` command that replays the conversation.
"""

from __future__ import annotations

import random
import re
from collections.abc import Collection
from typing import Any, Literal, get_args

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from harness.customer.facts import LOCALES, make_ledger
from harness.customer.generate import CUES
from harness.loading import Pack
from harness.model.persona import Persona
from harness.model.scenario import Scenario, Stakes
from harness.run import bundled_pack

__all__ = ["personas", "scenarios", "utterances"]

AsksForHuman = Literal["at_once", "when_stuck", "never"]
Verbosity = Literal["terse", "normal", "verbose"]
_LOCALE = re.compile(r"^[a-z]{2}_[A-Z]{2}$")


def _choices(name: str, value: str | Collection[str] | None, allowed: tuple[str, ...]) -> list[str]:
    """`value` as a list of allowed choices, the simplest (first in `allowed`) first."""
    if value is None:
        return list(allowed)
    wanted = [value] if isinstance(value, str) else list(value)
    bad = [v for v in wanted if v not in allowed]
    if bad or not wanted:
        raise InvalidArgument(
            f"{name}={value!r}: expects one of {', '.join(map(repr, allowed))} "
            "(or a collection of them, or None for any)"
        )
    return [a for a in allowed if a in wanted]


def _bools(name: str, value: bool | None) -> st.SearchStrategy[bool]:
    if value is None:
        return st.booleans()
    if not isinstance(value, bool):
        raise InvalidArgument(f"{name}={value!r}: expects True, False or None for either")
    return st.just(value)


def _steps(
    name: str, lo: float, hi: float, step: float, bounds: tuple[float, float], simplest: float
) -> st.SearchStrategy[float]:
    """Values from lo to hi in `step`s (readable in a falsifying example), shrinking to
    `simplest` when it is in range, else to `lo`."""
    if not bounds[0] <= lo <= hi <= bounds[1]:
        raise InvalidArgument(
            f"min_{name}={lo!r}, max_{name}={hi!r}: expects "
            f"{bounds[0]} ≤ min_{name} ≤ max_{name} ≤ {bounds[1]}"
        )
    scale = round(1 / step)
    values = st.integers(round(lo * scale), round(hi * scale)).map(lambda n: n / scale)
    return st.just(simplest) | values if lo <= simplest <= hi else values


def personas(
    *,
    min_patience: int = 0,
    max_patience: int = 10,
    asks_for_human: AsksForHuman | Collection[AsksForHuman] | None = None,
    verbosity: Verbosity | Collection[Verbosity] | None = None,
    volunteers_facts: bool | None = None,
    vulnerable: bool | None = None,
    locales: Collection[str] | None = None,
    min_typo_rate: float = 0.0,
    max_typo_rate: float = 0.0,
    min_think_seconds: float = 0.0,
    max_think_seconds: float = 30.0,
    min_typing_cps: float = 1.0,
    max_typing_cps: float = 10.0,
) -> st.SearchStrategy[Persona]:
    """Personas whose traits lie in the given ranges; None means any value of that trait.

    Shrinks toward the simplest customer: patience `min_patience`, asks for a human when
    stuck, normal verbosity, volunteers nothing, not vulnerable, no cues, the first of
    `locales` (en_US by default), 5 s think time, 4 characters a second, no typos.
    Typos are off unless `max_typo_rate` is raised (the persona field allows up to 0.3).
    """
    if not (isinstance(min_patience, int) and isinstance(max_patience, int)) or not (
        0 <= min_patience <= max_patience <= 10
    ):
        raise InvalidArgument(
            f"min_patience={min_patience!r}, max_patience={max_patience!r}: expects whole "
            "numbers with 0 ≤ min_patience ≤ max_patience ≤ 10"
        )
    chosen_locales = _locales(locales)
    return st.builds(
        Persona,
        id=st.just("drawn"),
        name=st.just("Drawn customer"),
        patience=st.integers(min_patience, max_patience),
        asks_for_human=st.sampled_from(
            _choices("asks_for_human", asks_for_human, ("when_stuck", "at_once", "never"))
        ),
        verbosity=st.sampled_from(_choices("verbosity", verbosity, ("normal", "terse", "verbose"))),
        volunteers_facts=_bools("volunteers_facts", volunteers_facts),
        vulnerable=_bools("vulnerable", vulnerable),
        cues=st.lists(st.sampled_from(CUES), max_size=2, unique=True),
        locale=st.sampled_from(chosen_locales),
        think_seconds=_steps(
            "think_seconds", min_think_seconds, max_think_seconds, 0.5, (0, 3600), 5.0
        ),
        typing_cps=_steps("typing_cps", min_typing_cps, max_typing_cps, 0.5, (0.5, 100), 4.0),
        typo_rate=_steps("typo_rate", min_typo_rate, max_typo_rate, 0.01, (0, 0.3), 0.0),
    )


def _locales(locales: Collection[str] | None) -> list[str]:
    if locales is None:
        return ["en_US", *(loc for loc in LOCALES if loc != "en_US")]
    chosen = [locales] if isinstance(locales, str) else list(locales)
    bad = [loc for loc in chosen if not isinstance(loc, str) or not _LOCALE.match(loc)]
    if bad or not chosen:
        raise InvalidArgument(
            f"locales={locales!r}: expects a non-empty collection of locales such as "
            f"{list(LOCALES)!r}, or None for all of those"
        )
    return chosen


def scenarios(
    *,
    stakes: Stakes | None = None,
    domain: str | Collection[str] | None = None,
    pack: Pack | None = None,
) -> st.SearchStrategy[Scenario]:
    """Scenarios of `pack` (default: the bundled pack), optionally only of one `stakes`
    and of the given domain(s). Shrinks toward the first matching scenario by id, and
    shows in a falsifying example as `scenario('<id>')`."""
    source = pack if pack is not None else bundled_pack()
    if stakes is not None and stakes not in get_args(Stakes):
        raise InvalidArgument(f"stakes={stakes!r}: expects 'high', 'low' or None for either")
    domains = None if domain is None else ({domain} if isinstance(domain, str) else set(domain))
    ids = sorted(
        s.id
        for s in source.scenarios.values()
        if (stakes is None or s.stakes == stakes) and (domains is None or s.domain in domains)
    )
    if not ids:
        known = sorted({s.domain for s in source.scenarios.values()})
        raise InvalidArgument(
            f"scenarios(stakes={stakes!r}, domain={domain!r}) matches no scenario in the pack; "
            f"its domains: {', '.join(known) or 'none'}"
        )

    def scenario(id: str) -> Scenario:  # its name is what a falsifying example shows
        return source.scenarios[id]

    return st.builds(scenario, st.sampled_from(ids))


def utterances(
    scenario: Scenario | None = None, *, locales: Collection[str] | None = None
) -> st.SearchStrategy[str]:
    """What a customer says to open `scenario` (default: any bundled one): one of its goal
    utterances, filled in with facts generated for one of `locales`."""
    chosen = _locales(locales)
    source = st.just(scenario) if scenario is not None else scenarios()
    return st.builds(_utterance, source, st.sampled_from(chosen), st.integers(0, 2**32 - 1))


def _utterance(scenario: Scenario, locale: str, seed: int) -> str:
    rng = random.Random(seed)
    facts: dict[str, Any] = make_ledger(scenario, rng, locale)
    template = scenario.goal.utterances[rng.randrange(len(scenario.goal.utterances))]
    return template.format(**facts)
