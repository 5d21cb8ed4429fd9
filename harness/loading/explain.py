"""Pydantic's validation errors as `field: what is wrong, got <value>` lines a person can act
on: the allowed values or keys, the bounds of a number, and a "did you mean" where one fits."""

from __future__ import annotations

import re
import types
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from harness.errors import did_you_mean
from harness.loading.reading import Lines, Loc, dotted


def validate(
    model: type[BaseModel], path: Path, data: Any, lines: Lines, problems: list[Any]
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


def _yaml_loc(loc: Loc, lines: Lines) -> Loc:
    """Drop pydantic's union-member tags ('bool', 'str'…) that are not part of the file."""
    out: Loc = ()
    for part in loc:
        if (*out, part) in lines.values or (*out, part) in lines.keys or isinstance(part, int):
            out = (*out, part)
    return out or loc[:1]


def _explain(model: type[BaseModel], loc: Loc, error: Any) -> str:
    kind = error["type"]
    where = dotted(loc)
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
