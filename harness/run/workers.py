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
) -> Iterator[T]:
    """What `task(state, chunk)` returns for consecutive chunks of `numbers`, in the order of
    `numbers`, played by `workers` processes: this one, which plays a chunk with `here`
    (the same results as `task`), and a pool of `workers - 1`. `task` is a module-level
    function (it is pickled by name). Leaving the iteration early cancels the chunks not
    begun."""
    chunks = [list(numbers[at : at + CHUNK]) for at in range(0, len(numbers), CHUNK)]
    pool = ProcessPoolExecutor(
        max(min(workers - 1, len(chunks) - 1), 1),
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start,
        initargs=(state,),
    )
    try:
        futures: list[Future[list[T]]] = [pool.submit(_play, task, c) for c in chunks]
        played_here: dict[int, list[T]] = {}
        for k, future in enumerate(futures):
            while k not in played_here and not future.done():
                # the nearest chunk no worker has begun (a cancelled future is ours to play)
                mine = next((j for j in range(k, len(futures))
                             if j not in played_here and futures[j].cancel()), None)  # fmt: skip
                if mine is None:
                    break
                played_here[mine] = here(chunks[mine])
            yield from played_here.pop(k) if k in played_here else future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _start(state: object) -> None:
    global _state
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the run's own process
    _state = state


def _play(task: Callable[[Any, list[int]], list[T]], chunk: list[int]) -> list[T]:
    return task(_state, chunk)
