"""The progress display of a long run: a bar on an interactive terminal, silent in CI logs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from harness.run.results import ConversationResult

if TYPE_CHECKING:
    from rich.progress import Progress as Bar
    from rich.progress import TaskID


class Progress:
    """A progress bar on stderr for interactive runs; silent in CI logs."""

    def __init__(self, total: int, *, enabled: bool) -> None:
        self.total = total
        self.enabled = enabled and total > 1
        self._bar: Bar | None = None
        self._task: TaskID | None = None
        self.counts: dict[str, int] = {}  # verdict → conversations so far

    def __enter__(self) -> Progress:
        if self.enabled:
            from rich.progress import Progress as Bar  # imported when shown: rich is slow to load

            self._bar = Bar(transient=True)
            self._bar.start()
            self._task = self._bar.add_task("conversations", total=self.total)
        return self

    def advance(self, result: ConversationResult) -> None:
        self.counts[result.verdict] = self.counts.get(result.verdict, 0) + 1
        if self._bar is not None and self._task is not None:
            said = " · ".join(f"{self.counts.get(v, 0)} {v}" for v in ("pass", "fail", "error"))
            self._bar.update(self._task, advance=1, description=f"conversations · {said}")

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
