"""The load run: open arrivals over one shared desk, results streamed to disk as they finish.

`load()` draws who arrives when (load.arrivals) and plays every conversation on one clock
whose handoffs all queue at one SharedDesk: simpy's in virtual time (drivers.load), the
wall's with `live` (drivers.live). It checks each conversation as it finishes, writes its
transcript and its results.json entry at once and lets both go: a run of any length holds
only the conversations in flight, a few figures per conversation for the KPIs, and the SLA
counts. results.json keeps the run's contract (run.results), in arrival order, with more
metrics per conversation: `arrived_at`, `queue_wait`, `queue_abandoned` and
`bot_time_to_handoff`. sla.json holds the judged statements, the desk's figures, an hourly
series and, for a live run, the harness's own scheduling lag.
"""

from __future__ import annotations

import json
import random
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import simpy

from harness.adapters import open_bot
from harness.checks import run_checks
from harness.conversation.desk import DeskConfig
from harness.conversation.lexicon import Lexicon
from harness.conversation.play import Play
from harness.conversation.shared_desk import DeskClock, DeskPlan, SharedDesk
from harness.drivers.live import run_live
from harness.drivers.load import Clock, run_load
from harness.load.arrivals import Mix, Profile, arrival_times
from harness.load.sla import Judge, Sla
from harness.loading import Pack
from harness.model.encoding import encode
from harness.model.seeds import derive_seed
from harness.model.transcript import Transcript
from harness.run.execute import prepare_case
from harness.run.kpis import conversation_metrics, percentile, run_kpis
from harness.run.plan import Case, RunOptions
from harness.run.results import (
    ConversationResult,
    exit_status,
    now,
    results_head,
    write_results_lines,
)

PARTS = ".conversations.part"  # entries in the order they finished, until results.json


@dataclass(frozen=True, slots=True)
class LoadOptions:
    bot: str = "demo:careful"
    seed: int = 0
    rate: float | Profile = 120 / 3600  # arrivals per second, or a day's profile
    duration: float | None = None  # seconds during which customers arrive (--for)
    conversations: int | None = None  # or this many arrivals (--conversations)
    desk: DeskPlan = field(default_factory=DeskPlan)
    latency: float = 1.0  # modelled seconds per reply of an in-process bot
    timeout: float = 10.0  # seconds a network bot has to answer one message
    live: bool = False  # on the wall clock, against the bot as it really answers
    speed: float = 1.0  # live: simulated seconds per wall-clock second
    max_lag: float = 0.05  # live: the harness's lag p99 (seconds) above which a run is invalid

    def run_options(self) -> RunOptions:
        """What a conversation of this run needs of the run's options (run.prepare_case)."""
        desk = DeskConfig(agents=max(1, self.desk.agents), handle_seconds=self.desk.handle.mean,
                          reply_seconds=self.desk.reply)  # fmt: skip
        return RunOptions(bot=self.bot, seed=self.seed, desk=desk, latency=self.latency,
                          timeout=self.timeout)  # fmt: skip

    def describe(self) -> dict[str, Any]:
        rate = self.rate.model_dump() if isinstance(self.rate, Profile) else self.rate * 3600
        return {"rate_per_hour": rate if not isinstance(rate, dict) else None,
                "profile": rate if isinstance(rate, dict) else None,
                "for_seconds": self.duration, "conversations": self.conversations,
                "mode": "live" if self.live else "virtual",
                "speed": self.speed if self.live else None}  # fmt: skip


@dataclass(slots=True)
class Snapshot:
    """Where a load run stands, for its progress display."""

    now: float  # simulated seconds since the run's start
    arrived: int
    finished: int
    queue: int
    busy: int
    on_duty: int
    within: tuple[int, int] | None  # (hits, n) of the first time_to_human statement


@dataclass(slots=True)
class LoadResult:
    out: Path
    conversations: int
    verdicts: dict[str, int]
    kpis: dict[str, Any]
    sla: dict[str, Any]  # sla.json
    exit_code: int


