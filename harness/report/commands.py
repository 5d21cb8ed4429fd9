"""The commands that read what a run wrote: `harness report`, `diff`, `replay`, `capture`.

`add_parsers` adds their subcommands to the CLI's parser (cli.py keeps the rest); each
command prints what people read and returns the exit status.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from harness._arguments import seconds
from harness.report.diff import diff_markdown, diff_text
from harness.report.replay import replay_text
from harness.run import capture as captured
from harness.run.compare import compare, read_results
from harness.run.replay import find_transcript, recorded_bot
from harness.run.replay import replay as replayed


def add_parsers(sub: Any) -> None:
    """Add report, diff, replay and capture to the subcommands `sub` (an argparse
    subparsers action)."""
    p = sub.add_parser(
        "report",
        help="rebuild report.html from a run folder",
        description="Rebuild the HTML report of a run from its results.json and transcripts/ "
        "(harness run writes one already); with --baseline, it shows the conversations "
        "whose verdict changed since that run.",
    )
    p.add_argument("folder", type=Path, metavar="DIR", help="a run folder (holds results.json)")
    p.add_argument(
        "--baseline",
        type=Path,
        metavar="DIR",
        help="an earlier run folder to compare against",
    )
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="FILE",
        help="where the report goes (default: DIR/report.html)",
    )
    p.set_defaults(func=lambda a: report(a.folder, a.output, baseline=a.baseline))
    p = sub.add_parser("diff", help="compare two runs: what newly fails, what was fixed, KPIs")
    p.add_argument("base", type=Path, metavar="BASE", help="the earlier run's --out folder")
    p.add_argument("new", type=Path, metavar="NEW", help="the later run's --out folder")
    p.add_argument(
        "--markdown",
        action="store_true",
        help="write Markdown, for a pull-request comment or $GITHUB_STEP_SUMMARY",
    )
    p.add_argument("-v", "--verbose", action="store_true", help="list every changed conversation")
    p.set_defaults(func=lambda a: diff(a.base, a.new, markdown=a.markdown, verbose=a.verbose))
    replay_parser = _reader(sub, "replay", "play one recorded conversation again against a bot")
    replay_parser.set_defaults(func=lambda a: replay(a.where, a.conversation, bot=a.bot,
                                                     timeout=a.timeout))  # fmt: skip
    p = _reader(sub, "capture", "turn a failing conversation into a regression scenario")
    p.add_argument(
        "-o", "--output", type=Path, metavar="FILE",
        help="the scenario file to write (default: <scenario id>.yaml, here)",
    )  # fmt: skip
    p.add_argument(
        "--check", metavar="NAME",
        help="the failing check to reproduce (default: the first that failed)",
    )  # fmt: skip
    p.add_argument(
        "--shrink", action="store_true",
        help="drop every scripted step and persona trait that the failure does not need",
    )  # fmt: skip
    p.set_defaults(func=lambda a: capture(a.where, a.conversation, bot=a.bot, output=a.output,
                                          check=a.check, shrink=a.shrink,
                                          timeout=a.timeout))  # fmt: skip


def _reader(sub: Any, name: str, text: str) -> Any:
    """A subcommand that reads one recorded conversation and plays it against a bot."""
    p = sub.add_parser(name, help=text, description=text)
    p.add_argument("where", type=Path, metavar="RUN_DIR",
                   help="a run's --out folder, or a transcript file (.jsonl)")  # fmt: skip
    p.add_argument("conversation", nargs="?", metavar="CONVERSATION_ID",
                   help="the conversation's id (none with a transcript file)")  # fmt: skip
    p.add_argument("--bot", metavar="SPEC",
                   help="the bot to play against (default: the one recorded)")  # fmt: skip
    p.add_argument("--timeout", type=seconds, default=10.0, metavar="SECONDS",
                   help="how long a network bot has to answer a message (default: 10)")  # fmt: skip
    return p


def diff(base: Path, new: Path, *, markdown: bool, verbose: bool) -> int:
    """Compare two run folders; 1 when anything regressed."""
    comparison = compare(read_results(base), read_results(new))
    if markdown:
        print(diff_markdown(comparison, verbose=verbose), end="")
    else:
        diff_text(comparison, sys.stdout, verbose=verbose)
    return comparison.exit_status


def replay(where: Path, conversation: str | None, *, bot: str | None, timeout: float) -> int:
    """Play a recorded conversation again against `bot` (default: the recorded one); 0 when
    the replayed conversation passes, else 1."""
    transcript, source = find_transcript(where, conversation)
    result = replayed(transcript, bot=bot or recorded_bot(transcript, source), source=source,
                      timeout=timeout)  # fmt: skip
    replay_text(result, sys.stdout)
    return 0 if result.verdict == "pass" else 1


def capture(
    where: Path,
    conversation: str | None,
    *,
    bot: str | None,
    output: Path | None,
    check: str | None,
    shrink: bool,
    timeout: float = 10.0,
) -> int:
    """Write the regression scenario of a failing conversation (shrunk, with `shrink`); 0
    when it fails the same check against `bot` (default: the recorded one), else 1."""
    transcript, source = find_transcript(where, conversation)
    bot = bot or recorded_bot(transcript, source)
    found = captured.capture(transcript, source=source, check=check)
    if shrink:
        before = len(found.scenario.steps)
        found = captured.shrink(found, bot, timeout=timeout)
        removed = before - len(found.scenario.steps)
        traits = ", ".join(found.removed_traits) or "none"
        print(f"shrunk: removed {removed} of {before} customer turns; persona traits "
              f"removed: {traits}")  # fmt: skip
    files = captured.write(found, output or Path(f"{found.scenario.id}.yaml"), bot=bot)
    print("wrote " + " and ".join(map(str, files)))
    if not captured.fails(found, bot, timeout=timeout):
        print(f"harness: the scenario does not fail {found.check} against {bot}: the failure "
              "depended on something a script cannot hold", file=sys.stderr)  # fmt: skip
        return 1
    print(f"it fails {found.check} against {bot}, as the recorded conversation did")
    return 0


def report(folder: Path, output: Path | None, *, baseline: Path | None) -> int:
    """`harness report`: rebuild report.html from a run folder."""
    from harness.report.html import write_report  # jinja2 is loaded when a report is written

    print(f"report: {write_report(folder, output, baseline=baseline)}")
    return 0
