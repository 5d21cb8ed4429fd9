"""The live driver: a load run on the wall clock, open arrivals, the harness's own lag measured.

Customers arrive when their (simulated) arrival time comes round on the wall clock, each
conversation a task of its own, so a slow bot never slows arrivals (no coordinated
omission). Time runs `speed` times faster than the wall clock for everything the
harness plays (arrivals, thinking, the desk's handle times and patience); the bot's
answers take the time they really take. `WallClock` gives the shared desk what it needs
of simpy (now, event, timeout, process) on the asyncio loop, and records how late every
timer and sleep woke: the harness's scheduling lag. A run whose lag p99 passes its bound
measured an overloaded generator as much as the bot, and is marked invalid by its caller.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Generator, Iterable
from typing import Any

from harness.adapters.base import Adapter, supports_async
from harness.conversation.desk import DeskView, Queued
from harness.conversation.play import Exchange
from harness.drivers.load import Begin, Finish
from harness.drivers.step import Steps, steps
from harness.errors import AdapterError
from harness.model.protocol import Reply
from harness.model.transcript import Transcript


class _Event:
    """A one-shot event on the loop: `succeed(value)` wakes whoever awaits it."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.future: asyncio.Future[Any] = loop.create_future()
        self.callbacks: list[Callable[[_Event], None]] = []

    def succeed(self, value: Any = None) -> None:
        if not self.future.done():
            self.future.set_result(value)
        for callback in self.callbacks:
            callback(self)

    def __await__(self) -> Generator[Any, None, Any]:
        return self.future.__await__()


class WallClock:
    """Simulated seconds on the wall clock, `speed` times faster; its lag, in wall seconds."""

    def __init__(self, loop: asyncio.AbstractEventLoop, speed: float) -> None:
        self.loop = loop
        self.speed = speed
        self.start = loop.time()
        self.lags: list[float] = []

    @property
    def now(self) -> float:
        return (self.loop.time() - self.start) * self.speed

    def event(self) -> _Event:
        return _Event(self.loop)

    def timeout(self, delay: float) -> _Event:
        event = _Event(self.loop)
        due = self.loop.time() + delay / self.speed
        self.loop.call_at(due, self._fire, event, due)
        return event

    def _fire(self, event: _Event, due: float) -> None:
        self.lags.append(max(0.0, self.loop.time() - due))
        event.succeed()

    def process(self, generator: Generator[Any, Any, None]) -> None:
        """Run a generator that yields this clock's timeouts (the desk's shifts)."""

        def resume(_: object = None) -> None:
            timeout = next(generator, None)
            if timeout is not None:
                timeout.callbacks.append(resume)

        resume()

    async def sleep(self, seconds: float) -> None:
        due = self.loop.time() + seconds / self.speed
        await asyncio.sleep(seconds / self.speed)
        self.lags.append(max(0.0, self.loop.time() - due))


def run_live(
    speed: float,
    arrivals: Iterable[float],
    begin: Begin,
    adapter: Adapter,
    make_desk: Callable[[WallClock], DeskView],
    finish: Finish,
) -> WallClock:
    """Play a conversation at each arrival time on the wall clock, on the adapter's loop
    when it has one; returns the clock, with its lags."""
    work = _everyone(speed, arrivals, begin, adapter, make_desk, finish)
    if supports_async(adapter):  # on the loop its connections belong to
        return asyncio.run_coroutine_threadsafe(work, adapter.event_loop()).result()
    return asyncio.run(work)


async def _everyone(
    speed: float,
    arrivals: Iterable[float],
    begin: Begin,
    adapter: Adapter,
    make_desk: Callable[[WallClock], DeskView],
    finish: Finish,
) -> WallClock:
    clock = WallClock(asyncio.get_running_loop(), speed)
    desk = make_desk(clock)
    now: Callable[[], float] = lambda: clock.now  # noqa: E731 (every conversation's clock)
    async with asyncio.TaskGroup() as conversations:  # a bug in one stops the run
        for i, at in enumerate(arrivals):
            if at > clock.now:
                await clock.sleep(at - clock.now)
            play, rng = begin(i, now)
            conversation = steps(play, desk, rng, 0.0, now, live=True)
            conversations.create_task(_play(i, clock.now, conversation, adapter, clock, finish))
    return clock


async def _play(
    i: int, at: float, conversation: Steps, adapter: Adapter, clock: WallClock, finish: Finish
) -> None:
    finish(i, at, await _drive(conversation, adapter, clock))


async def _drive(conversation: Steps, adapter: Adapter, clock: WallClock) -> Transcript:
    """Do what `conversation` needs, really waiting: drivers.load.drive on the wall clock.

    A network bot is awaited; an in-process bot answers at once, on the loop: its time
    shows as the harness's lag, as it should, being the harness's own CPU."""
    value: Reply | AdapterError | bool | None = None
    while True:
        try:
            need = conversation.send(value)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        value = None
        if isinstance(need, Exchange):
            try:
                if supports_async(adapter):
                    value = await adapter.asend(need.session, need.text)
                else:
                    value = adapter.send(need.session, need.text)
            except AdapterError as exc:
                value = exc
        elif isinstance(need, int | float):
            await clock.sleep(need)
        elif isinstance(need, Queued):
            value = await need.event  # type: ignore[misc]
        elif supports_async(adapter):
            await adapter.aclose(need)
        else:
            adapter.close(need)
