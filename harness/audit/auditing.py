"""`harness audit`: the check catalogue over every transcript in some folders, on all cores.

One pass over the files, in chunks, in a pool of worker processes (or in this one, for one
worker): each transcript is read once, checked, and linked (or copied) into `--out`, so
memory holds the entries, never the transcripts. What depends on the customer's other
contacts (a resolution claim followed by a repeat contact; resolution over the window) is
sent back open and settled here once every contact is known (`checking.conclude`).
Results come back in the order of the files, so any number of workers gives the same
results.json (times aside).
"""

from __future__ import annotations

import gc
import json
import os
import shutil
from collections import defaultdict
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from harness.audit.checking import (
    Link,
    Pending,
    audit_checks,
    conclude,
    pending,
    started,
    with_goal_evidence,
)
from harness.audit.scenario_map import ScenarioMap
from harness.errors import ConfigError
from harness.loading import bundled_pack
from harness.model.scenario import Scenario
from harness.model.transcript import Transcript
from harness.model.verdict import Verdict
from harness.run.kpis import conversation_metrics, run_kpis
from harness.run.results import exit_status, now, write_results

CHUNK = 500


@dataclass(frozen=True, slots=True)
class AuditPlan:
    """Everything a worker needs besides the files: picklable, sent once per worker."""

    scenario_map: ScenarioMap = field(default_factory=ScenarioMap)
    scenarios: dict[str, Scenario] = field(default_factory=dict)
    out: Path | None = None

    def scenario_for(self, t: Transcript) -> Scenario | None:
        for rule in self.scenario_map.rules:
            if rule.matches(t):
                return self.scenarios[rule.scenario]
        return bundled_pack().scenarios.get(t.scenario) if t.scenario else None


@dataclass(slots=True)
class AuditResult:
    entries: list[dict[str, Any]]
    kpis: dict[str, Any]
    out: Path | None

    @property
    def exit_code(self) -> int:
        return exit_status(e["verdict"] for e in self.entries)


def transcript_files(folders: Sequence[Path]) -> list[Path]:
    """Every `*.jsonl` under the folders (or the files given), each folder in sorted order."""
    found: list[Path] = []
    missing = [str(p) for p in folders if not p.exists()]
    if missing:
        raise ConfigError(f"{p}: no such file or folder" for p in missing)
    for folder in folders:
        found.extend(sorted(folder.rglob("*.jsonl")) if folder.is_dir() else [folder])
    if not found:
        raise ConfigError([f"no transcripts (*.jsonl) in {', '.join(map(str, folders))}"])
    return found


def link_contacts(opens: Sequence[Pending | None], ids: Sequence[str]) -> list[Link]:
    """Each transcript's place among its customer's contacts (imported ones only), in the
    order they started."""
    by_customer: dict[str, list[tuple[float, int]]] = defaultdict(list)
    for i, open_ in enumerate(opens):
        if open_ is not None and open_.begun is not None:
            by_customer[open_.customer].append((open_.begun, i))
    links = [Link()] * len(opens)
    for contacts in by_customer.values():
        contacts.sort()
        for n, (_, i) in enumerate(contacts):
            after = contacts[n + 1] if n + 1 < len(contacts) else None
            links[i] = Link(n + 1, *((ids[after[1]], after[0]) if after else ("", None)))
    return links


_PLAN: AuditPlan | None = None


def _set_plan(plan: AuditPlan) -> None:
    """A worker process's start: the plan, and the collector woken less often (see audit)."""
    global _PLAN
    _PLAN = plan
    gc.set_threshold(max(gc.get_threshold()[0], 50_000))


Audited = tuple[dict[str, Any], "Pending | None"]


def audit_chunk(chunk: list[str], plan: AuditPlan | None = None) -> list[Audited]:
    """The entries of a chunk of transcripts (in a worker, with the worker's plan)."""
    plan = plan or _PLAN
    assert plan is not None
    return [audit_file(Path(path), plan) for path in chunk]


def audit_file(path: Path, plan: AuditPlan) -> Audited:
    """One transcript's entry, and what stays open until its customer's contacts are known."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        return unreadable(path, "", exc), None
    try:
        t = Transcript.from_jsonl(text)
        started(t)  # a time, if any
    except (ValueError, KeyError, TypeError) as exc:
        return unreadable(path, text, exc), None
    scenario = plan.scenario_for(t)
    added = False
    if scenario is not None and t.started:
        count = len(t.events)
        with_goal_evidence(t, scenario)
        added = len(t.events) != count
    checks = audit_checks(t, scenario, plan.scenario_map.defaults)
    metrics = conversation_metrics(t)
    name = f"transcripts/{path.name}"
    if plan.out is not None:
        _keep(path, plan.out / name, t.to_jsonl() if added else None)
    return _entry(t, scenario, checks, metrics, name), pending(t, scenario, checks)


def _entry(
    t: Transcript,
    scenario: Scenario | None,
    checks: list[Verdict],
    metrics: dict[str, Any],
    transcript: str,
) -> dict[str, Any]:
    """A conversation's entry in results.json, as `harness run` writes it, with its customer."""
    failed = any(v.verdict == "fail" for v in checks)
    verdict = "error" if metrics["outcome"] == "error" else ("fail" if failed else "pass")
    return {
        "conversation_id": t.conversation_id, "scenario": scenario.id if scenario else "",
        "persona": t.persona, "persona_seed": None, "repeat": 0, "seed": t.seed,
        "customer_id": t.customer_id, "verdict": verdict, "outcome": metrics["outcome"],
        "error": None, "checks": [_as_dict(v) for v in checks], "metrics": metrics,
        "transcript": transcript,
    }  # fmt: skip


