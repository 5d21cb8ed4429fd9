"""The results contract (DESIGN.md): one result per conversation, the run's, results.json.

`ConversationResult.to_dict` is a conversation's entry in results.json; `write_results`
writes the file; `exit_status` is the one rule for the exit status of a run, used by the
CLI and the pytest plugin alike.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harness.model.transcript import Transcript
from harness.model.verdict import Verdict
from harness.run.plan import Case, RunOptions


@dataclass(slots=True)
class ConversationResult:
    case: Case
    transcript: Transcript | None  # None once written to disk, when the run keeps none
    checks: list[Verdict]
    metrics: dict[str, Any]
    error: str | None = None  # the adapter fault that ended the conversation, if any

    @property
    def verdict(self) -> str:
        if self.metrics["outcome"] == "error":
            return "error"
        return "fail" if any(v.verdict == "fail" for v in self.checks) else "pass"

    def to_dict(self, transcript_path: str) -> dict[str, Any]:
        return {
            "conversation_id": self.case.conversation_id,
            "scenario": self.case.scenario.id,
            "persona": self.case.persona.id,
            "persona_seed": self.case.persona_seed,
            "repeat": self.case.repeat,
            "seed": self.case.seed,
            "verdict": self.verdict,
            "outcome": self.metrics["outcome"],
            "error": self.error,
            "checks": [v.to_dict() for v in self.checks],
            "metrics": self.metrics,
            "transcript": transcript_path,
        }


@dataclass(slots=True)
class RunResult:
    options: RunOptions
    results: list[ConversationResult]
    kpis: dict[str, Any]
    out: Path | None

    @property
    def exit_code(self) -> int:
        return exit_status(r.verdict for r in self.results)


def exit_status(verdicts: Iterable[str]) -> int:
    """0 when every conversation passed, else 1 (2, a usage error, never gets this far)."""
    return 0 if all(v == "pass" for v in verdicts) else 1


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def write_results(
    path: Path,
    options: RunOptions | dict[str, Any],
    entries: Sequence[dict[str, Any]],
    kpis: dict[str, Any],
    *,
    started: str,
    finished: str,
) -> None:
    """results.json: the run's options and summary, then `entries`, one conversation each
    (`ConversationResult.to_dict`, in the run's case order). A command that plays nothing
    (`harness audit`) gives its own options as a dict."""
    counts = {v: sum(1 for e in entries if e["verdict"] == v) for v in ("pass", "fail", "error")}
    run = options if isinstance(options, dict) else {
        "bot": options.bot,
        "seed": options.seed,
        "repeat": options.repeat,
        "generated": options.generated,
        "concurrency": options.concurrency,
        "desk": options.desk.model_dump(),
    }  # fmt: skip
    head = {
        "run": {**run, "started": started, "finished": finished},
        "summary": {**counts, "exit_status": exit_status(e["verdict"] for e in entries), **kpis},
    }
    # One conversation a line: readable, diffable, and written by the C encoder (an indent
    # would switch json to its pure-Python encoder, many times slower on a large run).
    encode = json.JSONEncoder(ensure_ascii=False).encode
    with path.open("w", encoding="utf-8") as f:
        f.write(json.dumps(head, indent=2, ensure_ascii=False)[:-2])
        f.write(',\n  "conversations": [\n')
        f.write(",\n".join("    " + encode(entry) for entry in entries))
        f.write("\n  ]\n}\n")
