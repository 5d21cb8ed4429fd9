"""`harness load`, `harness sla` and `harness verify`: the commands of a load run.

`add_commands` puts them on the `harness` command's parser (cli.py). Exit status: 0 when
every SLA statement is proven (without --sla: every check passed, as `harness run`);
1 otherwise, or when `verify` finds a changed file or a replay that differs; 2 for usage
and configuration errors.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
from pathlib import Path
from typing import Any

from harness._arguments import above_zero, scenarios_and_bot, whole
from harness.conversation.shared_desk import DeskPlan
from harness.errors import ConfigError
from harness.load.arrivals import RATE_HELP, Profile, parse_rate
from harness.load.evidence import check_hashes, read_manifest, replay_args, write_manifest
from harness.load.execute import LoadOptions, LoadResult, load
from harness.load.sla import Judge, Sla, describe
from harness.loading import load_file, pack_for
from harness.model.durations import parse_duration
from harness.run.results import default_out, read_entries

Sub = Any  # argparse's subparsers action (a private class)


def add_commands(sub: Sub) -> None:
    add_load(sub)
    p = sub.add_parser("sla", help="judge SLA statements over the results of one or more runs")
    p.add_argument("dirs", nargs="+", type=Path, metavar="DIR", help="run folders (results.json)")
    p.add_argument("--sla", type=Path, required=True, metavar="FILE", help="the statements")
    p.add_argument("--out", type=Path, metavar="FILE", help="also write the judgement (sla.json)")
    p.set_defaults(func=_sla)
    p = sub.add_parser("verify", help="check a load run's evidence: hashes, then a replay")
    p.add_argument("dir", type=Path, metavar="DIR", help="the folder of a `harness load` run")
    p.add_argument("--no-replay", action="store_true", help="check the hashes only")
    p.set_defaults(func=_verify)


def add_load(sub: Sub) -> None:
    p = sub.add_parser("load", help="open arrivals over one shared desk; prove an SLA")
    scenarios_and_bot(
        p, bot_help="the bot under test, as for `harness run` (default: demo:careful)"
    )
    p.add_argument("--rate", type=_rate, metavar="RATE", help=f"arrivals: {RATE_HELP}")
    p.add_argument(
        "--profile",
        type=Path,
        metavar="FILE",
        help="a day's arrival curve (profile.yaml) instead of --rate",
    )
    how_long = p.add_mutually_exclusive_group(required=True)
    how_long.add_argument(
        "--for",
        dest="duration",
        type=_duration,
        metavar="DURATION",
        help="customers arrive for this long, e.g. 8h or 30d",
    )
    how_long.add_argument(
        "--conversations", type=whole(1), metavar="N", help="this many customers arrive"
    )
    p.add_argument("--desk", type=Path, metavar="FILE", help="the desk (desk.yaml)")
    p.add_argument(
        "--agents",
        type=whole(1),
        metavar="N",
        help="agents on duty all day (default 4; overrides the desk file's)",
    )
    p.add_argument(
        "--handle",
        type=_duration,
        metavar="DURATION",
        help="mean handle time, e.g. 8m (default 8m; overrides the desk file's)",
    )
    p.add_argument(
        "--no-abandonment", action="store_true", help="customers never give up waiting in the queue"
    )
    p.add_argument("--sla", type=Path, metavar="FILE", help="SLA statements to prove (sla.yaml)")
    p.add_argument(
        "--live",
        action="store_true",
        help="play on the wall clock against the bot as it really answers",
    )
    p.add_argument(
        "--speed",
        type=above_zero(),
        default=1.0,
        metavar="X",
        help="live: simulated time runs X times the wall clock's (default: 1)",
    )
    p.add_argument(
        "--max-lag",
        type=above_zero(),
        default=0.05,
        metavar="SECONDS",
        help="live: the harness's scheduling lag p99 above which the run is "
        "invalid (default: 0.05)",
    )
    p.add_argument("--seed", type=int, default=0, help="the run's seed (default: 0)")
    p.add_argument(
        "--timeout",
        type=_duration,
        default=10.0,
        metavar="SECONDS",
        help="how long a network bot has to answer one message (default: 10)",
    )
    p.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="a new or empty folder for the results (default: reports/load-<time>/)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress display")
    p.set_defaults(func=_load)  # fmt: skip


def _rate(text: str) -> float:
    try:
        return parse_rate(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _duration(text: str) -> float:
    try:
        seconds = parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if seconds <= 0:
        raise argparse.ArgumentTypeError(f"expects a duration above 0, got {text}")
    return seconds


def options_from(args: argparse.Namespace) -> tuple[LoadOptions, Sla | None, list[Path]]:
    """The run's options, its statements and the input files they came from."""
    inputs = [p for p in (args.desk, args.sla, args.profile) if p is not None]
    plan = load_file(DeskPlan, args.desk) if args.desk else DeskPlan()
    update: dict[str, Any] = {}
    if args.agents is not None:
        update.update(agents=args.agents, shifts=[])
    if args.handle is not None:
        update["handle"] = plan.handle.model_copy(update={"mean": args.handle})
    if args.no_abandonment:
        update["abandonment"] = False
    profile = load_file(Profile, args.profile) if args.profile else None
    if (args.rate is None) == (profile is None):
        raise ConfigError(["load: give --rate (e.g. --rate 120/h) or --profile FILE, one of them"])
    if args.rate == 0:
        raise ConfigError(["load: --rate 0: nobody would arrive"])
    if Path(args.bot).is_file():
        inputs.append(Path(args.bot))  # an endpoint file: hashed, never copied
    options = LoadOptions(bot=args.bot, seed=args.seed, rate=profile or args.rate,
                          duration=args.duration, conversations=args.conversations,
                          desk=plan.model_copy(update=update), timeout=args.timeout,
                          live=args.live, speed=args.speed, max_lag=args.max_lag)  # fmt: skip
    return options, load_file(Sla, args.sla) if args.sla else None, inputs


