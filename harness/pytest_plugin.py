"""The pytest plugin: `pytest scenarios/ --bot SPEC` plays every scenario as tests.

Registered as `harness` through the `pytest11` entry point. Like the CLI, it is a thin face
over harness.run: the same plan (scenario × persona × repeat, the same seeds), the same
play and checks, the same `results.json` and `transcripts/` in `--harness-out`.

    collection   each scenario YAML file (a file of harness kind; other YAML is left alone)
                 is a ScenarioFile; each case of its plan a ConversationItem, its id
                 `banking.fraud-dispute[calm-precise-0]` (persona, repeat), marked with
                 its domain and `high_stakes` / `low_stakes`
    failure      the failing checks, their evidence quoted from the transcript, the
                 transcript's path, the `harness replay` command that plays the same
                 customer again and the `harness run` command that reruns the case
    baseline     with `--harness-baseline DIR`, a conversation that failed in that run too
                 (and fails no check it passed there) is a known failure: xfailed, not
                 failed; so the session fails on regressions only (run.compare)
    reports      JUnit properties through `item.user_properties`; with allure-pytest active
                 (`--alluredir`), labels, severity, turns as steps and the transcript
                 attached (harness.report.allure); `results.json` when the session ends,
                 and with `--harness-report FILE` the HTML report (harness.report.html)
    fixture      `harness_play`: play one scenario against the configured bot, in Python

Each item plays its own case from its own seed, so items are independent and pytest-xdist
(`-n auto`) gives the verdicts of a serial run. Under xdist, a conversation's results.json
entry travels to the controller on its test report (reports carry extra attributes), and
the controller writes results.json.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from os.path import relpath
from pathlib import Path
from typing import Any, Literal

import pytest

from harness.adapters import Adapter, open_bot
from harness.errors import ConfigError
from harness.loading import (
    YAML_SUFFIXES,
    Pack,
    bundled_dir,
    is_scenario_file,
    load_pack,
    personas_with,
)
from harness.model.persona import Persona
from harness.model.scenario import Scenario
from harness.report.failure import failure_text
from harness.report.terminal import kpi_line
from harness.run import (
    Case,
    ConversationResult,
    RunOptions,
    iter_results,
    plan,
    play,
    rerun_command,
    write_results,
)
from harness.run.compare import against, known_failure, read_results
from harness.run.kpis import repeat_statistics, run_kpis
from harness.run.plan import persona_given, scenario_given
from harness.run.reproduce import replay_command
from harness.run.results import now, pack_entry

__all__ = ["ConversationFailed", "ConversationItem", "Play", "ScenarioFile"]

Play = Callable[..., ConversationResult]
_REPORT_KEY = "harness_conversation"  # the report attribute that carries a results.json entry
_PACK_KEY = "harness_pack"  # and the one that carries its scenario's and persona's entries


# -- options -----------------------------------------------------------------------------

# (option, ini key, metavar, help); an option given on the command line beats the ini key.
_OPTIONS = (
    ("--bot", "harness_bot", "SPEC",
     "the bot under test: demo:NAME, package.module:attr, an http(s):// URL or an "
     "endpoint file (default: demo:careful)"),
    ("--harness-seed", "harness_seed", "N", "the run's seed (default: 0)"),
    ("--harness-repeat", "harness_repeat", "K",
     "play each scenario × persona K times, each with its own seed (default: 1)"),
    ("--generated", "harness_generated", "N",
     "add N generated personas to every scenario (default: 0)"),
    ("--harness-personas", "harness_personas", "PATH",
     "persona files or folders that play the scenarios naming no personas, instead of the "
     "bundled ones (repeatable; --harness-with-bundled: beside them)"),
    ("--harness-out", "harness_out", "DIR",
     "where results.json and transcripts/ go (default: reports/pytest)"),
    ("--harness-timeout", "harness_timeout", "SECONDS",
     "how long a bot over the network has to answer one message (default: 10)"),
    ("--harness-baseline", "harness_baseline", "DIR",
     "an earlier run's results folder: its known failures are xfailed, only regressions "
     "fail"),
    ("--harness-report", "harness_report", "FILE",
     "also write the HTML report of the conversations to FILE (default: none)"),
)  # fmt: skip


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("harness", "harness: customer conversations as tests")
    for option, ini, metavar, text in _OPTIONS:
        repeatable = option == "--harness-personas"
        group.addoption(option, dest=ini, metavar=metavar, help=text,
                        action="append" if repeatable else "store", default=None)  # fmt: skip
        kind: Literal["linelist", "string"] = "linelist" if repeatable else "string"
        parser.addini(ini, text, type=kind, default=None)
    text = "play the bundled personas beside --harness-personas (default: those alone)"
    group.addoption("--harness-with-bundled", dest="harness_with_bundled", action="store_true",
                    default=None, help=text)  # fmt: skip
    parser.addini("harness_with_bundled", text, type="bool", default=False)


def _setting(config: pytest.Config, name: str) -> Any:
    given = config.getoption(name)
    return given if given is not None else config.getini(name)


def _number(config: pytest.Config, name: str, default: float, kind: type[int] | type[float],
            *, least: float) -> Any:  # fmt: skip
    raw = _setting(config, name)
    if raw in (None, ""):
        return default
    try:
        value = kind(raw)
    except ValueError:
        value = None
    if value is None or value < least:
        option = next(o for o, ini, _, _ in _OPTIONS if ini == name)
        word = "a whole number" if kind is int else "a number"
        raise pytest.UsageError(f"{option} ({name}) expects {word} of {least:g} or more, "
                                f"got {raw!r}")  # fmt: skip
    return value


@dataclass(slots=True)
class _State:
    """The plugin's state for one pytest process, kept in `config.stash`."""

    options: RunOptions
    out: Path
    persona_paths: tuple[Path, ...]
    with_bundled: bool  # the bundled personas play beside the given ones
    here: Path  # where pytest was invoked: paths in messages are relative to it
    recorded: list[dict[str, Any]] = field(default_factory=list)
    pack: dict[str, dict[str, Any]] = field(default_factory=dict)  # results.json's pack
    started: str = ""
    baseline: dict[str, Any] | None = None  # the baseline run's results.json, if given
    scenarios: dict[str, Scenario] = field(default_factory=dict)  # collected, for harness_play
    kpis: dict[str, Any] | None = None  # the session's, once its conversations are in
    _personas: Pack | None = None
    _adapter: Adapter | None = None

    def personas(self) -> Pack:
        """The bundled personas and the given ones (a given file beats its bundled twin)."""
        if self._personas is None:
            self._personas = personas_with(self.persona_paths, with_bundled=self.with_bundled)
        return self._personas

    def adapter(self) -> Adapter:
        """One adapter for this process's items, as `harness run` opens one for its run."""
        if self._adapter is None:
            self._adapter = open_bot(self.options.bot, timeout=self.options.timeout)
        return self._adapter

    def shutdown(self) -> None:
        if self._adapter is not None:
            self._adapter.shutdown()
            self._adapter = None

    def shown(self, path: Path) -> str:
        """`path` as a person would type it where pytest was invoked."""
        try:
            return relpath(path, self.here)
        except ValueError:  # another drive
            return str(path)


