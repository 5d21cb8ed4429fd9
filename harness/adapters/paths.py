"""Paths into a bot's JSON answer: JSONPath (RFC 9535), read by python-jsonpath.

`$.replies[*].text`, `$.queryResult.responseMessages[*].liveAgentHandoff`,
`$.activities[?@.from.role == 'bot' && @.type == 'message'].text`: any RFC 9535 query.
Endpoint files written before the harness read full JSONPath used a shorthand filter,
`[?key=value]` (`key` may step into objects: `[?from.role=bot]`), with consecutive filters
all applying to the same item; it is still read, as the RFC filter it stands for. A value
that is a JSON number, true, false or null also matches that JSON value (`[?count=2]`).

`extract` never fails on data: a path to something the bot did not send this turn finds
nothing. A path that is not JSONPath is a ValueError when the endpoint file is loaded.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

import jsonpath

_RFC = jsonpath.JSONPathEnvironment(strict=True)  # RFC 9535 as written, no extensions
# the shorthand: one or more [?key=value] filters in a row
_SHORTHAND = re.compile(
    r"(?:\[\?(?P<field>[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*)=(?P<value>[^\]]*)\])+"
)
_ONE = re.compile(r"\[\?(?P<field>[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*)=(?P<value>[^\]]*)\]")
EXAMPLE = "e.g. '$.replies[*].text' or '$.items[?@.type == \"message\"].text'"


def parse_path(path: str) -> jsonpath.JSONPath | jsonpath.CompoundJSONPath:
    """The compiled path; a bad one is a ValueError that says what is allowed."""
    if not path.startswith("$"):
        raise ValueError(f"a path starts with '$', {EXAMPLE}; got {path!r}")
    try:
        return _compiled(path)
    except jsonpath.JSONPathError as exc:
        why = str(exc).splitlines()[0]
        raise ValueError(
            f"cannot read {path!r} as JSONPath (RFC 9535): {why}; {EXAMPLE}, "
            "or the shorthand filter [?key=value]"
        ) from None


def extract(path: str, data: Any) -> list[Any]:
    """Every value at `path` in `data`, in document order."""
    steps = _plain_steps(path)
    if steps is not None:
        return _walk(steps, data)
    return list(parse_path(path).findall(data))


# The common paths, names and wildcards only (`$.replies[*].text`, `$.done`), read
# without python-jsonpath: with it they cost more than reading the whole answer.
_PLAIN = re.compile(r"\$(?:\.[A-Za-z_][A-Za-z0-9_]*|\.\*|\[\*\])*")
_STEP = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\.\*|\[\*\]")


@lru_cache(maxsize=1024)
def _plain_steps(path: str) -> tuple[str | None, ...] | None:
    """A plain path's steps (a member name, or None for a wildcard); None for any other."""
    if not _PLAIN.fullmatch(path):
        return None
    return tuple(m[1] for m in _STEP.finditer(path))


def _walk(steps: tuple[str | None, ...], data: Any) -> list[Any]:
    """RFC 9535 for name and wildcard selectors: a name selects that member of an object,
    a wildcard every member of an object or element of an array, in order."""
    nodes = [data]
    for step in steps:
        found: list[Any] = []
        for node in nodes:
            if step is None:
                if isinstance(node, dict):
                    found.extend(node.values())
                elif isinstance(node, list):
                    found.extend(node)
            elif isinstance(node, dict) and step in node:
                found.append(node[step])
        nodes = found
    return nodes


@lru_cache(maxsize=1024)
def _compiled(path: str) -> jsonpath.JSONPath | jsonpath.CompoundJSONPath:
    return _RFC.compile(_SHORTHAND.sub(_as_rfc, path))


def _as_rfc(filters: re.Match[str]) -> str:
    """`[?a.b=x][?c=y]` as `[?(@['a']['b'] == 'x') && (@['c'] == 'y')]`."""
    tests = [_test(m["field"], m["value"]) for m in _ONE.finditer(filters[0])]
    return "[?" + " && ".join(f"({t})" for t in tests) + "]"


def _test(field: str, value: str) -> str:
    node = "@" + "".join(f"[{json.dumps(key)}]" for key in field.split("."))
    test = f"{node} == {json.dumps(value)}"
    try:
        literal = json.loads(value)
    except ValueError:
        return test
    if literal is None or isinstance(literal, bool | int | float):
        return f"{test} || {node} == {json.dumps(literal)}"
    return test


def signals(value: Any) -> bool:
    """Whether a found value signals something. Presence counts, so an empty object does
    (Dialogflow CX ends with `endInteraction: {}`); null, false, 0, "" and [] do not."""
    if isinstance(value, dict):
        return True
    return bool(value)
