"""Loading scenarios and personas from YAML, with errors a person can act on.

YAML is read with the safe loader only. Each file is composed to a node tree first so that
every field keeps its line; then the model validates it and each problem is reported as
`file:line: field: what is wrong, got <value>` with the allowed values and a "did you
mean" where one fits. Every problem in every file is reported at once, as a ConfigError.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel

from harness.errors import ConfigError, did_you_mean
from harness.loading.explain import validate
from harness.loading.reading import Lines, dotted, read, text_of, too_much
from harness.model.persona import Persona
from harness.model.scenario import Scenario, reference_problems

YAML_SUFFIXES = (".yaml", ".yml")
Loc = tuple[str | int, ...]
ModelT = TypeVar("ModelT", bound=BaseModel)


@dataclass(slots=True)
class Pack:
    """Scenarios and personas by id, with the file each came from."""

    scenarios: dict[str, Scenario] = field(default_factory=dict)
    personas: dict[str, Persona] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)  # "scenario:id" / "persona:id" → file
    # who plays a scenario that names no personas: these ids, or (None) every persona
    players: frozenset[str] | None = None


def bundled_dir(kind: str) -> Path:
    """The bundled `scenarios` or `personas` folder: inside the wheel, or in a source checkout."""
    here = Path(__file__).resolve().parent.parent  # the harness package
    for candidate in (here / "_packs" / kind, here.parent / kind):
        if candidate.is_dir():
            return candidate
    raise ConfigError([f"the bundled {kind}/ folder is missing from this installation"])


@cache
def bundled_pack() -> Pack:
    """The bundled personas and scenarios, loaded once."""
    return load_pack([bundled_dir("personas"), bundled_dir("scenarios")])


def pack_for(paths: Sequence[Path], *, with_bundled: bool = False) -> Pack:
    """The bundled personas, plus the given files; with no paths, the bundled pack.

    Paths that hold personas only play them against the bundled scenarios. Given personas
    play the scenarios that name none, instead of the bundled ones (`with_bundled`: beside).
    Paths that hold no YAML file at all are a ConfigError: there is nothing to run.
    """
    if not paths:
        return bundled_pack()
    if not yaml_files(paths):
        shown = ", ".join(map(str, paths))
        raise ConfigError([f"{shown}: no scenario or persona files (.yaml, .yml); nothing to run"])
    pack = personas_with(paths, with_bundled=with_bundled)
    if not pack.scenarios:
        pack = load_pack([bundled_dir("scenarios")], base=pack)
    return pack


def yaml_files(paths: Iterable[Path]) -> list[Path]:
    """The YAML files in `paths` (files, or folders searched below), regular files only: a
    FIFO or a device would block or never end."""
    found: list[Path] = []
    problems = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*")
                                if p.suffix in YAML_SUFFIXES and p.is_file()))  # fmt: skip
        elif path.is_file():
            found.append(path)
        elif path.exists():
            problems.append(f"{path}: not a regular file or a folder")
        else:
            problems.append(f"{path}: no such file or folder")
    if problems:
        raise ConfigError(problems)
    return found


def kind_of(path: Path, data: Any) -> str:
    """'persona' for files under a personas/ folder, 'scenario' under scenarios/; elsewhere
    by content: a persona has no goal and more keys of a persona than of a scenario."""
    if "personas" in path.parts:
        return "persona"
    if "scenarios" in path.parts:
        return "scenario"
    if not isinstance(data, dict) or "goal" in data:
        return "scenario"
    keys = set(data)
    persona_keys = len(keys & set(Persona.model_fields)) - len(keys & {"id"})
    scenario_keys = len(keys & set(Scenario.model_fields)) - len(keys & {"id"})
    return "persona" if persona_keys > scenario_keys else "scenario"


_TOP_LEVEL_GOAL = re.compile(r"^goal\s*:", re.MULTILINE)


def is_scenario_file(path: Path) -> bool:
    """Whether a YAML file is a harness scenario: under a `scenarios/` folder, or a mapping
    that this module reads as a scenario and that has an `id` and a `goal`. A file that
    does not parse counts when it has a top-level `goal:`, so its error is reported."""
    if "personas" in path.parts:
        return False
    if "scenarios" in path.parts:
        return True
    try:
        text = text_of(path)
        data = None if too_much(text) else yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, ValueError):
        return False
    except yaml.YAMLError:
        return bool(_TOP_LEVEL_GOAL.search(text))
    return (isinstance(data, dict) and kind_of(path, data) == "scenario"
            and "id" in data and "goal" in data)  # fmt: skip


def load_pack(paths: Sequence[Path], *, base: Pack | None = None) -> Pack:
    """Load every YAML file under `paths` (files or folders) on top of `base`."""
    pack = (Pack(dict(base.scenarios), dict(base.personas), dict(base.files), base.players)
            if base else Pack())  # fmt: skip
    problems: list[tuple[str, int, str]] = []
    refs: list[tuple[list[str], Path, Lines]] = []  # the personas each scenario names
    for path in yaml_files(paths):
        data, lines, errors = read(path)
        problems.extend(errors)
        if data is None:  # unreadable, or not a mapping: nothing to validate
            continue
        kind = kind_of(path, data)
        model: type[BaseModel] = Persona if kind == "persona" else Scenario
        item = validate(model, path, data, lines, problems)
        if model is Scenario:  # in the same pass as the file's other mistakes
            problems.extend((str(path), lines.line(loc), f"{dotted(loc)}: {msg}")
                            for loc, msg in reference_problems(data))  # fmt: skip
            named = data.get("personas")
            refs.append(([n for n in named if isinstance(n, str)] if isinstance(named, list)
                         else [], path, lines))  # fmt: skip
        if item is None:
            continue
        key = f"{kind}:{item.id}"  # type: ignore[attr-defined]
        if key in pack.files and pack.files[key] != path:
            problems.append((str(path), lines.line(("id",)),
                             f"id: {kind} {item.id!r} is already defined in "  # type: ignore[attr-defined]
                             f"{pack.files[key]}"))  # fmt: skip
            continue
        pack.files[key] = path
        if isinstance(item, Scenario):
            pack.scenarios[item.id] = item
        else:
            assert isinstance(item, Persona)
            pack.personas[item.id] = item
    for names, path, lines in refs:
        for i, name in enumerate(names):
            if name not in pack.personas:
                hint = did_you_mean(name, pack.personas) or (
                    f"; personas: {', '.join(sorted(pack.personas))}" if pack.personas else ""
                )
                problems.append((str(path), lines.line(("personas", i)),
                                 f"personas[{i}]: no persona {name!r}{hint}"))  # fmt: skip
    if problems:
        raise ConfigError(f"{file}:{line}: {message}" for file, line, message in sorted(problems))
    return pack


def load_file(model: type[ModelT], path: Path) -> ModelT:
    """One YAML file validated as `model`; every problem a `file:line: field: …` ConfigError."""
    data, lines, problems = read(path)
    item = validate(model, path, data, lines, problems) if data is not None else None
    if problems or item is None:
        raise ConfigError(f"{file}:{line}: {message}" for file, line, message in sorted(problems))
    assert isinstance(item, model)
    return item


# -- YAML with lines -------------------------------------------------------------------


def personas_with(paths: Sequence[Path], *, with_bundled: bool = False) -> Pack:
    """The bundled personas plus the personas (and scenarios) in `paths`; a bundled file
    that `paths` names is read once, from there. When `paths` hold personas, those play
    the scenarios that name none (`players`), unless `with_bundled`; the bundled ones stay
    known, for the scenarios that name them."""
    given = {path.resolve() for path in yaml_files(paths)}
    bundled = [p for p in yaml_files([bundled_dir("personas")]) if p.resolve() not in given]
    pack = load_pack(paths, base=load_pack(bundled))
    own = frozenset(p for p, file in _persona_files(pack) if file.resolve() in given)
    if own and not with_bundled:
        pack.players = own
    return pack


def _persona_files(pack: Pack) -> list[tuple[str, Path]]:
    return [(key.removeprefix("persona:"), file) for key, file in pack.files.items()
            if key.startswith("persona:")]  # fmt: skip


# -- validation errors -------------------------------------------------------------------
