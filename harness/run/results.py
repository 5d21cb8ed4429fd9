"""The results contract (DESIGN.md): one result per conversation, the run's, results.json.

`ConversationResult.to_dict` is a conversation's entry in results.json; `write_results`
writes the file; `exit_status` is the one rule for the exit status of a run, used by the
CLI and the pytest plugin alike.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from harness.errors import ConfigError
from harness.loading import bundled_dir
from harness.model.encoding import encode
from harness.model.transcript import Transcript
from harness.model.verdict import Verdict
from harness.run.compare import Comparison
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

    @classmethod
    def from_dict(cls, entry: dict[str, Any], case: Case) -> ConversationResult:
        """The result `to_dict` wrote for `case` (a resumed run reads them from its log)."""
        checks = [Verdict(c["name"], c["verdict"], c["message"], tuple(c["turns"]),
                          tuple(c["evidence"])) for c in entry["checks"]]  # fmt: skip
        return cls(case, None, checks, entry["metrics"], entry["error"])

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
    interrupted: bool = False  # Ctrl-C: `results` holds the conversations that finished
    comparison: Comparison | None = None  # against `options.baseline`, when given

    @property
    def exit_code(self) -> int:
        """130 when interrupted; with a baseline, 1 only for regressions; else 1 for any
        failing conversation."""
        if self.interrupted:
            return INTERRUPTED
        if self.comparison is not None:
            return self.comparison.exit_status
        return exit_status(r.verdict for r in self.results)


INTERRUPTED = 130  # the exit status of a run stopped by Ctrl-C (128 + SIGINT), as shells say


def exit_status(verdicts: Iterable[str]) -> int:
    """0 when every conversation passed, else 1 (2, a usage error, never gets this far)."""
    return 0 if all(v == "pass" for v in verdicts) else 1


def default_out(kind: str = "run") -> Path:
    """`reports/<kind>-<timestamp>/`, made unique: where a run's results go by default."""
    base = Path("reports") / f"{kind}-{datetime.now():%Y%m%d-%H%M%S}"
    out, n = base, 1
    while out.exists():
        n += 1
        out = base.with_name(f"{base.name}-{n}")
    return out


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _text(path: Path | None) -> str | None:
    return None if path is None else str(path)


def run_options(options: RunOptions | dict[str, Any]) -> dict[str, Any]:
    """The options that make a run what it is, as results.json and the results log say them;
    a command that plays nothing (`harness audit`) gives its own as a dict."""
    if isinstance(options, dict):
        return options
    return {
        "bot": options.bot,
        "seed": options.seed,
        "repeat": options.repeat,
        "generated": options.generated,
        "concurrency": options.concurrency,
        "desk": options.desk.model_dump(),
        "customer": _text(options.customer),
        "customer_replay": _text(options.customer_replay),
    }


def write_results(
    path: Path,
    options: RunOptions | dict[str, Any],
    entries: Sequence[dict[str, Any]],
    kpis: dict[str, Any],
    *,
    started: str,
    finished: str,
    interrupted: bool = False,
    comparison: Comparison | None = None,
    pack: Mapping[str, Any] | None = None,
) -> None:
    """results.json: the run's options and summary, what was played (`pack`, see
    `pack_entry`), then `entries`, one conversation each (`ConversationResult.to_dict`, in
    the run's case order). Written whole or not at all. With a `comparison` against a
    baseline run, `baseline` holds its folder and summary, and the exit status counts
    regressions only."""
    write_encoded_results(path, options, [e["verdict"] for e in entries],
                          (encode(entry) for entry in entries), kpis, started=started,
                          finished=finished, interrupted=interrupted, comparison=comparison,
                          pack=pack)  # fmt: skip


def write_encoded_results(
    path: Path,
    options: RunOptions | dict[str, Any],
    verdicts: Sequence[str],
    lines: Iterable[str],
    kpis: dict[str, Any],
    *,
    started: str,
    finished: str,
    interrupted: bool = False,
    comparison: Comparison | None = None,
    pack: Mapping[str, Any] | None = None,
) -> None:
    """`write_results` with the entries already encoded, a line each (as the results log
    holds them), and their verdicts."""
    head = results_head(options, verdicts, kpis, started=started, finished=finished,
                        interrupted=interrupted, pack=pack)  # fmt: skip
    if comparison is not None:
        if not interrupted:
            head["summary"]["exit_status"] = comparison.exit_status
        head["baseline"] = {"path": comparison.base.get("out"), **comparison.summary()}
    write_results_lines(path, head, lines)