def load_metrics(t: Transcript, arrived_at: float) -> dict[str, Any]:
    """A load run's metrics beyond a run's: when the customer arrived (seconds from the
    run's start), the queue wait, and the bot's own time from the trigger to its handoff."""
    handoff = t.first("handoff")
    joined = t.first("agent_joined")
    gave_up = t.first("abandoned")
    queued = gave_up is not None and gave_up.data.get("reason") == "queue"
    wait = joined.data["wait"] if joined else gave_up.data["wait"] if gave_up and queued else None
    took = None
    if handoff is not None:  # counted as escalation.timely counts
        trigger = t.owed_since(handoff)
        took = {
            "seconds": round(t.seconds_in_contact(trigger, handoff), 3),
            "turns": t.turns_waited(trigger, handoff),
        }
    return {"arrived_at": round(arrived_at, 3), "queue_wait": wait, "queue_abandoned": queued,
            "bot_time_to_handoff": took}  # fmt: skip


class _Written:
    """Finished conversations on disk: transcripts, and results.json entries in a part file
    in the order they finished, with where each begins, to be put in arrival order."""

    def __init__(self, out: Path) -> None:
        self.out = out
        (out / "transcripts").mkdir(parents=True, exist_ok=True)
        self.part = (out / PARTS).open("w+b")
        self.starts = array("q")
        self.sizes = array("q")
        self.verdicts: list[str] = []
        self.kept: list[dict[str, Any]] = []  # each conversation's metrics, for the KPIs

    def add(self, i: int, result: ConversationResult) -> dict[str, Any]:
        assert result.transcript is not None
        name = f"transcripts/{result.case.conversation_id}.jsonl"
        (self.out / name).write_text(result.transcript.to_jsonl(), encoding="utf-8")
        entry = result.to_dict(name)
        line = encode(entry).encode()
        while len(self.starts) <= i:
            self.starts.append(-1)
            self.sizes.append(0)
        self.starts[i], self.sizes[i] = self.part.tell(), len(line)
        self.part.write(line)
        self.verdicts.append(entry["verdict"])
        self.kept.append(result.metrics)
        return entry

    def lines(self) -> Iterator[str]:
        """The entries in arrival order."""
        for start, size in zip(self.starts, self.sizes, strict=True):
            self.part.seek(start)
            yield self.part.read(size).decode()

    def close(self, head: dict[str, Any]) -> None:
        self.part.flush()
        write_results_lines(self.out / "results.json", head, self.lines())
        self.part.close()
        (self.out / PARTS).unlink()


class _Run:
    """One load run's conversations: who arrives (begin) and what is kept when each ends
    (finish); `attach` puts its desk on the run's clock, simpy's or the wall's."""

    def __init__(self, pack: Pack, options: LoadOptions, judge: Judge, written: _Written) -> None:
        self.options = options
        self.run_options = options.run_options()
        self.mix = Mix(pack)
        self.lexicons = {s.id: Lexicon(s) for s in self.mix.scenarios}
        self.draw = random.Random(derive_seed(options.seed, "load", "draw"))
        self.judge = judge
        self.written = written
        self.cases: dict[int, Case] = {}  # the conversations in flight
        self.progress: Callable[[Snapshot], None] | None = None
        self.desk: SharedDesk | None = None

    def attach(self, clock: DeskClock) -> SharedDesk:
        rng = random.Random(derive_seed(self.options.seed, "load", "desk"))
        self.desk = SharedDesk(clock, self.options.desk, rng)
        return self.desk

    def begin(self, i: int, clock: Clock) -> tuple[Play, random.Random]:
        scenario, persona = self.mix.draw(self.draw)
        seed = derive_seed(self.options.seed, scenario.id, persona.id, i)
        self.cases[i] = case = Case(scenario, persona, i, seed)
        priority = self.options.desk.priority_of(vulnerable=persona.vulnerable,
                                                 high_stakes=scenario.stakes == "high")  # fmt: skip
        start, rng = prepare_case(case, self.run_options, self.lexicons[scenario.id], priority)
        return start(clock), rng

    def finish(self, i: int, arrived_at: float, transcript: Transcript) -> None:
        case = self.cases.pop(i)
        metrics = {**conversation_metrics(transcript), **load_metrics(transcript, arrived_at)}
        error = transcript.first("error")
        checks = run_checks(transcript, case.scenario.expectations)
        fault = error.text if error else None
        self.judge.add(self.written.add(i, ConversationResult(case, transcript, checks, metrics,
                                                              fault)))  # fmt: skip
        if self.progress is not None and self.desk is not None:
            done, desk = len(self.written.verdicts), self.desk
            self.progress(Snapshot(desk.env.now, done + len(self.cases), done, desk.waiting,
                                   desk.busy, desk.on_duty, self.judge.hourly_share()))  # fmt: skip


