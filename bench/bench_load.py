"""Benchmark: a 100,000-conversation virtual load run, its peak memory and its speed.

The bundled pack against demo:careful at `--rate` arrivals per hour over one shared desk
(`--agents`, 8 min handle, abandonment on), everything `harness load` writes (every
transcript, results.json, sla.json) in a scratch folder. Prints conversations/s and the
process's peak RSS (target: at most 500 MB: results stream to disk, no transcript is
kept once written).

    python bench/bench_load.py [--conversations 100000] [--rate 120] [--agents 20]

Not a test: figures depend on the machine.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from harness import bundled_dir, load_pack
from harness.conversation.shared_desk import DeskPlan, Handle
from harness.load import LoadOptions, Sla, load


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--rate", type=float, default=120.0, help="arrivals per hour")
    parser.add_argument("--agents", type=int, default=20)
    args = parser.parse_args()
    pack = load_pack([bundled_dir("personas"), bundled_dir("scenarios")])
    options = LoadOptions(rate=args.rate / 3600, conversations=args.conversations,
                          desk=DeskPlan(agents=args.agents, handle=Handle(mean=480)))  # fmt: skip
    sla = Sla.model_validate({"statements": [{"time_to_human": {"within": 60, "share": 0.8}}]})
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        result = load(pack, options, Path(tmp) / "load", sla=sla)
        took = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"load run: {result.conversations:,} conversations in {took:.0f} s "
          f"({result.conversations / took:,.0f}/s), desk utilisation "
          f"{result.sla['desk']['utilisation']:.1%}")  # fmt: skip
    print(f"peak RSS: {peak:,.0f} MB")


if __name__ == "__main__":
    main()
