"""SLA statements (sla.yaml) judged over results with Wilson intervals.

Each statement is a share of some conversations, judged with a two-sided Wilson score
interval at the file's `confidence`: **proven** when the whole interval is on the right
side of the target, **refuted** when it is all on the wrong side, **inconclusive**
otherwise, with `needed`: how many more conversations would settle it if the share seen
so far held. `Judge` counts as results arrive (a load run feeds it each conversation as it
finishes; `harness sla` feeds it the entries of one or more results.json files), so no run
is held in memory to be judged.

    time_to_human {within, share}       among conversations with a handoff: a human
                                        joined within `within` of the trigger
    bot_time_to_handoff {within, share} among handoffs after a trigger: the bot handed
                                        off within N turns or S seconds of it
    handoff_context_complete {share}    among conversations where the check
                                        context.handoff_payload ran: it passed
    false_containment {at_most}         among conversations without an error: the bot
                                        kept the customer and the goal was not met
    abandonment {at_most}               among conversations without an error: the
                                        customer gave up (in the bot or in the queue)
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from statistics import NormalDist
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator

from harness.model.durations import parse_duration

Entry = dict[str, Any]  # one conversation of results.json
HOUR = 3600.0
_TURNS = re.compile(r"^\s*(\d+)\s*turns?\s*$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Within(_Model):
    within: float | str = Field(description="seconds, or a duration such as '60s' or '2m'")
    share: float = Field(gt=0, lt=1, description="the share that must be within, e.g. 0.9")

    @field_validator("within")
    @classmethod
    def _duration(cls, value: float | str) -> float:
        return parse_duration(value)


class TurnsOrSeconds(_Model):
    within: float | str = Field(description="'2 turns', or a duration such as '30s'")
    share: float = Field(gt=0, lt=1, description="the share that must be within, e.g. 0.95")

    @field_validator("within")
    @classmethod
    def _turns_or_duration(cls, value: float | str) -> float | str:
        if isinstance(value, str) and (match := _TURNS.match(value)):
            return f"{int(match[1])} turns"
        try:
            return parse_duration(value)
        except ValueError:
            raise ValueError(
                f"expects 'N turns' or a duration such as '30s', got {value!r}"
            ) from None


class Share(_Model):
    share: float = Field(gt=0, lt=1, description="the share that must hold, e.g. 0.99")


class AtMost(_Model):
    at_most: float = Field(gt=0, lt=1, description="the largest share allowed, e.g. 0.05")


class TimeToHuman(_Model):
    time_to_human: Within


class BotTimeToHandoff(_Model):
    bot_time_to_handoff: TurnsOrSeconds


class HandoffContextComplete(_Model):
    handoff_context_complete: Share


class FalseContainment(_Model):
    false_containment: AtMost


class Abandonment(_Model):
    abandonment: AtMost


KINDS: dict[str, type[BaseModel]] = {
    "time_to_human": TimeToHuman,
    "bot_time_to_handoff": BotTimeToHandoff,
    "handoff_context_complete": HandoffContextComplete,
    "false_containment": FalseContainment,
    "abandonment": Abandonment,
}


def _kind(value: Any) -> str | None:
    """Which statement a list item is: its one key (so an error names that statement alone)."""
    if isinstance(value, dict) and len(value) == 1:
        return str(next(iter(value)))
    return next((k for k in KINDS if isinstance(value, KINDS[k])), None)


Statement = Annotated[
    Annotated[TimeToHuman, Tag("time_to_human")]
    | Annotated[BotTimeToHandoff, Tag("bot_time_to_handoff")]
    | Annotated[HandoffContextComplete, Tag("handoff_context_complete")]
    | Annotated[FalseContainment, Tag("false_containment")]
    | Annotated[Abandonment, Tag("abandonment")],
    Discriminator(
        _kind,
        custom_error_type="statement",
        custom_error_message=f"expects one statement of: {', '.join(KINDS)}",
    ),
]


class Sla(_Model):
    """sla.yaml: statements about what customers live through, and the confidence to prove them."""

    confidence: float = Field(0.95, gt=0.5, lt=1, description="of each Wilson interval")
    statements: list[Statement] = Field(min_length=1, description="each to be proven")


def wilson(hits: int, n: int, confidence: float) -> tuple[float, float]:
    """The two-sided Wilson score interval for `hits` out of `n`."""
    if n == 0:
        return 0.0, 1.0
    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    p = hits / n
    centre = p + z * z / (2 * n)
    margin = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, (centre - margin) / (1 + z * z / n)), min(
        1.0, (centre + margin) / (1 + z * z / n)
    )


def verdict(interval: tuple[float, float], target: float, at_least: bool) -> str:
    low, high = interval
    if at_least:
        return "proven" if low >= target else "refuted" if high < target else "inconclusive"
    return "proven" if high <= target else "refuted" if low > target else "inconclusive"


def needed(hits: int, n: int, target: float, at_least: bool, confidence: float) -> int | None:
    """How many in all (among the statement's conversations) would settle it, if the share
    seen so far held; None when that share is the target itself (nothing would settle it)."""
    if n == 0 or hits / n == target:
        return None
    p = hits / n

    def settled(m: int) -> bool:
        return verdict(wilson(round(p * m), m, confidence), target, at_least) != "inconclusive"

    high = n
    while not settled(high):
        high *= 2
        if high > 10**12:
            return None
    low = high // 2 if high > n else n
    while low < high:  # the smallest m that settles it
        mid = (low + high) // 2
        low, high = (low, mid) if settled(mid) else (mid + 1, high)
    return high


def _reached_human(within: float) -> Callable[[Entry], bool | None]:
    def count(e: Entry) -> bool | None:
        m = e["metrics"]
        if m["handoff_turn"] is None:
            return None
        return m["time_to_human"] is not None and m["time_to_human"] <= within

    return count


def _bot_handed_off(within: float | str) -> Callable[[Entry], bool | None]:
    def count(e: Entry) -> bool | None:
        took = e["metrics"].get("bot_time_to_handoff")
        if took is None:
            return None
        if isinstance(within, str):
            return bool(took["turns"] <= int(within.split()[0]))
        return bool(took["seconds"] <= within)

    return count


def _context_complete(e: Entry) -> bool | None:
    ran = [c for c in e["checks"] if c["name"] == "context.handoff_payload"]
    return None if not ran or ran[0]["verdict"] == "skip" else ran[0]["verdict"] == "pass"


def _falsely_contained(e: Entry) -> bool | None:
    return None if e["outcome"] == "error" else e["outcome"] == "contained_unresolved"


def _abandoned(e: Entry) -> bool | None:
    if e["outcome"] == "error":
        return None
    return e["outcome"] == "abandoned" or bool(e["metrics"].get("queue_abandoned"))


def _rule(statement: Statement) -> tuple[str, dict[str, Any], Callable[[Entry], bool | None]]:
    """The statement's name, its target as written out, and what it counts in an entry."""
    if isinstance(statement, TimeToHuman):
        s = statement.time_to_human
        assert isinstance(s.within, float)
        return "time_to_human", {"within": s.within, "share": s.share}, _reached_human(s.within)
    if isinstance(statement, BotTimeToHandoff):
        b = statement.bot_time_to_handoff
        return (
            "bot_time_to_handoff",
            {"within": b.within, "share": b.share},
            _bot_handed_off(b.within),
        )
    if isinstance(statement, HandoffContextComplete):
        share = statement.handoff_context_complete.share
        return "handoff_context_complete", {"share": share}, _context_complete
    if isinstance(statement, FalseContainment):
        return (
            "false_containment",
            {"at_most": statement.false_containment.at_most},
            (_falsely_contained),
        )
    return "abandonment", {"at_most": statement.abandonment.at_most}, _abandoned


class Judge:
    """Counts entries as they arrive, then judges every statement and the hourly series."""

    def __init__(self, sla: Sla | None) -> None:
        self.confidence = sla.confidence if sla is not None else 0.95
        self.rules = [_rule(s) for s in sla.statements] if sla is not None else []
        self.counts = [[0, 0] for _ in self.rules]  # [n, hits] per statement
        self.total = 0
        self.errors = 0
        self.hours: dict[int, list[int]] = {}  # arrivals, handoffs, reached n, reached hits
        first = [i for i, r in enumerate(self.rules) if r[0] == "time_to_human"][:1]
        self._first = first[0] if first else None
        self._hourly_sla = self.rules[first[0]][2] if first else None

    def add(self, entry: Entry) -> None:
        self.total += 1
        self.errors += entry["outcome"] == "error"
        for (_, _, count), tally in zip(self.rules, self.counts, strict=True):
            counted = count(entry)
            if counted is not None:
                tally[0] += 1
                tally[1] += counted
        hour = int(entry["metrics"].get("arrived_at", 0.0) // HOUR)
        row = self.hours.setdefault(hour, [0, 0, 0, 0])
        row[0] += 1
        row[1] += entry["metrics"]["handoff_turn"] is not None
        if self._hourly_sla is not None and (within := self._hourly_sla(entry)) is not None:
            row[2] += 1
            row[3] += within

    def hourly_share(self) -> tuple[int, int] | None:
        """(within, n) so far of the first time_to_human statement, if there is one."""
        if self._first is None:
            return None
        n, hits = self.counts[self._first]
        return hits, n

    def first_within(self) -> float | None:
        """The first time_to_human statement's `within`, in seconds."""
        return None if self._first is None else float(self.rules[self._first][1]["within"])

    def statements(self) -> list[dict[str, Any]]:
        counted = zip(self.rules, self.counts, strict=True)
        return [self._judged(name, target, n, hits) for (name, target, _), (n, hits) in counted]

    def _judged(self, name: str, target: dict[str, Any], n: int, hits: int) -> dict[str, Any]:
        at_least = "share" in target
        goal = target["share"] if at_least else target["at_most"]
        interval = wilson(hits, n, self.confidence)
        judged = verdict(interval, goal, at_least) if n else "inconclusive"
        more = None
        if judged == "inconclusive" and n:
            settles = needed(hits, n, goal, at_least, self.confidence)
            if settles is not None:  # in conversations: the statement counts only some
                more = max(1, math.ceil(settles * self.total / n) - self.total)
        return {
            "name": name,
            "target": target,
            "n": n,
            "estimate": round(hits / n, 6) if n else None,
            "interval": [round(interval[0], 6), round(interval[1], 6)],
            "verdict": judged,
            "needed": more,
        }

    def hourly(self, queue: Iterable[dict[str, Any]] = ()) -> list[dict[str, Any]]:
        """Per hour of arrival: arrivals, handoffs, the desk's mean queue length (when the
        desk's figures are given) and the share within the first time_to_human target."""
        lengths = {row["hour"]: row["queue_length"] for row in queue}
        return [
            {
                "hour": hour,
                "arrivals": row[0],
                "handoffs": row[1],
                "queue_length": lengths.get(hour),
                "within_sla": round(row[3] / row[2], 4) if row[2] else None,
            }
            for hour, row in sorted(self.hours.items())
        ]

    def report(self, desk: dict[str, Any] | None = None) -> dict[str, Any]:
        """sla.json: the statements, the desk's figures (a load run's), the hourly series."""
        statements = self.statements()
        hourly_desk = desk.get("hourly", []) if desk else []
        return {
            "confidence": self.confidence,
            "conversations": self.total,
            "errors": self.errors,
            "proven": all(s["verdict"] == "proven" for s in statements) if statements else None,
            "statements": statements,
            "desk": {k: v for k, v in desk.items() if k != "hourly"} if desk else None,
            "hourly": self.hourly(hourly_desk),
        }


def describe(s: dict[str, Any], confidence: float) -> str:
    """One line for the terminal, e.g. `proven  time_to_human within 60 s for 90%: …`."""
    target = s["target"]
    if "share" in target:
        within = target.get("within")
        unit = "" if within is None else (f" within {within}" if isinstance(within, str)
                                          else f" within {within:g} s")  # fmt: skip
        aim = f"{unit} for at least {target['share']:.0%}"
    else:
        aim = f" at most {target['at_most']:.1%}"
    if s["n"] == 0:
        return f"{s['verdict']:<13}{s['name']}{aim}: no conversation counts toward it"
    low, high = s["interval"]
    line = (f"{s['verdict']:<13}{s['name']}{aim}: {s['estimate']:.1%} of {s['n']} "
            f"({confidence:.0%} interval {low:.1%}–{high:.1%})")  # fmt: skip
    if s["needed"] is not None:
        line += f"; about {s['needed']} more conversations would settle it"
    return line
