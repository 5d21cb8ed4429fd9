"""One conversation as a generator of effects (harness/conversation/play.py), driven by hand.

The test is the driver: it answers each effect `play()` yields (the bot's Reply to an
Exchange, an agent's name to AwaitAgent), moves the clock itself, and then reads the
recorded events. The customer is scripted: it says what the test tells it to, and keeps
what it was shown, so both sides of the conversation are in view.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.conversation.desk import DeskAgent
from harness.conversation.lexicon import Lexicon
from harness.conversation.play import (
    MAX_TURNS,
    AwaitAgent,
    Exchange,
    Pause,
    Play,
    ReleaseAgent,
    play,
)
from harness.customer.policy import Action, Customer, End, Observation, Say, Wait
from harness.errors import AdapterError
from harness.model.gist import _gist, gist
from harness.model.persona import Persona
from harness.model.protocol import Reply, Session
from harness.model.transcript import Transcript

from ._build import facts, scenario

START = 100.0  # the driver's clock when the conversation begins: event times are from here


class Scripted:
    """A customer that takes its actions from a list and keeps every Observation."""

    def __init__(self, *actions: Action) -> None:
        self.actions = list(actions)
        self.channel = "chat"
        self.seen: list[Observation] = []
        self.resumed = 0

    def start(self) -> Action:
        return self.actions.pop(0)

    def next(self, seen: Observation) -> Action:
        self.seen.append(seen)
        return self.actions.pop(0)

    def left(self, seen: Observation) -> Action:
        return self.next(seen)

    def resume(self) -> Action:
        self.resumed += 1
        return self.actions.pop(0)


def say(text: str, **fields: Any) -> Say:
    return Say(text, fields.pop("intent", "goal"), fields.pop("think", 10.0),
               fields.pop("channel", "chat"), fields.pop("contact", 1), **fields)  # fmt: skip


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


def start(customer: Scripted, clock: Clock, **options: Any) -> tuple[Play, Transcript]:
    transcript = Transcript("conv-1", "test.dispute", "test-persona", 7, "cust-1", facts())
    spec = scenario(**options)
    agent = DeskAgent(spec, "", facts())
    conversation = play(spec, customer, transcript, clock, lexicon=Lexicon(spec), agent=agent,
                        reply_seconds=20.0, priority=0)  # fmt: skip
    return conversation, transcript


def resume(conversation: Play, value: Any = None) -> Any:
    """The next effect, or the finished transcript once the conversation is over."""
    try:
        return conversation.send(value)
    except StopIteration as stop:
        return stop.value


def answer(conversation: Play, clock: Clock, exchange: Any, reply: Reply | AdapterError) -> Any:
    """Carry out an Exchange as a driver does: the customer thinks, the bot takes 2 s."""
    assert isinstance(exchange, Exchange), exchange
    sent = clock.now + exchange.think
    clock.now = sent + 2.0
    return resume(conversation, (sent, reply))


def pause(conversation: Play, clock: Clock, effect: Any) -> Any:
    assert isinstance(effect, Pause), effect
    clock.now += effect.seconds
    return resume(conversation)


def events(transcript: Transcript) -> list[tuple[float, int, str, str, dict[str, Any]]]:
    return [(e.t, e.turn, e.kind, e.text, e.data) for e in transcript.events]


SESSION = Session("conv-1:1", "cust-1", "chat", 1)
OPENING = "There's a charge on my card I didn't make"
ACCOUNT = {"account_number": facts()["account_number"]}
CARD = {"card_last4": facts()["card_last4"]}


def test_a_bot_that_asks_and_then_acts_resolves_the_conversation() -> None:
    customer = Scripted(
        say(OPENING, trigger=True),
        say("It's 12345678", facts=ACCOUNT),
        End("goal_met"),
    )
    clock = Clock()
    conversation, transcript = start(customer, clock)
    first = next(conversation)
    assert first == Exchange(SESSION, OPENING, 10.0)
    second = answer(conversation, clock, first, Reply(("What is your account number?",)))
    assert customer.seen == [Observation(asks=("account_number",))]
    assert second == Exchange(SESSION, "It's 12345678", 10.0)  # the same channel session
    done = Reply(("Thanks.", "Your dispute is open."), actions=("dispute_opened",), raw={"n": 2})
    assert answer(conversation, clock, second, done) is transcript
    assert customer.seen[1] == Observation(progress=True, goal_met=True)
    said = {"conversation_id": "conv-1:1", "intent": "goal"}
    assert events(transcript) == [
        (10.0, 1, "customer_message", OPENING, {**said, "trigger": True}),
        (12.0, 1, "bot_message", "What is your account number?",
         {"asks": ["account_number"], "raw": None}),
        (22.0, 2, "customer_message", "It's 12345678", {**said, "facts": ACCOUNT}),
        (24.0, 2, "bot_message", "Thanks.", {"actions": ["dispute_opened"], "raw": {"n": 2}}),
        (24.0, 2, "bot_message", "Your dispute is open.", {}),
        (24.0, 2, "goal_met", "", {"by": "bot", "evidence": "action dispute_opened"}),
        (24.0, 2, "end", "", {"reason": "goal_met", "outcome": "resolved_by_bot"}),
    ]  # fmt: skip


def test_a_handoff_queues_for_an_agent_who_asks_only_for_what_is_missing() -> None:
    customer = Scripted(
        say(OPENING, trigger=True),
        say("The card ends 4242", facts=CARD),
        End("goal_met"),
    )
    clock = Clock()
    conversation, transcript = start(customer, clock)
    handoff = {"reason": "fraud", "context": ACCOUNT}
    queued = answer(conversation, clock, next(conversation),
                    Reply(("I'm passing you to a colleague.",), handoff=handoff))  # fmt: skip
    assert queued == AwaitAgent(priority=0)
    clock.now += 45.0  # the wait for an agent
    to_agent = resume(conversation, "Amara")
    assert customer.seen == [Observation(asks=("card_last4",), progress=True, handed_off=True)]
    assert to_agent == Pause(10.0 + 20.0)  # the customer types, the agent answers
    assert pause(conversation, clock, to_agent) == ReleaseAgent()
    assert customer.seen[1] == Observation(progress=True, goal_met=True, handed_off=True)
    assert resume(conversation) is transcript
    assert events(transcript)[1:] == [
        (12.0, 1, "bot_message", "I'm passing you to a colleague.",
         {"offers_handoff": True, "raw": None}),
        (12.0, 1, "handoff", "", handoff),
        (57.0, 1, "agent_joined", "", {"agent": "Amara", "wait": 45.0}),
        (57.0, 1, "agent_message", "Hi, this is Amara, a member of our team. I've read your "
         "case. Could you give me your last four digits of your card?", {"asks": ["card_last4"]}),
        (67.0, 2, "customer_message", "The card ends 4242",
         {"conversation_id": "conv-1:1", "intent": "goal", "to": "agent", "facts": CARD}),
        (87.0, 2, "agent_message", "Thank you. I've taken care of that for you now.",
         {"actions": ["dispute_opened"]}),
        (87.0, 2, "goal_met", "", {"by": "human", "evidence": "the desk agent did it"}),
        (87.0, 2, "end", "", {"reason": "goal_met", "outcome": "resolved_by_human"}),
    ]  # fmt: skip


def test_an_adapter_error_is_recorded_and_ends_the_conversation() -> None:
    customer = Scripted(say(OPENING), say("never said"))
    clock = Clock()
    conversation, transcript = start(customer, clock)
    fault = AdapterError("http://127.0.0.1:1/", "connection refused")
    assert answer(conversation, clock, next(conversation), fault) is transcript
    assert customer.seen == []  # the customer is told nothing more
    assert events(transcript)[1:] == [
        (12.0, 1, "error", "http://127.0.0.1:1/: connection refused",
         {"endpoint": "http://127.0.0.1:1/"}),
        (12.0, 1, "end", "", {"reason": "error", "outcome": "error"}),
    ]  # fmt: skip


def test_a_wait_is_a_pause_after_which_the_customer_goes_on() -> None:
    customer = Scripted(Wait(60.0), say(OPENING), End("left"))
    clock = Clock()
    conversation, transcript = start(customer, clock)
    waited = next(conversation)
    assert waited == Pause(60.0)
    exchange = pause(conversation, clock, waited)
    assert customer.resumed == 1 and exchange == Exchange(SESSION, OPENING, 10.0)
    answer(conversation, clock, exchange, Reply(("Hello.",)))
    assert [(e.t, e.kind) for e in transcript.events] == [
        (70.0, "customer_message"), (72.0, "bot_message"), (72.0, "end"),
    ]  # fmt: skip


def test_a_new_contact_on_another_channel_leaves_the_agent_and_opens_a_new_session() -> None:
    week = 7 * 86400.0
    customer = Scripted(
        say(OPENING),
        say("I'm ringing back about the charge", channel="voice", contact=2,
            new_contact_after=week),
        End("left"),
    )  # fmt: skip
    clock = Clock()
    conversation, transcript = start(customer, clock, handoff_facts=["postcode"])
    handoff = {"reason": "fraud", "context": {}}
    queued = answer(
        conversation, clock, next(conversation), Reply(("One moment.",), handoff=handoff)
    )
    assert queued == AwaitAgent(priority=0)
    assert resume(conversation, "Sam") == ReleaseAgent()  # the agent asked; the customer left
    later = resume(conversation)
    assert later == Pause(week)
    exchange = pause(conversation, clock, later)
    assert exchange == Exchange(
        Session("conv-1:2", "cust-1", "voice", 2), "I'm ringing back about the charge", 10.0
    )  # to the bot again
    assert answer(conversation, clock, exchange, Reply(("Hello again.",))) is transcript
    assert [(e.turn, e.channel, e.contact, e.kind) for e in transcript.events][-4:] == [
        (1, "chat", 1, "channel_switch"),  # recorded where the customer leaves
        (2, "voice", 2, "customer_message"),
        (2, "voice", 2, "bot_message"),
        (2, "voice", 2, "end"),
    ]
    switch = transcript.events[-4]
    assert switch.data == {"from": "chat", "to": "voice"}
    assert transcript.events[-3].t == 12.0 + week + 10.0
    assert transcript.events[-3].data["conversation_id"] == "conv-1:2"


def test_a_reply_word_for_word_the_last_is_seen_as_repeated() -> None:
    customer = Scripted(say(OPENING), say("Again"), say("And again"), End("left"))
    clock = Clock()
    conversation, _ = start(customer, clock)
    effect = next(conversation)
    for text in ("Sorry, I didn't understand.", "Sorry, I didn't understand.", "Anything else?"):
        effect = answer(conversation, clock, effect, Reply((text,)))
    assert [(seen.fallback, seen.repeated) for seen in customer.seen] == [
        (True, False), (True, True), (False, False),
    ]  # fmt: skip


@pytest.mark.parametrize("customer_gives_up", [False, True], ids=["turn-limit", "patience"])
def test_a_conversation_that_goes_nowhere_is_abandoned(customer_gives_up: bool) -> None:
    turns = 3 if customer_gives_up else MAX_TURNS
    last: Action = End("abandoned") if customer_gives_up else say("Hello?")
    customer = Scripted(*[say("Hello?") for _ in range(turns)], last)
    clock = Clock()
    conversation, transcript = start(customer, clock)
    effect = next(conversation)
    for _ in range(turns):
        effect = answer(conversation, clock, effect, Reply(("Sorry, could you rephrase that?",)))
    assert effect is transcript
    assert transcript.turns == turns
    reason = "patience" if customer_gives_up else "turn_limit"
    assert [(e.kind, e.data) for e in transcript.events[-2:]] == [
        ("abandoned", {"reason": reason}),
        ("end", {"reason": "abandoned", "outcome": "abandoned"}),
    ]


def test_a_reply_repeated_with_new_details_is_seen_as_repeated() -> None:
    """A new reference, amount or name each turn does not make the same reply a new one."""
    customer = Scripted(say(OPENING), say("Again"), say("And again"), End("left"))
    clock = Clock()
    conversation, _ = start(customer, clock)
    effect = next(conversation)
    for text in ("Hi Sam, your appeal APL-123456 for $1,240.00 is open.",
                 "Hi Jo, your appeal APL-998877 for $980 is open.",
                 "Hi Jo, your refund for $980 is on its way."):  # fmt: skip
        effect = answer(conversation, clock, effect, Reply((text,)))
    assert [seen.repeated for seen in customer.seen] == [False, True, False]


def test_the_same_action_again_is_no_progress() -> None:
    customer = Scripted(*[say(f"Message {i}") for i in range(5)], End("left"))
    clock = Clock()
    conversation, _ = start(customer, clock)
    effect = next(conversation)
    replies = [
        Reply(("Appeal started.",), actions=("appeal_started",)),  # new: progress
        Reply(("Appeal started again.",), actions=("appeal_started",)),  # the same action
        Reply(("Noted.",), actions=("note_added", "appeal_started")),  # one new action
        Reply(("Noted again.",), actions=("appeal_started",)),  # done before, not last time
        Reply(("Passing you on.",), actions=("appeal_started",), handoff={"context": {}}),
    ]
    for reply in replies:
        effect = answer(conversation, clock, effect, reply)
        if isinstance(effect, AwaitAgent):
            effect = resume(conversation, "Sam")
    assert [seen.progress for seen in customer.seen] == [True, False, True, False, True]


def appealing_bot() -> Callable[[Session, str], Reply]:
    """A bot that answers everything by starting the same appeal again, each time with a
    new reference: an action every turn, and never a human."""
    turns = iter(range(1, MAX_TURNS + 1))

    def reply(session: Session, text: str) -> Reply:
        ref = 100000 + 7919 * next(turns)
        return Reply((f"I've started an appeal for you, reference APL-{ref}.",),
                     actions=("appeal_started",))  # fmt: skip

    return reply


def played(bot: Callable[[Session, str], Reply], persona: Persona, seed: int = 3) -> Transcript:
    """A whole conversation between a real customer and an in-process `bot`, driven as a
    driver does: the bot answers each Exchange, an agent named Sam takes any handoff."""
    spec = scenario()
    customer = Customer(spec, persona, facts(), random.Random(seed))
    transcript = Transcript("conv-1", spec.id, persona.id, seed, "cust-1", facts())
    clock = Clock()
    conversation = play(spec, customer, transcript, clock, lexicon=Lexicon(spec),
                        agent=DeskAgent(spec, "", facts()), priority=0)  # fmt: skip
    effect = next(conversation)
    while effect is not transcript:
        if isinstance(effect, Exchange):
            effect = answer(conversation, clock, effect, bot(effect.session, effect.text))
        elif isinstance(effect, Pause):
            effect = pause(conversation, clock, effect)
        else:
            effect = resume(conversation, "Sam" if isinstance(effect, AwaitAgent) else None)
    return transcript


def persona(**traits: Any) -> Persona:
    return Persona.model_validate({"id": "test-persona", "name": "Test", **traits})


@pytest.mark.parametrize(
    ("asks_for_human", "intents"),
    [
        ("when_stuck", ["opening", "rephrase", "rephrase", "ask_human", "ask_human"]),
        ("at_once", ["opening", "rephrase", "ask_human", "ask_human", "ask_human"]),
    ],
)
def test_a_customer_asks_again_for_a_human_a_looping_bot_ignores_then_gives_up(
    asks_for_human: str, intents: list[str]
) -> None:
    """Patience 5: a human asked for after 2 unhelpful replies, given up after 4. The first
    appeal is progress; each one after it, the same reply with a new reference and the same
    action, is not."""
    customer = persona(patience=5, asks_for_human=asks_for_human)
    transcript = played(appealing_bot(), customer)
    said = [e.data["intent"] for e in transcript.of_kind("customer_message")]
    assert said == intents
    assert [(e.kind, e.data) for e in transcript.events[-2:]] == [
        ("abandoned", {"reason": "patience"}),
        ("end", {"reason": "abandoned", "outcome": "abandoned"}),
    ]


def test_a_customer_gives_up_on_a_bot_that_offers_a_human_and_never_hands_off() -> None:
    """Each acceptance is a request for a human; an offer repeated instead of carried out
    wears out the customer's patience like any other repeated reply."""

    def bot(session: Session, text: str) -> Reply:
        return Reply(("Would you like me to connect you with a person?",))

    transcript = played(bot, persona(patience=5))
    said = [e.data["intent"] for e in transcript.of_kind("customer_message")]
    assert said == ["opening", *["accept_human"] * 4]  # given up after 4 unhelpful replies
    assert transcript.events[-1].data == {"reason": "abandoned", "outcome": "abandoned"}


