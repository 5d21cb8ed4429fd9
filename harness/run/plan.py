"""What a run plays: its options, and every scenario × persona × repeat as a Case.

`plan()` expands a pack and the run's options into cases in a stable order; a conversation's
seed depends on the run seed, scenario, persona and repeat alone (model.seeds), so one case
rerun alone is the same conversation.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from harness.checks import CATALOGUE
from harness.conversation.desk import DeskConfig
from harness.customer.generate import generate_persona, generated_seeds, seed_of
from harness.errors import ConfigError, did_you_mean
from harness.loading import Pack, bundled_pack
from harness.model.persona import Persona
from harness.model.scenario import Scenario
from harness.model.seeds import derive_seed

MAX_CONVERSATIONS = 1_000_000  # in one run: each case is planned in memory first


@dataclass(frozen=True, slots=True)
class RunOptions:
    bot: str = "demo:careful"
    seed: int = 0
    repeat: int = 1
    scenarios: tuple[str, ...] = ()  # id patterns (fnmatch); empty: all
    personas: tuple[str, ...] = ()  # a `gen-<seed>` id not in the pack is generated
    checks: tuple[str, ...] = ()  # check name patterns; empty: the whole catalogue
    desk: DeskConfig = field(default_factory=DeskConfig)
    latency: float = 1.0  # modelled seconds per reply of an in-process bot
    timeout: float = 10.0  # seconds a network bot has to answer one message
    sla_seconds: float = 60.0
    generated: int = 0  # generated personas added to every scenario, seeds from `seed`
    concurrency: int = 1  # conversations in flight at once against a network bot
    workers: int = 1  # processes playing an in-process bot's conversations; never recorded
    baseline: Path | None = None  # a run folder: fail on regressions against it only
    customer: Path | None = None  # an endpoint file (kind openai): a model words the customer
    customer_replay: Path | None = None  # a customer cassette: its messages, with no model


@dataclass(frozen=True, slots=True)
class Case:
    scenario: Scenario
    persona: Persona
    repeat: int
    seed: int
    persona_seed: int | None = None  # a generated persona's seed: `gen-<persona_seed>`

    @property
    def conversation_id(self) -> str:
        return f"{self.scenario.id}--{self.persona.id}--{self.repeat}"


def plan(pack: Pack, options: RunOptions) -> list[Case]:
    """Every case of the run, in a stable order. A filter that matches nothing is an error.

    Generated personas (`options.generated`, and any `gen-<seed>` named in
    `options.personas` that the pack does not define) play every scenario, after the
    pack's own personas. A conversation's seed depends on the run seed, scenario, persona
    and repeat alone, so one case rerun alone is the same conversation.
    """
    if options.concurrency < 1:
        raise ConfigError([f"--concurrency expects 1 or more, got {options.concurrency}"])
    if options.workers < 1:
        raise ConfigError([f"--workers expects 1 or more, got {options.workers}"])
    generated = _generated(pack, options)
    known = {**pack.personas, **generated}
    scenarios = pick("--scenario", sorted(pack.scenarios), options.scenarios)
    personas = set(pick("--persona", sorted(known), options.personas))
    pick("--check", list(CATALOGUE), options.checks)
    players = {sid: [p for p in _players(pack.scenarios[sid], pack, generated) if p in personas]
               for sid in scenarios}  # fmt: skip
    count = options.repeat * sum(map(len, players.values()))
    if count > MAX_CONVERSATIONS:
        raise ConfigError([f"the run would play {count:,} conversations; at most "
                           f"{MAX_CONVERSATIONS:,} are played at once (fewer --repeat, "
                           "--generated, or filters)"])  # fmt: skip
    cases = []
    for sid in scenarios:
        scenario = pack.scenarios[sid]
        for pid in players[sid]:
            persona_seed = seed_of(pid) if pid in generated else None
            for r in range(options.repeat):
                seed = derive_seed(options.seed, sid, pid, r)
                cases.append(Case(scenario, known[pid], r, seed, persona_seed))
    if not cases:
        raise ConfigError(["nothing to run: no scenario × persona pair is left after the filters"])
    return cases


def _players(scenario: Scenario, pack: Pack, generated: Mapping[str, Persona]) -> list[str]:
    """Who plays `scenario`: the personas it names, else the pack's players; then the
    generated ones."""
    return [*(scenario.personas or sorted(pack.players or pack.personas)), *generated]


def _generated(pack: Pack, options: RunOptions) -> dict[str, Persona]:
    """The run's generated personas by id, in the order of their seeds."""
    if options.generated < 0:
        raise ConfigError([f"--generated expects 0 or more personas, got {options.generated}"])
    seeds = dict.fromkeys(generated_seeds(options.seed, options.generated))
    for pattern in options.personas:  # an exact gen-<seed> id asks for that persona
        seed = seed_of(pattern)
        if seed is not None and pattern not in pack.personas:
            seeds.setdefault(seed)
    personas = (generate_persona(s) for s in seeds)
    return {p.id: p for p in personas if p.id not in pack.personas}


def pick(option: str, names: list[str], patterns: Sequence[str]) -> list[str]:
    if not patterns:
        return names
    chosen = [n for n in names if any(fnmatch.fnmatchcase(n, p) for p in patterns)]
    unmatched = [p for p in patterns if not any(fnmatch.fnmatchcase(n, p) for n in names)]
    if unmatched:
        raise ConfigError(
            [f"{option}: {p!r} matches nothing; known: {', '.join(names)}" for p in unmatched]
        )
    return chosen


# -- a scenario and persona named by a caller ------------------------------------------


def scenario_given(
    given: Scenario | str | Mapping[str, Any], who: str, own: Mapping[str, Scenario] | None = None
) -> Scenario:
    """The scenario `given`: itself, one of `own` or the bundled ones by id, or one
    validated from a mapping; else a ConfigError that `who` (e.g. harness_play) reports."""
    if isinstance(given, Scenario):
        return given
    if isinstance(given, str):
        known = {**bundled_pack().scenarios, **(own or {})}
        if given not in known:
            did = did_you_mean(given, known)
            raise ConfigError([f"{who}: no scenario {given!r}{did} (the collected and the bundled "
                               "ones are known)"])  # fmt: skip
        return known[given]
    try:
        return Scenario.model_validate(dict(given))
    except ValidationError as exc:
        raise ConfigError(f"{who}: inline scenario: "
                          f"{'.'.join(map(str, e['loc'])) or '(top level)'}: {e['msg']}"
                          for e in exc.errors(include_url=False)) from None  # fmt: skip


def persona_given(given: Persona | str, known: Mapping[str, Persona], who: str) -> Persona:
    """The persona `given`: itself, one of `known` by id, or the generated `gen-<seed>`;
    else a ConfigError that `who` reports."""
    if isinstance(given, Persona):
        return given
    if given in known:
        return known[given]
    seed = seed_of(given)
    if seed is not None:  # a gen-<seed> id names the persona that seed generates
        return generate_persona(seed)
    did = did_you_mean(given, known)
    raise ConfigError([f"{who}: no persona {given!r}{did}; "
                       f"known: {', '.join(sorted(known))}, or gen-<seed>"])  # fmt: skip
