"""The check registry and the small helpers that every check uses to state its evidence."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from harness.model.scenario import Expectations
from harness.model.transcript import Event, Transcript
from harness.model.verdict import Verdict

CheckFn = Callable[[Transcript, Expectations], Verdict]


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    fails_when: str
    fn: CheckFn


REGISTERED: dict[str, Check] = {}


def check(name: str, fails_when: str) -> Callable[[CheckFn], CheckFn]:
    def register(fn: CheckFn) -> CheckFn:
        REGISTERED[name] = Check(name, fails_when, fn)
        return fn

    return register


def passed(name: str, message: str) -> Verdict:
    return Verdict(name, "pass", message)


def skipped(name: str, message: str) -> Verdict:
    return Verdict(name, "skip", message)


def failed(name: str, message: str, events: Iterable[Event]) -> Verdict:
    """A failing verdict quoting `events`, in transcript order, without repeats."""
    seen: list[Event] = []
    for event in events:
        if all(event is not other for other in seen):
            seen.append(event)
    # Turn and time never decrease along a transcript; a stable sort keeps the caller's
    # order for events of the same moment.
    seen.sort(key=lambda e: (e.turn, e.t))
    turns = sorted({e.turn for e in seen})
    return Verdict(name, "fail", message, tuple(turns), tuple(e.quote() for e in seen))


def asking(event: Event) -> list[str]:
    """The facts a bot or agent message asks for."""
    if event.kind in ("bot_message", "agent_message"):
        return list(event.data.get("asks", ()))
    return []
