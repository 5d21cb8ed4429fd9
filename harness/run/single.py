"""`play()`: one conversation of a scenario and a persona, played and checked as `harness
run` plays it, for a test to call (a pytest or Hypothesis test of a bot)."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from harness.adapters import Adapter
from harness.checks import CATALOGUE
from harness.conversation.desk import DeskConfig
from harness.customer.generate import seed_of
from harness.model.persona import Persona
from harness.model.scenario import Scenario
from harness.model.seeds import derive_seed
from harness.run.execute import iter_results, opened_bot
from harness.run.plan import Case, RunOptions, pick
from harness.run.reproduce import reproduce
from harness.run.results import ConversationResult


def play(
    scenario: Scenario,
    persona: Persona,
    *,
    bot: str | Adapter = "demo:careful",
    seed: int = 0,
    repeat: int = 0,
    checks: Sequence[str] = (),
    desk: DeskConfig | None = None,
) -> ConversationResult:
    """Play and check one conversation, as `harness run` would play this scenario × persona.

    The conversation's seed is derived from `seed` as in a run, so
    `harness run --scenario <scenario.id> --persona <persona.id> --seed <seed>` replays it
    (for a persona the CLI can find: a bundled or given one, or a `gen-<seed>` id).
    `bot` is a spec (`demo:careful`, `package.module:attr`) or an open adapter, which
    keeps its memory between calls.
    """
    pick("--check", list(CATALOGUE), checks)
    options = RunOptions(
        bot=bot if isinstance(bot, str) else "adapter",
        seed=seed,
        checks=tuple(checks),
        desk=desk or DeskConfig(),
    )
    case = Case(scenario, persona, repeat, derive_seed(seed, scenario.id, persona.id, repeat),
                seed_of(persona.id))  # fmt: skip
    if isinstance(bot, str):
        with opened_bot(options) as adapter:
            result = next(iter_results([case], options, adapter))
    else:
        result = next(iter_results([case], options, bot))
    if result.verdict != "pass":
        _note(reproduce(scenario, persona, bot=options.bot, seed=seed, repeat=repeat))
    return result


def _note(text: str) -> None:
    """Inside a Hypothesis test, note `text`: it is printed with the falsifying example.
    (Hypothesis is not a dependency of the harness: it is looked up, never imported.)"""
    hypothesis = sys.modules.get("hypothesis")
    if hypothesis is not None and hypothesis.currently_in_test_context():
        hypothesis.note(text)
