"""The run: scenarios × personas × repeats, each played, checked and written as it finishes.

`run()` is the one execution path; the CLI is a thin face over it. Results follow the
contract in DESIGN.md: `results.json` and `transcripts/<conversation-id>.jsonl` in `out`.
"""

from __future__ import annotations

import fnmatch
import gc
import json
import random
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harness.adapters import Adapter, open_bot
from harness.checks import CATALOGUE, run_checks
from harness.conversation import play
from harness.customer import Customer
from harness.desk import DeskAgent, DeskConfig
from harness.drivers.virtual import run_virtual
from harness.errors import ConfigError
from harness.facts import derive_seed, make_ledger
from harness.kpis import conversation_metrics, run_kpis
from harness.lexicon import Lexicon
from harness.loading import Pack
from harness.model.persona import Persona
from harness.model.scenario import Scenario
from harness.model.transcript import Transcript
from harness.model.verdict import Verdict


@dataclass(frozen=True, slots=True)
class RunOptions:
    bot: str = "demo:careful"
    seed: int = 0
    repeat: int = 1
    scenarios: tuple[str, ...] = ()  # id patterns (fnmatch); empty: all
    personas: tuple[str, ...] = ()
    checks: tuple[str, ...] = ()  # check name patterns; empty: the whole catalogue
    desk: DeskConfig = field(default_factory=DeskConfig)
    latency: float = 1.0  # modelled seconds per reply of an in-process bot
    sla_seconds: float = 60.0


@dataclass(frozen=True, slots=True)
class Case:
    scenario: Scenario
    persona: Persona
    repeat: int
    seed: int

    @property
    def conversation_id(self) -> str:
        return f"{self.scenario.id}--{self.persona.id}--{self.repeat}"


@dataclass(slots=True)
class ConversationResult:
    case: Case
    transcript: Transcript | None  # None once written to disk, when the run keeps none
    checks: list[Verdict]
    metrics: dict[str, Any]
    error: str | None = None  # the adapter fault that ended the conversation, if any

    @property
    def verdict(self) -> str:
        if self.metrics["outcome"] == "error":
            return "error"
        return "fail" if any(v.verdict == "fail" for v in self.checks) else "pass"

    def to_dict(self, transcript_path: str) -> dict[str, Any]:
        return {
            "conversation_id": self.case.conversation_id,
            "scenario": self.case.scenario.id,
            "persona": self.case.persona.id,
            "repeat": self.case.repeat,
            "seed": self.case.seed,
            "verdict": self.verdict,
            "outcome": self.metrics["outcome"],
            "error": self.error,
            "checks": [v.to_dict() for v in self.checks],
            "metrics": self.metrics,
            "transcript": transcript_path,
        }


@dataclass(slots=True)
class RunResult:
    options: RunOptions
    results: list[ConversationResult]
    kpis: dict[str, Any]
    out: Path | None

    @property
    def exit_code(self) -> int:
        return 0 if all(r.verdict == "pass" for r in self.results) else 1


def plan(pack: Pack, options: RunOptions) -> list[Case]:
    """Every case of the run, in a stable order. A filter that matches nothing is an error."""
    scenarios = _pick("--scenario", sorted(pack.scenarios), options.scenarios)
    personas = _pick("--persona", sorted(pack.personas), options.personas)
    _pick("--check", list(CATALOGUE), options.checks)
    cases = []
    for sid in scenarios:
        scenario = pack.scenarios[sid]
        for pid in scenario.personas or sorted(pack.personas):
            if pid not in personas:
                continue
            for r in range(options.repeat):
                seed = derive_seed(options.seed, sid, pid, r)
                cases.append(Case(scenario, pack.personas[pid], r, seed))
    if not cases:
        raise ConfigError(["nothing to run: no scenario × persona pair is left after the filters"])
    return cases


def _pick(option: str, names: list[str], patterns: Sequence[str]) -> list[str]:
    if not patterns:
        return names
    chosen = [n for n in names if any(fnmatch.fnmatchcase(n, p) for p in patterns)]
    unmatched = [p for p in patterns if not any(fnmatch.fnmatchcase(n, p) for n in names)]
    if unmatched:
        raise ConfigError(
            [f"{option}: {p!r} matches nothing; known: {', '.join(names)}" for p in unmatched]
        )
    return chosen


