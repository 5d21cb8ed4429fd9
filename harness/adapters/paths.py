"""Paths into a bot's JSON answer: `$.replies[*].text`, `$.activities[?type=event].value`.

A small subset of JSONPath, enough to point at the parts of a reply in the answers of real
bot platforms: `.key`, `[0]`, `[*]` and the filter `[?key=value]`, where `key` may step
into objects (`[?from.role=bot]`). `extract` never fails on data: a step that finds nothing
drops that branch, so a path to something the bot did not send this turn finds nothing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

_STEP = re.compile(
    r"\.(?P<key>[A-Za-z_][\w-]*)|\[(?P<index>-?\d+)\]|\[(?P<all>\*)\]"
    r"|\[\?(?P<field>[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*)=(?P<value>[^\]]*)\]"
)


@dataclass(frozen=True, slots=True)
class Filter:
    """`[?from.role=bot]`: the items (of a list) or the object whose field equals a value."""

    field: tuple[str, ...]
    value: str

    def keeps(self, item: Any) -> bool:
        for key in self.field:
            if not isinstance(item, dict) or key not in item:
                return False
            item = item[key]
        return _as_text(item) == self.value


Step = str | int | None | Filter  # a key, an index, [*] as None, or a filter


def parse_path(path: str) -> list[Step]:
    """The steps of a path; a bad path is a ValueError that says what is allowed."""
    if not path.startswith("$"):
        raise ValueError(f"a path starts with '$', e.g. '$.replies[*].text', got {path!r}")
    steps: list[Step] = []
    at = 1
    while at < len(path):
        match = _STEP.match(path, at)
        if match is None:
            allowed = ".key, [0], [*] or [?key=value]"
            raise ValueError(f"cannot read {path!r} from {path[at:]!r}; use {allowed}")
        if match["key"] is not None:
            steps.append(match["key"])
        elif match["index"] is not None:
            steps.append(int(match["index"]))
        elif match["all"] is not None:
            steps.append(None)
        else:
            steps.append(Filter(tuple(match["field"].split(".")), match["value"]))
        at = match.end()
    return steps


def extract(path: str, data: Any) -> list[Any]:
    """Every value at `path` in `data`, in document order."""
    found = [data]
    for step in parse_path(path):
        found = _step(step, found)
    return found


def _step(step: Step, found: list[Any]) -> list[Any]:
    if step is None:
        return [item for value in found if isinstance(value, list) for item in value]
    if isinstance(step, Filter):  # over a list's items, or an object itself, so filters chain
        items = [i for v in found for i in (v if isinstance(v, list) else [v])]
        return [item for item in items if step.keeps(item)]
    if isinstance(step, int):
        return [v[step] for v in found if isinstance(v, list) and -len(v) <= step < len(v)]
    return [v[step] for v in found if isinstance(v, dict) and step in v]


def signals(value: Any) -> bool:
    """Whether a found value signals something. Presence counts, so an empty object does
    (Dialogflow CX ends with `endInteraction: {}`); null, false, 0, "" and [] do not."""
    if isinstance(value, dict):
        return True
    return bool(value)


def _as_text(value: Any) -> str:
    """A value as a filter compares it: strings as they are, anything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value)
