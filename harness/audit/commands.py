"""The `harness import` and `harness audit` commands, added to the CLI's parser."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from harness._arguments import seconds, whole
from harness.errors import ConfigError

SALT_VARIABLE = "HARNESS_SALT"


def add_commands(sub: Any) -> None:
    """Add `import` and `audit` to the CLI's subcommands."""
    p = sub.add_parser("import", help="turn exported conversations into pseudonymised transcripts")
    p.add_argument(
        "files",
        nargs="+",
        type=Path,
        metavar="FILE",
        help="CSV or JSONL exports (with --map), Rasa tracker dumps (*.json) or "
        "Botium convos (*.convo.txt)",
    )
    p.add_argument("--map", type=Path, metavar="FILE", help="the mapping file (CSV, JSONL)")
    p.add_argument(
        "-o",
        "--out",
        type=Path,
        required=True,
        metavar="DIR",
        help="where the transcripts (DIR/transcripts/) and import.json go",
    )
    p.add_argument(
        "--salt",
        metavar="TEXT",
        help=f"the pseudonymisation key (default: ${SALT_VARIABLE}); keep it secret",
    )
    p.add_argument(
        "--as-scenarios",
        action="store_true",
        help="write Botium convos as scenario files (DIR/scenarios/) instead",
    )
    p.set_defaults(func=_import)

    p = sub.add_parser("audit", help="run the checks over imported or played transcripts")
    p.add_argument(
        "folders",
        nargs="+",
        type=Path,
        metavar="DIR",
        help="folders of transcripts (*.jsonl), searched recursively",
    )
    p.add_argument(
        "--scenario-map",
        type=Path,
        metavar="FILE",
        help="which conversations are which scenario; defaults for the rest",
    )
    p.add_argument(
        "--workers", type=whole(1), metavar="N", help="worker processes (default: all cores)"
    )
    p.add_argument(
        "--dask",
        metavar="ADDRESS",
        help="run on the Dask cluster whose scheduler is at ADDRESS (tcp://host:8786); "
        "needs csbot-harness[dask], and every worker must see the files",
    )
    p.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="where results go (default: reports/audit-<timestamp>/)",
    )
    p.add_argument(
        "--sla",
        type=seconds,
        default=60.0,
        metavar="SECONDS",
        help="time-to-human target for the KPI (default: 60)",
    )
    p.set_defaults(func=_audit)


def salt(given: str | None) -> bytes:
    value = given or os.environ.get(SALT_VARIABLE, "")
    if not value:
        raise ConfigError(
            [
                f"import needs a salt: --salt TEXT or ${SALT_VARIABLE} (keep it "
                "secret: with it, fakes can be matched to the values they replace)"
            ]
        )
    return value.encode("utf-8")


def _import(args: argparse.Namespace) -> int:
    from harness.audit.importer import import_files
    from harness.audit.mapping import load_mapping

    key = salt(args.salt)
    if args.as_scenarios:
        return _scenarios(args.files, args.out, key)
    mapping = load_mapping(args.map) if args.map else None
    summary = import_files(args.files, mapping, args.out, salt=key, errors=sys.stderr)
    replaced = ", ".join(f"{kind} {n}" for kind, n in sorted(summary.replaced.items()))
    print(
        f"{summary.conversations} conversation(s) from {summary.rows} row(s) in "
        f"{summary.files} file(s); {summary.bad_rows} bad row(s)"
        + (f" (all in {args.out / 'bad-rows.txt'})" if summary.bad_rows else "")
    )
    print(f"pseudonymised: {replaced or 'nothing'}")
    print(f"transcripts: {args.out / 'transcripts'}")
    return 1 if summary.bad_rows else 0


def _scenarios(files: list[Path], out: Path, key: bytes) -> int:
    import yaml

    from harness.audit.platforms import botium_scenario
    from harness.audit.pseudonym import Pseudonymiser
    from harness.loading import load_pack

    wrong = [
        f"{f}: --as-scenarios reads Botium convos (*.convo.txt)"
        for f in files
        if not f.name.endswith(".convo.txt")
    ]
    if wrong:
        raise ConfigError(wrong)
    folder = out / "scenarios"
    folder.mkdir(parents=True, exist_ok=True)
    pseudonymiser = Pseudonymiser(key)
    for file in files:
        scenario = botium_scenario(file, pseudonymiser)
        target = folder / f"{scenario['id']}.yaml"
        target.write_text(yaml.safe_dump(scenario, sort_keys=False, allow_unicode=True))
        print(f"{file} -> {target}")
    load_pack([folder])  # what was written validates as scenarios
    return 0


def _audit(args: argparse.Namespace) -> int:
    from harness.audit.auditing import AuditPlan, audit
    from harness.audit.scenario_map import load_scenario_map

    mapped, scenarios = load_scenario_map(args.scenario_map)
    out = args.out or Path("reports") / f"audit-{datetime.now():%Y%m%d-%H%M%S}"
    result = audit(
        args.folders,
        AuditPlan(mapped, scenarios, out),
        workers=args.workers,
        dask=args.dask,
        sla_seconds=args.sla,
    )
    errors = [e["error"] for e in result.entries if e["error"]]
    for problem in errors[:20]:
        print(f"harness: {problem}", file=sys.stderr)
    if len(errors) > 20:
        print(f"harness: … and {len(errors) - 20} more (all in results.json)", file=sys.stderr)
    _summary(result.entries, result.kpis)
    print(f"results: {out / 'results.json'}")
    from harness.report.html import write_report  # jinja2 is loaded when a report is written

    print(f"report: {write_report(out)}")
    return result.exit_code


def _summary(entries: list[dict[str, Any]], kpis: dict[str, Any]) -> None:
    counts = {v: sum(1 for e in entries if e["verdict"] == v) for v in ("pass", "fail", "error")}
    failing: dict[str, int] = {}
    for entry in entries:
        for check in entry["checks"]:
            if check["verdict"] == "fail":
                failing[check["name"]] = failing.get(check["name"], 0) + 1
    print(
        f"{len(entries)} conversation(s): {counts['pass']} passed, {counts['fail']} failed, "
        f"{counts['error']} errored"
    )
    for name, n in sorted(failing.items(), key=lambda item: (-item[1], item[0])):
        print(f"  {name:<36} failed in {n}")
    human = kpis["time_to_human"]
    p50 = f"p50 {human['p50']} s" if human["count"] else "none"
    print(
        f"KPIs  containment {kpis['containment_rate']:.1%}   first-contact resolution "
        f"{kpis['first_contact_resolution_rate']:.1%}   repeat contacts "
        f"{kpis['repeat_contact_rate']:.1%}   escalation {kpis['escalation_rate']:.1%}   "
        f"time to human {p50}"
    )