_STATE = pytest.StashKey[_State]()


def _state(config: pytest.Config) -> _State:
    return config.stash[_STATE]


def pytest_configure(config: pytest.Config) -> None:
    for line in (
        "high_stakes: a harness scenario with stakes: high",
        "low_stakes: a harness scenario with stakes: low (a control)",
    ):
        config.addinivalue_line("markers", line)
    here = config.invocation_params.dir
    options = RunOptions(
        bot=_setting(config, "harness_bot") or "demo:careful",
        seed=_number(config, "harness_seed", 0, int, least=0),
        repeat=_number(config, "harness_repeat", 1, int, least=1),
        generated=_number(config, "harness_generated", 0, int, least=0),
        timeout=_number(config, "harness_timeout", 10.0, float, least=0.001),
    )
    out = Path(_setting(config, "harness_out") or "reports/pytest")
    personas = tuple(here / p for p in _setting(config, "harness_personas") or ())
    baseline = _setting(config, "harness_baseline")
    try:
        known = read_results(here / baseline) if baseline else None
    except ConfigError as exc:
        raise pytest.UsageError(f"--harness-baseline: {exc}") from None
    with_bundled = bool(_setting(config, "harness_with_bundled"))
    config.stash[_STATE] = _State(options, here / out, personas, with_bundled, here, started=now(),
                                  baseline=known)  # fmt: skip
    if _setting(config, "harness_bot"):  # a bot named: one usage error now, not one per item
        try:
            config.stash[_STATE].adapter()
        except ConfigError as exc:
            raise pytest.UsageError("\n".join(exc.problems)) from None
    config.pluginmanager.register(_Reports(config), "harness-reports")


