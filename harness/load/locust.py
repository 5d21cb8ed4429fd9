"""Live load past one client machine: a Locust User that plays harness conversations.

Locust's distributed mode spreads users over worker processes and machines; each worker
that imports this module (a locustfile holding `from harness.load.locust import
HarnessUser`) plays conversations against the bot at `--host`, which speaks the native
protocol, and writes them as a run folder of its own: `results.jsonl` as each conversation
finishes, `results.json` when the test stops, and `transcripts/`. `harness sla --sla FILE
DIR…` then judges what every worker wrote, together. This module needs the optional extra
`locust` (`pip install 'csbot-harness[locust]'`) and is imported only by a locustfile.

Locust runs on gevent, which does not mix with the network adapters (aiohttp on an asyncio
loop of their own thread). So the user drives a conversation's steps (drivers.step) itself:
thinking and the desk's times are `gevent.sleep`, `--harness-speed` times faster than the
wall clock; each message is one POST of a native request with Locust's own HTTP client,
timed by Locust (a request named after the scenario). Each conversation sees the
per-conversation desk of `harness run` (conversation.desk): workers on several machines
share no desk, so a queue between the run's own customers is `harness load`'s alone.

Locust users form a closed model: a user begins its next conversation when the last one
ends, so a slow bot slows arrivals. Give enough users for the load you mean.
"""

from __future__ import annotations

import itertools
import logging
import random
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import gevent
from locust import FastHttpUser, constant, events, task
from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner

from harness.adapters.base import UnreadableJson, native_reply, native_request, read_json
from harness.checks import run_checks
from harness.conversation.desk import Desk, DeskConfig
from harness.conversation.lexicon import Lexicon
from harness.conversation.play import Exchange
from harness.drivers.step import Steps, steps
from harness.errors import AdapterError, ConfigError, quote
from harness.load.arrivals import Mix
from harness.load.execute import load_metrics
from harness.loading import pack_for
from harness.model.protocol import Reply, Session
from harness.model.seeds import derive_seed
from harness.model.transcript import Transcript
from harness.run.execute import prepare_case
from harness.run.kpis import conversation_metrics, run_kpis
from harness.run.plan import Case, RunOptions
from harness.run.results import (
    LOG,
    ConversationResult,
    ResultsLog,
    now,
    results_head,
    write_atomically,
    write_results_lines,
)

__all__ = ["HarnessUser"]

PER_WORKER = 1_000_000_000  # a worker's conversations are numbered from index × this
log = logging.getLogger("harness.locust")


# The harness's options on Locust's command line: --harness-<name>, or LOCUST_HARNESS_<NAME>.
OPTIONS: list[tuple[str, type, Any, str, str]] = [
    ("out", str, "reports/locust", "DIR",
     "each worker writes a run folder in DIR (default: reports/locust)"),
    ("paths", str, "", "PATHS", "scenario and persona files or folders, comma-separated, "
     "found on each worker's machine (default: the bundled pack)"),
    ("seed", int, 0, "N", "the run's seed (default: 0)"),
    ("speed", float, 1.0, "X", "thinking and the desk run X times the wall clock (default: 1)"),
    ("agents", int, 4, "N", "human agents at each conversation's desk (default: 4)"),
    ("timeout", float, 10.0, "SECONDS",
     "how long the bot has to answer one message (default: 10)"),
]  # fmt: skip


def _options(parser: Any) -> None:
    """Add OPTIONS to Locust's parser; the master sends their values to its workers."""
    group = parser.add_argument_group("harness", "playing harness conversations")
    for name, kind, default, metavar, says in OPTIONS:
        group.add_argument(f"--harness-{name}", env_var=f"LOCUST_HARNESS_{name.upper()}",
                           type=kind, default=default, metavar=metavar, help=says)  # fmt: skip


