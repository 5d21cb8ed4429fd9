"""The bodies of the commands that read what a run wrote: `harness diff`, `replay` and
`capture`. The CLI parses their options and calls these; each prints what people read and
returns the exit status."""

from __future__ import annotations

import sys
from pathlib import Path

from harness.report.diff import diff_markdown, diff_text
from harness.report.replay import replay_text
from harness.run import capture as captured
from harness.run.compare import compare, read_results
from harness.run.replay import find_transcript, recorded_bot
from harness.run.replay import replay as replayed


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
) -> int:
    """Write the regression scenario of a failing conversation (shrunk, with `shrink`); 0
    when it fails the same check against `bot` (default: the recorded one), else 1."""
    transcript, source = find_transcript(where, conversation)
    bot = bot or recorded_bot(transcript, source)
    found = captured.capture(transcript, source=source, check=check)
    if shrink:
        before = len(found.scenario.steps)
        found = captured.shrink(found, bot)
        removed = before - len(found.scenario.steps)
        traits = ", ".join(found.removed_traits) or "none"
        print(f"shrunk: removed {removed} of {before} customer turns; persona traits "
              f"removed: {traits}")  # fmt: skip
    files = captured.write(found, output or Path(f"{found.scenario.id}.yaml"), bot=bot)
    print("wrote " + " and ".join(map(str, files)))
    if not captured.fails(found, bot):
        print(f"harness: the scenario does not fail {found.check} against {bot}: the failure "
              "depended on something a script cannot hold", file=sys.stderr)  # fmt: skip
        return 1
    print(f"it fails {found.check} against {bot}, as the recorded conversation did")
    return 0
