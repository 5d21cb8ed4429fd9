"""Benchmark: how well the lexicon reads bot wording it was not written from.

Reads every message of a labelled set (default: bench/lexicon/labelled.jsonl, bot messages
in the wording of public sample bots and assistants, labelled by meaning) with a scenario-free
Lexicon and prints, per reading, precision, recall and tp/fp/fn on the held-out part (the
sources no pattern was written from), the dev part and all of it.

    python bench/bench_lexicon.py [--labelled FILE] [--show-errors]

A reading the lexicon gives and the label does not is a false positive; one the label gives
and the lexicon misses, a false negative. A row may carry `"route": true`: an offer of a
person by another channel (a phone number, an email), which the lexicon does not read as
an offer in the chat; offers_handoff is then printed again without those rows. Not a test:
the figures are for the README.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.conversation.lexicon import Lexicon

READINGS = ("claims_resolution", "offers_handoff", "refuses_handoff", "fallback", "ai_disclosure")
SPLITS = ("held_out", "dev")
DEFAULT = Path(__file__).parent / "lexicon" / "labelled.jsonl"


@dataclass
class Tally:
    """Counts of one reading over one part of the set."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def line(self) -> str:
        said, labelled = self.tp + self.fp, self.tp + self.fn
        precision = f"{self.tp / said:.2f}" if said else "  - "
        recall = f"{self.tp / labelled:.2f}" if labelled else "  - "
        return f"precision {precision}  recall {recall}  (tp {self.tp}, fp {self.fp}, fn {self.fn})"


def load(path: Path) -> list[dict[str, Any]]:
    """The labelled messages; a malformed line stops the script with its file:line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        print(f"{path}: {exc}", file=sys.stderr)
        sys.exit(2)
    rows = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if not isinstance(row, dict):
                raise ValueError("needs a JSON object")
            if not isinstance(row.get("text"), str) or row.get("split") not in SPLITS:
                raise ValueError("needs a text and a split of held_out or dev")
            missing = [r for r in READINGS if not isinstance(row.get(r), bool)]
            if missing:
                raise ValueError(f"needs a true/false {missing[0]}")
        except ValueError as exc:
            print(f"{path}:{number}: {exc}", file=sys.stderr)
            sys.exit(2)
        rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labelled", type=Path, default=DEFAULT, metavar="FILE")
    parser.add_argument("--show-errors", action="store_true", help="list every misreading")
    args = parser.parse_args()
    rows = load(args.labelled)
    lexicon = Lexicon()
    tallies = {(s, r): Tally() for s in (*SPLITS, "all") for r in READINGS}
    in_chat = Tally()  # offers_handoff over the messages that are not a route elsewhere
    errors: list[str] = []
    for row in rows:
        read = lexicon.read(row["text"])
        for reading in READINGS:
            said, meant = bool(read.get(reading)), row[reading]
            for part in (row["split"], "all"):
                tally = tallies[part, reading]
                tally.tp += said and meant
                tally.fp += said and not meant
                tally.fn += meant and not said
            if reading == "offers_handoff" and not row.get("route"):
                in_chat.tp += said and meant
                in_chat.fp += said and not meant
                in_chat.fn += meant and not said
            if said != meant:
                kind = "fp" if said else "fn"
                errors.append(f"  {kind} {reading:<17} [{row['split']}] {row['text']}")
    for part in (*SPLITS, "all"):
        count = sum(1 for row in rows if part in ("all", row["split"]))
        print(f"{part} ({count} messages)")
        for reading in READINGS:
            print(f"  {reading:<17} {tallies[part, reading].line()}")
    if any(row.get("route") for row in rows):
        routes = sum(1 for row in rows if row.get("route"))
        print(
            f"offers_handoff without the {routes} routes to a person by another channel "
            f"(a phone number, an email: not read as an offer)\n  {'':<17} {in_chat.line()}"
        )
    if args.show_errors:
        print(f"misreadings ({len(errors)})", *sorted(errors), sep="\n")


if __name__ == "__main__":
    main()
