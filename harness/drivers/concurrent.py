"""The concurrent driver: many conversations at once against a network bot, in virtual time.

The virtual driver plays one conversation after another, so a network bot sees one request
at a time. Here each conversation is the same sans-IO generator (`harness.conversation.play`)
stepped by a coroutine instead of a simpy process, with a virtual clock of its own: a float
that pauses, thinking, the bot's measured latency and desk waits advance exactly as they
advance the clock of drivers.virtual. Only the bot calls really wait. So a
conversation's transcript is the one the virtual driver gives (measured latencies aside),
while up to `concurrency` conversations wait on the bot together.

The coroutines run on the adapter's own event loop, where its connections live; the
caller's thread receives each transcript as its conversation finishes, in that order.
"""

from __future__ import annotations

import asyncio
import queue
import random
from collections.abc import Callable, Coroutine, Iterator, Sequence
from typing import Any, TypeVar

from harness.adapters.base import AsyncAdapter
from harness.conversation.desk import Desk, DeskConfig, Queued
from harness.conversation.play import Exchange, Play
from harness.drivers.step import Clock, Steps, steps
from harness.errors import AdapterError
from harness.model.protocol import Reply
from harness.model.transcript import Transcript

Start = Callable[[Callable[[], float]], Play]  # makes a conversation's generator on a clock
Prepare = Callable[[], tuple[Start, random.Random]]  # a conversation, made when it begins
T = TypeVar("T")


def run_concurrent(
    conversations: Sequence[Prepare],
    adapter: AsyncAdapter,
    finish: Callable[[int, Transcript], T],
    *,
    concurrency: int,
    desk: DeskConfig,
    latency: float = 1.0,
) -> Iterator[tuple[int, T]]:
    """Play the conversations, up to `concurrency` at once on the adapter's loop; yields
    (index in `conversations`, `finish(index, transcript)`) as each finishes.

    `finish` runs on the loop's thread, between bot calls: work done there (checking the
    transcript) does not make the two threads take turns at the GIL for every conversation,
    which costs more than the work. The caller's thread is woken once per loop iteration
    with everything finished in it. A conversation is prepared only when it begins.
    Leaving the iteration early cancels the rest.
    """
    finished: queue.SimpleQueue[list[tuple[int, T]] | None] = queue.SimpleQueue()
    work = _play_all(conversations, adapter, finish, concurrency, desk, latency, finished.put)
    future = asyncio.run_coroutine_threadsafe(work, adapter.event_loop())
    future.add_done_callback(lambda _: finished.put(None))  # after the last transcript
    try:
        while (batch := finished.get()) is not None:
            yield from batch
        future.result()  # a bug in a conversation is raised here, not lost on the loop
    finally:
        future.cancel()


def _play_all(
    conversations: Sequence[Prepare],
    adapter: AsyncAdapter,
    finish: Callable[[int, Transcript], T],
    concurrency: int,
    desk: DeskConfig,
    latency: float,
    deliver: Callable[[list[tuple[int, T]]], None],
) -> Coroutine[Any, Any, None]:
    """`concurrency` workers, each taking the next conversation when its last one ends."""
    pending = iter(range(len(conversations)))  # shared: each index is taken once
    batch: list[tuple[int, T]] = []

    def flush() -> None:
        if batch:
            deliver(batch.copy())
            batch.clear()

    async def worker() -> None:
        for i in pending:
            start, rng = conversations[i]()
            clock = Clock()
            conversation = steps(start(clock), Desk(clock, desk, rng), rng, latency, clock)
            transcript = await _drive(conversation, adapter, clock)
            if not batch:
                asyncio.get_running_loop().call_soon(flush)
            batch.append((i, finish(i, transcript)))

    async def everyone() -> None:
        async with asyncio.TaskGroup() as workers:  # a bug in one cancels the others
            for _ in range(min(concurrency, len(conversations))):
                workers.create_task(worker())
        flush()

    return everyone()


async def _drive(conversation: Steps, adapter: AsyncAdapter, clock: Clock) -> Transcript:
    """Do what `conversation` needs: drivers.virtual.drive, with awaits for the bot."""
    value: Reply | AdapterError | None = None
    while True:
        try:
            need = conversation.send(value)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        value = None
        if isinstance(need, Exchange):
            try:
                value = await adapter.asend(need.session, need.text)
            except AdapterError as exc:
                value = exc
        elif isinstance(need, int | float):
            clock.now += need
        elif isinstance(need, Queued):  # a conversation's own desk answers in seconds
            raise TypeError("only the load driver waits on a shared desk's queue")
        else:
            await adapter.aclose(need)
