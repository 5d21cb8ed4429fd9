"""Generated personas: a crowd of customers drawn from trait distributions, one per seed.

`generate_persona(seed)` always gives the same Persona for the same seed, on every machine,
and names it `gen-<seed>`; so a generated persona in a report is rerun alone from its id
(`harness run --persona gen-<seed>`). `generated_seeds(run_seed, n)` picks the run's N
persona seeds from the run seed alone: the same crowd meets every scenario.

The distributions are a plausible contact-centre crowd, not a uniform grid: most customers
are moderately patient and ask for a human when stuck; a fifth are vulnerable; typos are
light (a customer who mistypes one word in twelve is already a hard case).
"""

from __future__ import annotations

import random
import re

from harness.customer.facts import LOCALES, pooled
from harness.model.persona import Persona
from harness.model.seeds import derive_seed

PREFIX = "gen-"
MAX_SEED = 10**6  # seeds stay short enough to read out and type: gen-0 … gen-999999
MAX_TYPO_RATE = 0.08

CUES = (
    "I'm really worried about this.",
    "This is ridiculous.",
    "I've been trying to sort this out for weeks.",
    "I'm not very good with computers.",
    "Please help, I don't know what to do.",
    "I'm in a hurry.",
)

_ID = re.compile(rf"^{PREFIX}(\d+)$")


def persona_id(seed: int) -> str:
    return f"{PREFIX}{seed}"


def seed_of(persona_id: str) -> int | None:
    """The seed of a generated persona's id (`gen-1234` → 1234); None for any other id."""
    match = _ID.match(persona_id)
    return int(match[1]) if match and int(match[1]) < MAX_SEED else None


def generated_seeds(run_seed: int, n: int) -> list[int]:
    """N distinct persona seeds, derived from the run's seed alone."""
    seeds: dict[int, None] = {}  # insertion-ordered, with O(1) membership
    i = 0
    while len(seeds) < n:
        seeds.setdefault(derive_seed("generated-persona", run_seed, i) % MAX_SEED)
        i += 1
    return list(seeds)


def generate_persona(seed: int) -> Persona:
    """The persona of `seed` (0 ≤ seed < 1 000 000), with id `gen-<seed>`."""
    if not 0 <= seed < MAX_SEED:
        raise ValueError(f"a generated persona's seed is 0–{MAX_SEED - 1}, got {seed}")
    rng = random.Random(derive_seed("persona", seed))
    patience = min(10, max(0, round(rng.gauss(5, 2.5))))
    asks = rng.choices(["at_once", "when_stuck", "never"], weights=[2, 6, 2])[0]
    verbosity = rng.choices(["terse", "normal", "verbose"], weights=[1, 2, 1])[0]
    vulnerable = rng.random() < 0.2
    cues = rng.sample(CUES, k=1) if rng.random() < (0.7 if vulnerable else 0.2) else []
    volunteers = rng.random() < 0.3
    typo_rate = 0.0 if rng.random() < 0.5 else round(rng.uniform(0.01, MAX_TYPO_RATE), 3)
    think = round(min(30.0, rng.lognormvariate(1.7, 0.5)), 1)  # median about 5.5 s
    cps = round(rng.uniform(1.5, 8.0), 1)
    locale = rng.choice(LOCALES)
    traits = [
        f"patience {patience}",
        f"asks for a human {asks.replace('_', ' ')}",
        verbosity,
        *(["volunteers facts"] if volunteers else []),
        *(["vulnerable"] if vulnerable else []),
        *([f"typo rate {typo_rate}"] if typo_rate else []),
        locale,
    ]
    return Persona(
        id=persona_id(seed),
        name=pooled("name", locale, rng),
        description=f"Generated from seed {seed}: {', '.join(traits)}.",
        patience=patience,
        asks_for_human=asks,
        volunteers_facts=volunteers,
        verbosity=verbosity,
        vulnerable=vulnerable,
        cues=cues,
        typo_rate=typo_rate,
        think_seconds=think,
        typing_cps=cps,
        locale=locale,
    )
