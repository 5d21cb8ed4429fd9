"""The drivers (harness/drivers): the one effect step, carried out by the virtual driver
(simpy) and by the concurrent one (a coroutine on the adapter's loop).

Every test runs under both drivers against a bot with both faces (`send` and `asend`) that
logs each call, so what a driver does to the bot is in view as well as the clock.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from harness import DeskConfig, Pack, RunOptions
from harness._loop import LoopThread
from harness.adapters.base import Adapter, native_reply, native_request, supports_async
from harness.bots import reference_bot
from harness.conversation.desk import AGENT_NAMES
from harness.conversation.play import AwaitAgent, Exchange, Pause, Play, ReleaseAgent
from harness.drivers.concurrent import run_concurrent
from harness.drivers.virtual import run_virtual
from harness.errors import AdapterError
from harness.model.protocol import Reply, Session
from harness.model.transcript import Transcript
from harness.run import plan
from harness.run.execute import prepare_case

LATENCY = 2.0  # modelled seconds of a reply that brings no measured latency
FIRST, SECOND = Session("conv-1:1", "cust-1", "chat", 1), Session("conv-1:2", "cust-1", "voice", 2)


class Bot:
    """A bot with the sync and the async face; `answer` makes each Reply (or raises)."""

    endpoint = "test-bot"

    def __init__(self, answer: Callable[[Session, str], Reply]) -> None:
        self.answer = answer
        self.log: list[tuple[str, str]] = []
        self._loop: LoopThread | None = None

    def send(self, session: Session, text: str) -> Reply:
        self.log.append(("send", session.conversation_id))
        return self.answer(session, text)

    def close(self, session: Session) -> None:
        self.log.append(("close", session.conversation_id))

    def shutdown(self) -> None:
        if self._loop is not None:
            self._loop.stop()

    async def asend(self, session: Session, text: str) -> Reply:
        return self.send(session, text)

    async def aclose(self, session: Session) -> None:
        self.close(session)

    def event_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            self._loop = LoopThread("test-bot")
        return self._loop.loop


@pytest.fixture
def bots() -> Iterator[Callable[[Callable[[Session, str], Reply]], Bot]]:
    made: list[Bot] = []

    def make(answer: Callable[[Session, str], Reply]) -> Bot:
        made.append(Bot(answer))
        return made[-1]

    yield make
    for bot in made:
        bot.shutdown()


Start = Callable[[Callable[[], float]], Play]


def virtual(start: Start, bot: Adapter, rng: random.Random, desk: DeskConfig) -> Transcript:
    return run_virtual(start, bot, rng, desk=desk, latency=LATENCY)


def concurrent(start: Start, bot: Adapter, rng: random.Random, desk: DeskConfig) -> Transcript:
    assert supports_async(bot)
    ((index, transcript),) = run_concurrent([lambda: (start, rng)], bot, lambda i, t: t,
                                            concurrency=1, desk=desk, latency=LATENCY)  # fmt: skip
    assert index == 0
    return transcript


DRIVERS = pytest.mark.parametrize("drive", [virtual, concurrent], ids=["virtual", "concurrent"])
TRANSCRIPT = Transcript("conv-1", "test.story", "test-persona", 7, "cust-1", {})


def careful() -> Callable[[Session, str], Reply]:
    """A fresh careful reference bot (no memory yet), answering as an in-process bot does."""
    bot = reference_bot("careful")
    return lambda session, text: native_reply("test-bot", bot(native_request(session, text)))


def test_both_drivers_play_a_case_to_the_same_transcript(pack: Pack, bots: Any) -> None:
    """A handoff to a busy desk, so that thinking, latency and the desk's wait all count."""
    options = RunOptions(scenarios=("banking.fraud-dispute",), personas=("anxious-older",),
                         desk=DeskConfig(occupancy=1.0), latency=LATENCY)  # fmt: skip
    (case,) = plan(pack, options)
    played = []
    for drive in (virtual, concurrent):
        start, rng = prepare_case(case, options)
        played.append(drive(start, bots(careful()), rng, options.desk))
    assert played[0].to_jsonl() == played[1].to_jsonl()
    joined = played[0].first("agent_joined")
    assert joined is not None and joined.data["wait"] > 0  # the desk made the customer wait
    assert played[0].events[-1].data["outcome"] == "resolved_by_human"


def _timed(seen: list[Any]) -> Start:
    """A conversation that notes the clock around each effect."""

    def conversation(clock: Callable[[], float]) -> Play:
        seen.append(clock())
        yield Pause(30.0)
        seen.append(clock())
        yield Pause(0.0)
        sent, reply = yield Exchange(FIRST, "hello", think=5.0)
        seen.extend([sent, clock(), reply.messages])
        name = yield AwaitAgent(priority=1)
        seen.extend([clock(), name])
        yield ReleaseAgent()
        return TRANSCRIPT

    return conversation


@DRIVERS
@pytest.mark.parametrize(("measured", "took"), [(None, LATENCY), (0.25, 0.25)])
def test_pauses_thinking_and_the_bots_latency_advance_the_clock(
    drive: Any, bots: Any, measured: float | None, took: float
) -> None:
    seen: list[Any] = []
    bot = bots(lambda session, text: Reply(("hi",), latency=measured))
    desk = DeskConfig(occupancy=0.0)  # an agent is free at once
    assert drive(_timed(seen), bot, random.Random(3), desk) is TRANSCRIPT
    start, paused, sent, answered, messages, joined, name = seen
    assert (start, paused, sent, answered) == (0, 30.0, 35.0, 35.0 + took)
    assert messages == ("hi",) and joined == answered and name in AGENT_NAMES


@DRIVERS
def test_a_busy_desk_is_a_wait_on_the_clock(drive: Any, bots: Any) -> None:
    seen: list[Any] = []
    bot = bots(lambda session, text: Reply(("hi",)))
    drive(_timed(seen), bot, random.Random(3), DeskConfig(occupancy=1.0, handle_seconds=300.0))
    answered, joined = seen[3], seen[5]
    assert joined > answered  # every agent was busy


@DRIVERS
def test_an_adapter_error_becomes_an_error_event(pack: Pack, drive: Any, bots: Any) -> None:
    def refuse(session: Session, text: str) -> Reply:
        raise AdapterError("test-bot", "connection reset by peer")

    options = RunOptions(scenarios=("banking.balance",), personas=("calm-precise",))
    (case,) = plan(pack, options)
    start, rng = prepare_case(case, options)
    bot = bots(refuse)
    transcript = drive(start, bot, rng, options.desk)
    assert [e.kind for e in transcript.events] == ["customer_message", "error", "end"]
    error, end = transcript.events[1:]
    assert error.text == "test-bot: connection reset by peer"
    assert error.data == {"endpoint": "test-bot"}
    assert end.data == {"reason": "error", "outcome": "error"}
    assert bot.log == [
        ("send", f"{case.conversation_id}:1"),
        ("close", f"{case.conversation_id}:1"),
    ]


@DRIVERS
def test_each_session_is_closed_once_when_the_conversation_ends(drive: Any, bots: Any) -> None:
    def conversation(clock: Callable[[], float]) -> Play:
        for session in (FIRST, SECOND, FIRST):
            yield Exchange(session, "hello")
        return TRANSCRIPT

    bot = bots(lambda session, text: Reply(("hi",)))
    drive(conversation, bot, random.Random(3), DeskConfig())
    assert bot.log == [
        ("send", "conv-1:1"), ("send", "conv-1:2"), ("send", "conv-1:1"),
        ("close", "conv-1:1"), ("close", "conv-1:2"),
    ]  # fmt: skip
