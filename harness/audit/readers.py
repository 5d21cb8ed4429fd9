"""Reading exports one message at a time: CSV and JSONL rows through a mapping file.

Files are streamed, never loaded whole. A row that cannot be read becomes a `Bad` naming
its file:line and what is wrong; the reading goes on with the next row.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harness.adapters.paths import extract
from harness.audit.mapping import Mapping

_EARLIEST = datetime(1, 1, 2, tzinfo=UTC).timestamp()
_LATEST = datetime(9999, 12, 30, tzinfo=UTC).timestamp()
Row = tuple[str, "dict[str, Any] | str"]  # where, and the row or what is wrong with it


@dataclass(slots=True)
class Message:
    """One message of an export, as the mapping reads it (nothing pseudonymised yet)."""

    where: str  # file:line
    conversation: str
    customer: str
    time: float  # epoch seconds
    speaker: str  # customer, bot, agent or system
    text: str
    channel: str
    intent: str = ""
    context: dict[str, Any] | None = None
    handoff: bool = False
    data: dict[str, Any] | None = None  # what a platform export says beyond the text


@dataclass(slots=True)
class Bad:
    """A row that could not be read: where it is and what is wrong with it."""

    where: str
    problem: str

    def __str__(self) -> str:
        return f"{self.where}: {self.problem}"


def parse_time(value: Any) -> float:
    """Epoch seconds from epoch seconds or ISO 8601 (a time without a zone is UTC)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    else:
        text = str(value).strip()
        try:
            seconds = float(text)
        except ValueError:
            try:
                moment = datetime.fromisoformat(text)
            except ValueError:
                raise ValueError(f"time expects ISO 8601 or epoch seconds, got {text!r}") from None
            seconds = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
    if not _EARLIEST <= seconds <= _LATEST:  # NaN fails this too
        raise ValueError(f"time expects a moment between the years 1 and 9999, got {value!r}")
    return seconds


def read_rows(path: Path, mapping: Mapping) -> Iterator[Message | Bad]:
    """Every message of one export file, in file order."""
    rows = _csv_rows(path, mapping) if mapping.format == "csv" else _jsonl_rows(path)
    getters = {key: _getter(name) for key, name in mapping.fields().items()}
    for where, row in rows:
        if isinstance(row, str):
            yield Bad(where, row)
            continue
        try:
            yield _message(where, {key: get(row) for key, get in getters.items()}, mapping)
        except ValueError as exc:
            yield Bad(where, str(exc))


def _text_lines(path: Path, undecodable: list[Row]) -> Iterator[str]:
    """The file's lines as text; a line that is not UTF-8 becomes an empty line (so that
    line numbers hold) and is put on `undecodable` as a bad row."""
    with path.open("rb") as f:
        for number, raw in enumerate(f, 1):
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                undecodable.append((f"{path}:{number}", f"not UTF-8 ({exc.reason})"))
                line = "\n"
            yield line


def _csv_rows(path: Path, mapping: Mapping) -> Iterator[Row]:
    undecodable: list[Row] = []
    reader = csv.reader(_text_lines(path, undecodable), delimiter=mapping.delimiter)
    header = next(reader, None)
    yield from undecodable
    if header is None:
        return
    missing = [c for c in mapping.fields().values() if c not in header]
    if missing:
        yield f"{path}:1", f"no column {missing[0]!r} in the header ({', '.join(header)})"
        return
    start = reader.line_num + 1
    while True:
        undecodable.clear()
        try:
            row = next(reader)
        except StopIteration:
            yield from undecodable
            return
        except csv.Error as exc:
            yield f"{path}:{start}", f"not a CSV row ({exc})"
            start = reader.line_num + 1
            continue
        yield from undecodable
        where, start = f"{path}:{start}", reader.line_num + 1
        if not any(row):
            continue  # a blank line (or one that was not UTF-8, reported above)
        if len(row) != len(header):
            yield where, f"expects {len(header)} fields, got {len(row)}"
        else:
            yield where, dict(zip(header, row, strict=True))


def _jsonl_rows(path: Path) -> Iterator[Row]:
    undecodable: list[Row] = []
    for number, line in enumerate(_text_lines(path, undecodable), 1):
        yield from undecodable
        undecodable.clear()
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            yield where, f"not JSON ({exc.msg} at column {exc.colno})"
            continue
        yield where, row if isinstance(row, dict) else "expects a JSON object"


def _getter(name: str) -> Callable[[dict[str, Any]], Any]:
    """Reads one field of a row: a column or key by name, or the first value at a JSONPath."""
    if name.startswith("$"):
        return lambda row: next(iter(extract(name, row)), None)
    return lambda row: row.get(name)


def _message(where: str, values: dict[str, Any], mapping: Mapping) -> Message:
    """A message from the values of one row, by what each means."""
    for key in ("conversation", "time", "role"):
        if values.get(key) in (None, ""):
            raise ValueError(f"{mapping.fields()[key]}: is empty")
    role = str(values["role"])
    speaker = mapping.speaker(role)
    if speaker is None:
        known = [r for rs in mapping.roles.model_dump().values() for r in rs]
        raise ValueError(f"{mapping.role}: {role!r} is none of the roles ({', '.join(known)})")
    text = "" if values.get("text") is None else str(values["text"])
    rule = mapping.handoff
    handoff = rule is not None and role == rule.role and bool(_search(rule.text, text))
    return Message(
        where=where,
        conversation=str(values["conversation"]),
        customer=str(values.get("customer") or ""),
        time=parse_time(values["time"]),
        speaker=speaker,
        text=text,
        channel=str(values.get("channel") or mapping.default_channel),
        intent=str(values.get("intent") or ""),
        context=_context(values.get("context"), mapping) if handoff else None,
        handoff=handoff,
    )


def _search(pattern: str, text: str) -> bool:
    return re.search(pattern, text, re.IGNORECASE) is not None


def _context(value: Any, mapping: Mapping) -> dict[str, Any] | None:
    if value in (None, ""):
        return None
    if isinstance(value, dict):
        return value
    try:
        parsed = json.loads(str(value))
    except json.JSONDecodeError:
        parsed = None
    if not isinstance(parsed, dict):
        assert mapping.handoff is not None and mapping.handoff.context is not None
        raise ValueError(f"{mapping.handoff.context}: expects a JSON object, got {value!r}")
    return parsed
