"""Fidelity: how well the harness judges a bot it did not write.

Plays the bundled pack against the second bot of the tests (tests/fidelity/second_bot.py,
"Penny": its own wording, intent classifier and fact tracking) in its careful variant and
in each flawed one, run seeds 0..N-1, in memory. Prints

  careful's false failures: conversations with any failing check, by check, with examples
  per defect: among the conversations the defect changes (same id and seed, the bot's
              messages, actions or handoffs differ from careful's), the share that fail a
              check of the defect's family, which checks caught them, and the misses

and a last line

    fidelity: careful false failures N of M; per defect: deflector P%, ...

    python bench/bench_fidelity.py [--seeds 20] [--misses 5]

Not a test (tests/fidelity/test_fidelity.py asserts the bar on the same figures).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the second bot lives in the tests

from harness import bundled_dir, load_pack  # noqa: E402
from tests.fidelity.measure import FAMILIES, Fidelity, measure  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20, help="run seeds 0..N-1 (default 20)")
    parser.add_argument("--misses", type=int, default=5, help="misses listed per defect")
    args = parser.parse_args()
    if args.seeds < 1 or args.misses < 0:
        parser.error("--seeds expects 1 or more, --misses 0 or more")
    pack = load_pack([bundled_dir("personas"), bundled_dir("scenarios")])
    started = time.process_time()
    figures = measure(pack, args.seeds, progress=lambda line: print(line, file=sys.stderr))
    cpu = time.process_time() - started
    report(figures, args.misses)
    print(f"cpu: {cpu:.1f} s for {args.seeds} seed(s), 8 variants")
    print(figures.summary())


def report(figures: Fidelity, misses: int) -> None:
    false = figures.false_failures
    print(f"careful: {len(false)} of {figures.conversations} conversations fail a check")
    for name, n in Counter(c for _, checks in false for c in checks).most_common():
        print(f"  {name}: {n}")
    for (cid, seed), checks in false[:misses]:
        print(f"    e.g. {cid} seed {seed}: {', '.join(checks)}")
    for defect, f in figures.defects.items():
        caught = ", ".join(f"{n} {c}" for n, c in f.by_check.most_common())
        family = " / ".join(FAMILIES[defect])
        print(f"{defect}: {f.caught} of {f.changed} changed conversations caught ({f.share:.1%})"
              f" by {family}" + (f": {caught}" if caught else ""))  # fmt: skip
        where = Counter(cid.split("--")[0] for (cid, _), _ in f.missed)
        if where:
            print("  missed in " + ", ".join(f"{s} {n}" for s, n in where.most_common()))
        for (cid, seed), checks in f.missed[:misses]:
            print(f"    e.g. {cid} seed {seed}: failed {', '.join(checks) or 'nothing'}")


if __name__ == "__main__":
    main()
