"""How to play a conversation again: the shell command, and the note a failure carries."""

from __future__ import annotations

import shlex
from collections.abc import Sequence

import yaml

from harness.customer.generate import generate_persona, seed_of
from harness.loading import bundled_pack
from harness.model.persona import Persona
from harness.model.scenario import Scenario


def rerun_command(
    paths: Sequence[str], *, bot: str, seed: int, scenario: str, persona: str, repeat: int = 0
) -> str:
    """The shell command that replays one scenario × persona (from repeat `repeat`, 0-based)
    with the files in `paths`; every word quoted as the shell needs."""
    words = ["harness", "run", *paths, "--bot", bot, "--seed", str(seed)]
    if repeat:
        words += ["--repeat", str(repeat + 1)]
    return shlex.join([*words, "--scenario", scenario, "--persona", persona])


def reproduce(scenario: Scenario, persona: Persona, *, bot: str, seed: int, repeat: int = 0) -> str:
    """The `harness run` command that replays this conversation; with the persona's YAML
    when the command line cannot find the persona by its id."""
    bundled = bundled_pack()
    paths = [] if bundled.scenarios.get(scenario.id) == scenario else [f"<{scenario.id}.yaml>"]
    persona_seed = seed_of(persona.id)
    known = bundled.personas.get(persona.id) == persona or (
        persona_seed is not None and generate_persona(persona_seed) == persona
    )
    if not known:
        paths.append(f"{persona.id}.yaml")
    command = rerun_command(paths, bot=bot, seed=seed, scenario=scenario.id,
                            persona=persona.id, repeat=repeat)  # fmt: skip
    if known:
        return f"Reproduce with: {command}"
    body = yaml.safe_dump(persona.model_dump(exclude_defaults=True), sort_keys=False,
                          allow_unicode=True)  # fmt: skip
    return f"Reproduce: save this as {persona.id}.yaml\n{body.rstrip()}\nthen run: {command}"
