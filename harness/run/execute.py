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
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

from harness.adapters import Adapter, open_bot
from harness.adapters.base import supports_async
from harness.adapters.inprocess import InProcessAdapter
from harness.checks import CATALOGUE, run_checks
from harness.conversation.desk import DeskAgent
from harness.conversation.lexicon import Lexicon
from harness.conversation.play import play as play_conversation
from harness.customer.facts import make_ledger
from harness.customer.policy import Customer
from harness.customer.worded import CAUSE, WordedCustomer, Writer
from harness.drivers.concurrent import Start, run_concurrent
from harness.drivers.virtual import run_virtual
from harness.errors import ConfigError
from harness.loading import Pack
from harness.model.encoding import encode
from harness.model.transcript import Event, Transcript, outcome
from harness.model.verdict import Verdict, interned
from harness.run.compare import against, read_results
from harness.run.customer import customer_model
from harness.run.kpis import conversation_metrics, repeat_statistics, run_kpis
from harness.run.plan import Case, RunOptions, plan
from harness.run.reproduce import played
from harness.run.results import (
    LOG,
    ConversationResult,
    ResultsLog,
    RunResult,
    finished,
    logged_line,
    now,
    pack_entry,
    prepare_out,
    transcript_path,
    write_encoded_results,
    write_transcript,
)
from harness.run.workers import WorkersDied, in_workers

T = TypeVar("T")


def play_case(
    case: Case,
    adapter: Adapter,
    options: RunOptions,
    lexicon: Lexicon | None = None,
    writer: Writer | None = None,
) -> Transcript:
    """Play one case in virtual time; the same case and seed give the same transcript."""
    start, rng = prepare_case(case, options, lexicon, writer=writer)
    return run_virtual(start, adapter, rng, desk=options.desk, latency=options.latency)


def prepare_case(
    case: Case,
    options: RunOptions,
    lexicon: Lexicon | None = None,
    priority: int | None = None,
    writer: Writer | None = None,
) -> tuple[Start, random.Random]:
    """The case's conversation, for a driver to start on its clock, and its random stream.

    `priority` is its place at the desk (lower first); by default vulnerable customers first.
    With a `writer`, a language model words the customer's messages (customer.worded)."""
    scenario, persona = case.scenario, case.persona
    rng = random.Random(case.seed)
    transcript = _begun(case, options, rng)
    facts = transcript.facts
    policy = Customer(scenario, persona, facts, rng)
    customer = policy if writer is None else WordedCustomer(policy, transcript, writer)
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
    writer: Writer | None = None,
) -> Iterator[tuple[Case, T]]:
    """`simulate`, yielding `finish(case, transcript)`; the concurrent driver runs `finish`
    on its own thread. With a `writer` (a model wording the customer, which blocks on its
    calls) the conversations are played one at a time."""
    if adapter is None:
        with opened_bot(options) as opened:
            yield from _played(cases, options, opened, finish, writer)
        return
    lexicons = {id(s): Lexicon(s) for s in {id(c.scenario): c.scenario for c in cases}.values()}
    with _fewer_collections():
        if options.concurrency > 1 and supports_async(adapter) and writer is None:
            prepared = [partial(prepare_case, c, options, lexicons[id(c.scenario)]) for c in cases]
            played = run_concurrent(prepared, adapter, lambda i, t: finish(cases[i], t),
                                    concurrency=options.concurrency, desk=options.desk,
                                    latency=options.latency)  # fmt: skip
            yield from ((cases[i], finished) for i, finished in played)
            return
        if options.concurrency > 1:  # CPU-bound, or a customer model called as it speaks
            why = ("the customer's model words every message, so the" if writer is not None
                   else f"{adapter.endpoint} runs in process, so its")  # fmt: skip
            print(f"harness: --concurrency {options.concurrency}: {why} conversations are "
                  "played one at a time", file=sys.stderr)  # fmt: skip
        for case in cases:
            lexicon = lexicons[id(case.scenario)]
            yield case, finish(case, play_case(case, adapter, options, lexicon, writer))


