"""From messages to transcripts: conversations gathered from a stream of rows, personal data
replaced, every message read, one Transcript per conversation.

A conversation is complete once a row comes `idle` seconds after its last message (an
export in time order, or grouped by conversation, frees it early) or at the end of the
input; messages of one conversation may be spread over files. Time `t` counts from the
conversation's first message, a turn from each customer message; the contacts of one
customer are linked by the audit, by the customer's (pseudonymous) id and the header's
`started`.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from harness.audit.pseudonym import Pseudonymiser
from harness.audit.readers import Bad, Message
from harness.audit.reading import Reader
from harness.model.transcript import Event, Transcript, outcome


@dataclass(slots=True)
class Gatherer:
    """Holds the conversations still open; hands each back once it is complete."""

    idle: float
    open: dict[str, list[Message]] = field(default_factory=dict)
    written: set[str] = field(default_factory=set)
    _due: list[tuple[float, str]] = field(default_factory=list)

    def add(self, message: Message) -> Iterator[list[Message] | Bad]:
        """Take one message; yield the conversations it shows to be complete."""
        key = message.conversation
        if key in self.written:
            yield Bad(
                message.where,
                f"conversation {key!r} was complete and written already; "
                "sort the export by time or by conversation, or raise the mapping's idle",
            )
            return
        self.open.setdefault(key, []).append(message)
        heapq.heappush(self._due, (message.time, key))
        # Measured from this row, not the latest seen: in an export grouped by conversation,
        # time steps back at each new conversation.
        while self._due and message.time - self._due[0][0] > self.idle:
            last, key = heapq.heappop(self._due)
            messages = self.open.get(key)
            if messages and max(m.time for m in messages) == last:
                yield self._close(key)

    def rest(self) -> Iterator[list[Message]]:
        for key in list(self.open):
            yield self._close(key)

    def _close(self, key: str) -> list[Message]:
        self.written.add(key)
        return self.open.pop(key)


@dataclass(slots=True)
class Builder:
    """Turns one conversation's messages into a pseudonymised, read Transcript."""

    pseudonymiser: Pseudonymiser
    reader: Reader = field(default_factory=Reader)
    skipped: int = 0  # platform rows that are neither a message nor a handoff

    def transcript(self, messages: list[Message]) -> Transcript:
        messages = sorted(messages, key=lambda m: m.time)  # stable: file order breaks ties
        first = messages[0]
        key = first.customer or f"conversation:{first.conversation}"
        p = self.pseudonymiser
        t = Transcript(
            conversation_id=p.text(first.conversation, key),
            scenario="",
            persona="",
            seed=0,
            customer_id=p.customer(key),
            started=datetime.fromtimestamp(first.time, UTC).isoformat(),
        )
        state = _State(t, channel=first.channel)
        for message in messages:
            state.at = message.time - first.time
            self._add(state, message, key)
        last = t.events[-1] if t.events else None
        left = (
            last is not None
            and last.kind == "bot_message"
            and (last.data.get("fallback") or last.data.get("refuses_handoff"))
        )
        reason = "abandoned" if left and state.handoff is None else "closed"
        state.add("end", "", {"reason": reason})
        t.events[-1].data["outcome"] = outcome(t)
        return t

    def _add(self, state: _State, m: Message, key: str) -> None:
        p = self.pseudonymiser
        text = p.text(m.text, key)
        if m.channel != state.channel and m.speaker != "system":
            switch = {"from": state.channel, "to": m.channel}
            state.channel = m.channel
            state.add("channel_switch", "", switch)
        if m.handoff:
            data: dict[str, Any] = {"reason": text}
            if m.context is not None:
                data["context"] = p.data(m.context, key)
            state.handoff = state.add("handoff", "", data)
            state.joined = False
        elif m.speaker == "customer":
            self._customer(state, text, m.intent)
        elif m.speaker == "bot":
            reading = {**self.reader.bot(text), **p.data(m.data or {}, key)}
            state.add("bot_message", text, reading)
            if reading.get("claims_resolution"):
                state.add("resolution_claimed", "", {"by": "bot"})
        elif m.speaker == "agent":
            self._agent(state, text)
        else:
            self.skipped += 1

    def _customer(self, state: _State, text: str, intent: str) -> None:
        state.turn += 1
        said = self.reader.customer(text)
        for name, value in said.get("facts", {}).items():
            state.t.facts.setdefault(name, value)
        head = {
            "conversation_id": state.t.conversation_id,
            **({"intent": intent} if intent else {}),
        }
        state.add("customer_message", text, {**head, **said})

    def _agent(self, state: _State, text: str) -> None:
        if not state.joined:  # the first agent message after a handoff: the agent joined
            wait = state.at - state.handoff.t if state.handoff is not None else 0.0
            state.add("agent_joined", "", {"agent": "agent", "wait": round(wait, 3)})
            state.joined = True
        asks = self.reader.bot(text).get("asks")
        state.add("agent_message", text, {"asks": asks} if asks else {})


@dataclass(slots=True)
class _State:
    """Where the transcript being built stands: its channel, turn, time and handoff."""

    t: Transcript
    channel: str
    at: float = 0.0
    turn: int = 0
    handoff: Event | None = None
    joined: bool = False

    def add(self, kind: str, text: str, data: dict[str, Any]) -> Event:
        event = Event(self.at, self.turn, self.channel, 1, kind, text, data)
        self.t.events.append(event)
        return event