def _load(args: argparse.Namespace, *, replay: bool = False) -> int:
    from harness import __version__
    from harness.report.load import LoadProgress

    pack = pack_for(args.paths)
    options, sla, inputs = options_from(args)
    out = args.out or default_out("load")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ConfigError(
            [f"--out {out}: not empty; a load run's evidence needs a folder of its own"]
        )
    with LoadProgress(_expected(options), sys.stderr, live=sys.stderr.isatty(),
                      quiet=args.quiet) as progress:  # fmt: skip
        result = load(pack, options, out, sla=sla, progress=progress)
    if replay:
        return result.exit_code
    _summary(result, options)
    from harness.report.html import write_report  # jinja2 is loaded when a report is written

    print(f"report: {write_report(out)}")
    write_manifest(out, version=__version__, argv=args.argv, seed=options.seed, live=options.live,
                   inputs=[*pack.files.values(), *inputs])  # fmt: skip
    print(f"evidence: {out / 'manifest.json'} (harness verify {out})")
    return result.exit_code


def _expected(options: LoadOptions) -> int:
    if options.conversations is not None:
        return options.conversations
    rate = options.rate
    if isinstance(rate, Profile):
        rate = sum(rate.rate_at(m * 60.0) for m in range(1440)) / 1440
    return int(rate * (options.duration or 0))