@contextmanager
def opened_bot(options: RunOptions) -> Iterator[Adapter]:
    """The run's adapter, shut down (its connections and threads released) however it ends."""
    adapter = open_bot(options.bot, timeout=options.timeout)
    try:
        yield adapter
    finally:
        adapter.shutdown()


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Run with the cyclic garbage collector woken less often.

    Every conversation makes many short-lived objects, a few of them in cycles; at the default
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
    cases: Sequence[Case],
    options: RunOptions,
    adapter: Adapter | None = None,
    writer: Writer | None = None,
) -> Iterator[ConversationResult]:
    """Play and check each case, yielding results as conversations finish."""
    names = _check_names(options)
    for _, result in _played(cases, options, adapter, partial(_checked, names), writer):
        yield result


# Errors that are not the bot's: the customer simulator spoilt the conversation, or the
# worker process playing it ended. Such a conversation is not judged: its checks are
# skipped, its verdict `error`.
_NOT_THE_BOTS = {CAUSE, "worker process"}


def _checked(names: list[str], case: Case, transcript: Transcript) -> ConversationResult:
    """`transcript` checked with the checks `names`, its metrics and its error, if any."""
    error = transcript.first("error")
    if error is not None and error.data.get("cause") in _NOT_THE_BOTS:
        verdicts = [Verdict(name, "skip", f"not judged: {error.text}") for name in names]
    else:
        verdicts = run_checks(transcript, case.scenario.expectations, names)
    metrics = conversation_metrics(transcript)
    return ConversationResult(case, transcript, verdicts, metrics, error.text if error else None)


def _check_names(options: RunOptions) -> list[str]:
    wanted = options.checks
    return [n for n in CATALOGUE if not wanted or any(fnmatch.fnmatchcase(n, p) for p in wanted)]


def run(
    pack: Pack,
    options: RunOptions,
    out: Path | None = None,
    *,
    progress: Callable[[ConversationResult], None] | None = None,
    keep_transcripts: bool = True,
    resume: bool = False,
) -> RunResult:
    """The whole run. With `out`, each conversation's transcript and results-log entry are
    written as it finishes; `keep_transcripts=False` then drops the transcript from memory.
    `resume` plays only the conversations that the run in `out` has not finished. Ctrl-C
    (KeyboardInterrupt) ends the run with what finished, marked interrupted."""
    cases = plan(pack, options)
    baseline = read_results(options.baseline) if options.baseline is not None else None
    started = now()
    results: list[ConversationResult] = []
    interrupted = False
    model = customer_model(options)  # like a bad bot, a ConfigError before anything is made
    with opened_bot(options) as adapter:
        if options.workers > 1 and not isinstance(adapter, InProcessAdapter):
            raise ConfigError([f"--workers {options.workers}: {adapter.endpoint} is not an "
                               "in-process bot; a network bot takes --concurrency"])  # fmt: skip
        if options.workers > 1 and model is not None:
            raise ConfigError([f"--workers {options.workers}: a language-model customer "
                               "(--customer) plays in one process"])  # fmt: skip
        done: dict[str, dict[str, Any]] = {}
        if out is not None:
            done = finished(out, options) if resume else {}
            prepare_out(out, resume=resume)
        writer = model.writer(out) if model is not None else None
        results = [ConversationResult.from_dict(done[c.conversation_id], c)
                   for c in cases if c.conversation_id in done]  # fmt: skip
        todo = [i for i, c in enumerate(cases) if c.conversation_id not in done]
        log = ResultsLog(out, options) if out is not None else None
        logged: dict[str, tuple[int, int]] = {}  # conversation id → where its entry is logged
        verdicts: dict[tuple[object, ...], Verdict] = {}  # one copy of each (model.verdict)
        try:
            for result, entry in _results(pack, options, cases, todo, adapter, out,
                                          keep_transcripts, writer):  # fmt: skip
                if log is not None and entry is not None:  # now it has finished
                    logged[result.case.conversation_id] = log.add(entry)
                result.checks = interned(result.checks, verdicts)
                results.append(result)
                if progress is not None:
                    progress(result)
        except (KeyboardInterrupt, WorkersDied) as stop:
            interrupted = True  # what finished is kept; the rest is for --resume
            if isinstance(stop, WorkersDied):
                print(f"harness: {stop}: the run stops here (verdict error for each); "
                      "--resume plays the rest", file=sys.stderr)  # fmt: skip
            if out is not None:
                _unfinished_away(out, [cases[i] for i in todo], results)
        finally:
            if log is not None:
                log.close()
            if writer is not None:
                writer.close()
    order = {case.conversation_id: i for i, case in enumerate(cases)}
    results.sort(key=lambda r: order[r.case.conversation_id])  # finished out of order
    kpis = run_kpis([r.metrics for r in results], sla_seconds=options.sla_seconds)
    kpis.update(repeat_statistics([{"scenario": r.case.scenario.id, "persona": r.case.persona.id,
                                    "verdict": r.verdict} for r in results]))  # fmt: skip
    comparison = None
    if baseline is not None:
        entries = [r.to_dict(_transcript_path(r)) for r in results]
        comparison = against(baseline, entries, kpis, bot=options.bot, seed=options.seed, out=out)
    if out is not None:
        with (out / LOG).open("rb") as log_file:
            lines = _entry_lines(results, logged, log_file)
            write_encoded_results(out / "results.json", options, [r.verdict for r in results],
                                  lines, kpis, started=started, finished=now(),
                                  interrupted=interrupted, comparison=comparison,
                                  pack=pack_entry(cases, pack.files))  # fmt: skip
    return RunResult(options, results, kpis, out, interrupted, comparison)


