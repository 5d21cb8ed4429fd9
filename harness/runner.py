"""The run: scenarios × personas × repeats, each played, checked and written as it finishes.

`run()` is the one execution path; the CLI is a thin face over it. Results follow the
contract in DESIGN.md: `results.json` and `transcripts/<conversation-id>.jsonl` in `out`.
"""

from __future__ import annotations

import fnmatch
import gc
import json
import random
import shlex
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache, partial
from pathlib import Path
from typing import Any, TypeVar

import yaml

from harness.adapters import Adapter, open_bot
from harness.adapters.base import supports_async
from harness.checks import CATALOGUE, run_checks
from harness.conversation import play as play_conversation
from harness.customer import Customer
from harness.desk import DeskAgent, DeskConfig
from harness.drivers.concurrent import Start, run_concurrent
from harness.drivers.virtual import run_virtual
from harness.errors import ConfigError
from harness.facts import derive_seed, make_ledger
from harness.generate import generate_persona, generated_seeds, seed_of
from harness.kpis import conversation_metrics, run_kpis
from harness.lexicon import Lexicon
from harness.loading import Pack, bundled_dir, load_pack
from harness.model.persona import Persona
from harness.model.scenario import Scenario
from harness.model.transcript import Transcript
from harness.model.verdict import Verdict

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RunOptions:
    bot: str = "demo:careful"
    seed: int = 0
    repeat: int = 1
    scenarios: tuple[str, ...] = ()  # id patterns (fnmatch); empty: all
    personas: tuple[str, ...] = ()  # a `gen-<seed>` id not in the pack is generated
    checks: tuple[str, ...] = ()  # check name patterns; empty: the whole catalogue
    desk: DeskConfig = field(default_factory=DeskConfig)
    latency: float = 1.0  # modelled seconds per reply of an in-process bot
    timeout: float = 10.0  # seconds a network bot has to answer one message
    sla_seconds: float = 60.0
    generated: int = 0  # generated personas added to every scenario, seeds from `seed`
    concurrency: int = 1  # conversations in flight at once against a network bot


@dataclass(frozen=True, slots=True)
class Case:
    scenario: Scenario
    persona: Persona
    repeat: int
    seed: int
    persona_seed: int | None = None  # a generated persona's seed: `gen-<persona_seed>`

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
            "persona_seed": self.case.persona_seed,
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
        return exit_status(r.verdict for r in self.results)


def exit_status(verdicts: Iterable[str]) -> int:
    """0 when every conversation passed, else 1 (2, a usage error, never gets this far)."""
    return 0 if all(v == "pass" for v in verdicts) else 1


def plan(pack: Pack, options: RunOptions) -> list[Case]:
    """Every case of the run, in a stable order. A filter that matches nothing is an error.

    Generated personas (`options.generated`, and any `gen-<seed>` named in
    `options.personas` that the pack does not define) play every scenario, after the
    pack's own personas. A conversation's seed depends on the run seed, scenario, persona
    and repeat alone, so one case rerun alone is the same conversation.
    """
    if options.concurrency < 1:
        raise ConfigError([f"--concurrency expects 1 or more, got {options.concurrency}"])
    generated = _generated(pack, options)
    known = {**pack.personas, **generated}
    scenarios = _pick("--scenario", sorted(pack.scenarios), options.scenarios)
    personas = set(_pick("--persona", sorted(known), options.personas))
    _pick("--check", list(CATALOGUE), options.checks)
    cases = []
    for sid in scenarios:
        scenario = pack.scenarios[sid]
        for pid in [*(scenario.personas or sorted(pack.personas)), *generated]:
            if pid not in personas:
                continue
            persona_seed = seed_of(pid) if pid in generated else None
            for r in range(options.repeat):
                seed = derive_seed(options.seed, sid, pid, r)
                cases.append(Case(scenario, known[pid], r, seed, persona_seed))
    if not cases:
        raise ConfigError(["nothing to run: no scenario × persona pair is left after the filters"])
    return cases


