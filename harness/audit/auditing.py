"""`harness audit`: the check catalogue over every transcript in some folders, on all cores.

Two passes. The first reads only the header line of each transcript and links the
contacts of each customer (by customer id, in the order they started). The second audits
the transcripts in chunks, in a pool of worker processes (or in this one, for one
worker): each chunk is read, checked and copied to `--out` as it goes, so memory holds a
chunk, never the whole set. Results come back in the order of the files, so any number
of workers gives the same results.json (times aside).
"""

from __future__ import annotations

import json
import os
import shutil
from collections import defaultdict
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.audit.checking import Link, audit_checks, audit_metrics, started, with_goal_evidence
from harness.audit.scenario_map import ScenarioMap
from harness.errors import ConfigError
from harness.loading import bundled_pack
from harness.model.scenario import Scenario
from harness.model.transcript import Transcript
from harness.run.kpis import run_kpis
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


def read_header(path: Path) -> dict[str, Any]:
    """A transcript's header; {} when its first line is none (the audit says so later)."""
    with path.open(encoding="utf-8", errors="replace") as f:
        line = f.readline()
    try:
        head = json.loads(line)
    except json.JSONDecodeError:
        return {}
    return head if isinstance(head, dict) and head.get("kind") == "transcript" else {}


def link_contacts(paths: Sequence[Path]) -> list[Link]:
    """Each transcript's place among its customer's contacts (imported ones only)."""
    by_customer: dict[str, list[tuple[float, int, str]]] = defaultdict(list)
    for i, path in enumerate(paths):
        head = read_header(path)
        try:
            begun = started(str(head.get("started", "")))
        except ValueError:  # not a time: the transcript's audit reports it
            begun = None
        if begun is not None and "customer_id" in head:
            by_customer[str(head["customer_id"])].append((begun, i, str(head["conversation_id"])))
    links = [Link()] * len(paths)
    for contacts in by_customer.values():
        contacts.sort()
        for n, (_, i, _) in enumerate(contacts):
            after = contacts[n + 1] if n + 1 < len(contacts) else None
            links[i] = Link(n + 1, after[2] if after else "", after[0] if after else None)
    return links


_PLAN: AuditPlan | None = None


def _set_plan(plan: AuditPlan) -> None:
    global _PLAN
    _PLAN = plan


def audit_chunk(chunk: list[tuple[str, Link]], plan: AuditPlan | None = None) -> list[Any]:
    """Entries and metrics of a chunk of transcripts (in a worker, with the worker's plan)."""
    plan = plan or _PLAN
    assert plan is not None
    return [audit_file(Path(path), link, plan) for path, link in chunk]


def audit_file(path: Path, link: Link, plan: AuditPlan) -> tuple[dict[str, Any], dict[str, Any]]:
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        t = Transcript.from_jsonl(text)
        started(t)  # a time, if any
    except (ValueError, KeyError, TypeError) as exc:
        return unreadable(path, text, exc)
    scenario = plan.scenario_for(t)
    added = False
    if scenario is not None and t.started:
        count = len(t.events)
        with_goal_evidence(t, scenario)
        added = len(t.events) != count
    checks = audit_checks(t, scenario, plan.scenario_map.defaults, link)
    metrics = audit_metrics(t, scenario, link)
    name = f"transcripts/{path.name}"
    if plan.out is not None:
        target = plan.out / name
        if added:
            target.write_text(t.to_jsonl(), encoding="utf-8")
        else:
            shutil.copyfile(path, target)
    verdict = (
        "error"
        if metrics["outcome"] == "error"
        else ("fail" if any(v.verdict == "fail" for v in checks) else "pass")
    )
    entry = {
        "conversation_id": t.conversation_id,
        "scenario": scenario.id if scenario else "",
        "persona": t.persona,
        "persona_seed": None,
        "repeat": 0,
        "seed": t.seed,
        "customer_id": t.customer_id,
        "verdict": verdict,
        "outcome": metrics["outcome"],
        "error": None,
        "checks": [v.to_dict() for v in checks],
        "metrics": metrics,
        "transcript": name,
    }
    return entry, metrics


def unreadable(path: Path, text: str, exc: Exception) -> tuple[dict[str, Any], dict[str, Any]]:
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
    return entry, metrics


def chunks(paths: Sequence[Path], links: Sequence[Link]) -> Iterator[list[tuple[str, Link]]]:
    pairs = [(str(p), link) for p, link in zip(paths, links, strict=True)]
    for at in range(0, len(pairs), CHUNK):
        yield pairs[at : at + CHUNK]


def audit(
    folders: Sequence[Path],
    plan: AuditPlan,
    *,
    workers: int | None = None,
    sla_seconds: float = 60.0,
) -> AuditResult:
    """Audit every transcript under `folders`; write results.json and transcripts to plan.out."""
    begun = now()
    paths = transcript_files(folders)
    names = [p.name for p in paths]
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})[0]
        raise ConfigError([f"two transcripts are named {twice}; audit them separately"])
    links = link_contacts(paths)
    if plan.out is not None:
        (plan.out / "transcripts").mkdir(parents=True, exist_ok=True)
    workers = workers or os.cpu_count() or 1
    if workers == 1:
        done = [row for chunk in chunks(paths, links) for row in audit_chunk(chunk, plan)]
    else:
        with ProcessPoolExecutor(workers, initializer=_set_plan, initargs=(plan,)) as pool:
            done = [row for rows in pool.map(audit_chunk, chunks(paths, links)) for row in rows]
    entries = [entry for entry, _ in done]
    kpis = run_kpis([metrics for _, metrics in done], sla_seconds=sla_seconds)
    if plan.out is not None:
        head = {
            "command": "audit",
            "folders": [str(f) for f in folders],
            "transcripts": len(paths),
            "scenario_map_rules": len(plan.scenario_map.rules),
        }
        write_results(plan.out / "results.json", head, entries, kpis, started=begun, finished=now())
    return AuditResult(entries, kpis, plan.out)
