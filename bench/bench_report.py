"""Benchmark (not a test): report.html of a big run: its size, how long it takes to build,
and how long headless Chromium takes to open it.

    python bench/bench_report.py --repeat 296 --bot demo:deflector   # 100,048 conversations
    python bench/bench_report.py --folder reports/run-…              # an existing run

Plays the bundled pack (26 scenarios × their personas) `--repeat` times, plus `--generated`
personas, into `--out` (a temporary folder by default) as `harness run` does, then builds
the report and prints the figures. With /usr/bin/chromium present, it also opens the page
and prints the time to the load event and to the charts being drawn.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from harness.conversation.desk import DeskConfig
from harness.report.html import write_report
from harness.run import RunOptions, bundled_pack, run

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--generated", type=int, default=0)
    parser.add_argument("--bot", default="demo:deflector")
    parser.add_argument("--out", type=Path, help="where the run goes (default: a temp folder)")
    parser.add_argument("--folder", type=Path, help="report on this run instead of playing one")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.folder or _play(args, args.out or Path(scratch) / "run")
        started = time.perf_counter()
        path = write_report(folder)
        built = time.perf_counter() - started
        results = (folder / "results.json").stat().st_size
        print(f"report.html: {path.stat().st_size / 1e6:.2f} MB, built in {built:.2f} s "
              f"(results.json {results / 1e6:.1f} MB)")  # fmt: skip
        if CHROMIUM.exists():
            _open(path)


def _play(args: argparse.Namespace, out: Path) -> Path:
    options = RunOptions(bot=args.bot, repeat=args.repeat, generated=args.generated,
                         desk=DeskConfig())  # fmt: skip
    started = time.perf_counter()
    result = run(bundled_pack(), options, out, keep_transcripts=False)
    failing = sum(1 for r in result.results if r.verdict != "pass")
    print(f"run: {len(result.results)} conversations ({failing} failing) in "
          f"{time.perf_counter() - started:.1f} s")  # fmt: skip
    return out


def _open(path: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page()
        started = time.perf_counter()
        page.goto(path.resolve().as_uri())
        loaded = time.perf_counter() - started
        page.wait_for_function("Chart.getChart('time-to-human-chart') !== undefined")
        drawn = time.perf_counter() - started
        browser.close()
    print(f"chromium: load event after {loaded:.2f} s, charts drawn after {drawn:.2f} s")


if __name__ == "__main__":
    main()