def _entry_lines(
    results: list[ConversationResult], logged: dict[str, tuple[int, int]], log: BinaryIO
) -> Iterator[str]:
    """results.json's entries, a line each: as the results log holds them (so no entry is
    kept in memory or encoded twice); a resumed run's earlier ones made again."""
    for r in results:
        where = logged.get(r.case.conversation_id)
        yield _entry(r) if where is None else logged_line(log, where)


def _transcript_path(result: ConversationResult) -> str:
    return transcript_path(result.case.conversation_id)


def _entry(result: ConversationResult) -> str:
    """A finished conversation's entry in the results log and results.json, encoded."""
    return encode(result.to_dict(_transcript_path(result)))


def _written(out: Path, result: ConversationResult) -> str:
    """A finished conversation's transcript written to `out` (as any process of the run
    writes it), and its entry encoded for the results log."""
    if result.transcript is not None:
        write_transcript(out, result.case.conversation_id, result.transcript.to_jsonl())
    return _entry(result)


def _results(
    pack: Pack,
    options: RunOptions,
    cases: list[Case],
    todo: list[int],
    adapter: Adapter,
    out: Path | None,
    keep: bool,
    writer: Writer | None = None,
) -> Iterator[tuple[ConversationResult, str | None]]:
    """The results of `cases[i]` for each i in `todo` as they finish, each with its
    results-log entry (None without `out`) and its transcript written to `out` before it is
    yielded: played here, or by `options.workers` processes (run.workers), which write
    the transcripts themselves and hand back the results and entries in the order of
    `todo`. This process alone writes the log, after the transcripts it names."""
    if options.workers == 1:
        for result in iter_results([cases[i] for i in todo], options, adapter, writer):
            if out is None:
                yield result, None
                continue
            line = _written(out, result)
            if not keep:
                result.transcript = None
            yield result, line
        return
    work: _Work = (pack, options, out, keep)
    here = partial(_play_cases, cases, adapter, options, out, keep)
    died = partial(_died, cases, options, out, keep)
    for i, kept, checks, metrics, error, entry in in_workers(
        _play_chunk, work, todo, options.workers, here, died
    ):
        yield ConversationResult(cases[i], kept, checks, metrics, error), entry


