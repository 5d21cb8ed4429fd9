"""`harness import`: exported conversations in, pseudonymised harness transcripts out.

Rows are streamed file by file; a conversation is written as soon as it is complete, after
its personal data has been replaced (nothing personal reaches the disk). A bad row is
reported with its file:line, counted, and the import goes on. `import.json` holds the
summary: rows, bad rows, conversations, and the replacements by kind (counts, never values).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from harness.audit.build import Builder, Gatherer
from harness.audit.mapping import Mapping
from harness.audit.pseudonym import Pseudonymiser
from harness.audit.readers import Bad, Message, read_rows
from harness.errors import ConfigError
from harness.model.transcript import Transcript

SHOWN_BAD_ROWS = 20
_UNSAFE = re.compile(r"[^\w.-]+")


@dataclass(slots=True)
class ImportSummary:
    files: int = 0
    rows: int = 0
    bad_rows: int = 0
    conversations: int = 0
    replaced: dict[str, int] = field(default_factory=dict)
    skipped_rows: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "rows": self.rows,
            "bad_rows": self.bad_rows,
            "conversations": self.conversations,
            "skipped_rows": self.skipped_rows,
            "replaced": dict(sorted(self.replaced.items())),
        }


def transcript_name(conversation_id: str) -> str:
    """A file name for a conversation: its id where that is safe, else a readable, unique one."""
    safe = _UNSAFE.sub("_", conversation_id).strip("._")[:120] or "conversation"
    if safe == conversation_id:
        return f"{safe}.jsonl"
    return f"{safe}-{hashlib.sha256(conversation_id.encode()).hexdigest()[:8]}.jsonl"


def messages(paths: Sequence[Path], mapping: Mapping | None) -> Iterator[Message | Bad]:
    """Every message of every file, read by the mapping or, without one, by the file's kind."""
    from harness.audit import platforms

    for path in paths:
        if mapping is not None:
            yield from read_rows(path, mapping)
        else:
            yield from platforms.read_export(path)


def import_files(
    paths: Sequence[Path],
    mapping: Mapping | None,
    out: Path,
    *,
    salt: bytes,
    errors: TextIO,
) -> ImportSummary:
    """Import `paths` into `out/transcripts/`; bad rows go to `errors` and `out/bad-rows.txt`."""
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise ConfigError(f"{p}: no such file" for p in missing)
    pseudonymiser = Pseudonymiser(salt)
    builder = Builder(pseudonymiser)
    gatherer = Gatherer(mapping.idle if mapping else 86400.0)
    summary = ImportSummary(files=len(paths))
    folder = out / "transcripts"
    folder.mkdir(parents=True, exist_ok=True)
    with (out / "bad-rows.txt").open("w", encoding="utf-8") as bad_file:

        def bad(row: Bad) -> None:
            summary.bad_rows += 1
            line = pseudonymiser.text(str(row), "bad rows")  # a quoted value may be personal
            bad_file.write(line + "\n")
            if summary.bad_rows <= SHOWN_BAD_ROWS:
                print(f"harness: {line}", file=errors)

        def write(group: list[Message]) -> None:
            transcript = builder.transcript(group)
            _write(folder, transcript)
            summary.conversations += 1

        for item in messages(paths, mapping):
            summary.rows += 1
            if isinstance(item, Bad):
                bad(item)
                continue
            for done in gatherer.add(item):
                bad(done) if isinstance(done, Bad) else write(done)
        for group in gatherer.rest():
            write(group)
    summary.replaced = dict(pseudonymiser.replaced)
    summary.skipped_rows = builder.skipped
    (out / "import.json").write_text(json.dumps(summary.to_dict(), indent=2) + "\n")
    return summary


def _write(folder: Path, transcript: Transcript) -> None:
    (folder / transcript_name(transcript.conversation_id)).write_text(
        transcript.to_jsonl(), encoding="utf-8"
    )