_QUOTELESS: dict[tuple[str, str, str], dict[str, object]] = {}


def _as_dict(verdict: Verdict) -> dict[str, object]:
    """A verdict's entry. Most verdicts of an audit are the same few skips and passes, so
    one dict serves every entry that quotes nothing with the same words (entries are never
    changed in place: `conclude` replaces a verdict's dict)."""
    if verdict.turns or verdict.evidence:
        return verdict.to_dict()
    key = (verdict.name, verdict.verdict, verdict.message)
    found = _QUOTELESS.get(key)
    if found is None:
        if len(_QUOTELESS) >= 4096:
            _QUOTELESS.clear()
        found = _QUOTELESS[key] = verdict.to_dict()
    return found


def _keep(source: Path, target: Path, text: str | None) -> None:
    """The transcript in the output folder: a hard link where the file system allows (an
    open and a copy cost more than the audit itself), else a copy; `text` if it changed."""
    if text is not None:
        target.write_text(text, encoding="utf-8")
        return
    try:
        os.link(source, target)
    except FileExistsError:  # from an earlier audit into the same folder
        target.unlink()
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def unreadable(path: Path, text: str, exc: Exception) -> dict[str, Any]:
    """The entry of a transcript that cannot be read: verdict error, naming file:line."""
    line = 1
    for number, row in enumerate(text.splitlines(), 1):
        try:
            json.loads(row)
        except ValueError:
            line = number
            break
    problem = f"{path}:{line}: not a transcript ({exc.__class__.__name__}: {exc})"
    metrics = {
        "turns": 0,
        "contacts": 1,
        "handoff_turn": None,
        "time_to_human": None,
        "reasks": 0,
        "repeated_statements": 0,
        "goal_met_contact": None,
        "outcome": "error",
    }
    entry: dict[str, Any] = {
        "conversation_id": path.stem,
        "scenario": "",
        "persona": "",
        "persona_seed": None,
        "repeat": 0,
        "seed": 0,
        "customer_id": "",
        "verdict": "error",
        "outcome": "error",
        "error": problem,
        "checks": [],
        "metrics": metrics,
        "transcript": "",
    }
    return entry


def chunks(paths: Sequence[Path]) -> Iterator[list[str]]:
    names = [str(p) for p in paths]
    for at in range(0, len(names), CHUNK):
        yield names[at : at + CHUNK]


def _audit_all(paths: list[Path], plan: AuditPlan, workers: int, dask: str | None) -> list[Audited]:
    """Every transcript audited, in file order: here, in a process pool or on Dask."""
    if dask is not None:
        from harness.audit.cluster import audit_on_dask

        # A worker has its own working folder: it gets absolute paths.
        there = replace(plan, out=plan.out.resolve() if plan.out else None)
        return audit_on_dask(dask, list(chunks([p.resolve() for p in paths])), there, audit_chunk)
    if workers == 1:
        return [row for chunk in chunks(paths) for row in audit_chunk(chunk, plan)]
    with ProcessPoolExecutor(workers, initializer=_set_plan, initargs=(plan,)) as pool:
        return [row for rows in pool.map(audit_chunk, chunks(paths)) for row in rows]


def audit(
    folders: Sequence[Path],
    plan: AuditPlan,
    *,
    workers: int | None = None,
    dask: str | None = None,
    sla_seconds: float = 60.0,
) -> AuditResult:
    """Audit every transcript under `folders` (on `workers` processes, or on the Dask
    cluster at `dask`); write results.json and transcripts to plan.out."""
    begun = now()
    paths = transcript_files(folders)
    names = {p.name for p in paths}
    if len(names) != len(paths):
        raise ConfigError(
            ["two transcripts have the same file name; audit those folders separately"]
        )
    if plan.out is not None:
        (plan.out / "transcripts").mkdir(parents=True, exist_ok=True)
    # Entries pile up by the hundred thousand and hold no cycles: the cyclic collector,
    # woken every 700 allocations, would walk them again and again (as in run.execute).
    old = gc.get_threshold()
    gc.set_threshold(max(old[0], 50_000), old[1], old[2])
    try:
        done = _audit_all(paths, plan, workers or os.cpu_count() or 1, dask)
    finally:
        gc.set_threshold(*old)
    entries = [entry for entry, _ in done]
    opens = [open_ for _, open_ in done]
    links = link_contacts(opens, [e["conversation_id"] for e in entries])
    for entry, open_, link in zip(entries, opens, links, strict=True):
        if open_ is not None:
            conclude(entry, open_, link)
    kpis = run_kpis([e["metrics"] for e in entries], sla_seconds=sla_seconds)
    if plan.out is not None:
        head = {
            "command": "audit",
            "folders": [str(f) for f in folders],
            "transcripts": len(paths),
            "scenario_map_rules": len(plan.scenario_map.rules),
        }
        write_results(plan.out / "results.json", head, entries, kpis, started=begun, finished=now())
    return AuditResult(entries, kpis, plan.out)
