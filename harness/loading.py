"""Loading scenarios and personas from YAML, with errors a person can act on.

YAML is read with the safe loader only. Each file is composed to a node tree first so that
every field keeps its line; then the model validates it and each problem is reported as
`file:line: field: what is wrong, got <value>` with the allowed values and a "did you
mean" where one fits. Every problem in every file is reported at once, as a ConfigError.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from harness.errors import ConfigError, did_you_mean
from harness.model.persona import Persona
from harness.model.scenario import Scenario

YAML_SUFFIXES = (".yaml", ".yml")
Loc = tuple[str | int, ...]
ModelT = TypeVar("ModelT", bound=BaseModel)


@dataclass(slots=True)
class Pack:
    """Scenarios and personas by id, with the file each came from."""

    scenarios: dict[str, Scenario] = field(default_factory=dict)
    personas: dict[str, Persona] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)  # "scenario:id" / "persona:id" → file


def bundled_dir(kind: str) -> Path:
    """The bundled `scenarios` or `personas` folder: inside the wheel, or in a source checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_packs" / kind, here.parent / kind):
        if candidate.is_dir():
            return candidate
    raise ConfigError([f"the bundled {kind}/ folder is missing from this installation"])


@cache
def bundled_pack() -> Pack:
    """The bundled personas and scenarios, loaded once."""
    return load_pack([bundled_dir("personas"), bundled_dir("scenarios")])


def pack_for(paths: Sequence[Path]) -> Pack:
    """The bundled personas, plus the given files; with no paths, the bundled pack.

    Paths that hold personas only play them against the bundled scenarios.
    """
    if not paths:
        return bundled_pack()
    pack = personas_with(paths)
    if not pack.scenarios:
        pack = load_pack([bundled_dir("scenarios")], base=pack)
    return pack


def yaml_files(paths: Iterable[Path]) -> list[Path]:
    found: list[Path] = []
    problems = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.suffix in YAML_SUFFIXES))
        elif path.is_file():
            found.append(path)
        else:
            problems.append(f"{path}: no such file or folder")
    if problems:
        raise ConfigError(problems)
    return found


def kind_of(path: Path, data: Any) -> str:
    """'persona' for files under a personas/ folder (or that look like one), else 'scenario'."""
    if "personas" in path.parts:
        return "persona"
    if "scenarios" in path.parts:
        return "scenario"
    looks_like_persona = isinstance(data, dict) and "goal" not in data and "patience" in data
    return "persona" if looks_like_persona else "scenario"


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
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    except (OSError, UnicodeDecodeError):
        return False
    except yaml.YAMLError:
        return bool(_TOP_LEVEL_GOAL.search(text))
    return (isinstance(data, dict) and kind_of(path, data) == "scenario"
            and "id" in data and "goal" in data)  # fmt: skip


def load_pack(paths: Sequence[Path], *, base: Pack | None = None) -> Pack:
    """Load every YAML file under `paths` (files or folders) on top of `base`."""
    pack = Pack(dict(base.scenarios), dict(base.personas), dict(base.files)) if base else Pack()
    problems: list[tuple[str, int, str]] = []
    refs: list[tuple[Scenario, Path, _Lines]] = []
    for path in yaml_files(paths):
        data, lines, errors = _read(path)
        problems.extend(errors)
        if data is None:  # unreadable, or not a mapping: nothing to validate
            continue
        kind = kind_of(path, data)
        model: type[BaseModel] = Persona if kind == "persona" else Scenario
        item = _validate(model, path, data, lines, problems)
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
            refs.append((item, path, lines))
            problems.extend(
                (str(path), lines.line(loc), f"{_dotted(loc)}: {msg}")
                for loc, msg in item.reference_problems()
            )
        else:
            assert isinstance(item, Persona)
            pack.personas[item.id] = item
    for scenario, path, lines in refs:
        for i, name in enumerate(scenario.personas):
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
    data, lines, problems = _read(path)
    item = _validate(model, path, data, lines, problems) if data is not None else None
    if problems or item is None:
        raise ConfigError(f"{file}:{line}: {message}" for file, line, message in sorted(problems))
    assert isinstance(item, model)
    return item


# -- YAML with lines -------------------------------------------------------------------


class _Lines:
    """Line numbers of the values (and keys) at each path of one YAML document."""

    def __init__(self) -> None:
        self.values: dict[Loc, int] = {}
        self.keys: dict[Loc, int] = {}

    def line(self, loc: Loc, *, key: bool = False) -> int:
        for cut in range(len(loc), -1, -1):
            part = loc[:cut]
            if key and part in self.keys:
                return self.keys[part]
            if part in self.values:
                return self.values[part]
        return 1


def personas_with(paths: Sequence[Path]) -> Pack:
    """The bundled personas plus the personas (and scenarios) in `paths`; a bundled file
    that `paths` names is read once, from there."""
    given = {path.resolve() for path in yaml_files(paths)}
    bundled = [p for p in yaml_files([bundled_dir("personas")]) if p.resolve() not in given]
    return load_pack(paths, base=load_pack(bundled))


