"""An asyncio event loop on a thread of its own, for synchronous code that drives async I/O.

The virtual driver calls adapters synchronously, one conversation after another; the HTTP
adapter and the demo-bot server do their I/O with aiohttp, which needs a running loop. Each
owns one `LoopThread` and hands it coroutines.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class LoopThread:
    """A running event loop on a daemon thread; `run` blocks until a coroutine is done."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self._thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    def stop(self) -> None:
        """Stop the loop and wait for its thread; the loop is closed and cannot be reused."""
        self.run(_settle())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join()
        self.loop.close()


async def _settle() -> None:
    """Cancel what is still running and let closing transports finish closing, as
    `asyncio.run` does, so that no socket is left for the garbage collector to warn about."""
    tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await asyncio.sleep(0.01)
