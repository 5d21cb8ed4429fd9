"""The `harness` command: a thin face over the loader and the run function. The commands
that read what a run wrote (diff, replay, capture) are added by report.commands.

Exit status: 0 every check passed; 1 a check failed or a conversation errored, or standard
output was closed before everything was written; 2 usage, configuration or validation error
(nothing was run).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from harness._arguments import scenarios_and_bot, seconds, share, whole
from harness.adapters import BOT_FORMS
from harness.audit.commands import add_commands as add_audit_commands
from harness.bots import DESCRIPTIONS, named
from harness.bots.serve import PROTOCOLS
from harness.checks import CATALOGUE
from harness.conversation.desk import DeskConfig
from harness.conversation.shared_desk import DeskPlan
from harness.errors import ConfigError
from harness.load import Profile, Sla
from harness.load.cli import add_commands
from harness.loading import Pack, pack_for
from harness.model.persona import Persona
from harness.model.scenario import Scenario
from harness.report.commands import add_parsers
from harness.run import (
    RunOptions,
    plan,
    run,
)
from harness.run.kpis import sla_shortfall
from harness.run.results import default_out
from harness.run.workers import cores

if TYPE_CHECKING:
    from pydantic import BaseModel

# Bounds of the options that size a run: past them a run would exhaust memory, not test more.
MAX_REPEAT = 10_000
MAX_GENERATED = 10_000
MAX_AGENTS = 10_000  # as DeskConfig allows
MAX_CONCURRENCY = 1_024
MAX_WORKERS = 256

BOTS_HELP = "\n".join(
    [*(f"{'demo:' + name:<21}{text}" for name, text in DESCRIPTIONS.items()), *BOT_FORMS]
)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        try:
            return _main(argv)
        finally:
            sys.stdout.flush()  # so that a closed pipe shows here, not at interpreter exit
    except BrokenPipeError:
        # The reader went away (`harness list scenarios | head`): stop quietly, as the Python
        # docs advise (signal module, "Note on SIGPIPE"): send what is left to devnull so
        # that the flush at exit does not fail again, and exit 1 as Python does on EPIPE.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


def _main(argv: Sequence[str] | None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)  # for a run's manifest
    try:
        return int(args.func(args))
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"harness: {problem}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("harness: interrupted", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="harness",
        description=(
            "Simulate customers against a customer-service bot and check what they live through."
        ),
    )
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    p = sub.add_parser("run", help="run scenarios against a bot",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog="bots:\n" + BOTS_HELP)  # fmt: skip
    scenarios_and_bot(p, bot_help="the bot under test (default: demo:careful; see below)")
    p.add_argument("--seed", type=int, default=0, help="the run's seed (default: 0)")
    p.add_argument(
        "--repeat",
        type=whole(1, MAX_REPEAT),
        default=1,
        metavar="K",
        help="play each scenario × persona K times with different seeds (default: 1)",
    )
    p.add_argument(
        "--generated",
        type=whole(0, MAX_GENERATED),
        default=0,
        metavar="N",
        help="add N generated personas to every scenario, drawn from --seed; "
        "rerun one alone with --persona gen-<seed> (default: 0)",
    )
    p.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="where results go (default: reports/run-<timestamp>/)",
    )
    p.add_argument(
        "--with-bundled",
        action="store_true",
        help="when PATHS hold personas, play the bundled personas beside them (by default "
        "the given personas alone play the scenarios that name none)",
    )
    p.add_argument(
        "--resume",
        type=Path,
        metavar="DIR",
        help="finish the run in DIR (interrupted or killed): play only the conversations "
        "its results log does not hold, with the same options, and write its results",
    )
    p.add_argument(
        "--scenario",
        action="append",
        default=[],
        metavar="PATTERN",
        help="only scenarios whose id matches (glob, repeatable), e.g. 'banking.*'",
    )
    p.add_argument(
        "--persona",
        action="append",
        default=[],
        metavar="PATTERN",
        help="only personas whose id matches (glob, repeatable); "
        "gen-<seed> regenerates that generated persona",
    )
    p.add_argument(
        "--check",
        action="append",
        default=[],
        metavar="PATTERN",
        help="only these checks (glob, repeatable), e.g. 'escalation.*'",
    )
    p.add_argument(
        "--agents",
        type=whole(1, MAX_AGENTS),
        default=DeskConfig().agents,
        metavar="N",
        help=f"human agents at the simulated desk (default: {DeskConfig().agents})",
    )
    p.add_argument(
        "--timeout",
        type=seconds,
        default=10.0,
        metavar="SECONDS",
        help="how long a network bot has to answer one message; a later answer ends the "
        "conversation with verdict error (default: 10)",
    )
    p.add_argument(
        "--concurrency",
        type=whole(1, MAX_CONCURRENCY),
        default=1,
        metavar="N",
        help="conversations in flight at once against a network bot (http, ws, endpoint "
        "file); each keeps its own virtual clock, so verdicts do not change; results.json "
        "keeps the case order. An in-process bot plays one at a time (default: 1)",
    )
    p.add_argument("--workers", type=_workers, default=1, metavar="N",
                   help="processes playing the conversations of an in-process bot, or 'auto' "
                   "for one per core; the results are those of one (default: 1)")  # fmt: skip
    p.add_argument(
        "--sla",
        type=seconds,
        default=60.0,
        metavar="SECONDS",
        help="time-to-human target reported in the KPIs (default: 60)",
    )
    p.add_argument("--baseline", type=Path, metavar="DIR",
                   help="compare with this earlier run (its --out folder) and fail only on "
                   "regressions: a known failure stays known, a new one fails")  # fmt: skip
    p.add_argument("--customer", type=Path, metavar="ENDPOINT.yaml", help="a model (endpoint "
                   "file of kind openai) words the customer's messages; the harness still decides "
                   "them; every call is recorded to customer-cassette.jsonl in --out")  # fmt: skip
    p.add_argument("--customer-replay", type=Path, metavar="CASSETTE", help="word the customer's "
                   "messages from this customer-cassette.jsonl: no model, no network")  # fmt: skip
    p.add_argument(
        "--fail-under-sla",
        type=share,
        metavar="SHARE",
        help="fail the run (exit 1) unless the 95%% Wilson lower bound of the share of "
        "customers reaching a human within --sla seconds is at least SHARE, e.g. 0.9",
    )
    p.add_argument("-v", "--verbose", action="store_true", help="show every failure in full")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress display")
    p.set_defaults(func=_run)

    add_parsers(sub)  # report, diff, replay, capture (report.commands)
    add_commands(sub)  # load, sla, verify

    p = sub.add_parser("list", help="list scenarios, personas, bots or checks")
    p.add_argument("what", choices=["scenarios", "personas", "bots", "checks"])
    p.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATHS",
        help="files or folders to list instead of the bundled pack",
    )
    p.set_defaults(func=_list)

    p = sub.add_parser("validate", help="check scenario and persona files without running")
    p.add_argument("paths", nargs="+", type=Path, metavar="PATHS")
    p.set_defaults(func=_validate)

    p = sub.add_parser("demo-bot", help="serve a reference bot over the network or on stdin/stdout")
    demo = p.add_subparsers(required=True, metavar="ACTION")
    p = demo.add_parser(
        "serve",
        help="serve a reference bot on 127.0.0.1 until interrupted (Ctrl-C)",
        description="Serve a reference bot on 127.0.0.1 in the chosen protocol until "
        "interrupted; it prints how to run the harness against it (a --bot URL, or an "
        "endpoint file). The bot remembers its customers for as long as it runs; restart "
        "it for a fresh one.",
    )
    p.add_argument(
        "--bot",
        default="careful",
        metavar="NAME",
        help="careful, deflector, … (see `harness list bots`; default: careful)",
    )
    p.add_argument(
        "--port",
        type=whole(0, 65535),
        default=8080,
        help="the port to listen on; 0 picks a free one (default: 8080)",
    )
    p.add_argument(
        "--protocol",
        choices=list(PROTOCOLS),
        default="native",
        help="what the bot speaks: " + ", ".join(PROTOCOLS) + " (default: native)",
    )
    p.set_defaults(func=_serve)
    p = demo.add_parser(
        "stdio",
        help="serve a reference bot on stdin/stdout, one JSON line per message",
        description="Serve a reference bot on stdin/stdout: read one native request (JSON) "
        "per line, write one native response per line, exit at the end of input. For an "
        "endpoint file of kind subprocess, e.g. command: [harness, demo-bot, stdio].",
    )
    p.add_argument(
        "--bot",
        default="careful",
        metavar="NAME",
        help="careful, deflector, … (see `harness list bots`; default: careful)",
    )
    p.set_defaults(func=_stdio)

    add_audit_commands(sub)  # import, audit
    p = sub.add_parser("schema", help="print the JSON Schema of a file users write")
    p.add_argument("what", choices=["scenario", "persona", "endpoint", "desk", "sla", "profile",
                                    "mapping", "scenario-map"])  # fmt: skip
    p.set_defaults(func=_schema)
    return parser


def _workers(text: str) -> int:
    try:
        return cores() if text == "auto" else whole(1, MAX_WORKERS)(text)
    except argparse.ArgumentTypeError as exc:
        raise argparse.ArgumentTypeError(f"{exc} (or auto)") from None


def _pack(paths: Sequence[Path], *, with_bundled: bool = False) -> Pack:
    return pack_for(paths, with_bundled=with_bundled)


def _run(args: argparse.Namespace) -> int:
    pack = _pack(args.paths, with_bundled=args.with_bundled)
    options = RunOptions(
        bot=args.bot,
        seed=args.seed,
        repeat=args.repeat,
        scenarios=tuple(args.scenario),
        personas=tuple(args.persona),
        checks=tuple(args.check),
        desk=DeskConfig(agents=args.agents),
        sla_seconds=args.sla,
        generated=args.generated,
        timeout=args.timeout,
        concurrency=args.concurrency,
        workers=args.workers,
        baseline=args.baseline,
        customer=args.customer,
        customer_replay=args.customer_replay,
    )
    total = len(plan(pack, options))  # validates the filters before anything is written
    if args.out and args.resume:
        raise ConfigError(["--resume DIR writes into DIR: give it without --out"])
    out = args.resume or args.out or default_out()
    from harness.report.progress import Progress
    from harness.report.terminal import rerun_hints, summary

    with Progress(total, enabled=not args.quiet and sys.stderr.isatty()) as progress:
        result = run(pack, options, out, progress=progress.advance, keep_transcripts=False,
                     resume=args.resume is not None)  # fmt: skip
    summary(result, sys.stdout, verbose=args.verbose)
    if result.interrupted:
        print(f"harness: interrupted after {len(result.results)} of {total} conversations; "
              f"finish it: the same command with --resume {out}", file=sys.stderr)  # fmt: skip
    rerun_hints(result, [str(p) for p in args.paths], sys.stdout, verbose=args.verbose)
    if result.comparison is not None:
        from harness.report.diff import diff_text

        print(f"\nagainst the baseline {args.baseline}:")
        diff_text(result.comparison, sys.stdout, verbose=args.verbose)
    from harness.report.html import write_report  # jinja2 is loaded when a report is written

    print(f"report: {write_report(out)}")
    shortfall = sla_shortfall(result.kpis, args.fail_under_sla) if args.fail_under_sla else None
    if shortfall is not None:
        print(f"harness: --fail-under-sla: {shortfall}", file=sys.stderr)
        return max(result.exit_code, 1)
    return result.exit_code


def _list(args: argparse.Namespace) -> int:
    if args.what == "bots":
        print(BOTS_HELP)
    elif args.what == "checks":
        for check in CATALOGUE.values():
            print(f"{check.name:<36}fails when {check.fails_when}")
    else:
        pack = _pack(args.paths)
        if args.what == "scenarios":
            for s in sorted(pack.scenarios.values(), key=lambda s: s.id):
                print(f"{s.id:<34}{s.stakes:<6}{s.domain:<12}{s.title}")
        else:
            for p in sorted(pack.personas.values(), key=lambda p: p.id):
                print(f"{p.id:<20}{p.name}")
    return 0


def _validate(args: argparse.Namespace) -> int:
    pack = _pack(args.paths)
    print(f"ok: {len(pack.scenarios)} scenario(s), {len(pack.personas)} persona(s)")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from harness.bots import reference_bot
    from harness.bots.serve import how_to_run, protocol_app, serving

    name = named(args.bot)
    try:
        with serving(protocol_app(args.protocol, reference_bot(name)), args.port) as url:
            print(f"serving demo:{name} ({args.protocol} protocol) at {url}", flush=True)
            print(f"try: {how_to_run(args.protocol, url)}\n(Ctrl-C stops)", flush=True)
            threading.Event().wait()
    except KeyboardInterrupt:
        pass  # the way to stop a server: not an error
    return 0


def _stdio(args: argparse.Namespace) -> int:
    from harness.bots import reference_bot
    from harness.bots.serve.stdio import serve_lines

    serve_lines(reference_bot(named(args.bot)), sys.stdin.buffer, sys.stdout.buffer)
    return 0


def _schema(args: argparse.Namespace) -> int:
    from harness.adapters.endpoint import endpoint_schema
    from harness.audit.mapping import Mapping
    from harness.audit.scenario_map import ScenarioMap

    models: dict[str, type[BaseModel]] = {
        "scenario": Scenario, "persona": Persona, "desk": DeskPlan, "sla": Sla, "profile": Profile,
        "mapping": Mapping, "scenario-map": ScenarioMap,
    }  # fmt: skip
    schema = endpoint_schema() if args.what == "endpoint" else models[args.what].model_json_schema()
    print(json.dumps(schema, indent=2))
    return 0