def _generated(pack: Pack, options: RunOptions) -> dict[str, Persona]:
    """The run's generated personas by id, in the order of their seeds."""
    if options.generated < 0:
        raise ConfigError([f"--generated expects 0 or more personas, got {options.generated}"])
    seeds = dict.fromkeys(generated_seeds(options.seed, options.generated))
    for pattern in options.personas:  # an exact gen-<seed> id asks for that persona
        seed = seed_of(pattern)
        if seed is not None and pattern not in pack.personas:
            seeds.setdefault(seed)
    personas = (generate_persona(s) for s in seeds)
    return {p.id: p for p in personas if p.id not in pack.personas}


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
    start, rng = prepare_case(case, options, lexicon)
    return run_virtual(start, adapter, rng, desk=options.desk, latency=options.latency)


def prepare_case(
    case: Case, options: RunOptions, lexicon: Lexicon | None = None
) -> tuple[Start, random.Random]:
    """The case's conversation, for a driver to start on its clock, and its random stream."""
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
        priority=0 if persona.vulnerable else 1,
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
    _pick("--check", list(CATALOGUE), checks)
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


@cache
def bundled_pack() -> Pack:
    """The bundled personas and scenarios, loaded once."""
    return load_pack([bundled_dir("personas"), bundled_dir("scenarios")])


def rerun_command(
    paths: Sequence[str], *, bot: str, seed: int, scenario: str, persona: str, repeat: int = 0
) -> str:
    """The shell command that replays one scenario × persona (from repeat `repeat`, 0-based)
    with the files in `paths`; every word quoted as the shell needs."""
    words = ["harness", "run", *paths, "--bot", bot, "--seed", str(seed)]
    if repeat:
        words += ["--repeat", str(repeat + 1)]
    return shlex.join([*words, "--scenario", scenario, "--persona", persona])


def reproduce(scenario: Scenario, persona: Persona, *, bot: str, seed: int, repeat: int = 0) -> str:
    """The `harness run` command that replays this conversation; with the persona's YAML
    when the command line cannot find the persona by its id."""
    bundled = bundled_pack()
    paths = [] if bundled.scenarios.get(scenario.id) == scenario else [f"<{scenario.id}.yaml>"]
    persona_seed = seed_of(persona.id)
    known = bundled.personas.get(persona.id) == persona or (
        persona_seed is not None and generate_persona(persona_seed) == persona
    )
    if not known:
        paths.append(f"{persona.id}.yaml")
    command = rerun_command(paths, bot=bot, seed=seed, scenario=scenario.id,
                            persona=persona.id, repeat=repeat)  # fmt: skip
    if known:
        return f"Reproduce with: {command}"
    body = yaml.safe_dump(persona.model_dump(exclude_defaults=True), sort_keys=False,
                          allow_unicode=True)  # fmt: skip
    return f"Reproduce: save this as {persona.id}.yaml\n{body.rstrip()}\nthen run: {command}"


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
    started = _now()
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
                      finished=_now())  # fmt: skip
    return outcome


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def write_results(
    path: Path,
    options: RunOptions,
    entries: Sequence[dict[str, Any]],
    kpis: dict[str, Any],
    *,
    started: str,
    finished: str,
) -> None:
    """results.json: the run's options and summary, then `entries`, one conversation each
    (`ConversationResult.to_dict`, in the run's case order)."""
    counts = {v: sum(1 for e in entries if e["verdict"] == v) for v in ("pass", "fail", "error")}
    head = {
        "run": {
            "bot": options.bot,
            "seed": options.seed,
            "repeat": options.repeat,
            "generated": options.generated,
            "concurrency": options.concurrency,
            "desk": options.desk.model_dump(),
            "started": started,
            "finished": finished,
        },
        "summary": {**counts, "exit_status": exit_status(e["verdict"] for e in entries), **kpis},
    }
    # One conversation a line: readable, diffable, and written by the C encoder (an indent
    # would switch json to its pure-Python encoder, many times slower on a large run).
    encode = json.JSONEncoder(ensure_ascii=False).encode
    with path.open("w", encoding="utf-8") as f:
        f.write(json.dumps(head, indent=2, ensure_ascii=False)[:-2])
        f.write(',\n  "conversations": [\n')
        f.write(",\n".join("    " + encode(entry) for entry in entries))
        f.write("\n  ]\n}\n")
