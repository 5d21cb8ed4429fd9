"""Flatten harness transcripts into a CSV export, one row per message, as a contact-centre
platform would give it: conv_id, user_id, ts, speaker, message, channel.

    python examples/audit/flatten.py reports/run-…/transcripts/ conversations.csv

Customer messages become `user` rows, the bot's `bot`, a human agent's `agent`, and a
handoff a `system` row "transferred to agent" (its context payload is not exported, as
most platforms do not). Each conversation starts an hour after the one before, from
2024-03-01; read it back with `harness import conversations.csv --map examples/audit/map.yaml`.
"""

from __future__ import annotations

import csv
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from harness.model.transcript import Transcript

SPEAKERS = {"customer_message": "user", "bot_message": "bot", "agent_message": "agent"}
START = datetime(2024, 3, 1, tzinfo=UTC)


def flatten(folder: Path, out: Path) -> int:
    """Write every transcript under `folder` as CSV rows to `out`; the number of rows."""
    rows = 0
    with out.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["conv_id", "user_id", "ts", "speaker", "message", "channel"])
        for n, path in enumerate(sorted(folder.glob("*.jsonl"))):
            t = Transcript.from_jsonl(path.read_text(encoding="utf-8"))
            begun = START + timedelta(hours=n)
            for event in t.events:
                if event.kind == "handoff":
                    speaker, text = "system", "transferred to agent"
                elif event.kind in SPEAKERS and event.text:
                    speaker, text = SPEAKERS[event.kind], event.text
                else:
                    continue
                ts = (begun + timedelta(seconds=event.t)).isoformat(timespec="milliseconds")
                row = [t.conversation_id, t.customer_id, ts, speaker, text, event.channel]
                writer.writerow(row)
                rows += 1
    return rows


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python examples/audit/flatten.py TRANSCRIPTS_DIR OUT.csv")
    print(f"{flatten(Path(sys.argv[1]), Path(sys.argv[2]))} rows")
