"""The run: what is played (plan), playing and checking it (execute), the results contract
(results), the KPIs (kpis), and how to play a conversation again (reproduce).

The CLI and the pytest plugin are thin faces over `run()` and its parts.
"""

from harness.loading import bundled_pack
from harness.run.execute import iter_results, play, play_case, prepare_case, run, simulate
from harness.run.plan import Case, RunOptions, plan
from harness.run.reproduce import reproduce, rerun_command
from harness.run.results import ConversationResult, RunResult, exit_status, write_results

__all__ = [
    "Case",
    "ConversationResult",
    "RunOptions",
    "RunResult",
    "bundled_pack",
    "exit_status",
    "iter_results",
    "plan",
    "play",
    "play_case",
    "prepare_case",
    "reproduce",
    "rerun_command",
    "run",
    "simulate",
    "write_results",
]