def pytest_unconfigure(config: pytest.Config) -> None:
    if _STATE in config.stash:
        config.stash[_STATE].shutdown()


def pytest_report_header(config: pytest.Config) -> str:
    state = _state(config)
    o = state.options
    return f"harness: bot {o.bot} · seed {o.seed} · out {state.shown(state.out)}"


# -- collection --------------------------------------------------------------------------


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> ScenarioFile | None:
    if file_path.suffix in YAML_SUFFIXES and is_scenario_file(file_path):
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


class ScenarioFile(pytest.File):
    """One scenario file: an item for each case of its plan."""

    def collect(self) -> Iterator[ConversationItem]:
        state = _state(self.config)
        pack = load_pack([self.path], base=state.personas())
        state.scenarios.update(pack.scenarios)
        for case in plan(pack, state.options):
            name = f"{case.scenario.id}[{case.persona.id}-{case.repeat}]"
            item = ConversationItem.from_parent(self, name=name, case=case)
            for marker in (_domain_marker(self.config, case.scenario.domain),
                           f"{case.scenario.stakes}_stakes"):  # fmt: skip
                if marker:
                    item.add_marker(marker)
            yield item

    def repr_failure(  # type: ignore[override]
        self, excinfo: pytest.ExceptionInfo[BaseException]
    ) -> str | Any:
        """A file that does not load says what is wrong and where, without a traceback."""
        if isinstance(excinfo.value, ConfigError):  # its paths, as typed where pytest runs
            return str(excinfo.value).replace(f"{_state(self.config).here}{os.sep}", "")
        return super().repr_failure(excinfo)


def _domain_marker(config: pytest.Config, domain: str) -> str | None:
    """The marker for a domain (`banking`), registered first so `--strict-markers` accepts it;
    None for a domain that cannot be a marker name."""
    if not domain.isidentifier():
        return None
    known = {line.split(":")[0].split("(")[0].strip() for line in config.getini("markers")}
    if domain not in known:
        config.addinivalue_line("markers", f"{domain}: harness scenarios of the {domain} domain")
    return domain


# -- the items ---------------------------------------------------------------------------


class ConversationFailed(AssertionError):
    """A conversation whose verdict is `fail` or `error`; its text is the failure report.
    (An AssertionError, so that reports such as Allure's count it failed, not broken.)"""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


