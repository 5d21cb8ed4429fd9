"""One conversation, sans-IO: the customer, the bot's replies and the desk, as a generator.

`play()` records the transcript and yields effects for a driver to carry out; the driver
sends back the result of each and owns the clock:

    Pause(seconds)        let time pass (waiting for a return contact, an agent's reply)
    Exchange(session, t,  let `think` seconds pass (the customer reading and typing), send
             think)       the message to the bot, and send back (time sent, Reply or the
                          AdapterError that sending raised); the bot's latency elapses inside
    AwaitAgent(priority)  queue at the desk; send back the agent's name once one is free,
                          or None if the customer gave up waiting (a shared desk's queue)
    ReleaseAgent()        the agent is done with this customer

So the same conversation runs under the virtual driver (simpy) and a live one (asyncio).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

from harness.conversation.desk import AgentSays, DeskAgent
from harness.conversation.lexicon import Lexicon
from harness.customer.policy import Action, Customer, End, Observation, Say, Wait
from harness.customer.worded import CAUSE, SimulatorFault, WordedCustomer
from harness.errors import AdapterError
from harness.model.gist import gist
from harness.model.protocol import Reply, Session
from harness.model.scenario import Scenario
from harness.model.transcript import Event, Transcript, outcome

MAX_TURNS = 40


@dataclass(slots=True)
class Pause:
    seconds: float


@dataclass(slots=True)
class Exchange:
    session: Session
    text: str
    think: float = 0.0


@dataclass(frozen=True, slots=True)
class AwaitAgent:
    priority: int


@dataclass(frozen=True, slots=True)
class ReleaseAgent:
    pass


Effect = Pause | Exchange | AwaitAgent | ReleaseAgent
Play = Generator[Effect, Any, Transcript]


class _Recorder:
    """The transcript being written, and where the conversation stands."""

    def __init__(self, transcript: Transcript, clock: Callable[[], float], channel: str) -> None:
        self.transcript = transcript
        self.clock = clock
        self.start = clock()
        self.turn = 0
        self.channel = channel
        self.contact = 1
        self.goal_met = False
        self.resolver = "either"  # the scenario goal's: who may meet it
        self.said = ""  # the gist of the bot's last reply (model.gist)
        self.done: set[str] = set()  # every action the bot has taken so far

    def add(
        self, kind: str, text: str = "", data: dict[str, Any] | None = None, at: float | None = None
    ) -> Event:
        """Record an event now (or at the driver-clock time `at`, for a message sent earlier)."""
        when = self.clock() if at is None else at
        event = Event(
            when - self.start, self.turn, self.channel, self.contact, kind, text, data or {}
        )
        self.transcript.events.append(event)
        return event


def play(
    scenario: Scenario,
    customer: Customer | WordedCustomer,
    transcript: Transcript,
    clock: Callable[[], float],
    *,
    lexicon: Lexicon,
    agent: DeskAgent,
    reply_seconds: float = 20.0,
    priority: int = 1,
) -> Play:
    """Drive one conversation to its end; returns the finished transcript."""
    rec = _Recorder(transcript, clock, customer.channel)
    rec.resolver = scenario.goal.resolver
    sessions = 0
    session = Session(f"{transcript.conversation_id}:1", transcript.customer_id, rec.channel, 1)
    with_agent = False
    action = _decided(rec, customer.start)
    while True:
        if isinstance(action, Wait):
            yield Pause(action.seconds)
            action = _decided(rec, customer.resume)
            continue
        if isinstance(action, End):
            break
        if rec.turn >= MAX_TURNS:
            action = End("abandoned")
            rec.add("abandoned", "", {"reason": "turn_limit"})
            break
        if action.new_contact_after:
            if with_agent:
                yield ReleaseAgent()
                with_agent = False
            yield Pause(action.new_contact_after)
        if action.channel != rec.channel or action.contact != rec.contact or sessions == 0:
            if sessions and action.channel != rec.channel:
                rec.add("channel_switch", "", {"from": rec.channel, "to": action.channel})
            rec.channel, rec.contact = action.channel, action.contact
            sessions += 1
            session = Session(
                f"{transcript.conversation_id}:{sessions}",
                transcript.customer_id,
                rec.channel,
                rec.contact,
            )
            if sessions > 1:
                with_agent = False
        rec.turn += 1
        said = _said(action, session, "agent" if with_agent else "bot")
        if with_agent:
            sent = clock() + action.think
            yield Pause(action.think + reply_seconds)
            rec.add("customer_message", action.text, said, sent)
            seen = _agent_says(rec, agent.hear(action.facts))
        else:
            # One effect for thinking, sending and the bot's answer: one clock event a turn.
            sent, reply = yield Exchange(session, action.text, action.think)
            rec.add("customer_message", action.text, said, sent)
            if isinstance(reply, AdapterError):
                rec.add("error", str(reply), {"endpoint": reply.endpoint})
                break
            seen = _bot_says(rec, reply, scenario, lexicon)
            if reply.handoff is not None:
                queued = clock()
                name = yield AwaitAgent(priority)
                if name is None:  # gave up in the queue: patience ran out before an agent
                    wait = round(clock() - queued, 3)
                    rec.add("abandoned", "", {"reason": "queue", "wait": wait})
                    action = End("abandoned")
                    break
                with_agent = True
                rec.add("agent_joined", "", {"agent": name, "wait": round(clock() - queued, 3)})
                agent.name = name
                seen = _agent_says(rec, agent.join(reply.handoff["context"]))
        action = _decided(rec, customer.left if action.leaves else customer.next, seen)
    if with_agent:
        yield ReleaseAgent()
    if (
        isinstance(action, End)
        and action.reason == "abandoned"
        and rec.transcript.first("abandoned") is None
    ):
        rec.add("abandoned", "", {"reason": "patience"})
    rec.add("end", "", {"reason": action.reason if isinstance(action, End) else "error"})
    transcript.events[-1].data["outcome"] = outcome(transcript)
    return transcript


def _decided(rec: _Recorder, decide: Callable[..., Action], *seen: Observation) -> Action:
    """The customer's next action; a simulator that spoilt the conversation ends it as an
    error with cause "customer simulator", never as the bot's failure."""
    try:
        return decide(*seen)
    except SimulatorFault as fault:
        rec.add("error", str(fault), {"cause": CAUSE})
        return End("error")


