"""Worker processes for a run (`harness run --workers N`): chunks of a run's cases played
in a process pool, their results handed back in the order of the cases.

A virtual run of an in-process bot is CPU-bound, and every conversation is reproducible on
its own (drivers.virtual), so its cases can be played in any process with the same
transcripts. N workers are the run's own process and a pool of N - 1: while the pool
starts (a fresh interpreter each) and whenever the next chunk in order is not back yet,
the run's process plays the nearest chunk no worker has begun, so no core waits and what
comes back is held only briefly. The pool starts its processes with `spawn`, the one start
method every platform has: nothing reaches a worker but what is pickled in `state`, once
per process, and the chunk of case numbers it is asked to play. Workers ignore Ctrl-C: the
run's own process takes it, stops handing out chunks, waits for the few being played and
ends with what finished.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

S = TypeVar("S")
T = TypeVar("T")

CHUNK = 50  # cases per task: few enough for a steady progress display, many enough to pay

_state: Any = None  # a worker's `state`, set once when its process starts


def cores() -> int:
    """The cores this process may run on (`--workers auto`)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def in_workers(
    task: Callable[[S, list[int]], list[T]],
    state: S,
    numbers: Sequence[int],
    workers: int,
    here: Callable[[list[int]], list[T]],
    died: Callable[[int], T],
) -> Iterator[T]:
    """What `task(state, chunk)` returns for consecutive chunks of `numbers`, in the order of
    `numbers`, played by `workers` processes: this one, which plays a chunk with `here`
    (the same results as `task`), and a pool of `workers - 1`. `task` is a module-level
    function (it is pickled by name).

    A worker process that ends abruptly (a bot that crashes its process, or the memory
    limit) breaks the pool: the chunks it may have been playing are played again one number
    at a time, each in a process of its own, and a number whose process ends too is
    `died(number)`; the rest go to a fresh pool. After MAX_DEATHS such numbers the run
    stops: WorkersDied, with every result before it already yielded."""
    chunks = [list(numbers[at : at + CHUNK]) for at in range(0, len(numbers), CHUNK)]
    size = max(min(workers - 1, len(chunks) - 1), 1)
    ahead = 2 * size + 2  # chunks handed to the pool at once: none of its processes idles
    pool = _pool(size, state)
    handed: dict[int, Future[list[T]]] = {}  # chunk → its future, in the order handed out
    played_here: dict[int, list[T]] = {}
    next_chunk = 0  # the first chunk nobody has been given
    deaths = 0
    try:
        for k in range(len(chunks)):
            while k not in played_here:
                while (
                    next_chunk < len(chunks) and sum(not f.done() for f in handed.values()) < ahead
                ):
                    handed[next_chunk] = pool.submit(_play, task, chunks[next_chunk])
                    next_chunk += 1
                if handed[k].done() or next_chunk == len(chunks):
                    break  # the pool has it, or there is nothing left to play here meanwhile
                played_here[next_chunk] = here(chunks[next_chunk])
                next_chunk += 1
            if k in played_here:
                yield from played_here.pop(k)
                continue
            try:
                yield from handed.pop(k).result()
                continue
            except BrokenProcessPool:
                pass
            # The pool's processes take chunks in the order handed, so the ones that were
            # being played when a process ended are the first `size` that did not finish.
            pool.shutdown(wait=True, cancel_futures=True)
            broken = [j for j in sorted(handed) if not _finished(handed[j])]
            for j in [k, *broken[: size - 1]]:
                handed.pop(j, None)
                alone = _alone(task, state, chunks[j], died)
                deaths += sum(1 for _, lost in alone if lost)
                played_here[j] = [result for result, _ in alone]
            if deaths >= MAX_DEATHS:
                yield from played_here.pop(k)
                raise WorkersDied(deaths)
            pool = _pool(size, state)
            for j in broken[size - 1 :]:  # never begun: handed to a fresh pool
                handed[j] = pool.submit(_play, task, chunks[j])
            yield from played_here.pop(k)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


MAX_DEATHS = 3  # worker processes a run's conversations may end before the run stops


class WorkersDied(Exception):
    """The run's conversations ended MAX_DEATHS worker processes: it stops there."""

    def __init__(self, deaths: int) -> None:
        super().__init__(f"{deaths} conversations each ended the process playing them")
        self.deaths = deaths


def _alone(
    task: Callable[[S, list[int]], list[T]], state: S, chunk: list[int], died: Callable[[int], T]
) -> list[tuple[T, bool]]:
    """Each number of `chunk` played by itself in a worker process, in turn; one whose
    process ends is `died(number)` (marked True), and the next gets a fresh process."""
    played: list[tuple[T, bool]] = []
    pool: ProcessPoolExecutor | None = None
    try:
        for n in chunk:
            pool = pool or _pool(1, state)
            try:
                played.extend((result, False) for result in pool.submit(_play, task, [n]).result())
            except BrokenProcessPool:
                pool.shutdown(wait=True)
                pool = None
                played.append((died(n), True))
    finally:
        if pool is not None:
            pool.shutdown(wait=True)
    return played


def _finished(future: Future[Any]) -> bool:
    return future.done() and not future.cancelled() and future.exception() is None


def _pool(size: int, state: object) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        size, mp_context=multiprocessing.get_context("spawn"), initializer=_start, initargs=(state,)
    )


def _start(state: object) -> None:
    global _state
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the run's own process
    _state = state


def _play(task: Callable[[Any, list[int]], list[T]], chunk: list[int]) -> list[T]:
    return task(_state, chunk)
