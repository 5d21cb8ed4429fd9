"""The progress of a load run: a live panel on a terminal, a plain line now and then in logs.

Both show the simulated clock, arrivals, conversations finished, the queue, agents busy
and the share within the first time_to_human statement so far. The panel is redrawn a few
times a second of wall-clock time; the lines come at every tenth of the expected run, so
a CI log gets about ten.
"""

from __future__ import annotations

import time
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from rich.live import Live
    from rich.table import Table

    from harness.load.execute import Snapshot


def clock(seconds: float) -> str:
    """Simulated time as `day 3 05:12:00` (day 1 is the run's first)."""
    day, rest = divmod(int(seconds), 86_400)
    return f"day {day + 1} {rest // 3600:02}:{rest % 3600 // 60:02}:{rest % 60:02}"


def line(s: Snapshot) -> str:
    within = f"{s.within[0] / s.within[1]:.1%}" if s.within and s.within[1] else "-"
    return (f"{clock(s.now)}  arrived {s.arrived:,}  finished {s.finished:,}  "
            f"queue {s.queue}  agents busy {s.busy}/{s.on_duty}  within SLA {within}")  # fmt: skip


class LoadProgress:
    """Called with a Snapshot each time a conversation finishes."""

    def __init__(self, expected: int, stream: IO[str], *, live: bool, quiet: bool) -> None:
        self.stream = stream
        self.every = max(1, expected // 10)
        self.live = live and not quiet
        self.quiet = quiet
        self._panel: Live | None = None
        self._shown = 0.0

    def __enter__(self) -> LoadProgress:
        if self.live:
            from rich.console import Console
            from rich.live import Live  # imported when shown: rich is slow to load

            self._panel = Live("", console=Console(file=self.stream), transient=True,
                               auto_refresh=False)  # fmt: skip
            self._panel.start()
        return self

    def __call__(self, s: Snapshot) -> None:
        if self._panel is not None:
            now = time.monotonic()
            if now - self._shown > 0.25:
                self._shown = now
                self._panel.update(self._table(s), refresh=True)
        elif not self.quiet and s.finished % self.every == 0:
            print(f"load: {line(s)}", file=self.stream, flush=True)

    def _table(self, s: Snapshot) -> Table:
        from rich.table import Table

        table = Table(title="harness load", show_header=False)
        within = f"{s.within[0] / s.within[1]:.1%}" if s.within and s.within[1] else "-"
        for name, value in (("simulated clock", clock(s.now)), ("arrivals", f"{s.arrived:,}"),
                            ("finished", f"{s.finished:,}"), ("queue", str(s.queue)),
                            ("agents busy", f"{s.busy} of {s.on_duty}"),
                            ("within SLA so far", within)):  # fmt: skip
            table.add_row(name, value)
        return table

    def __exit__(self, *exc: object) -> None:
        if self._panel is not None:
            self._panel.stop()
