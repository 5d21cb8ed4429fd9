"""Transcript: the ordered, timestamped events of one conversation; the single source of truth.

Every event has `t` (seconds since the conversation began, on the driver's clock), `turn`
(one customer message and the replies to it), `channel`, `contact` (1, then 2 for a repeat
contact…), `kind`, optional `text` and a `data` payload. Kinds and their payloads:

    customer_message   facts {name: value} stated, asks_human, trigger, intent, repeated,
                       volunteered, to ("bot" or "agent"), conversation_id
    bot_message        as read by the lexicon: asks, asks_unknown (details the scenario
                       does not declare), offers_handoff, refuses_handoff, fallback,
                       claims_resolution, discloses, ai_disclosure; actions and
                       raw (the bot's whole response) on the first message of a reply
    handoff            reason, context (the payload the human receives)
    agent_joined       agent, wait (seconds in the desk queue)
    agent_message      asks, actions
    channel_switch     from, to
    resolution_claimed by
    goal_met           by ("bot" or "human"), evidence
    abandoned          reason
    error              text: the cause; endpoint
    end                outcome

Transcripts are written as JSON lines: a header line, then one line per event, and read
back without loss. The header names the conversation (id, scenario, persona, seed, customer
id, facts) and, in `played`, holds what plays it again: the scenario and persona as played,
the run's seed, the repeat, the desk and the checks (written by run.reproduce; a transcript
from elsewhere may lack it). An imported
conversation's header also holds `started`, the time of its first message, by which
the audit links the contacts of one customer.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

from harness.model.encoding import encode

_TURN = attrgetter("turn")
EVENT_KINDS = frozenset(
    {
        "customer_message", "bot_message", "handoff", "agent_joined", "agent_message",
        "channel_switch", "resolution_claimed", "goal_met", "abandoned", "error", "end",
    }
)  # fmt: skip


# Events, like every object built on each turn, are plain slotted dataclasses: a frozen one
# costs four times as much to build. Treat them as immutable all the same.
@dataclass(slots=True)
class Event:
    t: float
    turn: int
    channel: str
    contact: int
    kind: str
    text: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "t": round(self.t, 3),
            "turn": self.turn,
            "channel": self.channel,
            "contact": self.contact,
            "kind": self.kind,
        }
        if self.text:
            out["text"] = self.text
        if self.data:
            out["data"] = self.data
        return out

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Event:
        return cls(
            t=float(raw["t"]),
            turn=int(raw["turn"]),
            channel=str(raw["channel"]),
            contact=int(raw["contact"]),
            kind=str(raw["kind"]),
            text=str(raw.get("text", "")),
            data=dict(raw.get("data", {})),
        )

    def quote(self) -> str:
        """One line of evidence: 'turn 3 · chat · 00:01:42 · bot: "…"'."""
        who = {"customer_message": "customer", "bot_message": "bot", "agent_message": "agent"}
        minutes, seconds = divmod(int(self.t), 60)
        hours, minutes = divmod(minutes, 60)
        head = f"turn {self.turn} · {self.channel} · {hours:02d}:{minutes:02d}:{seconds:02d}"
        if self.kind in who:
            return f'{head} · {who[self.kind]}: "{self.text}"'
        detail = self.text or json.dumps(self.data, sort_keys=True)
        return f"{head} · {self.kind}: {detail}"


@dataclass(slots=True)
class Transcript:
    conversation_id: str
    scenario: str
    persona: str
    seed: int
    customer_id: str
    facts: dict[str, str] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    played: dict[str, Any] | None = None  # what plays it again (run.reproduce.played)
    started: str = ""  # ISO 8601 time of the first message, for an imported conversation

    def of_kind(self, *kinds: str) -> Iterator[Event]:
        return (e for e in self.events if e.kind in kinds)

    def first(self, kind: str) -> Event | None:
        return next(self.of_kind(kind), None)

    def since_last_handoff(self, handoff: Event) -> list[Event]:
        """The events before `handoff` and after the handoff before it, if any."""
        before = self.events[: next(i for i, e in enumerate(self.events) if e is handoff)]
        last = max((i for i, e in enumerate(before) if e.kind == "handoff"), default=-1)
        return before[last + 1 :]

    def owed_since(self, handoff: Event) -> Event:
        """The customer message from which `handoff` was owed: the earliest trigger since the
        previous handoff (which answered every trigger before it), across contacts (a
        customer who left unhelped, to give up or to find a letter, and came back is still
        waiting), else the handoff's own contact's first customer message."""
        since = self.since_last_handoff(handoff)
        trigger = next(
            (e for e in since if e.kind == "customer_message" and e.data.get("trigger")), None
        )
        return trigger or next(
            e for e in self.of_kind("customer_message") if e.contact == handoff.contact
        )

    def turns_waited(self, start: Event, end: Event) -> int:
        """The turns from `start` to `end`, both counted, less those in which the customer
        said it was leaving of its own accord: what the bot says to a customer on its way
        out cannot hurry anything."""
        leaving = {
            e.turn for e in self.of_kind("customer_message")
            if e.data.get("intent") == "leave" and start.turn <= e.turn < end.turn
        }  # fmt: skip
        return end.turn - start.turn + 1 - len(leaving)

    def seconds_in_contact(self, start: Event, end: Event) -> float:
        """Seconds from `start` to `end` that the customer spent in a contact: the time
        between contacts (the customer away, however long) is not waiting on the bot."""
        seconds, previous = 0.0, None
        for event in self.events:
            # a channel switch is recorded after the pause, before the new contact begins
            if (previous is not None and previous.contact == event.contact
                    and event.kind != "channel_switch"):  # fmt: skip
                seconds += event.t - previous.t
            if event is end:
                break
            if previous is not None or event is start:
                previous = event
        return seconds

    @property
    def turns(self) -> int:
        return max(map(_TURN, self.events), default=0)

    def header(self) -> dict[str, Any]:
        head = {
            "kind": "transcript",
            "conversation_id": self.conversation_id,
            "scenario": self.scenario,
            "persona": self.persona,
            "seed": self.seed,
            "customer_id": self.customer_id,
            "facts": self.facts,
            **({"started": self.started} if self.started else {}),
        }
        if self.played is not None:
            head["played"] = self.played
        return head

    def to_jsonl(self) -> str:
        lines = [encode(self.header())]
        lines.extend(encode(e.to_dict()) for e in self.events)
        return "\n".join(lines) + "\n"

    @classmethod
    def from_jsonl(cls, text: str) -> Transcript:
        # split on "\n" alone: str.splitlines() also splits on U+2028 and other separators
        # that the encoder leaves as they are inside a bot's text
        rows = [json.loads(line) for line in text.split("\n") if line.strip()]
        if not rows or rows[0].get("kind") != "transcript":
            raise ValueError("a transcript starts with a header line of kind 'transcript'")
        head = rows[0]
        return cls(
            conversation_id=head["conversation_id"],
            scenario=head["scenario"],
            persona=head["persona"],
            seed=int(head["seed"]),
            customer_id=head["customer_id"],
            facts=dict(head.get("facts", {})),
            events=[Event.from_dict(row) for row in rows[1:]],
            played=head.get("played"),
            started=str(head.get("started", "")),
        )


def _leaves(context: dict[str, Any]) -> tuple[set[str], str]:
    """The keys that hold a non-empty value, and every leaf value lower-cased, NUL-joined."""
    keys: set[str] = set()
    texts: list[str] = []
    stack: list[tuple[str, Any]] = list(context.items())
    while stack:
        key, value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.items())
        elif isinstance(value, list | tuple):
            stack.extend((key, item) for item in value)
        elif value is not None:
            text = str(value).strip()
            if text:
                keys.add(str(key))
                texts.append(text.lower())
    return keys, "\0".join(texts)


def with_stated(events: Iterable[Event]) -> Iterator[tuple[Event, dict[str, Event]]]:
    """Each event with the facts the customer had stated before it: fact → the
    customer_message that first stated it. The dict is one, growing as the events go by:
    copy it to keep what it held at an event."""
    stated: dict[str, Event] = {}
    for event in events:
        yield event, stated
        if event.kind == "customer_message":
            for fact in event.data.get("facts", {}):
                stated.setdefault(fact, event)


def facts_in_context(facts: dict[str, str], context: dict[str, Any]) -> set[str]:
    """The facts a handoff context carries: under their own name, or their value anywhere.

    Matching by value as well as by key lets any bot's payload shape count, whatever it
    calls the field; a value that appears inside a summary still reached the human.
    """
    carried = {name for name in facts if _filled(context.get(name))}
    if len(carried) < len(facts):  # look deeper only for what the top level lacks
        keys, blob = _leaves(context)
        for name, value in facts.items():
            needle = value.strip().lower()
            if name in keys or (needle and needle in blob):
                carried.add(name)
    return carried


def says_nothing(context: dict[str, Any] | None) -> bool:
    """A handoff context with no value in it at all: no fact, summary, intent or words."""
    return not _leaves(context or {})[0]


def quoted_in_context(messages: Iterable[Event], context: dict[str, Any]) -> list[Event]:
    """The messages whose whole text a handoff context quotes, case and spacing aside: in a
    transcript list, a summary or any other field."""
    blob = " ".join(_leaves(context)[1].split())
    return [e for e in messages if (words := " ".join(e.text.lower().split())) and words in blob]


def _filled(value: Any) -> bool:
    """A plain value that says something (containers are searched by `_leaves`)."""
    return isinstance(value, str | int | float) and bool(str(value).strip())


def outcome(transcript: Transcript) -> str:
    """How the conversation ended for the customer (see DESIGN: Outcomes)."""
    kinds = {e.kind for e in transcript.events}
    if "error" in kinds:
        return "error"
    met = transcript.first("goal_met")
    if met is not None:
        return "resolved_by_human" if met.data.get("by") == "human" else "resolved_by_bot"
    if "handoff" in kinds:
        return "escalated_unresolved"
    last = transcript.events[-1] if transcript.events else None
    end = last.data.get("reason") if last is not None and last.kind == "end" else None
    if end == "abandoned" or "abandoned" in kinds:
        return "abandoned"
    return "contained_unresolved"