def load(
    pack: Pack,
    options: LoadOptions,
    out: Path,
    *,
    sla: Sla | None = None,
    progress: Callable[[Snapshot], None] | None = None,
) -> LoadResult:
    """The whole load run, in virtual time or live: results.json, transcripts/ and sla.json
    in `out`."""
    arrivals = arrival_times(random.Random(derive_seed(options.seed, "load", "arrivals")),
                             options.rate, until=options.duration,
                             count=options.conversations)  # fmt: skip
    adapter = open_bot(options.bot, timeout=options.timeout)  # a bad spec writes nothing
    started = now()
    lags: list[float] | None = None
    try:
        run = _Run(pack, options, Judge(sla), _Written(out))
        run.progress = progress
        if options.live:
            lags = run_live(options.speed, arrivals, run.begin, adapter, run.attach,
                            run.finish).lags  # fmt: skip
        else:
            env = simpy.Environment()
            run_load(env, arrivals, run.begin, adapter, run.attach(env), run.finish,
                     latency=options.latency)  # fmt: skip
    finally:
        adapter.shutdown()
    return _close(run, started, lags)


def _close(run: _Run, started: str, lags: list[float] | None) -> LoadResult:
    """results.json in arrival order, then sla.json (with the lag of a live run)."""
    options, written, judge = run.options, run.written, run.judge
    sla_seconds = judge.first_within() or run.run_options.sla_seconds
    kpis = run_kpis(written.kept, sla_seconds=sla_seconds)
    head = results_head(run.run_options, written.verdicts, kpis, started=started, finished=now())
    head["run"]["desk"] = options.desk.model_dump()  # the shared desk, not a run's view
    head["run"]["load"] = options.describe()
    written.close(head)
    assert run.desk is not None
    report = judge.report(run.desk.summary())
    if lags is not None:
        report["live"] = _lag(lags, options)
    (written.out / "sla.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    proven = report["proven"]
    code = exit_status(written.verdicts) if proven is None else 0 if proven else 1
    if lags is not None and not report["live"]["valid"]:
        code = 1  # an overloaded generator measured itself as much as the bot
    counts = {v: written.verdicts.count(v) for v in ("pass", "fail", "error")}
    return LoadResult(written.out, len(written.verdicts), counts, kpis, report, code)


def _lag(lags: list[float], options: LoadOptions) -> dict[str, Any]:
    """A live run's scheduling lag (wall seconds every timer and sleep woke late) and
    whether its p99 stayed within the bound."""
    p99 = percentile(lags, 99) if lags else 0.0
    return {
        "speed": options.speed,
        "lag_seconds": {"p50": round(percentile(lags, 50), 6) if lags else 0.0,
                        "p99": round(p99, 6), "max": round(max(lags, default=0.0), 6),
                        "count": len(lags)},
        "max_lag_p99": options.max_lag,
        "valid": p99 <= options.max_lag,
    }  # fmt: skip