class _Played:
    """One worker's run folder: who plays next, and each finished conversation written."""

    def __init__(self, environment: Environment, out: Path) -> None:
        opts = environment.parsed_options
        assert opts is not None
        speed, agents, timeout = opts.harness_speed, opts.harness_agents, opts.harness_timeout
        bad = [f"--harness-{name} expects a number above 0, got {value:g}"
               for name, value in (("speed", speed), ("agents", agents), ("timeout", timeout))
               if not value > 0]  # fmt: skip
        if bad:
            raise ConfigError(bad)
        paths = [Path(p.strip()) for p in opts.harness_paths.split(",") if p.strip()]
        self.mix = Mix(pack_for(paths))
        self.lexicons = {s.id: Lexicon(s) for s in self.mix.scenarios}
        self.speed = float(speed)
        self.options = RunOptions(bot=endpoint(environment.host), seed=opts.harness_seed,
                                  desk=DeskConfig(agents=agents), timeout=timeout)  # fmt: skip
        self.out = out
        (out / "transcripts").mkdir(parents=True)
        self.log = ResultsLog(out, self.options)
        self.numbers = itertools.count(_worker_index(environment) * PER_WORKER)
        self.started, self.began = now(), time.monotonic()
        self.metrics: list[dict[str, Any]] = []
        self.verdicts: list[str] = []

    def begin(self) -> tuple[Case, Steps, float]:
        """The next conversation: its case, its steps and when it arrived (simulated seconds
        from the test's start)."""
        number, seed = next(self.numbers), self.options.seed
        scenario, persona = self.mix.draw(random.Random(derive_seed(seed, "locust", number)))
        case = Case(scenario, persona, number, derive_seed(seed, scenario.id, persona.id, number))
        start, rng = prepare_case(case, self.options, self.lexicons[scenario.id])
        began = time.monotonic()
        clock = lambda: (time.monotonic() - began) * self.speed  # noqa: E731
        desk = Desk(clock, self.options.desk, rng)  # this conversation's, as in `harness run`
        return (
            case,
            steps(start(clock), desk, rng, 0.0, clock, live=True),
            (began - self.began) * self.speed,
        )

    def finish(self, case: Case, transcript: Transcript, arrived_at: float) -> str:
        """Check the finished conversation, write it; its verdict."""
        metrics = {**conversation_metrics(transcript), **load_metrics(transcript, arrived_at)}
        error = transcript.first("error")
        result = ConversationResult(case, transcript, run_checks(transcript,
                                    case.scenario.expectations), metrics,
                                    error.text if error else None)  # fmt: skip
        name = f"transcripts/{case.conversation_id}.jsonl"
        write_atomically(self.out / name, transcript.to_jsonl())
        self.log.add(result.to_dict(name))
        self.metrics.append(metrics)
        self.verdicts.append(result.verdict)
        return result.verdict

    def close(self, environment: Environment) -> None:
        """results.json from the log: the run, its summary and every finished conversation."""
        self.log.close()
        kpis = run_kpis(self.metrics, sla_seconds=self.options.sla_seconds)
        head = results_head(self.options, self.verdicts, kpis, started=self.started,
                            finished=now())  # fmt: skip
        head["run"]["locust"] = {"worker": _worker_index(environment), "speed": self.speed}
        with (self.out / LOG).open(encoding="utf-8") as lines:
            next(lines)  # the log's head: the run's options
            write_results_lines(self.out / "results.json", head, (s.rstrip("\n") for s in lines))
        log.info("harness: %d conversations in %s", len(self.verdicts), self.out)


_played: _Played | None = None  # this process's run, from test start to test stop


def _worker_index(environment: Environment) -> int:
    runner = environment.runner
    return runner.worker_index if isinstance(runner, WorkerRunner) else 0


def _folder(environment: Environment) -> Path:
    """A new folder in --harness-out for this process: worker-<index>, or local."""
    assert environment.parsed_options is not None
    name = "local"
    if isinstance(environment.runner, WorkerRunner):
        name = f"worker-{_worker_index(environment)}"
    base = Path(environment.parsed_options.harness_out) / name
    out, n = base, 1
    while out.exists():  # a run folder is never reused
        n += 1
        out = base.with_name(f"{name}-{n}")
    return out


