"""Hand-built transcripts for the check tests: each test reads as a short story.

    story = Story()
    story.customer("There's a charge I didn't make", trigger=True)
    story.bot("What is your account number?", asks=["account_number"])
    story.customer("It's 12345678", gives=["account_number"])
    verdict = judge("context.no_reask", story, expect(required=True))

`Story` records events the way the conversation recorder does (a customer message opens a
turn; the bot's messages, a handoff, the desk agent follow it), on a clock that the story
moves forward explicitly, so that timing tests state their seconds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from harness.checks import CATALOGUE
from harness.model.scenario import (
    ComplianceExpectation,
    ContextExpectation,
    ConversationExpectation,
    EscalationExpectation,
    Expectations,
)
from harness.model.transcript import Event, Transcript
from harness.model.verdict import Verdict

FACTS = {
    "account_number": "12345678",
    "postcode": "SW1A 1AA",
    "date_of_birth": "1980-04-02",
    "card_last4": "4242",
    "one_time_code": "914205",
}

THINK = 20.0  # seconds the customer takes to read and type, unless a test says otherwise
LATENCY = 2.0  # seconds the bot takes to answer


@dataclass
class Story:
    """A transcript under construction, on an explicit clock."""

    channel: str = "chat"
    facts: dict[str, str] = field(default_factory=lambda: dict(FACTS))
    t: float = 0.0
    turn: int = 0
    contact: int = 1
    events: list[Event] = field(default_factory=list)

    def _add(self, kind: str, text: str = "", **data: Any) -> Event:
        event = Event(self.t, self.turn, self.channel, self.contact, kind, text, data)
        self.events.append(event)
        return event

    # -- the customer --------------------------------------------------------------------

    def customer(
        self,
        text: str,
        *,
        gives: Iterable[str] = (),
        asks_human: bool = False,
        trigger: bool = False,
        intent: str = "goal",
        to: str = "bot",
        think: float = THINK,
    ) -> Event:
        """The customer's message, which opens a new turn."""
        self.turn += 1
        self.t += think
        data: dict[str, Any] = {
            "conversation_id": f"conv-1:{self.contact}",
            "intent": intent,
        }
        if to != "bot":
            data["to"] = to
        if facts := {name: self.facts[name] for name in gives}:
            data["facts"] = facts
        if asks_human:
            data["asks_human"] = True
        if trigger:
            data["trigger"] = True
        return self._add("customer_message", text, **data)

    def asks_for_human(
        self,
        text: str = "Can I speak to a person, please?",
        *,
        intent: str = "ask_human",
        to: str = "bot",
        think: float = THINK,
    ) -> Event:
        """The customer asks for a human (`intent="accept_human"`: accepts an offer of one)."""
        return self.customer(text, asks_human=True, intent=intent, to=to, think=think)

    # -- the bot ---------------------------------------------------------------------------

    def bot(
        self,
        text: str,
        *,
        asks: Iterable[str] = (),
        offers_handoff: bool = False,
        refuses_handoff: bool = False,
        fallback: bool = False,
        claims_resolution: bool = False,
        discloses: Iterable[str] = (),
        ai_disclosure: bool = False,
        latency: float = LATENCY,
    ) -> Event:
        """One bot message in the current turn, as the lexicon read it."""
        self.t += latency
        flags = {
            "offers_handoff": offers_handoff,
            "refuses_handoff": refuses_handoff,
            "fallback": fallback,
            "claims_resolution": claims_resolution,
            "ai_disclosure": ai_disclosure,
        }
        data: dict[str, Any] = {key: True for key, on in flags.items() if on}
        if asks := list(asks):
            data["asks"] = asks
        if discloses := list(discloses):
            data["discloses"] = discloses
        event = self._add("bot_message", text, **data)
        if claims_resolution:
            self._add("resolution_claimed", by="bot")
        return event

    def handoff(self, context: dict[str, Any] | None, reason: str = "customer_request") -> Event:
        """The bot passes the conversation to a human with `context` as its payload."""
        return self._add("handoff", reason=reason, context=context)

    def agent_joins(self, wait: float = 30.0, name: str = "Sam") -> Event:
        self.t += wait
        return self._add("agent_joined", agent=name, wait=wait)

    def agent(self, text: str, *, asks: Iterable[str] = (), latency: float = 15.0) -> Event:
        self.t += latency
        data: dict[str, Any] = {}
        if asks := list(asks):
            data["asks"] = asks
        return self._add("agent_message", text, **data)

    # -- what happens around the messages --------------------------------------------------

    def switch(self, to: str) -> Event:
        """The customer moves to another channel (the next message is sent there)."""
        event = self._add("channel_switch", **{"from": self.channel, "to": to})
        self.channel = to
        return event

    def new_contact(self, after: float = 7 * 86400.0, channel: str | None = None) -> None:
        """The customer comes back later, on the same channel or another one."""
        self.t += after
        if channel is not None and channel != self.channel:
            self.switch(channel)
        self.contact += 1

    def wait(self, seconds: float) -> None:
        self.t += seconds

    def goal_met(self, by: str = "bot", evidence: str = "action dispute_opened") -> Event:
        return self._add("goal_met", by=by, evidence=evidence)

    def end(self, reason: str) -> Event:
        if reason == "abandoned":
            self._add("abandoned", reason="patience")
        return self._add("end", reason=reason)

    @property
    def transcript(self) -> Transcript:
        return Transcript(
            conversation_id="conv-1",
            scenario="test.story",
            persona="test-persona",
            seed=7,
            customer_id="cust-1",
            facts=dict(self.facts),
            events=list(self.events),
        )


def expect(
    *,
    required: bool = True,
    within_turns: int | None = None,
    within_seconds: float | str | None = None,
    on_request_within: int = 1,
    handoff_facts: Iterable[str] = (),
    reask_allowed: Iterable[str] = (),
    verify: Iterable[str] = (),
    ai_disclosure: bool = False,
    forbidden: Iterable[str] = (),
    max_repeats: int = 3,
    max_fallbacks: int | None = None,
) -> Expectations:
    """A scenario's expectations, validated by the real models (durations as in YAML); a
    limit left out takes the model's default."""
    escalation: dict[str, Any] = {"required": required, "on_request_within": on_request_within}
    if within_turns is not None:
        escalation["within_turns"] = within_turns
    if within_seconds is not None:
        escalation["within_seconds"] = within_seconds
    return Expectations(
        escalation=EscalationExpectation.model_validate(escalation),
        context=ContextExpectation(
            handoff_facts=list(handoff_facts), reask_allowed=list(reask_allowed)
        ),
        compliance=ComplianceExpectation(
            verify=list(verify), ai_disclosure=ai_disclosure, forbidden=list(forbidden)
        ),
        conversation=ConversationExpectation.model_validate(
            {"max_repeats": max_repeats}
            | ({} if max_fallbacks is None else {"max_fallbacks": max_fallbacks})
        ),
    )


def judge(name: str, story: Story, expectations: Expectations | None = None) -> Verdict:
    """The verdict of the catalogue check `name` on the story's transcript."""
    verdict = CATALOGUE[name].fn(story.transcript, expectations or expect())
    assert verdict.name == name
    return verdict


def quotes(*events: Event) -> tuple[str, ...]:
    """The evidence lines a failing verdict should hold for these events, in this order."""
    return tuple(e.quote() for e in events)
