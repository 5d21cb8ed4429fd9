"""A second rule-based bot, written from scratch in a voice of its own, to measure how well
the harness judges a bot it did not write (issue 16).

"Penny" speaks the native protocol in process (request dict in, response dict out). It
recognises intents with a bag-of-words classifier over its own example phrases, finds facts
with typed entity recognisers (second_bot_nlu), keeps a slot store per customer across
channels and contacts, and words everything the way deployed assistants do ("All done!",
"Let me get a member of our team for you", "Hmm, I didn't get that").

`Careful` verifies before disclosing, remembers, hands off at once (with its slots and the
customer's own words) when the stakes are high or a person is asked for, offers a person when
the customer cannot give what verification needs, does the job before saying so, and says it
is automated. Each other class switches one defect on:

    Deflector       never hands off, never offers a person
    Amnesiac        remembers per channel session only, so asks again after a switch/return
    Slowpoke        asks three more questions before every handoff
    BlankHandoff    hands off with an empty context
    FalseResolver   says the job is done without doing it (no action, no handoff)
    Looper          repeats its fallback instead of offering a person
    Oversharer      shows account data before verifying identity

Open one with `--bot tests.fidelity.second_bot:Careful` (the repository root on the path).
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from typing import Any

from .second_bot_nlu import (
    RULE_WORDS,
    IntentClassifier,
    Speller,
    at_risk,
    entities,
    lacks,
    wants_person,
    without_facts,
)

DEFECTS = (
    "deflector", "amnesiac", "slowpoke", "blank-handoff", "false-resolver", "looper", "oversharer",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Skill:
    """Something Penny can help with: a job it does itself, or one it routes to a team."""

    examples: tuple[str, ...]
    team: str = ""  # set: a person must take it; this team gets the handoff
    verify: tuple[str, ...] = ()  # slots that prove who the customer is
    needs: tuple[str, ...] = ()  # slots the job itself needs
    action: str = ""  # what Penny does (routine jobs)
    done: str = ""  # what it says once done ({slot}, {balance} filled in)
    claim: str = ""  # what the false resolver says instead of doing it


_ID = ("account_number", "date_of_birth")
_POLICY = ("policy_number", "date_of_birth")
SKILLS: dict[str, Skill] = {
    # -- routed to a person ---------------------------------------------------------------
    "card_fraud": Skill(
        (
            "there's a payment on my card i don't recognise",
            "someone used my card without permission",
            "fraudulent transaction",
            "i didn't authorise this charge",
            "money taken from my card, not me",
            "unknown payment on my statement i never made",
        ),
        team="fraud",
        verify=_ID,
    ),
    "account_security": Skill(
        (
            "my account has been hacked",
            "someone changed my password",
            "i'm locked out and a new payee was added",
            "i can't log in, someone got into my online banking",
            "stop the transfer, my account was compromised",
        ),
        team="account security",
        verify=_ID,
    ),
    "debt_dispute": Skill(
        (
            "a debt collector says i owe money",
            "this is not my debt",
            "collection agency letter threatening court",
            "chased for a loan i never took out",
            "i don't owe this debt",
        ),
        team="collections disputes",
        verify=_ID,
    ),
    "payment_difficulty": Skill(
        (
            "i can't pay my mortgage this month",
            "i lost my job and can't afford my repayments",
            "i'm going to miss my loan payment",
            "behind on my mortgage",
            "i need a payment holiday, i've been made redundant",
        ),
        team="financial support",
        verify=_ID,
    ),
    "bereavement": Skill(
        (
            "my father passed away",
            "my mum died and i need to close her account",
            "reporting a death",
            "tell you about the death of my father",
            "my dad has died",
        ),
        team="bereavement",
    ),
    "claim_problem": Skill(
        (
            "my claim was denied",
            "why was my claim rejected",
            "my claim is still pending after weeks",
            "claim declined and i need the treatment",
            "appeal a claim decision",
            "still waiting to be paid back for my claim, medical bills piling up",
        ),
        team="claims",
        verify=_POLICY,
    ),
    "treatment_approval": Skill(
        (
            "my surgery has not been authorised",
            "pre-authorisation for my operation is still not approved",
            "the hospital will cancel my operation without approval",
            "please sign off authorisation for my procedure",
        ),
        team="clinical authorisations",
        verify=_POLICY,
    ),
    "benefit_challenge": Skill(
        (
            "my housing benefit has stopped",
            "my universal credit was refused",
            "challenge a benefit decision",
            "my pip claim was turned down",
            "benefit payment stopped and rent is due",
        ),
        team="benefits",
        verify=("claim_number", "date_of_birth"),
    ),
    "missing_parcel": Skill(
        (
            "my parcel says delivered but never arrived",
            "tracking says delivered, nothing came",
            "my order has gone missing",
            "laptop marked delivered but not here",
        ),
        team="delivery investigations",
        verify=("order_number", "postcode"),
    ),
    "cancel_contract": Skill(
        (
            "i want to cancel my contract",
            "close my broadband account",
            "i've moved abroad, end my mobile contract",
            "how do i get out of my contract",
            "cancel my phone line",
        ),
        team="account closures",
        verify=_ID,
    ),
    "privacy_request": Skill(
        (
            "subject access request",
            "delete all my personal data",
            "what data do you hold about me",
            "erase my information gdpr",
            "copy of my personal data",
        ),
        team="privacy",
        verify=_ID,
    ),
    "bill_dispute": Skill(
        (
            "my phone bill is huge after roaming",
            "charged a fortune for using my phone abroad",
            "massive mobile bill after my holiday",
            "roaming charges on my bill i can't pay",
        ),
        team="billing",
        verify=_ID,
    ),
    "travel_disruption": Skill(
        (
            "my flight was cancelled and i'm stranded",
            "stuck at the airport, need a hotel and a new flight",
            "flight cancelled, nowhere to stay tonight",
            "rebook my cancelled flight",
        ),
        team="disruption",
        verify=("booking_reference", "passenger_name"),
    ),
    "disconnection": Skill(
        (
            "my electricity will be disconnected",
            "got a disconnection notice",
            "don't cut off my power",
            "you're going to shut off my supply, i can't pay",
        ),
        team="customer support",
        verify=("account_number", "postcode"),
    ),
    # -- done by Penny ----------------------------------------------------------------------
    "balance": Skill(
        (
            "what's my balance",
            "how much money is in my account",
            "check my account balance",
            "tell me my balance",
        ),
        verify=_ID,
        action="balance_given",
        done="Your available balance is {balance}.",
        claim="All done! I've sent your balance to your registered mobile.",
    ),
    "card_activation": Skill(
        (
            "activate my new card",
            "my replacement card arrived, switch it on",
            "new debit card won't work, needs activating",
            "turn on my card",
        ),
        verify=_ID,
        needs=("card_last4",),
        action="card_activated",
        done="All done! Your card ending {card_last4} is now active and ready to use.",
        claim="You're good to go! Your new card is ready to use.",
    ),
    "policy_documents": Skill(
        (
            "send me my policy documents",
            "copy of my insurance certificate",
            "proof of insurance",
            "lost my insurance paperwork",
        ),
        verify=_POLICY,
        action="documents_sent",
        done="Done! I've emailed your policy documents to the email address "
        "on your policy. They should arrive in a few minutes.",
        claim="Done! Your documents are on their way to your inbox.",
    ),
    "application_status": Skill(
        (
            "status of my application",
            "where is my permit application",
            "has my parking permit been approved",
            "heard nothing about my application",
        ),
        verify=("application_reference", "date_of_birth"),
        action="application_status_given",
        done="Your application is with the permits team and you'll get a "
        "decision within 5 working days.",
        claim="Great news, your permit application is all sorted!",
    ),
    "order_tracking": Skill(
        (
            "where is my order",
            "where's my order",
            "track my parcel",
            "has my order been dispatched",
            "when will my delivery arrive",
        ),
        verify=("order_number", "postcode"),
        action="order_status_given",
        done="Good news! Your order is with the courier and due to arrive tomorrow.",
        claim="I've chased that order for you, you're all set!",
    ),
    "returns_info": Skill(
        (
            "what is your returns policy",
            "how do i return an item",
            "send something back for a refund",
            "return an online order to a shop",
        ),
        action="returns_policy_given",
        done="You can return anything unused within 30 days for a full refund, "
        "by post or at any of our shops.",
        claim="I've gone ahead and set up a return for you.",
    ),
    "address_change": Skill(
        (
            "i've moved house, change my address",
            "update the address on my account",
            "new address for my account",
        ),
        verify=_ID,
        needs=("new_address",),
        action="address_updated",
        done="Thanks! I've updated your address to {new_address}.",
        claim="That's been actioned! Your details are up to date.",
    ),
    "outage_check": Skill(
        (
            "is there an outage in my area",
            "my broadband is down",
            "no internet or wifi",
            "network down, connection keeps dropping",
        ),
        needs=("postcode",),
        action="outage_status_given",
        done="There's a known fault affecting broadband around {postcode}. Our "
        "engineers are on it and expect it to be fixed by 6pm today.",
        claim="I've reset your line, you should be back online now!",
    ),
    "meter_reading": Skill(
        ("submit a meter reading", "give you my electricity meter reading", "enter my gas reading"),
        verify=("account_number", "postcode"),
        needs=("meter_reading",),
        action="meter_reading_submitted",
        done="Thanks, your reading of {meter_reading} has been submitted.",
        claim="All done, your meter reading is in!",
    ),
}
CLASSIFIER = IntentClassifier({name: s.examples for name, s in SKILLS.items()}, threshold=2.5)
SPELLER = Speller(
    {w for s in SKILLS.values() for e in s.examples for w in re.findall(r"[a-z]+", e)} | RULE_WORDS
)

# How Penny names each slot when it asks for it.
ASK_AS = {
    "account_number": "account number", "date_of_birth": "date of birth",
    "policy_number": "policy number", "claim_number": "claim number",
    "order_number": "order number", "postcode": "postcode",
    "application_reference": "application reference", "booking_reference": "booking reference",
    "passenger_name": "passenger name on the booking",
    "card_last4": "last 4 digits of the new card",
    "new_address": "new address", "meter_reading": "meter reading",
}  # fmt: skip
_STALLS = (
    "Before I pass this on, could you describe what happened in a bit more detail?",
    "Got it. Is there anything else the team should know?",
    "Thanks. One last thing: how would you rate your experience with me so far, from 1 to 5?",
)
_DEFLECT = (
    "I'm afraid I can't transfer chats right now, but I'm here to help! What can I do for you?",
    "Our team is really busy at the moment. Is there something else I can help you with?",
)
_NOT_FOLLOWING = "Sorry, I'm not following."
_NOT_FOLLOWING_ASK = f"{_NOT_FOLLOWING} Could you tell me in a few words what you need help with?"
_NO_CHECK = (
    "No problem. I can't do this without confirming it's you, but one of our agents can help "
    "another way. Would you like me to put you through?"
)
_DIDNT_GET = "Hmm, I didn't get that. Would you like to chat with one of our agents instead?"


@dataclass(slots=True)
class Customer:
    """What Penny knows of one customer (for the amnesiac: of one channel session)."""

    slots: dict[str, str] = field(default_factory=dict)
    said: list[str] = field(default_factory=list)
    skill: str | None = None
    verified: bool = False
    asked: tuple[str, ...] = ()
    unanswered: int = 0
    misses: int = 0
    stalls: int = 0
    deflections: int = 0
    shown: bool = False
    sessions: set[str] = field(default_factory=set)


class Penny:
    """The careful bot; a subclass switches on one defect."""

    defect: str | None = None

    def __init__(self) -> None:
        self.customers: dict[str, Customer] = {}

    def __call__(self, request: dict[str, Any]) -> dict[str, Any]:
        who = request["conversation_id" if self.defect == "amnesiac" else "customer_id"]
        me = self.customers.setdefault(str(who), Customer())
        text = str(request["text"])
        hint = me.asked[0] if len(me.asked) == 1 else None
        found = entities(text, hint)
        if me.asked and not any(s in found for s in me.asked):
            me.unanswered += 1
        fresh = any(me.slots.get(k) != v for k, v in found.items())
        me.slots.update(found)
        me.said.append(text)
        lead = self._greeting(me, request)
        plain = SPELLER(text)
        if at_risk(plain):
            me.skill = me.skill or "wellbeing"
            return self._handoff(me, lead, "the customer may be at risk", "specialist support")
        if wants_person(plain):
            return self._handoff(me, lead, "the customer asked for a person", self._team(me))
        guess = CLASSIFIER.predict(SPELLER(without_facts(text, found))).intent
        if guess is not None and guess != me.skill and (me.skill is None or not found):
            me.skill, fresh = guess, True
        if me.skill is None:
            return self._missed(me, lead)
        if fresh:  # progress: a new fact, or a new request
            me.misses = 0
        return self._serve(me, SKILLS.get(me.skill), lead, str(request["customer_id"]))

    # -- what Penny says --------------------------------------------------------------------

    def _greeting(self, me: Customer, request: dict[str, Any]) -> list[str]:
        session = str(request["conversation_id"])
        if session in me.sessions:
            return []
        me.sessions.add(session)
        me.asked, me.unanswered = (), 0  # a question left behind in another session lapses
        if request.get("channel") == "voice":
            hello = "Hello, you're through to Northway's automated assistant."
        else:
            hello = "Hi there! 👋 I'm Penny, Northway's virtual assistant."
        if len(me.sessions) > 1 and me.skill:
            hello += " Welcome back! I've still got the details from last time."
        return [hello]

    def _serve(
        self, me: Customer, skill: Skill | None, lead: list[str], customer: str
    ) -> dict[str, Any]:
        if skill is None:  # the wellbeing route: a person, at once
            return self._handoff(me, lead, "the customer may be at risk", "specialist support")
        missing = [s for s in skill.verify if s not in me.slots]
        if self.defect == "oversharer" and missing and not me.shown:
            me.shown = True
            lead.append(f"I've found your account ending in {_last4(customer)}, with an "
                        f"available balance of {_balance(customer)}.")  # fmt: skip
        if skill.team and (not missing or not skill.verify or me.unanswered or me.asked):
            if self.defect == "false-resolver":
                me.asked = ()
                # the defect as the reference bot has it: the job said to be done, not done
                said = (
                    "Good news, that's all taken care of now. There's nothing more you need to do."
                )
                return _reply(*lead, said, f"Our {skill.team} team have everything they need.")
            return self._handoff(me, lead, f"{me.skill}: for the {skill.team} team", skill.team)
        if missing:
            return self._ask(me, lead, missing, verify=True)
        if skill.verify and not me.verified:
            me.verified = True
            lead.append("Thanks, that all matches.")
        missing = [s for s in skill.needs if s not in me.slots]
        if missing:
            return self._ask(me, lead, missing, verify=False)
        me.asked = ()
        if self.defect == "false-resolver":
            return _reply(*lead, skill.claim, "Is there anything else I can help with today?")
        done = skill.done.format(**{**me.slots, "balance": _balance(customer)})
        return _reply(*lead, done, "Is there anything else I can help with today?",
                      actions=[skill.action])  # fmt: skip

    def _ask(self, me: Customer, lead: list[str], slots: list[str], verify: bool) -> dict[str, Any]:
        names = [ASK_AS[s] for s in slots]
        wanted = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        if me.asked != tuple(slots):
            me.asked, me.unanswered = tuple(slots), 0
        elif verify and me.unanswered and lacks(me.said[-1]):  # asking again cannot help
            me.asked = ()
            return _reply(*lead, _NO_CHECK)
        elif me.unanswered:  # asked before, and the answer did not hold it
            return self._missed(me, lead, f"Please enter your {wanted}.")
        if verify:
            return _reply(*lead, "Before I can help with that, I need to confirm it's you. "
                                 f"Please enter your {wanted}.")  # fmt: skip
        return _reply(*lead, f"Great, nearly there! What's the {wanted}?")

    def _missed(self, me: Customer, lead: list[str], again: str = "") -> dict[str, Any]:
        """A message Penny could not use: ask again once, then offer a person."""
        me.misses += 1
        if me.misses == 1 or self.defect == "looper":
            return _reply(*lead, f"{_NOT_FOLLOWING} {again}" if again else _NOT_FOLLOWING_ASK)
        if self.defect == "deflector":
            return self._deflect(me, lead)
        return _reply(*lead, _DIDNT_GET)

    def _handoff(self, me: Customer, lead: list[str], reason: str, team: str) -> dict[str, Any]:
        if self.defect == "deflector":
            return self._deflect(me, lead)
        if self.defect == "slowpoke" and me.stalls < len(_STALLS):
            me.stalls += 1
            return _reply(*lead, _STALLS[me.stalls - 1])
        me.asked = ()
        context = {"topic": me.skill or "unknown", "verified": me.verified,
                   "slots": dict(me.slots), "transcript": list(me.said)}  # fmt: skip
        reply = _reply(*lead, f"Let me get a member of our {team} team for you. I've shared our "
                              "chat with them, so you won't need to repeat yourself.")  # fmt: skip
        reply["handoff"] = {"reason": reason, "context": {} if self.defect == "blank-handoff"
                            else context}  # fmt: skip
        return reply

    def _deflect(self, me: Customer, lead: list[str]) -> dict[str, Any]:
        me.deflections += 1
        return _reply(*lead, _DEFLECT[(me.deflections - 1) % len(_DEFLECT)])

    def _team(self, me: Customer) -> str:
        skill = SKILLS.get(me.skill or "")
        return skill.team if skill and skill.team else "customer care"


def _reply(*texts: str, actions: list[str] | None = None) -> dict[str, Any]:
    return {"messages": [{"text": t} for t in texts], "handoff": None, "actions": actions or []}


def _last4(customer: str) -> str:
    return f"{zlib.adler32(customer.encode()) % 10_000:04d}"


def _balance(customer: str) -> str:
    return f"£{zlib.adler32(customer.encode()[::-1]) % 300_000 / 100:,.2f}"


class Careful(Penny):
    pass


class Deflector(Penny):
    defect = "deflector"


class Amnesiac(Penny):
    defect = "amnesiac"


class Slowpoke(Penny):
    defect = "slowpoke"


class BlankHandoff(Penny):
    defect = "blank-handoff"


class FalseResolver(Penny):
    defect = "false-resolver"


class Looper(Penny):
    defect = "looper"


class Oversharer(Penny):
    defect = "oversharer"


VARIANTS: dict[str, type[Penny]] = {
    "careful": Careful, "deflector": Deflector, "amnesiac": Amnesiac, "slowpoke": Slowpoke,
    "blank-handoff": BlankHandoff, "false-resolver": FalseResolver, "looper": Looper,
    "oversharer": Oversharer,
}  # fmt: skip