class ConversationItem(pytest.Item):
    """One scenario × persona × repeat: plays its case, checks it and reports the verdict."""

    def __init__(self, *, case: Case, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case
        self.entry: dict[str, Any] | None = None  # its results.json entry, once played
        self.pack: dict[str, Any] | None = None  # its scenario and persona for results.json

    def runtest(self) -> None:
        state = _state(self.config)
        result = next(iter_results([self.case], state.options, state.adapter()))
        transcript = state.out / "transcripts" / f"{self.case.conversation_id}.jsonl"
        jsonl = result.transcript.to_jsonl() if result.transcript is not None else ""
        transcript.parent.mkdir(parents=True, exist_ok=True)
        transcript.write_text(jsonl, encoding="utf-8")
        self.entry = result.to_dict(f"transcripts/{transcript.name}")
        files = {**state.personas().files, f"scenario:{self.case.scenario.id}": self.path}
        self.pack = pack_entry([self.case], files)
        rerun = _rerun(self.case, state, self.path)
        self._properties(result, state.shown(transcript), rerun)
        replay = replay_command(state.shown(state.out), self.case.conversation_id,
                                bot=state.options.bot)  # fmt: skip
        text = failure_text(result, state.shown(transcript), rerun, replay)
        if self.config.getoption("allure_report_dir", None):
            from harness.report.allure import annotate  # allure only when its report is on

            annotate(result, jsonl, text)
        if result.verdict != "pass":
            if state.baseline is not None and known_failure(state.baseline, self.entry):
                pytest.xfail(f"known failure: it failed in the baseline too\n{text}")
            raise ConversationFailed(text)

    def _properties(self, result: ConversationResult, transcript: str, rerun: str) -> None:
        case = result.case
        failing = [v.name for v in result.checks if v.verdict == "fail"]
        self.user_properties.extend([
            ("scenario", case.scenario.id), ("persona", case.persona.id),
            ("seed", case.seed), ("repeat", case.repeat), ("verdict", result.verdict),
            ("outcome", result.metrics["outcome"]),
            ("time_to_human", "none" if (tth := result.metrics["time_to_human"]) is None
             else str(tth)),
            ("failing_checks", ", ".join(failing)), ("transcript", transcript),
            ("rerun", rerun),
        ])  # fmt: skip

    def repr_failure(
        self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None
    ) -> str | Any:
        if isinstance(excinfo.value, ConversationFailed):
            return excinfo.value.text
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"{self.case.scenario.id} × {self.case.persona.id}"


def _rerun(case: Case, state: _State, scenario_file: Path) -> str:
    """The `harness run` command that replays this case alone, with the files it needs."""
    paths = [state.shown(scenario_file)]
    persona_file = state.personas().files.get(f"persona:{case.persona.id}")
    if persona_file is not None and persona_file.resolve().parent != bundled_dir("personas"):
        paths.append(state.shown(persona_file))
    o = state.options
    return rerun_command(paths, bot=o.bot, seed=o.seed, scenario=case.scenario.id,
                         persona=case.persona.id, repeat=case.repeat)  # fmt: skip


# -- reports -----------------------------------------------------------------------------


class _Reports:
    """Registered for each session: carries each conversation's results.json entry on its
    test report and, in the controller (or the only process), writes results.json."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.worker = hasattr(config, "workerinput")  # a pytest-xdist worker

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        if isinstance(item, ConversationItem) and call.when == "call" and item.entry:
            setattr(report, _REPORT_KEY, item.entry)  # xdist sends it to the controller
            setattr(report, _PACK_KEY, item.pack)
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        entry = getattr(report, _REPORT_KEY, None)
        if entry is not None and not self.worker:
            state = _state(self.config)
            state.recorded.append(entry)
            for kind, described in (getattr(report, _PACK_KEY, None) or {}).items():
                state.pack.setdefault(kind, {}).update(described)

    def pytest_sessionfinish(self) -> None:
        state = _state(self.config)
        if self.worker or not state.recorded:
            return
        state.out.mkdir(parents=True, exist_ok=True)
        recorded = sorted(state.recorded, key=lambda e: (
            e["scenario"], e["persona_seed"] is not None, e["persona"], e["repeat"]))  # fmt: skip
        kpis = run_kpis([e["metrics"] for e in recorded], sla_seconds=state.options.sla_seconds)
        kpis.update(repeat_statistics(recorded))
        state.kpis = kpis
        o, comparison = state.options, None
        if state.baseline is not None:
            comparison = against(state.baseline, recorded, kpis, bot=o.bot, seed=o.seed,
                                 out=state.out)  # fmt: skip
        write_results(state.out / "results.json", state.options, recorded, kpis,
                      started=state.started, finished=now(), comparison=comparison,
                      pack=state.pack)  # fmt: skip
        report = _setting(self.config, "harness_report")
        if report:
            from harness.report.html import write_report  # jinja2 only when it is asked for

            write_report(state.out, state.here / report)

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        state = _state(self.config)
        if state.recorded:
            failing = sum(1 for e in state.recorded if e["verdict"] != "pass")
            report = _setting(self.config, "harness_report")
            terminalreporter.write_line(
                f"harness: {len(state.recorded)} conversations, {failing} failing; "
                f"results: {state.shown(state.out / 'results.json')}"
                + (f"; report: {state.shown(state.here / report)}" if report else "")
            )
            if state.kpis is not None:
                terminalreporter.write_line(f"harness KPIs: {kpi_line(state.kpis)}")


# -- the fixture -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def harness_play(pytestconfig: pytest.Config) -> Play:
    """A function that plays and checks one conversation against the configured bot:

        harness_play(scenario, persona, *, seed=None, repeat=0, checks=()) -> ConversationResult

    `scenario` is a Scenario, the id of a bundled scenario or an inline scenario mapping;
    `persona` a Persona or the id of a bundled (or `--harness-personas`) persona, or
    `gen-<seed>`. `seed` defaults to `--harness-seed`. Session-scoped, so Hypothesis's
    `@given` may use it without a function-scoped-fixture health check.
    """
    state = _state(pytestconfig)

    def harness_play(scenario: Scenario | str | Mapping[str, Any], persona: Persona | str, *,
                     seed: int | None = None, repeat: int = 0,
                     checks: Sequence[str] = ()) -> ConversationResult:  # fmt: skip
        return play(scenario_given(scenario, "harness_play", state.scenarios),
                    persona_given(persona, state.personas().personas, "harness_play"),
                    bot=state.options.bot,
                    seed=state.options.seed if seed is None else seed, repeat=repeat,
                    checks=checks)  # fmt: skip

    return harness_play
