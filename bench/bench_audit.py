"""Benchmark: `harness audit` over N imported transcripts beside merely reading them.

Makes N transcripts once (the bundled pack played against demo:amnesiac, flattened to CSV
as examples/audit/flatten.py does, imported, then copied under new conversation and
customer ids until there are N), then times
  read+parse   each file read and parsed into a Transcript, nothing else (one process)
  audit x1     harness.audit.auditing.audit() with one worker: links the contacts, checks,
               computes the metrics, copies every transcript and writes results.json
  audit xW     the same with --workers W (default: all cores)
and prints each with the ratio to read+parse (the target: audit x1 no more than 3 times).

    python bench/bench_audit.py [--transcripts 100000] [--workers W] [--rounds 1]

Not a test: figures depend on the machine; the best of --rounds is shown.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from harness.audit.auditing import AuditPlan, audit, transcript_files
from harness.audit.importer import import_files
from harness.audit.mapping import load_mapping
from harness.model.transcript import Transcript
from harness.run import RunOptions, bundled_pack, run

ROOT = Path(__file__).resolve().parents[1]


def make_transcripts(folder: Path, n: int) -> None:
    """N imported transcripts in `folder`: the amnesiac's, imported, then copied."""
    sys.path.insert(0, str(ROOT / "examples" / "audit"))
    from flatten import flatten  # type: ignore[import-not-found]

    work = folder.parent
    run(bundled_pack(), RunOptions(bot="demo:amnesiac"), out=work / "played")
    flatten(work / "played" / "transcripts", work / "export.csv")
    mapping = load_mapping(ROOT / "examples" / "audit" / "map.yaml")
    import_files([work / "export.csv"], mapping, work / "imported", salt=b"bench",
                 errors=io.StringIO())  # fmt: skip
    sources = [p.read_text() for p in sorted((work / "imported" / "transcripts").glob("*.jsonl"))]
    folder.mkdir()
    for i in range(n):
        lines = sources[i % len(sources)].split("\n", 1)
        head = json.loads(lines[0])
        head["conversation_id"] = f"{head['conversation_id']}-{i}"
        head["customer_id"] = f"{head['customer_id']}-{i // 3}"  # three contacts a customer
        (folder / f"c{i:07d}.jsonl").write_text(json.dumps(head) + "\n" + lines[1])


def read_and_parse(folder: Path) -> int:
    events = 0
    for path in transcript_files([folder]):
        events += len(Transcript.from_jsonl(path.read_text(encoding="utf-8")).events)
    return events


def timed(fn: object, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        fn()  # type: ignore[operator]
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transcripts", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "transcripts"
        started = time.perf_counter()
        make_transcripts(folder, args.transcripts)
        print(f"made {args.transcripts} transcripts in {time.perf_counter() - started:.1f} s")
        out = Path(tmp) / "out"

        def audit_with(workers: int) -> None:
            shutil.rmtree(out, ignore_errors=True)
            audit([folder], AuditPlan(out=out), workers=workers)

        base = timed(lambda: read_and_parse(folder), args.rounds)
        one = timed(lambda: audit_with(1), args.rounds)
        many = timed(lambda: audit_with(args.workers), args.rounds)
        n = args.transcripts
        print(f"read+parse  {base:7.2f} s  {n / base:9.0f} transcripts/s")
        for label, seconds in (("audit x1", one), (f"audit x{args.workers}", many)):
            print(
                f"{label:<11} {seconds:7.2f} s  {n / seconds:9.0f} transcripts/s  "
                f"{seconds / base:.2f}x read+parse"
            )


if __name__ == "__main__":
    main()
