"""The run: what is played (plan), playing and checking it (execute) in worker processes
too (workers), one conversation played and checked for a test (single), the results
contract (results), the KPIs (kpis), how to play a conversation again (reproduce), two
runs compared (compare), one conversation played again against another bot (replay) and a
failure turned into a regression scenario (capture).

The CLI and the pytest plugin are thin faces over `run()` and its parts.
"""

from harness.loading import bundled_pack
from harness.run.compare import Comparison, compare, read_results
from harness.run.execute import iter_results, play_case, prepare_case, run, simulate
from harness.run.plan import Case, RunOptions, plan
from harness.run.reproduce import reproduce, rerun_command
from harness.run.results import ConversationResult, RunResult, exit_status, write_results
from harness.run.single import play

__all__ = [
    "Case",
    "Comparison",
    "ConversationResult",
    "RunOptions",
    "RunResult",
    "bundled_pack",
    "compare",
    "exit_status",
    "iter_results",
    "plan",
    "play",
    "play_case",
    "prepare_case",
    "read_results",
    "reproduce",
    "rerun_command",
    "run",
    "simulate",
    "write_results",
]