def results_head(
    options: RunOptions | dict[str, Any],
    verdicts: Sequence[str],
    kpis: dict[str, Any],
    *,
    started: str,
    finished: str,
    interrupted: bool = False,
    pack: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """What results.json says before its conversations: the run, its summary, its pack."""
    counts = {v: sum(1 for verdict in verdicts if verdict == v) for v in ("pass", "fail", "error")}
    status = INTERRUPTED if interrupted else exit_status(verdicts)
    return {
        "run": {
            **run_options(options),
            "started": started,
            "finished": finished,
            "interrupted": interrupted,
        },
        "summary": {**counts, "exit_status": status, **kpis},
        "pack": dict(pack or {"scenarios": {}, "personas": {}}),
    }


def write_results_lines(path: Path, head: dict[str, Any], lines: Iterable[str]) -> None:
    """results.json from its head and its conversations, each already encoded as one line
    (so that a load run can stream them from disk); whole or not at all: written under a
    temporary name, then renamed."""
    temporary = path.with_name(f".{path.name}{PARTIAL}")
    try:
        with temporary.open("w", encoding="utf-8") as f:
            f.write(json.dumps(head, indent=2, ensure_ascii=False, allow_nan=False)[:-2])
            f.write(',\n  "conversations": [')
            sep = "\n    "
            for line in lines:
                f.write(sep + line)
                sep = ",\n    "
            f.write("\n  ]\n}\n")
        os.replace(temporary, path)
    except BaseException:  # Ctrl-C mid-write too: leave no partial file behind
        temporary.unlink(missing_ok=True)
        raise


def read_entries(path: Path) -> Iterator[dict[str, Any]]:
    """The conversations of a results.json, one at a time: a line each as written here,
    so a results.json of any size is read without holding it all."""
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.rstrip() == '  "conversations": [':
                break
        else:
            raise ValueError(f"{path}: not a results.json (no conversations list)")
        for line in f:
            text = line.strip().rstrip(",")
            if text == "]":
                return
            yield json.loads(text)


def pack_entry(cases: Iterable[Case], files: Mapping[str, Path]) -> dict[str, Any]:
    """What results.json says of the run's scenarios and personas, for reports: each
    scenario's title and each persona's name, and the file it came from (relative to the
    working folder; None for a bundled or generated one, which `harness run` finds alone).

    `files` maps "scenario:<id>" and "persona:<id>" to files, as `Pack.files` does."""
    scenarios: dict[str, Any] = {}
    personas: dict[str, Any] = {}
    for case in cases:
        s, p = case.scenario, case.persona
        if s.id not in scenarios:
            scenarios[s.id] = {"title": s.title, "file": _own_file(files, f"scenario:{s.id}")}
        if p.id not in personas:
            personas[p.id] = {"name": p.name, "file": _own_file(files, f"persona:{p.id}")}
    return {"scenarios": scenarios, "personas": personas}


def _own_file(files: Mapping[str, Path], key: str) -> str | None:
    path = files.get(key)
    if path is None:
        return None
    kind = "scenarios" if key.startswith("scenario:") else "personas"
    if path.resolve().is_relative_to(bundled_dir(kind)):
        return None
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive
        return str(path)


def write_atomically(path: Path | str, text: str) -> None:
    """`path` holds `text` whole, or what it held before: written to a temporary name first,
    then renamed, so that a run killed meanwhile leaves no half-written file."""
    name = os.fspath(path)
    folder, base = os.path.split(name)
    temporary = os.path.join(folder, f".{base}{PARTIAL}")
    try:
        with open(temporary, "wb") as f:
            f.write(text.encode())
        os.replace(temporary, name)
    except BaseException:  # Ctrl-C mid-write too: leave no partial file behind
        with suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


_CREATE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)


def transcript_path(conversation_id: str) -> str:
    """Where a conversation's transcript lies in a run's folder (the results contract)."""
    return f"transcripts/{conversation_id}.jsonl"


def write_transcript(out: Path | str, conversation_id: str, text: str) -> None:
    """A finished conversation's transcript, `transcripts/<conversation-id>.jsonl` in `out`,
    written in place (plain `os` calls: a run writes one per conversation). A run killed
    meanwhile may leave it partial; the conversation counts as finished only once its entry
    is in the results log, which is written after it, so `--resume` plays it again and
    writes it over. (Written under a temporary name and renamed, as results.json is, it
    would cost twice the folder's metadata work, for nothing the log does not give.)"""
    data = memoryview(text.encode())
    fd = os.open(f"{out}/{transcript_path(conversation_id)}", _CREATE, 0o666)
    try:
        while data:  # a write to a file may be cut short, by a signal for one
            data = data[os.write(fd, data) :]
    finally:
        os.close(fd)