def play_case(
    case: Case, adapter: Adapter, options: RunOptions, lexicon: Lexicon | None = None
) -> Transcript:
    """Play one case in virtual time; the same case and seed give the same transcript."""
    scenario, persona = case.scenario, case.persona
    rng = random.Random(case.seed)
    facts = make_ledger(scenario, rng, persona.locale)
    transcript = Transcript(
        case.conversation_id, scenario.id, persona.id, case.seed, f"cust-{case.seed:016x}", facts
    )
    customer = Customer(scenario, persona, facts, rng)
    agent = DeskAgent(scenario, "", facts)
    return run_virtual(
        lambda clock: play(
            scenario, customer, transcript, clock,
            lexicon=lexicon or Lexicon(scenario), agent=agent,
            reply_seconds=options.desk.reply_seconds,
            priority=0 if persona.vulnerable else 1,
        ),
        adapter, rng, desk=options.desk, latency=options.latency,
    )  # fmt: skip


def simulate(
    cases: Sequence[Case], options: RunOptions, adapter: Adapter | None = None
) -> Iterator[tuple[Case, Transcript]]:
    """Play each case in turn in virtual time, yielding transcripts as they finish."""
    adapter = adapter or open_bot(options.bot)
    lexicons = {id(s): Lexicon(s) for s in {id(c.scenario): c.scenario for c in cases}.values()}
    with _fewer_collections():
        for case in cases:
            yield case, play_case(case, adapter, options, lexicons[id(case.scenario)])


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
    """Play and check each case in turn, yielding results as conversations finish."""
    names = [n for n in CATALOGUE if not options.checks
             or any(fnmatch.fnmatchcase(n, p) for p in options.checks)]  # fmt: skip
    for case, transcript in simulate(cases, options, adapter):
        verdicts = run_checks(transcript, case.scenario.expectations, names)
        error = transcript.first("error")
        yield ConversationResult(
            case,
            transcript,
            verdicts,
            conversation_metrics(transcript),
            error.text if error else None,
        )


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
    adapter = open_bot(options.bot)
    started = _now()
    if out is not None:
        (out / "transcripts").mkdir(parents=True, exist_ok=True)
    results = []
    for result in iter_results(cases, options, adapter):
        if out is not None and result.transcript is not None:
            path = out / "transcripts" / f"{result.case.conversation_id}.jsonl"
            path.write_text(result.transcript.to_jsonl(), encoding="utf-8")
            if not keep_transcripts:
                result.transcript = None
        results.append(result)
        if progress is not None:
            progress(result)
    kpis = run_kpis([r.metrics for r in results], sla_seconds=options.sla_seconds)
    outcome = RunResult(options, results, kpis, out)
    if out is not None:
        write_results(outcome, out / "results.json", started=started, finished=_now())
    return outcome


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def write_results(result: RunResult, path: Path, *, started: str, finished: str) -> None:
    options = result.options
    counts = {
        v: sum(1 for r in result.results if r.verdict == v) for v in ("pass", "fail", "error")
    }
    head = {
        "run": {
            "bot": options.bot,
            "seed": options.seed,
            "repeat": options.repeat,
            "desk": options.desk.model_dump(),
            "started": started,
            "finished": finished,
        },
        "summary": {**counts, "exit_status": result.exit_code, **result.kpis},
    }
    # One conversation a line: readable, diffable, and written by the C encoder (an indent
    # would switch json to its pure-Python encoder, many times slower on a large run).
    encode = json.JSONEncoder(ensure_ascii=False).encode
    with path.open("w", encoding="utf-8") as f:
        f.write(json.dumps(head, indent=2, ensure_ascii=False)[:-2])
        f.write(',\n  "conversations": [\n')
        f.write(",\n".join(
            "    " + encode(r.to_dict(f"transcripts/{r.case.conversation_id}.jsonl"))
            for r in result.results
        ))  # fmt: skip
        f.write("\n  ]\n}\n")
