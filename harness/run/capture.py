"""A failing conversation turned into a regression scenario, and shrunk to its essence.

`capture(transcript)` builds the scenario from the transcript's header (`played`): the
scenario as played with every fact pinned to the value the customer held, the customer's
messages as scripted steps (a fact's value written back as its `{fact}` placeholder, so the
message still states it), the same expectations, and the persona. `write` writes it (and
the persona, unless a bundled one unchanged); `fails` plays it against a bot and says
whether it fails the same check; `shrink` runs delta debugging
(Zeller's ddmin, deterministic) over the scripted steps, then over the persona's traits,
keeping only what the failure needs.
"""

from __future__ import annotations

import math
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

import yaml

from harness.checks import run_checks
from harness.conversation.desk import DeskConfig
from harness.errors import ConfigError
from harness.loading import bundled_pack
from harness.model.persona import Persona
from harness.model.scenario import Scenario
from harness.model.seeds import derive_seed
from harness.model.transcript import Event, Transcript
from harness.run.execute import iter_results
from harness.run.plan import Case, RunOptions
from harness.run.replay import check_names
from harness.run.reproduce import replayable

T = TypeVar("T")
_NOT_TRAITS = frozenset({"id", "name", "description"})


@dataclass(frozen=True, slots=True)
class Capture:
    """A regression scenario, the persona that plays it and where it came from."""

    scenario: Scenario
    persona: Persona
    check: str  # the failing check it reproduces
    message: str  # what that check said in the recorded conversation
    transcript: Transcript  # the recorded conversation
    source: str  # where the transcript was read
    options: RunOptions  # as recorded: the run's seed, desk, latency; the bot it failed against
    repeat: int
    removed_traits: tuple[str, ...] = ()

    @property
    def persona_bundled(self) -> bool:
        """The persona is a bundled one, unchanged: the scenario names it, no file needed."""
        return bundled_pack().personas.get(self.persona.id) == self.persona

    def scenario_yaml(self, *, command: str) -> str:
        """The scenario file: a comment naming run, seed and check, then the scenario."""
        t = self.transcript
        comment = [
            f"Regression scenario written by `harness capture` from {self.source}:",
            f"conversation {t.conversation_id} (run seed {self.options.seed}, conversation seed "
            f"{t.seed}, repeat {self.repeat}) against bot {self.options.bot},",
            f"where check {self.check} failed: {self.message}",
            f"Play it: {command}",
        ]
        head = "".join(f"# {' '.join(line.split())}\n" for line in comment)
        data = self.scenario.model_dump(mode="json", exclude_defaults=True)
        return head + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)

    def persona_yaml(self) -> str:
        data = self.persona.model_dump(mode="json", exclude_defaults=True)
        data.setdefault("patience", self.persona.patience)  # what marks the file a persona
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def capture(transcript: Transcript, *, source: str, check: str | None = None) -> Capture:
    """The regression scenario of a recorded conversation that failed `check` (default: its
    first failing check, in catalogue order)."""
    head = transcript.played or {}
    case, options = replayable(transcript, source=source, bot=str(head.get("bot", "")))
    verdicts = check_names(options.checks)
    failed = {v.name: v for v in run_checks(transcript, case.scenario.expectations, verdicts)
              if v.verdict == "fail"}  # fmt: skip
    if check is None and not failed:
        raise ConfigError([f"{source}: conversation {transcript.conversation_id} failed no "
                           "check; nothing to capture"])  # fmt: skip
    chosen = check or next(iter(failed))
    if chosen not in failed:
        raise ConfigError([f"--check: {chosen!r} did not fail in {transcript.conversation_id}; "
                           f"failed: {', '.join(failed) or 'none'}"])  # fmt: skip
    scenario = _scenario(transcript, case.scenario, case.persona.id, case.repeat)
    return Capture(scenario, case.persona, chosen, failed[chosen].message, transcript, source,
                   options, case.repeat)  # fmt: skip


def _scenario(t: Transcript, played: Scenario, persona: str, repeat: int) -> Scenario:
    data = played.model_dump(mode="json", exclude_defaults=True)
    data.pop("repeat_contact", None)  # every contact is in the script
    data["id"] = f"{played.id}.regression-{persona}-{repeat}"
    data["title"] = f"Regression: {played.title}"
    data["personas"] = [persona]
    for name, value in t.facts.items():
        data["facts"][name]["value"] = value
    data["steps"] = _steps(t.events, played.channels[0])
    return Scenario.model_validate(data)


def _steps(events: Sequence[Event], first_channel: str) -> list[dict[str, Any]]:
    """The customer's messages as scripted steps, each on its channel and contact."""
    steps: list[dict[str, Any]] = []
    contact, last_t = 1, 0.0
    for e in events:
        if e.kind != "customer_message":
            last_t = e.t
            continue
        step: dict[str, Any] = {}
        if e.channel != first_channel:
            step["switch"] = e.channel  # on every step there, so any step may be dropped
        if e.contact != contact:
            step["return_after"] = max(1, round(e.t - last_t))
            contact = e.contact
        text = _template(e.text, e.data.get("facts", {}))
        step[_kind(e)] = text
        if e.data.get("trigger"):
            step["trigger"] = True
        steps.append(step)
        last_t = e.t
    return steps