def _read(path: Path) -> tuple[Any, _Lines, list[tuple[str, int, str]]]:
    lines = _Lines()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, lines, [(str(path), 1, f"cannot read the file: {exc}")]
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        where = ""
        if exc.context and exc.context_mark and exc.context_mark.line + 1 != line:
            where = f" ({exc.context} that starts on line {exc.context_mark.line + 1})"
        return None, lines, [(str(path), line, f"YAML syntax error: {exc.problem or exc}{where}")]
    except yaml.YAMLError as exc:
        return None, lines, [(str(path), 1, f"YAML error: {exc}")]
    finally:
        loader.dispose()
    if node is None:
        return None, lines, [(str(path), 1, "the file is empty")]
    if not isinstance(data, dict):
        return None, lines, [(str(path), 1, "expects a mapping of keys to values at the top")]
    problems: list[tuple[str, int, str]] = []
    _walk(node, (), lines, path, problems)
    return data, lines, problems


def _walk(node: yaml.Node, loc: Loc, lines: _Lines, path: Path, problems: list[Any]) -> None:
    lines.values[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = key_node.value
            if key in seen:
                problems.append((str(path), key_node.start_mark.line + 1,
                                 f"{_dotted((*loc, key))}: the key appears twice"))  # fmt: skip
            seen.add(key)
            lines.keys[(*loc, key)] = key_node.start_mark.line + 1
            _walk(value_node, (*loc, key), lines, path, problems)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, (*loc, i), lines, path, problems)


# -- validation errors -------------------------------------------------------------------


def _validate(
    model: type[BaseModel], path: Path, data: Any, lines: _Lines, problems: list[Any]
) -> BaseModel | None:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        said: set[tuple[Loc, str]] = set()
        for error in exc.errors(include_url=False):
            raw = tuple(error["loc"])
            if error["type"] == "missing":  # the missing name is not in the file: keep it
                loc = (*_yaml_loc(raw[:-1], lines), raw[-1]) if len(raw) > 1 else raw
            else:
                loc = _yaml_loc(raw, lines)
            message = _explain(model, loc, error)
            if (loc, message) not in said:
                said.add((loc, message))
                key = error["type"] == "extra_forbidden" or isinstance(error.get("input"), dict)
                problems.append((str(path), lines.line(loc, key=key), message))
        return None


def _yaml_loc(loc: Loc, lines: _Lines) -> Loc:
    """Drop pydantic's union-member tags ('bool', 'str'…) that are not part of the file."""
    out: Loc = ()
    for part in loc:
        if (*out, part) in lines.values or (*out, part) in lines.keys or isinstance(part, int):
            out = (*out, part)
    return out or loc[:1]


def _dotted(loc: Loc) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _explain(model: type[BaseModel], loc: Loc, error: Any) -> str:
    kind = error["type"]
    where = _dotted(loc)
    if kind == "extra_forbidden":
        allowed = _allowed_keys(model, loc[:-1])
        hint = did_you_mean(str(loc[-1]), allowed)
        return (f"{where}: unknown key{hint}; allowed keys: {', '.join(sorted(allowed))}"
                if allowed else f"{where}: unknown key")  # fmt: skip
    if kind == "missing":
        return f"{where}: is required"
    message = str(error["msg"]).replace("Input should be", "expects").replace("Value error, ", "")
    got = error.get("input")
    hint = ""
    if kind in ("literal_error", "enum") and isinstance(got, str):
        hint = did_you_mean(
            got, re.findall(r"'([^']*)'", str(error.get("ctx", {}).get("expected")))
        )
    if kind in ("int_parsing", "int_type", "int_from_float", "float_parsing", "float_type"):
        message += _bounds(model, loc)
    said_value = kind == "value_error" and repr(got) in message  # our validators quote it
    if kind.startswith(("model_", "dict_")) or isinstance(got, dict | list) or said_value:
        return f"{where}: {message}{hint}"
    return f"{where}: {message}, got {got!r}{hint}"


_BOUNDS = (
    ("ge", "at least {}"),
    ("gt", "more than {}"),
    ("le", "at most {}"),
    ("lt", "less than {}"),
)


def _bounds(model: type[BaseModel], loc: Loc) -> str:
    """' (at least 0 and at most 10)' for a field declared with ge=0, le=10; else ''."""
    current: Any = model
    for part in loc[:-1]:
        current = _step(current, part)
        if current is None:
            return ""
    target = _model_in(current)
    info = target.model_fields.get(str(loc[-1])) if target else None
    rules = info.metadata if info else []
    said = [
        text.format(getattr(r, attr)) for r in rules for attr, text in _BOUNDS if hasattr(r, attr)
    ]
    return f" ({' and '.join(said)})" if said else ""


def _allowed_keys(model: type[BaseModel], loc: Loc) -> list[str]:
    """The keys a mapping at `loc` accepts, found by walking the model's annotations."""
    current: Any = model
    for part in loc:
        current = _step(current, part)
        if current is None:
            return []
    target = _model_in(current)
    return list(target.model_fields) if target else []


def _step(annotation: Any, part: str | int) -> Any:
    target = _model_in(annotation)
    if target is not None and isinstance(part, str):
        info = target.model_fields.get(part)
        return info.annotation if info else None
    for arg in _members(annotation):
        origin = typing.get_origin(arg)
        if origin is list and isinstance(part, int):
            return typing.get_args(arg)[0]
        if origin is dict and isinstance(part, str):
            return typing.get_args(arg)[1]
    return None


def _members(annotation: Any) -> tuple[Any, ...]:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return typing.get_args(annotation)
    return (annotation,)


def _model_in(annotation: Any) -> type[BaseModel] | None:
    for arg in _members(annotation):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return None
