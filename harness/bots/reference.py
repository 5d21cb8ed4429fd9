"""Reference bots: rule-based, speaking the native protocol, covering the bundled journeys.

`careful` does what a good customer-service bot does: it says it is automated, verifies
identity before disclosing anything, remembers facts per customer across channels and
contacts, hands off at once (with everything the customer said) when the stakes are high
or the customer asks, and does what the customer came for before saying it is done.

Each flawed variant is `careful` with one `flaw` switched on, and differs in that alone:

    deflector        never hands off, and never offers to
    amnesiac         remembers per channel session only, and asks to confirm facts again
    slowpoke         asks three more questions before every handoff
    blank-handoff    hands off with an empty context
    false-resolver   says the job is done instead of doing it
    looper           repeats the same fallback instead of offering a human
    oversharer       shows account data before verifying identity

Customers mistype: a message the bot cannot read is read again with its slips repaired
(bots.spelling). How a message is read: bots.reading.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any

from harness.bots.journeys import LABELS, Journey
from harness.bots.reading import HUMAN, HUMAN_WORDS, extract, find_journey, says, seen_words
from harness.bots.spelling import JOURNEY_WORDS, LABEL_WORDS, REQUEST_WORDS, repair

FLAWS = (
    "deflector", "amnesiac", "slowpoke", "blank-handoff", "false-resolver", "looper", "oversharer",
)  # fmt: skip


_DEFLECTIONS = (
    "I'm not able to transfer you to an agent, but I can help you here. What else can I do?",
    "Our advisors are not available right now. Is there anything else I can help with?",
    "I can't connect you with a person, but I'm happy to keep helping here.",
)
_STALLS = (
    "I'll pass you to a specialist shortly. First, can you tell me a bit more about what happened?",
    "Thanks. I'll transfer you to the team in a moment. Is there anything else you'd like to add?",
    "Nearly there. I'll connect you with an advisor shortly. Have you tried our help centre?",
)
_FALLBACK = "I'm sorry, I didn't quite follow. Could you tell me in a few words what you need?"
_OFFER = "I'm sorry, I can't help with that here. Would you like me to connect you with a person?"


@dataclass(slots=True)
class Memory:
    """What the bot knows of one customer (or, for the amnesiac, of one channel session)."""

    facts: dict[str, str] = field(default_factory=dict)
    said: list[str] = field(default_factory=list)
    journey: Journey | None = None
    verified: bool = False
    reconfirmed: bool = False
    fallbacks: int = 0
    stalls: int = 0
    deflections: int = 0
    disclosed: bool = False
    greeted: set[str] = field(default_factory=set)


class ReferenceBot:
    """A native-protocol bot: call it with a request dict, get a response dict."""

    def __init__(self, flaw: str | None = None) -> None:
        if flaw is not None and flaw not in FLAWS:
            raise ValueError(f"unknown flaw {flaw!r}; choose from {', '.join(FLAWS)}")
        self.flaw = flaw
        self.memory: dict[str, Memory] = {}

    def __call__(self, request: dict[str, Any]) -> dict[str, Any]:
        # The amnesiac keys memory by channel session, so it forgets on every switch/contact.
        key = request["conversation_id"] if self.flaw == "amnesiac" else request["customer_id"]
        mem = self.memory.get(key)
        if mem is None:
            mem = self.memory[key] = Memory()
        text = str(request["text"])
        lowered = text.lower()
        seen = seen_words(lowered)
        journey = find_journey(lowered, seen)
        asks_human = says(lowered, HUMAN_WORDS, HUMAN)
        facts = extract(text, seen)
        if journey is None or not asks_human:  # a miss: perhaps a typo hides the words
            fixed = repair(text)
            if fixed is not None:  # read again only what the repaired words bear on
                repaired, known = fixed
                again = repaired.lower()
                if journey is None and known & JOURNEY_WORDS:
                    journey = find_journey(again)
                if not asks_human and known & REQUEST_WORDS:
                    asks_human = says(again, HUMAN_WORDS, HUMAN)
                if known & LABEL_WORDS:
                    # A label read only once repaired: its value must be in the text as written.
                    late = extract(repaired).items()
                    facts.update((k, v) for k, v in late if k not in facts and v in text)
        mem.facts.update(facts)
        mem.said.append(text)
        lead = []
        if request["conversation_id"] not in mem.greeted:
            mem.greeted.add(request["conversation_id"])
            back = (
                " Welcome back, I have the details of our earlier conversation."
                if (len(mem.greeted) > 1 and mem.journey)
                else ""
            )
            lead.append(f"Hi, I'm the automated assistant.{back}")
        journey = mem.journey = journey or mem.journey
        if asks_human:
            return self._handoff(mem, lead, "the customer asked for a person")
        if journey is None:
            return self._not_understood(mem, lead)
        mem.fallbacks = 0
        return self._serve(mem, journey, lead, str(request["customer_id"]))

    # -- the journey -------------------------------------------------------------------

    def _serve(
        self, mem: Memory, journey: Journey, lead: list[str], customer: str
    ) -> dict[str, Any]:
        if journey.intent == "bereavement":
            lead.append("I'm so sorry for your loss.")
        if self.flaw == "oversharer" and journey.verify and not mem.disclosed:
            mem.disclosed = True
            lead.append(f"I can see your account ending {_last4(customer)} with a balance of "
                        f"{_balance(customer)}.")  # fmt: skip
        missing = [f for f in journey.verify if f not in mem.facts]
        if missing:
            return _reply(
                *lead, f"To keep your account safe, could you give me your {_ask(missing)}?"
            )
        if journey.verify and not mem.verified:
            mem.verified = True
            lead.append("Thank you, you're verified.")
            if self.flaw == "amnesiac" and not mem.reconfirmed:
                mem.reconfirmed = True
                first = LABELS[journey.verify[0]].name
                return _reply(*lead, f"Before I go on, could you confirm your {first} again?")
        missing = [f for f in journey.needs if f not in mem.facts]
        if missing:
            return _reply(*lead, f"Could you tell me the {_ask(missing)}?")
        if journey.high_stakes:
            return self._handoff(mem, lead, f"{journey.intent}: needs the {journey.team} team")
        if self.flaw == "false-resolver":
            return _reply(*lead, "I've sorted that for you and it's all done.")
        facts = {**mem.facts, "balance": _balance(customer)}
        done = journey.done.format(**facts)
        return _reply(
            *lead, done, "Is there anything else I can help with?", actions=[journey.action]
        )

    def _not_understood(self, mem: Memory, lead: list[str]) -> dict[str, Any]:
        mem.fallbacks += 1
        if mem.fallbacks < 2 or self.flaw == "looper":
            return _reply(*lead, _FALLBACK)
        if self.flaw == "deflector":
            return self._deflect(mem, lead)
        return _reply(*lead, _OFFER)

    def _handoff(self, mem: Memory, lead: list[str], reason: str) -> dict[str, Any]:
        if self.flaw == "deflector":
            return self._deflect(mem, lead)
        if self.flaw == "slowpoke" and mem.stalls < len(_STALLS):
            mem.stalls += 1
            return _reply(*lead, _STALLS[mem.stalls - 1])
        team = mem.journey.team if mem.journey and mem.journey.team else "customer care"
        context: dict[str, Any] = {
            "intent": mem.journey.intent if mem.journey else "unknown",
            "verified": mem.verified,
            "summary": " / ".join(mem.said),
            **mem.facts,
        }
        reply = _reply(
            *lead,
            f"I'm connecting you to our {team} team now, with everything you've told me, "
            "so you won't need to repeat yourself.",
        )
        reply["handoff"] = {
            "reason": reason,
            "context": {} if self.flaw == "blank-handoff" else context,
        }
        return reply

    def _deflect(self, mem: Memory, lead: list[str]) -> dict[str, Any]:
        mem.deflections += 1
        return _reply(*lead, _DEFLECTIONS[(mem.deflections - 1) % len(_DEFLECTIONS)])


def _reply(*texts: str, actions: list[str] | None = None) -> dict[str, Any]:
    return {"messages": [{"text": t} for t in texts], "handoff": None, "actions": actions or []}


def _ask(facts: list[str]) -> str:
    labels = [LABELS[f].name for f in facts]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def _last4(customer: str) -> str:
    return f"{zlib.crc32(customer.encode()) % 10_000:04d}"


def _balance(customer: str) -> str:
    return f"${zlib.crc32(customer.encode()[::-1]) % 500_000 / 100:,.2f}"