def test_a_question_for_a_detail_the_scenario_lacks_is_recorded_and_seen() -> None:
    customer = Scripted(say(OPENING), End("left"))
    clock = Clock()
    conversation, transcript = start(customer, clock)
    answer(conversation, clock, next(conversation), Reply(("What's your membership number?",)))
    assert customer.seen == [Observation(asks_unknown=("membership number",))]
    asked = next(transcript.of_kind("bot_message"))
    assert asked.data == {"asks_unknown": ["membership number"], "raw": None}


def membership_bot(*, asks: int) -> Callable[[Session, str], Reply]:
    """A bot that asks `asks` times for a membership number (which the scenario does not
    declare), then opens the dispute whatever it was told."""
    told: list[str] = []

    def reply(session: Session, text: str) -> Reply:
        told.append(text)
        if len(told) <= asks:
            return Reply(("To find your records, what's your membership number?",))
        return Reply(("Thanks. Your dispute is open.",), actions=("dispute_opened",))

    return reply


def test_a_customer_says_it_does_not_have_a_detail_the_scenario_lacks() -> None:
    transcript = played(membership_bot(asks=1), persona(patience=5))
    said = list(transcript.of_kind("customer_message"))
    assert [e.data["intent"] for e in said] == ["opening", "answer"]
    assert "don't have my membership number" in said[1].text
    assert "facts" not in said[1].data  # nothing stated: it holds no such thing
    assert transcript.events[-1].data == {"reason": "goal_met", "outcome": "resolved_by_bot"}


def test_a_bot_that_keeps_asking_for_a_detail_the_customer_lacks_wears_out_its_patience() -> None:
    """The first question is neither help nor hindrance; each one after it is unhelpful,
    and patience 5 gives up after 4 unhelpful replies."""
    transcript = played(membership_bot(asks=MAX_TURNS), persona(patience=5))
    said = [e.data["intent"] for e in transcript.of_kind("customer_message")]
    assert said == ["opening", *["answer"] * 4]
    assert transcript.events[-1].data == {"reason": "abandoned", "outcome": "abandoned"}


@given(st.text(alphabet="Ab1 9.,$-:\n", max_size=40))
def test_the_gist_of_a_reply_is_read_as_if_each_digit_were_a_zero(text: str) -> None:
    """The gist is cached under the text with zeros for digits; it is the text's own gist."""
    assert gist(text) == _gist(text)