def _start(environment: Environment, **_: Any) -> None:
    global _played
    if isinstance(environment.runner, MasterRunner):
        return  # the master plays nothing; its workers write
    try:
        _played = _Played(environment, _folder(environment))
    except (ConfigError, OSError) as exc:
        message = "; ".join(exc.problems) if isinstance(exc, ConfigError) else str(exc)
        log.error("harness: %s", message)
        environment.process_exit_code = 2
        if environment.runner is not None:
            gevent.spawn(environment.runner.quit)


def _stop(environment: Environment, **_: Any) -> None:
    global _played
    if _played is not None:
        _played.close(environment)
        _played = None


# Added as the locustfile imports this module, on the master and on every worker.
_events: Any = events  # Locust's event hooks are untyped
_events.init_command_line_parser.add_listener(_options)
_events.test_start.add_listener(_start)
_events.test_stop.add_listener(_stop)


class HarnessUser(FastHttpUser):
    """Plays harness conversations one after another against the native-protocol bot at
    --host; each finished conversation is checked and written to this worker's folder."""

    wait_time = constant(0)

    def __init__(self, environment: Environment) -> None:
        opts = environment.parsed_options
        if opts is not None:
            self.network_timeout = self.connection_timeout = opts.harness_timeout
        super().__init__(environment)

    @task
    def conversation(self) -> None:
        played = _played
        if played is None:  # the test could not start (its error is logged)
            gevent.sleep(1.0)
            return
        case, conversation, arrived_at = played.begin()
        transcript = self._drive(conversation, played.speed, case.scenario.id)
        played.finish(case, transcript, arrived_at)

    def _drive(self, conversation: Steps, speed: float, name: str) -> Transcript:
        """Do what the conversation needs on the wall clock: drivers.live's, with gevent."""
        value: Reply | AdapterError | None = None
        while True:
            try:
                need = conversation.send(value)
            except StopIteration as stop:
                return stop.value  # type: ignore[no-any-return]
            value = None
            if isinstance(need, Exchange):
                value = self._send(need.session, need.text, name)
            elif isinstance(need, int | float):
                gevent.sleep(need / speed)
            # a Session to close: nothing is held for one over HTTP

    def _send(self, session: Session, text: str, name: str) -> Reply | AdapterError:
        """One POST of a native request; the Reply, or the AdapterError saying what failed
        (also a failure in Locust's statistics)."""
        where = endpoint(self.host)
        sent = time.perf_counter()
        with self.client.post("", json=native_request(session, text), name=name,
                              catch_response=True) as response:  # fmt: skip
            try:
                reply = self._read(where, response)
            except AdapterError as exc:
                response.failure(exc.cause)
                return exc
            reply.latency = time.perf_counter() - sent
            return reply

    def _read(self, endpoint: str, response: Any) -> Reply:
        """The Reply in a response; what is wrong with it as an AdapterError."""
        if not response.status_code:  # no answer at all
            exc = getattr(response, "error", None) or response.request_meta.get("exception")
            raise AdapterError(endpoint, _failed(exc, self.network_timeout))
        body = response.content or b""
        if not 200 <= response.status_code < 300:
            text = quote(body.decode("utf-8", errors="replace"), empty="(empty body)")
            raise AdapterError(endpoint, f"HTTP {response.status_code}: {text}")
        try:
            return native_reply(endpoint, read_json(body))
        except UnreadableJson as exc:
            raise AdapterError(endpoint, f"the answer {exc}") from None
        except ValueError:  # also a body that is not UTF-8
            raise AdapterError(endpoint, "the answer is not JSON") from None


def endpoint(host: str | None) -> str:
    """The bot's URL as results and errors name it: without a user or password in it."""
    parts = urlsplit(host or "")
    if parts.username is None and parts.password is None:
        return host or ""
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def _failed(exc: BaseException | None, timeout: float) -> str:
    """Why a request got no answer, in the HTTP adapter's words."""
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (is the bot running, on this port?)"
    if isinstance(exc, TimeoutError | gevent.Timeout):
        return f"no answer within the timeout of {timeout:g} s"
    what = type(exc).__name__ if exc is not None else "no answer"
    return f"the request failed: {what}: {exc}" if str(exc or "") else f"the request failed: {what}"
