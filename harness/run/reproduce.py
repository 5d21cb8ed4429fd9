"""How to play a conversation again: the shell commands, the note a failure carries, and
what a transcript's header holds so that the transcript alone plays it again.

`played(case, options)` is written into every transcript's header; `replayable(transcript)`
reads it back as the case and options that play the same customer again (same scenario as
played, persona, facts, seed and repeat). `replay_command` is the `harness replay` line
every failing conversation carries; `rerun_command` the `harness run` line that plays one
scenario × persona again from its files.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from harness.conversation.desk import DeskConfig
from harness.customer.generate import generate_persona, seed_of
from harness.errors import ConfigError
from harness.loading import bundled_pack
from harness.model.persona import Persona
from harness.model.scenario import Scenario
from harness.model.transcript import Transcript
from harness.run.plan import Case, RunOptions

_DUMPS: dict[int, tuple[BaseModel, dict[str, Any]]] = {}  # id(model) → (model, its dump)
_MAX_DUMPS = 4096


def rerun_command(
    paths: Sequence[str], *, bot: str, seed: int, scenario: str, persona: str, repeat: int = 0
) -> str:
    """The shell command that replays one scenario × persona (from repeat `repeat`, 0-based)
    with the files in `paths`; every word quoted as the shell needs."""
    words = ["harness", "run", *paths, "--bot", bot, "--seed", str(seed)]
    if repeat:
        words += ["--repeat", str(repeat + 1)]
    return shlex.join([*words, "--scenario", scenario, "--persona", persona])


def replay_command(run_dir: str, conversation_id: str, *, bot: str) -> str:
    """The shell command that plays one conversation of the run in `run_dir` again against
    `bot` (its transcript holds everything else); every word quoted as the shell needs."""
    return shlex.join(["harness", "replay", run_dir, conversation_id, "--bot", bot])


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


# -- the transcript header -------------------------------------------------------------------


def played(case: Case, options: RunOptions) -> dict[str, Any]:
    """What plays `case` again, for its transcript's header: the bot it was played against,
    the run's seed, the repeat, the checks asked for, the desk, the modelled latency, and
    the scenario and persona as played."""
    return {
        "bot": options.bot,
        "run_seed": options.seed,
        "repeat": case.repeat,
        "persona_seed": case.persona_seed,
        "checks": list(options.checks),
        "desk": _dumped(options.desk),
        "latency": options.latency,
        "scenario": _dumped(case.scenario),
        "persona": _dumped(case.persona),
    }


def _dumped(model: BaseModel) -> dict[str, Any]:
    """The model as JSON data, made once per model object (a run plays each scenario and
    persona many times; the dump is shared, never changed)."""
    known = _DUMPS.get(id(model))
    if known is not None and known[0] is model:
        return known[1]
    if len(_DUMPS) >= _MAX_DUMPS:
        _DUMPS.clear()
    dump = model.model_dump(mode="json", exclude_defaults=True)
    _DUMPS[id(model)] = (model, dump)
    return dump


def replayable(transcript: Transcript, *, source: str, bot: str) -> tuple[Case, RunOptions]:
    """The case and options that play the customer of `transcript` again against `bot`.

    `source` names the transcript in errors. A transcript without a `played` header (written
    by an older harness, or imported) cannot be played again: a ConfigError says so."""
    head = transcript.played
    if head is None:
        raise ConfigError([f"{source}: the transcript's header has no 'played' entry, so it "
                           "cannot be played again (it was written by an older harness or "
                           "imported); rerun its scenario with `harness run`"])  # fmt: skip
    try:
        scenario = Scenario.model_validate(head["scenario"])
        persona = Persona.model_validate(head["persona"])
        desk = DeskConfig.model_validate(head["desk"])
        case = Case(scenario, persona, int(head["repeat"]), transcript.seed, head["persona_seed"])
        options = RunOptions(bot=bot, seed=int(head["run_seed"]), checks=tuple(head["checks"]),
                             desk=desk, latency=float(head["latency"]))  # fmt: skip
    except (KeyError, TypeError, ValueError, ValidationError) as exc:
        raise ConfigError([f"{source}: the transcript's 'played' header is damaged: "
                           f"{str(exc).splitlines()[0]}"]) from None  # fmt: skip
    return case, options
