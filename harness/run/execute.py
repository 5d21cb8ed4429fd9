"""The run: scenarios × personas × repeats, each played, checked and written as it finishes.

`run()` is the one execution path; the CLI and the pytest plugin are thin faces over it.
Results follow the contract in DESIGN.md (run.results): `results.json` and
`transcripts/<conversation-id>.jsonl` in `out`.
"""

from __future__ import annotations

import fnmatch
import gc
import random
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import TypeVar

from harness.adapters import Adapter, open_bot
from harness.adapters.base import supports_async
from harness.checks import CATALOGUE, run_checks
from harness.conversation.desk import DeskAgent, DeskConfig
from harness.conversation.lexicon import Lexicon
from harness.conversation.play import play as play_conversation
from harness.customer.facts import make_ledger
from harness.customer.generate import seed_of
from harness.customer.policy import Customer
from harness.drivers.concurrent import Start, run_concurrent
from harness.drivers.virtual import run_virtual
from harness.loading import Pack
from harness.model.persona import Persona
from harness.model.scenario import Scenario
from harness.model.seeds import derive_seed
from harness.model.transcript import Transcript
from harness.run.kpis import conversation_metrics, run_kpis
from harness.run.plan import Case, RunOptions, pick, plan
from harness.run.reproduce import reproduce
from harness.run.results import ConversationResult, RunResult, now, write_results

T = TypeVar("T")


def play_case(
    case: Case, adapter: Adapter, options: RunOptions, lexicon: Lexicon | None = None
) -> Transcript:
    """Play one case in virtual time; the same case and seed give the same transcript."""
    start, rng = prepare_case(case, options, lexicon)
    return run_virtual(start, adapter, rng, desk=options.desk, latency=options.latency)


def prepare_case(
    case: Case, options: RunOptions, lexicon: Lexicon | None = None, priority: int | None = None
) -> tuple[Start, random.Random]:
    """The case's conversation, for a driver to start on its clock, and its random stream.

    `priority` is its place at the desk (lower first); by default vulnerable customers first."""
    scenario, persona = case.scenario, case.persona
    rng = random.Random(case.seed)
    facts = make_ledger(scenario, rng, persona.locale)
    transcript = Transcript(
        case.conversation_id, scenario.id, persona.id, case.seed, f"cust-{case.seed:016x}", facts
    )
    customer = Customer(scenario, persona, facts, rng)
    agent = DeskAgent(scenario, "", facts)
    return lambda clock: play_conversation(
        scenario, customer, transcript, clock,
        lexicon=lexicon or Lexicon(scenario), agent=agent,
        reply_seconds=options.desk.reply_seconds,
        priority=(0 if persona.vulnerable else 1) if priority is None else priority,
    ), rng  # fmt: skip


def simulate(
    cases: Sequence[Case], options: RunOptions, adapter: Adapter | None = None
) -> Iterator[tuple[Case, Transcript]]:
    """Play each case in virtual time, yielding transcripts as they finish: in turn, or
    `options.concurrency` at once against a network bot (drivers.concurrent), in the
    order they finish.

    Without `adapter`, one is opened from `options.bot` and shut down at the end."""
    yield from _played(cases, options, adapter, lambda case, transcript: transcript)


def _played(
    cases: Sequence[Case],
    options: RunOptions,
    adapter: Adapter | None,
    finish: Callable[[Case, Transcript], T],
) -> Iterator[tuple[Case, T]]:
    """`simulate`, yielding `finish(case, transcript)`; the concurrent driver runs `finish`
    on its own thread."""
    if adapter is None:
        with _opened(options) as opened:
            yield from _played(cases, options, opened, finish)
        return
    lexicons = {id(s): Lexicon(s) for s in {id(c.scenario): c.scenario for c in cases}.values()}
    with _fewer_collections():
        if options.concurrency > 1 and supports_async(adapter):
            prepared = [partial(prepare_case, c, options, lexicons[id(c.scenario)]) for c in cases]
            played = run_concurrent(prepared, adapter, lambda i, t: finish(cases[i], t),
                                    concurrency=options.concurrency, desk=options.desk,
                                    latency=options.latency)  # fmt: skip
            yield from ((cases[i], finished) for i, finished in played)
            return
        if options.concurrency > 1:  # CPU-bound: playing its conversations at once gains nothing
            print(f"harness: --concurrency {options.concurrency}: {adapter.endpoint} runs in "
                  "process, so its conversations are played one at a time",
                  file=sys.stderr)  # fmt: skip
        for case in cases:
            yield case, finish(case, play_case(case, adapter, options, lexicons[id(case.scenario)]))


@contextmanager
def _opened(options: RunOptions) -> Iterator[Adapter]:
    """The run's adapter, shut down (its connections and threads released) however it ends."""
    adapter = open_bot(options.bot, timeout=options.timeout)
    try:
        yield adapter
    finally:
        adapter.shutdown()


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Run with the cyclic garbage collector woken less often.

    Every conversation leaves a little cyclic garbage (a simpy environment and its
    processes refer to each other) among many short-lived objects; at the default
    threshold the collector runs every few hundred allocations and took a quarter of a
    long run's time. Collections still happen, just in larger batches; the old
    thresholds come back afterwards.
    """
    old = gc.get_threshold()
    gc.set_threshold(max(old[0], 50_000), old[1], old[2])
    try:
        yield
    finally:
        gc.set_threshold(*old)


def iter_results(
    cases: Sequence[Case], options: RunOptions, adapter: Adapter | None = None
) -> Iterator[ConversationResult]:
    """Play and check each case, yielding results as conversations finish."""
    names = [n for n in CATALOGUE if not options.checks
             or any(fnmatch.fnmatchcase(n, p) for p in options.checks)]  # fmt: skip

    def checked(case: Case, transcript: Transcript) -> ConversationResult:
        verdicts = run_checks(transcript, case.scenario.expectations, names)
        error = transcript.first("error")
        return ConversationResult(
            case,
            transcript,
            verdicts,
            conversation_metrics(transcript),
            error.text if error else None,
        )

    for _, result in _played(cases, options, adapter, checked):
        yield result


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
        with _opened(options) as adapter:
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


def run(
    pack: Pack,
    options: RunOptions,
    out: Path | None = None,
    *,
    progress: Callable[[ConversationResult], None] | None = None,
    keep_transcripts: bool = True,
) -> RunResult:
    """The whole run. With `out`, transcripts are written as each conversation finishes;
    `keep_transcripts=False` then drops each from memory once it is on disk."""
    cases = plan(pack, options)
    started = now()
    if out is not None:
        (out / "transcripts").mkdir(parents=True, exist_ok=True)
    results = []
    with _opened(options) as adapter:
        for result in iter_results(cases, options, adapter):
            if out is not None and result.transcript is not None:
                path = out / "transcripts" / f"{result.case.conversation_id}.jsonl"
                path.write_text(result.transcript.to_jsonl(), encoding="utf-8")
                if not keep_transcripts:
                    result.transcript = None
            results.append(result)
            if progress is not None:
                progress(result)
    order = {case.conversation_id: i for i, case in enumerate(cases)}
    results.sort(key=lambda r: order[r.case.conversation_id])  # finished out of order
    kpis = run_kpis([r.metrics for r in results], sla_seconds=options.sla_seconds)
    outcome = RunResult(options, results, kpis, out)
    if out is not None:
        entries = [r.to_dict(f"transcripts/{r.case.conversation_id}.jsonl") for r in results]
        write_results(out / "results.json", options, entries, kpis, started=started,
                      finished=now())  # fmt: skip
    return outcome