# -- the results log: what survives kill -9 ------------------------------------------------

LOG = "results.jsonl"
PARTIAL = ".partial"  # the suffix of a file being written; one left by kill -9 is removed


class ResultsLog:
    """`results.jsonl` in a run's folder: the run's options on the first line, then each
    finished conversation's entry, appended (and flushed) as it finishes. After a crash or a
    kill it holds every conversation that finished; `--resume` plays only the others."""

    def __init__(self, out: Path, options: RunOptions) -> None:
        path = out / LOG
        self._file = path.open("ab")
        self._at = self._file.seek(0, os.SEEK_END)
        if self._at == 0:
            self._write(encode(_log_head(options)))
        elif not _ends_a_line(path):  # killed mid-line: that line stays apart, unread
            self._file.write(b"\n")
            self._at += 1

    def add(self, entry: dict[str, Any] | str) -> tuple[int, int]:
        """Log a finished conversation's entry, or the line that encodes it (a worker
        process encodes its own); returns where the line is in the log (its offset and
        size in bytes), for `logged_line`."""
        return self._write(entry if isinstance(entry, str) else encode(entry))

    def _write(self, line: str) -> tuple[int, int]:
        data = line.encode() + b"\n"
        self._file.write(data)
        self._file.flush()  # in the kernel's hands: a killed process loses nothing
        at, self._at = self._at, self._at + len(data)
        return at, len(data) - 1

    def close(self) -> None:
        self._file.close()


def _ends_a_line(path: Path) -> bool:
    with path.open("rb") as f:
        f.seek(-1, os.SEEK_END)
        return f.read(1) == b"\n"


def logged_line(log: BinaryIO, where: tuple[int, int]) -> str:
    """The line `ResultsLog.add` wrote at `where`, from the log opened for reading."""
    log.seek(where[0])
    return log.read(where[1]).decode()


def _log_head(options: RunOptions) -> dict[str, dict[str, Any]]:
    """The log's first line: what makes a run, and what picks its conversations."""
    picks = {"scenarios": list(options.scenarios), "personas": list(options.personas),
             "checks": list(options.checks), "sla_seconds": options.sla_seconds}  # fmt: skip
    return {"run": run_options(options), "plan": picks}


def finished(out: Path, options: RunOptions) -> dict[str, dict[str, Any]]:
    """The entries of the conversations a run in `out` finished, by conversation id, for
    `--resume`. A run with other options, or a folder without a log, is a ConfigError."""
    path = out / LOG
    if not path.is_file():
        raise ConfigError([f"--resume {out}: holds no {LOG}, so no run to resume"])
    lines = path.read_text(encoding="utf-8").split("\n")
    head = json.loads(lines[0])
    now = _log_head(options)
    differ = [k for part in now for k, v in now[part].items() if head[part].get(k) != v]
    if differ:
        was = {**head["run"], **head["plan"]}
        said = ", ".join(f"{k} {was.get(k)!r}" for k in differ)
        raise ConfigError([f"--resume {out}: that run had {said}; resume it with the same "
                           "options"])  # fmt: skip
    entries = {}
    for line in lines[1:]:
        try:
            entry = json.loads(line)
        except ValueError:  # the line being written when the run was killed: play it again
            continue
        entries[entry["conversation_id"]] = entry
    return entries


def prepare_out(out: Path, *, resume: bool = False) -> None:
    """Make `out` and its transcripts/ folder for a run; a folder that cannot be written, or
    that already holds a run (its files would mix with this one's) unless the run resumes
    it, is a ConfigError."""
    if out.exists() and not out.is_dir():
        raise ConfigError([f"--out {out}: is a file, not a folder"])
    held = (out / LOG).exists() or (out / "results.json").exists()
    if not resume and (held or any((out / "transcripts").glob("*"))):
        raise ConfigError([f"--out {out}: already holds a run (results.json, transcripts/); "
                           "choose a new folder or remove that one"])  # fmt: skip
    for left in out.glob(f"**/.*{PARTIAL}"):  # a resumed run's, killed mid-write
        left.unlink()
    try:
        (out / "transcripts").mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError([f"--out {out}: cannot make the folder: {exc.strerror or exc}"]) from None