def _summary(result: LoadResult, options: LoadOptions) -> None:
    desk = result.sla["desk"]
    v, clock = result.verdicts, "live" if options.live else "virtual"
    print(f"load: {result.conversations:,} conversations ({v['pass']} passed, {v['fail']} "
          f"failed, {v['error']} errors), {clock} time")  # fmt: skip
    queue = desk["queue_length"]
    utilisation = "-" if desk["utilisation"] is None else f"{desk['utilisation']:.1%}"
    print(f"desk: {desk['handoffs']:,} handoffs, utilisation {utilisation}, queue mean "
          f"{queue['mean']:.2f} (max {queue['max']}), {desk['abandoned']:,} gave up "
          "waiting")  # fmt: skip
    _statements(result.sla)
    live = result.sla.get("live")
    if live is not None:
        lag = live["lag_seconds"]
        state = "valid" if live["valid"] else "INVALID: the harness could not keep time"
        print(f"live at {live['speed']:g}x: scheduling lag p50 {lag['p50'] * 1000:.1f} ms, "
              f"p99 {lag['p99'] * 1000:.1f} ms (bound {live['max_lag_p99'] * 1000:.0f} ms): "
              f"{state}")  # fmt: skip
    print(f"results: {result.out / 'results.json'}  sla: {result.out / 'sla.json'}")


def _statements(report: dict[str, Any]) -> None:
    if report["statements"]:
        print(f"statements ({report['confidence']:.0%} confidence):")
    for s in report["statements"]:
        print(f"  {describe(s, report['confidence'])}")


def _sla(args: argparse.Namespace) -> int:
    import json

    judge = Judge(load_file(Sla, args.sla))
    for folder in args.dirs:
        path = folder / "results.json"
        if not path.is_file():
            raise ConfigError([f"{folder}: no results.json"])
        try:
            for entry in read_entries(path):
                judge.add(entry)
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigError([f"{path}: not a results.json this harness wrote ({exc})"]) from None
    report = judge.report()
    print(f"{report['conversations']:,} conversations from {len(args.dirs)} run(s)")
    _statements(report)
    if args.out is not None:
        args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0 if report["proven"] else 1


def _verify(args: argparse.Namespace) -> int:
    manifest = read_manifest(args.dir)
    problems = check_hashes(args.dir, manifest)
    for problem in problems:
        print(f"harness: verify: {problem}", file=sys.stderr)
    if problems:
        return 1
    print(f"hashes: {len(manifest['outputs'])} outputs and {len(manifest['inputs'])} inputs match")
    if args.no_replay:
        return 0
    if manifest.get("mode") == "live":
        print("replay: none (a live run depends on the bot's real timing)")
        return 0
    differs = _replay(args.dir, manifest)
    if differs:
        print(f"harness: verify: replay differs: {differs}", file=sys.stderr)
        return 1
    print("replay: the same conversations, verdicts and statements")
    return 0


def _replay(out: Path, manifest: dict[str, Any]) -> str | None:
    """Play the recorded run again in a scratch folder; what differs, or None."""
    out = out.resolve()  # before moving to the run's folder
    parser = argparse.ArgumentParser(prog="harness", exit_on_error=False)
    add_load(parser.add_subparsers())
    cwd = Path(manifest["cwd"])
    if not cwd.is_dir():
        raise ConfigError([f"manifest: the run's folder {cwd} is gone: cannot replay"])
    with tempfile.TemporaryDirectory() as scratch, contextlib.chdir(cwd):
        try:
            args = parser.parse_args(replay_args(manifest))
        except (argparse.ArgumentError, SystemExit) as exc:
            raise ConfigError([f"manifest: the recorded command does not parse ({exc})"]) from None
        args.out, args.quiet = Path(scratch) / "replay", True
        _load(args, replay=True)
        return _difference(out, Path(scratch) / "replay")


def _difference(recorded: Path, replayed: Path) -> str | None:
    import json

    for old, new in zip(read_entries(recorded / "results.json"),
                        read_entries(replayed / "results.json"), strict=False):  # fmt: skip
        if old != new:
            return f"conversation {old['conversation_id']} ({old['verdict']} then {new['verdict']})"
    sla = [json.loads((d / "sla.json").read_text())["statements"] for d in (recorded, replayed)]
    if sla[0] != sla[1]:
        return "sla.json: the statements' verdicts"
    counts = [sum(1 for _ in read_entries(d / "results.json")) for d in (recorded, replayed)]
    return None if counts[0] == counts[1] else f"{counts[0]} conversations then {counts[1]}"
