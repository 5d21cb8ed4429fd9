"""Reading a YAML file with the line of every value, within limits.

The safe loader only. A file is refused before it is built when it is too large, nested too
deep or expands through aliases to too many values ("billion laughs"); the limits are
checked on the parser's events, which follow no alias and need no recursion. Then the file
is composed to a node tree, so that every field keeps its line for the errors.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

Loc = tuple[str | int, ...]
# What one file may hold: scenario, persona and endpoint files are a few KB; past these a
# file is a mistake or an attack, and is refused before it is built.
# What one file may hold: scenario, persona and endpoint files are a few KB; past these a
# file is a mistake or an attack ("billion laughs"), and is refused before it is built.
MAX_BYTES = 1 << 20


MAX_DEPTH = 64  # levels of nesting


MAX_VALUES = 100_000  # values the document expands to, YAML aliases followed


class Lines:
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


def text_of(path: Path) -> str:
    """The file's text; a ValueError for one too large to be a harness file."""
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise ValueError(f"the file is {size:,} bytes; a harness file holds {MAX_BYTES:,} at most")
    return path.read_text(encoding="utf-8")


def too_much(text: str) -> tuple[int, str] | None:
    """(line, what) when the document passes a limit, read from its events, which follow no
    alias and need no recursion: nested too deep, or expanding to too many values."""
    sizes: dict[str, int] = {}  # anchor → values its node expands to
    open_: list[list[Any]] = []  # [anchor, values so far] of each collection being read
    total = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        line = event.start_mark.line + 1 if event.start_mark else 1
        if isinstance(event, yaml.CollectionStartEvent):
            open_.append([event.anchor, 1])
            if len(open_) > MAX_DEPTH:
                return line, f"nesting deeper than {MAX_DEPTH} levels"
            total += 1
        elif isinstance(event, yaml.CollectionEndEvent):
            anchor, count = open_.pop()
            if anchor:
                sizes[anchor] = count
            if open_:
                open_[-1][1] += count
        elif isinstance(event, yaml.ScalarEvent | yaml.AliasEvent):
            count = sizes.get(event.anchor or "", 1) if isinstance(event, yaml.AliasEvent) else 1
            if isinstance(event, yaml.ScalarEvent) and event.anchor:
                sizes[event.anchor] = 1
            if open_:
                open_[-1][1] += count
            total += count
        if total > MAX_VALUES:
            return line, f"the document expands to more than {MAX_VALUES:,} values (YAML aliases?)"
    return None


def read(path: Path) -> tuple[Any, Lines, list[tuple[str, int, str]]]:
    lines = Lines()
    try:
        text = text_of(path)
        limit = too_much(text)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return None, lines, [(str(path), 1, f"cannot read the file: {exc}")]
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (NUL, …)
        line = text.count("\n", 0, exc.position) + 1
        code = ord(exc.character) if isinstance(exc.character, str) else exc.character
        what = f"the character U+{code:04X} is not allowed in YAML; remove it"
        return None, lines, [(str(path), line, what)]
    except yaml.YAMLError:
        limit = None  # a syntax error: the loader below says where
    if limit is not None:
        return None, lines, [(str(path), limit[0], f"refused: {limit[1]}")]
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


def _walk(node: yaml.Node, loc: Loc, lines: Lines, path: Path, problems: list[Any]) -> None:
    lines.values[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = key_node.value
            if key in seen:
                problems.append((str(path), key_node.start_mark.line + 1,
                                 f"{dotted((*loc, key))}: the key appears twice"))  # fmt: skip
            seen.add(key)
            lines.keys[(*loc, key)] = key_node.start_mark.line + 1
            _walk(value_node, (*loc, key), lines, path, problems)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, (*loc, i), lines, path, problems)


def dotted(loc: Loc) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"