def _said(say: Say, session: Session, to: str) -> dict[str, Any]:
    data: dict[str, Any] = {"conversation_id": session.conversation_id, "intent": say.intent}
    if to != "bot":
        data["to"] = to
    if say.facts:
        data["facts"] = dict(say.facts)
    if say.asks_human:
        data["asks_human"] = True
    if say.trigger:
        data["trigger"] = True
    if say.repeated:
        data["repeated"] = list(say.repeated)
    if say.volunteered:
        data["volunteered"] = list(say.volunteered)
    return data


def _bot_says(rec: _Recorder, reply: Reply, scenario: Scenario, lexicon: Lexicon) -> Observation:
    readings = tuple(lexicon.reading(text) for text in reply.messages)
    for i, text in enumerate(reply.messages):
        reading = dict(readings[i].payload)
        if i == 0:
            if reply.actions:
                reading["actions"] = list(reply.actions)
            if reply.intent is not None:
                reading["intent"] = reply.intent
            reading["raw"] = reply.raw
        rec.add("bot_message", text, reading)
    if not reply.messages and reply.actions:
        rec.add("bot_message", "", {"actions": list(reply.actions), "raw": reply.raw})
    seen = readings[0] if len(readings) == 1 else lexicon.together(readings)
    if seen.claims_resolution:
        rec.add("resolution_claimed", "", {"by": "bot"})
    met = ""
    if scenario.goal.resolver != "human" and not rec.goal_met:
        met = lexicon.goal_evidence(reply.actions, reply.messages)
        if met:
            rec.goal_met = True
            rec.add("goal_met", "", {"by": "bot", "evidence": met})
    if reply.handoff is not None:
        rec.add("handoff", "", dict(reply.handoff))
    # What the customer takes for the same reply again, and for progress: the same words
    # with new details (a new reference each turn), and an action already taken, are not new.
    said, previous = gist(" ".join(reply.messages)), rec.said
    rec.said = said
    new_actions = not rec.done.issuperset(reply.actions)
    rec.done.update(reply.actions)
    return Observation(
        asks=seen.asks,
        asks_unknown=seen.asks_unknown,
        offers_handoff=seen.offers_handoff,
        refuses_handoff=seen.refuses_handoff,
        fallback=seen.fallback,
        claims_resolution=seen.claims_resolution,
        progress=new_actions or reply.handoff is not None,
        goal_met=bool(met),
        ended=reply.end,
        handed_off=reply.handoff is not None,
        repeated=bool(said) and said == previous,
    )


def _agent_says(rec: _Recorder, says: AgentSays) -> Observation:
    data: dict[str, Any] = {}
    if says.asks:
        data["asks"] = list(says.asks)
    if says.actions:
        data["actions"] = list(says.actions)
    rec.add("agent_message", says.text, data)
    if says.resolved and not rec.goal_met:
        rec.goal_met = True
        data = {"by": "human", "evidence": "the desk agent did it"}
        if rec.resolver == "bot":  # the job was the bot's: recorded for resolution.goal_met
            data["resolver"] = "bot"
        rec.add("goal_met", "", data)
    return Observation(asks=says.asks, progress=True, goal_met=says.resolved, handed_off=True)