_Work = tuple[Pack, RunOptions, Path | None, bool]  # what a worker process is given, once
# what a worker hands back for each case: its number, the transcript when the run keeps
# them, the checks, metrics and error, then with `out` its entry encoded
_Played = tuple[int, Transcript | None, list[Verdict], dict[str, Any], str | None, str | None]
_WORKER: list[tuple[list[Case], Adapter]] = []  # a worker process's cases and its own bot


def _play_chunk(work: _Work, chunk: list[int]) -> list[_Played]:
    """In a worker process: the cases numbered `chunk` played and checked, their
    transcripts written, their entries encoded for the run's process to log; the case
    itself stays behind (the run's process has it)."""
    pack, options, out, keep = work
    if not _WORKER:  # the same plan as the run's process: the same cases, numbered alike
        _WORKER.append((plan(pack, options), open_bot(options.bot, timeout=options.timeout)))
    cases, adapter = _WORKER[0]
    return _play_cases(cases, adapter, options, out, keep, chunk)


def _play_cases(
    cases: list[Case],
    adapter: Adapter,
    options: RunOptions,
    out: Path | None,
    keep: bool,
    chunk: list[int],
) -> list[_Played]:
    """The cases numbered `chunk` played, checked and written, as a worker hands them back:
    in a worker process, or in the run's own while it waits for one."""
    played: list[_Played] = []
    one_at_a_time = replace(options, concurrency=1)  # an in-process bot's way anyway
    for i, r in zip(
        chunk, iter_results([cases[i] for i in chunk], one_at_a_time, adapter), strict=True
    ):
        entry = _written(out, r) if out is not None else None
        kept = r.transcript if keep or out is None else None
        played.append((i, kept, r.checks, r.metrics, r.error, entry))
    return played


def _died(cases: list[Case], options: RunOptions, out: Path | None, keep: bool, i: int) -> _Played:
    """What stands for `cases[i]` when the worker process playing it ended abruptly: a
    transcript that says so (the bot's words died with the process), not judged."""
    case = cases[i]
    transcript = _begun(case, options, random.Random(case.seed))
    channel = case.scenario.channels[0]
    transcript.events += [
        Event(0, 0, channel, 1, "error", WORKER_DIED, {"cause": "worker process"}),
        Event(0, 0, channel, 1, "end", "", {"reason": "error"}),
    ]
    transcript.events[-1].data["outcome"] = outcome(transcript)
    r = _checked(_check_names(options), case, transcript)
    entry = _written(out, r) if out is not None else None
    return i, transcript if keep or out is None else None, r.checks, r.metrics, r.error, entry


WORKER_DIED = ("the worker process playing this conversation ended abruptly (the bot crashed "
               "its process, or it was killed); what was said died with it")  # fmt: skip


def _begun(case: Case, options: RunOptions, rng: random.Random) -> Transcript:
    """The case's transcript before its first event: the header, the facts drawn with `rng`."""
    facts = make_ledger(case.scenario, rng, case.persona.locale)
    return Transcript(case.conversation_id, case.scenario.id, case.persona.id, case.seed,
                      f"cust-{case.seed:016x}", facts, played=played(case, options))  # fmt: skip


def _unfinished_away(out: Path, todo: list[Case], results: list[ConversationResult]) -> None:
    """After Ctrl-C: the transcripts written for conversations that never reached the
    results log (the one being logged, those a worker finished meanwhile) are removed;
    `--resume` plays them again."""
    logged = {r.case.conversation_id for r in results}
    for case in todo:
        if case.conversation_id not in logged:
            (out / transcript_path(case.conversation_id)).unlink(missing_ok=True)