def _kind(message: Event) -> str:
    """The step that says this message again: `leave` ends the contact after it, as the
    customer did; `accept_human` accepts a human on offer and `ask_human` asks for one (the
    checks tell the two apart); else `say`."""
    intent = message.data.get("intent")
    if intent in ("leave", "accept_human"):
        return str(intent)
    return "ask_human" if message.data.get("asks_human") else "say"


def _template(text: str, facts: dict[str, str]) -> str:
    """`text` as a step template: braces doubled, each stated fact's value as `{fact}`."""
    text = text.replace("{", "{{").replace("}", "}}")
    for name, value in sorted(facts.items(), key=lambda kv: -len(kv[1])):
        if value:
            text = text.replace(value.replace("{", "{{").replace("}", "}}"), "{" + name + "}")
    return text


def write(capture: Capture, path: Path, *, bot: str) -> list[Path]:
    """Write the scenario to `path` and, unless the persona is a bundled one unchanged, the
    persona to `personas/<id>.yaml` beside it; returns the files written, scenario first."""
    files = [path]
    if not capture.persona_bundled:
        files.append(path.parent / "personas" / f"{capture.persona.id}.yaml")
    command = shlex.join(["harness", "run", *map(str, files), "--bot", bot, *_options(capture)])
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(capture.scenario_yaml(command=command), encoding="utf-8")
        if len(files) > 1:
            files[1].parent.mkdir(parents=True, exist_ok=True)
            files[1].write_text(capture.persona_yaml(), encoding="utf-8")
    except OSError as exc:
        raise ConfigError([f"-o: cannot write {exc.filename}: {exc.strerror}"]) from None
    return files


def _options(capture: Capture) -> list[str]:
    """The `harness run` options that play the scenario as it was captured: the run's seed
    and the desk's staffing, where they differ from the defaults."""
    o, words = capture.options, []
    if o.seed:
        words += ["--seed", str(o.seed)]
    if o.desk.agents != DeskConfig().agents:
        words += ["--agents", str(o.desk.agents)]
    return words


def fails(capture: Capture, bot: str, *, timeout: float = 10.0) -> bool:
    """Whether the captured scenario, played against `bot` as `harness run` plays it with
    the recorded options (its first repeat), fails the same check."""
    scenario, persona = capture.scenario, capture.persona
    options = replace(capture.options, bot=bot, timeout=timeout, checks=(capture.check,))
    seed = derive_seed(options.seed, scenario.id, persona.id, 0)
    result = next(iter_results([Case(scenario, persona, 0, seed)], options))
    return any(v.name == capture.check and v.verdict == "fail" for v in result.checks)


def shrink(capture: Capture, bot: str, *, timeout: float = 10.0) -> Capture:
    """The capture with the fewest scripted steps, then the fewest persona traits, that
    still fail its check against `bot` (ddmin: each part it keeps is needed)."""
    steps = list(capture.scenario.steps)
    kept = ddmin(steps, lambda s: fails(_with_steps(capture, s), bot, timeout=timeout))
    shrunk = _with_steps(capture, kept)
    dump = capture.persona.model_dump(exclude_defaults=True)
    traits = [k for k in dump if k not in _NOT_TRAITS]
    minimal = ddmin(traits, lambda t: fails(_with_traits(shrunk, t), bot, timeout=timeout),
                    allow_empty=True)  # fmt: skip
    if len(minimal) == len(traits):
        return shrunk
    smaller = _with_traits(shrunk, minimal)
    return replace(smaller, removed_traits=tuple(t for t in traits if t not in minimal))


def _with_steps(capture: Capture, steps: Sequence[Any]) -> Capture:
    return replace(capture, scenario=capture.scenario.model_copy(update={"steps": list(steps)}))


def _with_traits(capture: Capture, traits: Sequence[str]) -> Capture:
    """The capture played by a persona keeping only `traits` (the rest at their defaults),
    named `<id>-shrunk`."""
    p = capture.persona
    kept = {k: getattr(p, k) for k in traits}
    persona = Persona(id=f"{p.id}-shrunk", name=p.name, description=p.description, **kept)
    scenario = capture.scenario.model_copy(update={"personas": [persona.id]})
    return replace(capture, scenario=scenario, persona=persona)


def ddmin(
    items: list[T], failing: Callable[[list[T]], bool], *, allow_empty: bool = False
) -> list[T]:
    """Zeller's delta debugging: a subset of `items` (in order) for which `failing` holds and
    from which no single part can be dropped. `failing(items)` must hold; each subset is
    tried at most once, in a fixed order, so the result is deterministic."""
    tried: dict[tuple[int, ...], bool] = {}

    def test(indices: list[int]) -> bool:
        key = tuple(indices)
        if key not in tried:
            tried[key] = failing([items[i] for i in indices])
        return tried[key]

    if allow_empty and items and test([]):
        return []
    current, n = list(range(len(items))), 2
    while len(current) >= 2:
        size = math.ceil(len(current) / n)
        parts = [current[i : i + size] for i in range(0, len(current), size)]
        reduced = next((p for p in parts if test(p)), None)
        if reduced is None and len(parts) > 2:
            complements = ([i for i in current if i not in p] for p in parts)
            reduced = next((c for c in complements if test(c)), None)
            n = max(n - 1, 2) if reduced is not None else n
        elif reduced is not None:
            n = 2
        if reduced is not None:
            current = reduced
        elif n >= len(current):
            break
        else:
            n = min(len(current), 2 * n)
    return [items[i] for i in current]
