"""Properties of the simulated customer (harness/customer/policy.py), driven sans-IO.

The customer is fed sequences of bot observations drawn by Hypothesis from the bundled
pack: questions for facts it holds or not, fallbacks, repeats, handoff offers and refusals,
progress, resolution claims. Each test states one rule of DESIGN.md or persona.py.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass, field, replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness import Customer, Observation, Pack, Persona, Scenario, bundled_dir, load_pack
from harness.customer.facts import make_ledger
from harness.customer.policy import Action, End, Say, Wait
from harness.model.scenario import placeholders

PACK = load_pack([bundled_dir("personas"), bundled_dir("scenarios")])
SCENARIOS = [PACK.scenarios[k] for k in sorted(PACK.scenarios)]
PERSONAS = [PACK.personas[k] for k in sorted(PACK.personas)]
# Facts no bundled scenario has: a bot may ask for anything.
UNKNOWN_FACTS = ["iban", "email", "card_last4", "mothers_maiden_name"]
# Details no scenario declares, as the lexicon reads a request for one (asks_unknown).
UNDECLARED = ["membership number", "customer id", "booking reference"]


def without_steps(scenario: Scenario) -> Scenario:
    """The scenario as a purely goal-driven conversation (no scripted steps)."""
    return Scenario.model_validate({**scenario.model_dump(), "steps": []})


def with_steps(scenario: Scenario, steps: list[dict[str, object]]) -> Scenario:
    return Scenario.model_validate({**scenario.model_dump(), "steps": steps})


GOAL_DRIVEN = [without_steps(s) for s in SCENARIOS]
# The scenarios whose customer holds facts (a scenario may have none: a cry for help).
FACTFUL = [s for s in SCENARIOS if s.facts]
GOAL_DRIVEN_FACTFUL = [without_steps(s) for s in FACTFUL]
# Each scenario with a scripted request for a human that names a fact, before its own steps.
SCRIPTED = [
    with_steps(s, [{"goal": 1}, {"ask_human": f"Get me a person about my {{{min(s.facts)}}}."},
                   *(step.model_dump(exclude_defaults=True) for step in s.steps)])
    for s in FACTFUL
]  # fmt: skip


# -- strategies ----------------------------------------------------------------------

seeds = st.integers(min_value=0, max_value=2**63 - 1)
BUNDLED_PERSONAS = st.sampled_from(PERSONAS)


def personas(*, typos: bool = True) -> st.SearchStrategy[Persona]:
    """A bundled persona, with any patience and any way of asking for a human, and (with
    `typos`) its own typo rate or another; without, one that never mistypes."""
    rates = st.sampled_from([None, 0.0, 0.1, 0.3]) if typos else st.just(0.0)
    return st.builds(
        lambda p, patience, mode, rate: Persona.model_validate(
            {
                **p.model_dump(),
                "patience": patience,
                "asks_for_human": mode,
                "typo_rate": p.typo_rate if rate is None else rate,
            }
        ),
        st.sampled_from(PERSONAS),
        st.integers(min_value=0, max_value=10),
        st.sampled_from(["at_once", "when_stuck", "never"]),
        rates,
    )


def twin(persona: Persona, **traits: object) -> Persona:
    """The same persona with some traits changed."""
    return Persona.model_validate({**persona.model_dump(), **traits})


def asks(scenario: Scenario) -> st.SearchStrategy[tuple[str, ...]]:
    """The bot asking for one to three facts, known to the scenario or not."""
    names = sorted(scenario.facts) + UNKNOWN_FACTS
    return st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True).map(tuple)


def undeclared() -> st.SearchStrategy[tuple[str, ...]]:
    """The bot asking for one or two details the scenario does not declare."""
    return st.lists(st.sampled_from(UNDECLARED), min_size=1, max_size=2, unique=True).map(tuple)


def observations(scenario: Scenario, *, terminal: bool = True) -> st.SearchStrategy[Observation]:
    """What the customer may perceive of one bot reply (`terminal`: including the replies
    that end the contact: goal met, bot ended, resolution claimed)."""
    key = (scenario.id, tuple(scenario.facts), terminal)
    if key not in _OBSERVATIONS:  # building a strategy costs more than drawing from one
        _OBSERVATIONS[key] = _observations(scenario, terminal)
    return _OBSERVATIONS[key]


_OBSERVATIONS: dict[tuple[str, tuple[str, ...], bool], st.SearchStrategy[Observation]] = {}


def _observations(scenario: Scenario, terminal: bool) -> st.SearchStrategy[Observation]:
    on, maybe, questions, unknown = st.just(True), st.booleans(), asks(scenario), undeclared()
    kinds = [
        st.builds(Observation, asks=questions),
        st.builds(Observation, asks_unknown=unknown),
        st.builds(Observation, asks=questions, asks_unknown=unknown),
        st.builds(Observation, asks=questions, progress=maybe),  # "verified; and your …?"
        st.builds(Observation, fallback=on),
        st.builds(Observation, repeated=on),
        st.builds(Observation, offers_handoff=on),
        st.builds(Observation, refuses_handoff=on),
        st.builds(Observation, progress=on),
        st.builds(Observation, progress=on, handed_off=on),  # a human has the conversation
        st.builds(Observation, asks=questions | st.just(()), offers_handoff=maybe,
                  refuses_handoff=maybe, fallback=maybe, progress=maybe, repeated=maybe,
                  asks_unknown=unknown | st.just(())),
    ]  # fmt: skip
    if terminal:  # one branch in ten, so that most conversations run for a while
        kinds.append(
            st.one_of(
                st.builds(Observation, claims_resolution=on, asks=questions | st.just(())),
                st.builds(Observation, ended=on),
                st.builds(Observation, goal_met=on, progress=on),
            )
        )
    return st.one_of(kinds)


UNHELPFUL = {
    "nothing useful": Observation(),
    "fallback": Observation(fallback=True),
    "repeats itself": Observation(repeated=True),
    "refuses a human": Observation(refuses_handoff=True),
    "refuses and falls back": Observation(refuses_handoff=True, fallback=True),
}


UNHELPFUL_REPLY = st.sampled_from(sorted(UNHELPFUL)).map(lambda n: replace(UNHELPFUL[n]))


def unhelpful_replies(*, size: int) -> st.SearchStrategy[list[Observation]]:
    kinds = st.lists(st.sampled_from(sorted(UNHELPFUL)), min_size=size, max_size=size)
    return kinds.map(lambda names: [replace(UNHELPFUL[n]) for n in names])


@dataclass(frozen=True)
class Setup:
    scenario: Scenario
    persona: Persona
    seed: int
    seen: list[Observation]


@st.composite
def conversations(
    draw: st.DrawFn,
    *,
    scenarios: list[Scenario] = SCENARIOS + SCRIPTED,
    persona_strategy: st.SearchStrategy[Persona] = BUNDLED_PERSONAS,
    terminal: bool = True,
    mostly_unhelpful: bool = False,
    max_turns: int = 14,
) -> Setup:
    scenario = draw(st.sampled_from(scenarios))
    replies = observations(scenario, terminal=terminal)
    if mostly_unhelpful:  # long unhelpful streaks, to reach the persona's limits
        replies = st.one_of(UNHELPFUL_REPLY, UNHELPFUL_REPLY, replies)
    return Setup(
        scenario,
        draw(persona_strategy),
        draw(seeds),
        draw(st.lists(replies, min_size=min(3, max_turns), max_size=max_turns)),
    )


# -- driving the customer --------------------------------------------------------------


def customer_for(scenario: Scenario, persona: Persona, seed: int) -> Customer:
    """A customer built as the runner builds one: one seeded stream for facts and choices."""
    rng = random.Random(seed)
    return Customer(scenario, persona, make_ledger(scenario, rng, persona.locale), rng)


Reaction = tuple[Observation | None, Action]  # what it perceived (None: nothing new), what it did


def converse(customer: Customer, seen: list[Observation]) -> list[Reaction]:
    """Play the customer against a bot whose replies read as `seen`, as conversation.play
    does: after a Wait it resumes, after a message that leaves it is told it left."""
    replies = iter(seen)
    perceived: Observation | None = None
    action = customer.start()
    reactions: list[Reaction] = []
    for _ in range(10 * len(seen) + 20):  # scripts are finite; this only guards a runaway loop
        reactions.append((perceived, action))
        if isinstance(action, End):
            break
        if isinstance(action, Wait):
            perceived, action = None, customer.resume()
        elif action.leaves:
            perceived, action = None, customer.left()
        else:
            perceived = next(replies, None)
            if perceived is None:
                break
            action = customer.next(perceived)
    else:
        raise AssertionError("the customer never stopped acting without being asked to")
    return reactions


def mentions(text: str, value: str) -> bool:
    """`value` appears in `text` as a whole token (a postcode inside an account number
    does not count)."""
    return re.search(rf"(?<![0-9A-Za-z]){re.escape(value)}(?![0-9A-Za-z])", text) is not None


# How the customer points back at an answer it gave (harness/wording.py, ALREADY).
ALREADY = re.compile(r"already|\bsaid\b|\bAs I mentioned\b|How many times", re.IGNORECASE)
# How it says that it does not hold a fact (MISSING).
MISSING = re.compile(r"don't have my", re.IGNORECASE)


def templates(scenario: Scenario) -> list[str]:
    steps = [getattr(s, k) for s in scenario.steps for k in ("say", "leave", "ask_human")]
    return list(scenario.goal.utterances) + [t for t in steps if isinstance(t, str)]


# -- 1. it states only facts it holds, and only when asked or when it volunteers ----------


@settings(max_examples=80)
@given(conversations(persona_strategy=personas()))
def test_the_customer_states_only_facts_it_holds(case: Setup) -> None:
    customer = customer_for(case.scenario, case.persona, case.seed)
    ledger = dict(customer.facts)
    # Values another customer of the same scenario would hold: they must never leak in.
    foreign = make_ledger(case.scenario, random.Random(case.seed ^ 1), case.persona.locale)
    for _, action in converse(customer, case.seen):
        if not isinstance(action, Say):
            continue
        for name, value in action.facts.items():
            assert ledger.get(name) == value, f"{action.intent} states {name}={value!r}"
            assert mentions(action.text, value), f"{name} recorded but not said: {action.text}"
        for name, value in ledger.items():
            if name not in action.facts:
                assert not mentions(action.text, value), f"{name} said but not recorded"
        for name, value in foreign.items():
            if value != ledger[name]:
                assert not mentions(action.text, value), f"states someone else's {name}"


@settings(max_examples=80)
@given(conversations(persona_strategy=personas(typos=False)))
def test_a_fact_is_stated_only_when_asked_for_or_volunteered(case: Setup) -> None:
    customer = customer_for(case.scenario, case.persona, case.seed)
    ledger = dict(customer.facts)
    openings = 0
    for seen, action in converse(customer, case.seen):
        if not isinstance(action, Say):
            continue
        asked = set(seen.asks) if seen is not None else set()
        # The facts written into what it says: the goal utterance or the scripted step used.
        spoken = {
            name
            for template in templates(case.scenario)
            if template.format(**ledger) in action.text
            for name in placeholders(template)
        }
        unasked = set(action.facts) - asked - spoken
        assert unasked == set(action.volunteered), f"{action.intent}: {action.text!r}"
        if action.volunteered:
            assert case.persona.volunteers_facts, f"volunteered {action.volunteered}"
            assert action.intent == "opening", f"volunteered in {action.intent}"
        if action.intent == "opening":
            openings += 1
            # persona.py: volunteers_facts "states every fact it holds in its opening".
            if openings == 1 and case.persona.volunteers_facts:
                assert set(action.facts) == set(ledger), action.text
        if action.intent == "answer":
            assert seen is not None and (seen.asks or seen.asks_unknown)
            assert action.facts == {k: ledger[k] for k in seen.asks if k in ledger}
            missing = [case.scenario.label(k) for k in seen.asks if k not in ledger]
            missing += seen.asks_unknown  # details the scenario does not declare
            if missing:
                assert MISSING.search(action.text), action.text
                assert all(name in action.text for name in missing)


# -- 2. asked again for a fact it gave, it says so -----------------------------------------


@settings(max_examples=80)
@given(conversations(persona_strategy=personas(typos=False)))
def test_asked_again_for_a_fact_it_gave_it_says_it_already_did(case: Setup) -> None:
    customer = customer_for(case.scenario, case.persona, case.seed)
    ledger = dict(customer.facts)
    given_before: set[str] = set()
    for seen, action in converse(customer, case.seen):
        if not isinstance(action, Say):
            continue
        if action.intent == "answer":
            assert seen is not None
            again = [k for k in seen.asks if k in ledger and k in given_before]
            assert list(action.repeated) == again, action.text
            if again:
                assert ALREADY.search(action.text), action.text
            for k in again:
                assert case.scenario.label(k) in action.text.lower(), action.text
                assert mentions(action.text, ledger[k]), action.text
            if not again:
                assert not ALREADY.search(action.text), action.text
        else:
            assert action.repeated == (), f"{action.intent} marked as repeating"
        given_before |= set(action.facts)


@settings(max_examples=40)
@given(
    st.sampled_from(GOAL_DRIVEN_FACTFUL),
    personas(typos=False),
    seeds,
    st.integers(min_value=1, max_value=6),
)
def test_each_reask_is_answered_by_pointing_at_the_earlier_answer(
    scenario: Scenario, persona: Persona, seed: int, times: int
) -> None:
    """A bot that asks once more for the same fact, after something useful happened."""
    fact = sorted(scenario.facts)[seed % len(scenario.facts)]
    customer = customer_for(scenario, persona, seed)
    customer.start()
    first = customer.next(Observation(asks=(fact,)))
    assert isinstance(first, Say) and first.intent == "answer" and fact in first.facts
    for _ in range(times):
        assert isinstance(customer.next(Observation(progress=True)), Say)
        again = customer.next(Observation(asks=(fact,)))
        assert isinstance(again, Say) and again.intent == "answer"
        assert again.repeated == (fact,)
        assert ALREADY.search(again.text) and mentions(again.text, customer.facts[fact])


# -- 3. asks for a human when its patience runs out, abandons at its limit ----------------


def ask_human_after(persona: Persona) -> int:
    return 1 + persona.patience // 3  # persona.py, the patience field's description


def abandon_after(persona: Persona) -> int:
    return 2 + persona.patience // 2


def contacts(scenario: Scenario) -> int:
    return scenario.repeat_contact.max_contacts if scenario.repeat_contact else 1


def kind_of(action: Action, contact: int) -> str:
    """What the customer did, in a word; 'reopen': it came back in a new contact."""
    if isinstance(action, End):
        return f"end:{action.reason}"
    if isinstance(action, Wait):
        return "wait"
    if action.contact != contact:
        return "reopen" if action.intent == "opening" else f"{action.intent}@{action.contact}"
    return action.intent


@settings(max_examples=40)
@given(st.sampled_from(GOAL_DRIVEN), personas(), seeds, unhelpful_replies(size=40))
def test_a_bot_that_never_helps_gets_a_request_for_a_human_then_is_abandoned(
    scenario: Scenario, persona: Persona, seed: int, replies: list[Observation]
) -> None:
    ask, abandon = ask_human_after(persona), abandon_after(persona)
    one_contact = []
    for streak in range(1, abandon):
        stuck = streak >= ask or persona.asks_for_human == "at_once"
        asking = persona.asks_for_human != "never" and stuck
        one_contact.append("ask_human" if asking else "rephrase")
    expected = ["opening"] + [*one_contact, "reopen"] * (contacts(scenario) - 1)
    expected += [*one_contact, "end:abandoned"]

    customer = customer_for(scenario, persona, seed)
    reactions = converse(customer, replies)
    got, contact = [], 1
    for _, action in reactions:
        got.append(kind_of(action, contact))
        contact = action.contact if isinstance(action, Say) else contact
    assert got == expected
    opening = reactions[0][1]
    assert isinstance(opening, Say)
    assert opening.asks_human == (persona.asks_for_human == "at_once")
    for _, action in reactions:
        if isinstance(action, Say) and action.intent == "ask_human":
            assert action.asks_human and action.text


@dataclass
class Patience:
    """The test's own account of the customer's patience, from persona.py and DESIGN.md: a
    reply is helpful when it asks for a fact not given yet, offers a human (and does not
    refuse one), shows progress or meets the goal; unhelpful when it falls back, refuses a
    handoff, repeats itself or is not helpful. Unhelpful replies in a row make the streak."""

    persona: Persona
    scenario: Scenario
    streak: int = 0
    unknown: set[str] = field(default_factory=set)  # undeclared details asked for so far
    contact: int = 1
    with_human: bool = False
    offered: bool = False  # the last reply offered a human (and did not refuse one)

    def expect(self, seen: Observation, given: set[str]) -> set[str]:
        """What the customer may do next, as `kind_of()` names it."""
        helpful = (
            any(k not in given for k in seen.asks)
            or (seen.offers_handoff and not seen.refuses_handoff)
            or seen.progress
            or seen.goal_met
        )
        # A first question for an undeclared detail leaves the streak as it was.
        fresh = bool(set(seen.asks_unknown) - self.unknown)
        self.unknown |= set(seen.asks_unknown)
        hindered = seen.fallback or seen.refuses_handoff or seen.repeated
        if hindered or not (helpful or fresh):
            self.streak += 1
        elif helpful:
            self.streak = 0
        self.with_human = self.with_human or seen.handed_off
        self.offered = seen.offers_handoff and not seen.refuses_handoff
        p = self.persona
        if seen.goal_met:
            return {"end:goal_met"}
        if seen.ended:
            return {self.unresolved("bot_ended")}
        if seen.claims_resolution and not (seen.asks or seen.asks_unknown):
            return {self.unresolved("accepted_claim")}
        if not (seen.asks or seen.asks_unknown):
            return {self.unasked()}
        # A question is answered while patience lasts. Past the limit, answering is allowed
        # here as well as what it would do unasked: the stricter rule is the subject of
        # test_a_bot_that_only_reasks_wears_out_the_customers_patience.
        return {"answer", self.unasked()} if self.streak >= abandon_after(p) else {"answer"}

    def unasked(self) -> str:
        p = self.persona
        if self.streak >= abandon_after(p):  # even a human on offer, made again and again
            return self.unresolved("abandoned")
        if self.offered and not self.with_human:
            return "accept_human"
        stuck = self.streak >= ask_human_after(p) or (p.asks_for_human == "at_once" and self.streak)
        if stuck and p.asks_for_human != "never" and not self.with_human:
            return "ask_human"
        return "rephrase"

    def unresolved(self, reason: str) -> str:
        return "reopen" if self.contact < contacts(self.scenario) else f"end:{reason}"

    def reopened(self) -> None:
        self.contact += 1
        self.streak = 0
        self.with_human = False


@settings(max_examples=120)
@given(
    conversations(
        scenarios=GOAL_DRIVEN, persona_strategy=personas(), mostly_unhelpful=True, max_turns=20
    )
)
def test_asks_for_a_human_and_abandons_exactly_when_patience_says(case: Setup) -> None:
    customer = customer_for(case.scenario, case.persona, case.seed)
    model = Patience(case.persona, case.scenario)
    reactions = converse(customer, case.seen)
    given_so_far: set[str] = set()
    for (seen, action), (_, previous) in zip(reactions[1:], reactions, strict=False):
        if isinstance(previous, Say):
            given_so_far |= set(previous.facts)
        assert seen is not None  # a goal-driven customer never waits nor leaves on its own
        allowed = model.expect(seen, given_so_far)
        did = kind_of(action, model.contact)
        assert did in allowed, f"streak {model.streak}: expected {allowed}, got {did}"
        if did == "reopen":
            model.reopened()
        if isinstance(action, Say) and action.asks_human:
            assert action.intent in ("ask_human", "accept_human", "opening")
            if action.intent == "opening":
                assert case.persona.asks_for_human == "at_once"
            if case.persona.asks_for_human == "never":
                assert action.intent == "accept_human"


def converse_from_here(customer: Customer, seen: list[Observation]) -> list[Action]:
    """Go on with a started customer, until it ends or leaves its first contact."""
    actions: list[Action] = []
    for observation in seen:
        action = customer.next(observation)
        actions.append(action)
        if isinstance(action, End) or (isinstance(action, Say) and action.contact != 1):
            break
    return actions


@settings(max_examples=40)
@given(st.sampled_from(GOAL_DRIVEN_FACTFUL), personas(), seeds)
def test_a_bot_that_only_reasks_wears_out_the_customers_patience(
    scenario: Scenario, persona: Persona, seed: int
) -> None:
    """A question for a fact it already gave is an unhelpful turn (customer.py counts it
    so); a customer whose patience is spent gives up instead of answering for ever."""
    fact = sorted(scenario.facts)[seed % len(scenario.facts)]
    customer = customer_for(scenario, persona, seed)
    customer.start()
    customer.next(Observation(asks=(fact,)))  # answered: the fact is given now
    reasks = [Observation(asks=(fact,)) for _ in range(30)]
    actions = converse_from_here(customer, reasks)
    gave_up = [i for i, a in enumerate(actions, 1) if kind_of(a, 1) in ("reopen", "end:abandoned")]
    assert gave_up, f"answered {len(actions)} identical re-asks, patience {persona.patience}"
    assert gave_up[0] <= abandon_after(persona)


@settings(max_examples=40)
@given(
    st.sampled_from(FACTFUL),
    personas(),
    seeds,
    st.sampled_from([True, "Get me a person about {fact}, now.", "A human, please."]),
    st.booleans(),
    st.data(),
)
def test_a_scripted_step_asks_for_a_human_whatever_the_persona(
    scenario: Scenario,
    persona: Persona,
    seed: int,
    words: bool | str,
    trigger: bool,
    data: st.DataObject,
) -> None:
    fact = sorted(scenario.facts)[seed % len(scenario.facts)]
    template = words.replace("{fact}", "{" + fact + "}") if isinstance(words, str) else True
    scripted = with_steps(scenario, [{"goal": 1}, {"ask_human": template, "trigger": trigger}])
    customer = customer_for(scripted, persona, seed)
    ledger = dict(customer.facts)
    assert isinstance(customer.start(), Say)
    # Whatever the bot said (short of ending the conversation), the script comes first.
    action = customer.next(data.draw(observations(scripted, terminal=False)))
    assert isinstance(action, Say)
    assert (action.intent, action.asks_human, action.trigger) == ("ask_human", True, trigger)
    if isinstance(template, str):
        assert action.text == template.format(**ledger)
        # What it says is recorded, like any other message: the checks read the facts.
        assert action.facts == ({fact: ledger[fact]} if "{" in template else {})


# -- scripted steps play in the order written ----------------------------------------------

GOAL_TURNS = {"answer", "rephrase", "ask_human", "accept_human"}


@settings(max_examples=30)
@given(st.sampled_from(SCENARIOS), personas(), seeds, st.integers(min_value=1, max_value=4))
def test_a_goal_step_first_is_the_opening_and_its_remaining_turns(
    scenario: Scenario, persona: Persona, seed: int, turns: int
) -> None:
    scripted = with_steps(scenario, [{"goal": turns}, {"say": "Next scripted line."}])
    customer = customer_for(scripted, persona, seed)
    helpful = [Observation(progress=True) for _ in range(turns + 2)]
    intents = [kind_of(a, 1) for _, a in converse(customer, helpful)]
    assert intents[: turns + 1] == ["opening"] + ["rephrase"] * (turns - 1) + ["say"]


@settings(max_examples=30)
@given(st.sampled_from(SCENARIOS), personas(), seeds, st.integers(min_value=1, max_value=4))
def test_a_goal_step_between_two_said_lines_plays_its_turns_between_them(
    scenario: Scenario, persona: Persona, seed: int, turns: int
) -> None:
    """`goal: N` is "this many goal-driven turns" (scenario.py), where the step stands."""
    steps: list[dict[str, object]] = [
        {"say": "First scripted line."},
        {"goal": turns},
        {"say": "Last scripted line."},
    ]
    customer = customer_for(with_steps(scenario, steps), persona, seed)
    helpful = [Observation(progress=True) for _ in range(turns + 2)]
    said = [a for _, a in converse(customer, helpful) if isinstance(a, Say)]
    texts = [a.text for a in said]
    assert texts[0] == "First scripted line."
    assert texts.index("Last scripted line.") == turns + 1, texts
    assert {a.intent for a in said[1 : turns + 1]} <= GOAL_TURNS, texts


# -- 4. the same seed gives the same customer; different seeds, different facts ------------


@settings(max_examples=40)
@given(conversations(persona_strategy=personas()), seeds)
def test_the_same_seed_gives_the_same_actions(case: Setup, other_seed: int) -> None:
    first = converse(customer_for(case.scenario, case.persona, case.seed), case.seen)
    # Another customer in between, and the global random stream disturbed: neither may leak.
    converse(customer_for(case.scenario, case.persona, other_seed), case.seen)
    random.seed(other_seed)
    again = converse(customer_for(case.scenario, case.persona, case.seed), case.seen)
    assert [a for _, a in again] == [a for _, a in first]


@settings(max_examples=30)
@given(
    st.sampled_from([s for s in FACTFUL if any(f.value is None for f in s.facts.values())]),
    st.sampled_from(PERSONAS),
    st.lists(seeds, min_size=8, max_size=16, unique=True),
)
def test_different_seeds_give_different_fact_values(
    scenario: Scenario, persona: Persona, many: list[int]
) -> None:
    scenario = without_steps(scenario)  # goal-driven: asked for its facts, it answers
    customers = [customer_for(scenario, persona, seed) for seed in many]
    ledgers = [tuple(c.facts.items()) for c in customers]
    # A scenario whose only fact comes from a pool of 256 values (a postcode) may give two
    # of a dozen seeds the same ledger: a birthday coincidence, not a shared stream.
    distinct = len(many) if len(scenario.facts) > 1 else len(many) - 1
    assert len(set(ledgers)) >= distinct, "seeds gave the same ledger"
    for name, spec in scenario.facts.items():
        values = {c.facts[name] for c in customers}
        if spec.value is None:
            assert len(values) > 1, f"{name} is {values} for {len(many)} seeds"
        else:
            assert values == {spec.value}
    # And what the customers say differs with them: the facts each one states are its own.
    stated = []
    for customer in customers:
        actions = [customer.start(), customer.next(Observation(asks=tuple(scenario.facts)))]
        said = [a for a in actions if isinstance(a, Say)]
        stated.append(tuple(sorted(fact for a in said for fact in a.facts.items())))
    assert len(set(stated)) == len(set(ledgers))


# -- 5. the persona's traits show in what it says (harness/wording.py) ----------------------

LETTERS = re.compile(r"[^\W\d_]+")
VERBOSITIES = ("terse", "normal", "verbose")


def said(customer: Customer, seen: list[Observation]) -> list[Say]:
    return [a for _, a in converse(customer, seen) if isinstance(a, Say)]


def twins(case: Setup, **traits: object) -> list[Say]:
    """What the case's customer says, with its persona's traits changed."""
    persona = twin(case.persona, **traits)
    return said(customer_for(case.scenario, persona, case.seed), case.seen)


def one_slip(typed: str, word: str) -> bool:
    """`typed` is `word` with two neighbouring letters swapped, one dropped or one doubled,
    its first letter untouched."""
    if typed[:1] != word[:1] or typed == word:
        return False
    swaps = {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(1, len(word) - 1)}
    drops = {word[:i] + word[i + 1 :] for i in range(1, len(word) - 1) if len(word) >= 6}
    doubles = {word[: i + 1] + word[i:] for i in range(1, len(word))}
    return typed in swaps | drops | doubles


def protected_spans(text: str, phrases: list[str]) -> list[tuple[int, int]]:
    return [m.span() for p in phrases if p for m in re.finditer(re.escape(p), text, re.IGNORECASE)]


@settings(max_examples=60)
@given(conversations(persona_strategy=personas(typos=False)), st.sampled_from([0.05, 0.1, 0.3]))
def test_typos_change_words_but_never_a_fact(case: Setup, rate: float) -> None:
    """The customer with typos does and states exactly what its typo-free twin does; its
    words differ only by single slips, never inside a fact's value or label."""
    clean = twins(case, typo_rate=0.0)
    typed = twins(case, typo_rate=rate)
    ledger = customer_for(case.scenario, case.persona, case.seed).facts
    labels = [case.scenario.label(k) for k in ledger]
    assert [(a.intent, a.facts, a.asks_human, a.contact) for a in typed] == [
        (a.intent, a.facts, a.asks_human, a.contact) for a in clean
    ]
    for mistyped, meant in zip(typed, clean, strict=True):
        for name, value in mistyped.facts.items():
            assert mentions(mistyped.text, value), f"{name} {value!r} lost: {mistyped.text!r}"
        for label in labels:
            if label.lower() in meant.text.lower():
                assert label.lower() in mistyped.text.lower(), mistyped.text
        words, meant_words = mistyped.text.split(" "), meant.text.split(" ")
        assert len(words) == len(meant_words), (mistyped.text, meant.text)
        for a, b in zip(words, meant_words, strict=True):
            if a != b:
                (x,), (y,) = (
                    set(LETTERS.findall(a)) - set(LETTERS.findall(b)),
                    {w for w in LETTERS.findall(b) if w not in LETTERS.findall(a)},
                )
                assert one_slip(x, y), f"{y!r} became {x!r}"


@settings(max_examples=40)
@given(conversations(persona_strategy=personas(typos=False)))
def test_a_typo_rate_of_zero_mistypes_nothing(case: Setup) -> None:
    """Every word it writes is one of the words it was given: the scenario's, the
    persona's cues, the wording tables and its own facts."""
    import harness.customer.wording as wording

    known: set[str] = set()
    tables = [v for v in vars(wording).values() if isinstance(v, dict) and "terse" in v]
    for table in tables:
        for by_manner in table.values():
            for variants in by_manner.values():
                known.update(w.lower() for v in variants for w in LETTERS.findall(v))
    customer = customer_for(case.scenario, case.persona, case.seed)
    sources = [*templates(case.scenario), *case.persona.cues, *customer.facts.values(),
               *map(case.scenario.label, [*customer.facts, *UNKNOWN_FACTS]), *UNDECLARED,
               "In case you need them", "or"]  # fmt: skip
    known.update(w.lower() for s in sources for w in LETTERS.findall(s))
    for action in said(customer, case.seen):
        unknown = {w for w in LETTERS.findall(action.text) if w.lower() not in known}
        assert unknown == set(), action.text


@pytest.mark.parametrize("rate", [0.05, 0.15, 0.3])
def test_the_typo_rate_is_the_share_of_words_mistyped(rate: float) -> None:
    """Over many customers, the share of mistyped words (of four letters or more, outside
    facts and labels) is close to the persona's typo_rate."""
    persona = PACK.personas["calm-precise"]
    eligible = mistyped = 0
    replies = [Observation(asks=("x",)), Observation(fallback=True), Observation(fallback=True)]
    for i, scenario in enumerate(FACTFUL * 4):
        seen = [Observation(asks=tuple(scenario.facts)), *replies]
        seed = 1000 + i
        clean = said(customer_for(scenario, twin(persona, typo_rate=0.0), seed), seen)
        typed = said(customer_for(scenario, twin(persona, typo_rate=rate), seed), seen)
        ledger = customer_for(scenario, persona, seed).facts
        phrases = [*ledger.values(), *map(scenario.label, ledger)]
        for meant, got in zip(clean, typed, strict=True):
            spans = protected_spans(meant.text, phrases)
            words = [
                m for m in re.finditer(r"[^\W\d_]{4,}", meant.text)
                if not any(s < m.end() and m.start() < e for s, e in spans)
            ]  # fmt: skip
            eligible += len(words)
            mistyped += sum(
                a != b for a, b in zip(got.text.split(" "), meant.text.split(" "), strict=True)
            )
    assert eligible > 300
    assert 0.6 * rate <= mistyped / eligible <= 1.4 * rate, (mistyped, eligible)


@settings(max_examples=60)
@given(conversations(persona_strategy=personas(typos=False)))
def test_verbosity_changes_how_long_every_message_is(case: Setup) -> None:
    """The same customer, terse, normal and verbose: the same turns, each message at
    least as long as the terser one's, and verbose always longer than terse."""
    by_verbosity = [twins(case, verbosity=v) for v in VERBOSITIES]
    terse, normal, verbose = by_verbosity
    assert len({tuple(a.intent for a in said) for said in by_verbosity}) == 1
    for t, n, v in zip(terse, normal, verbose, strict=True):
        if t.intent in ("say", "leave") or (t.intent == "ask_human" and t.text == v.text):
            continue  # scripted lines are said as written
        assert len(t.text) <= len(n.text) <= len(v.text), (t.text, n.text, v.text)
        assert len(t.text) < len(v.text), (t.text, v.text)


@settings(max_examples=40)
@given(
    st.sampled_from(SCENARIOS),
    personas(typos=False),
    seeds,
    st.lists(st.text(alphabet="abcdefgh .", min_size=3, max_size=40), min_size=1, max_size=2),
)
def test_its_cues_are_in_its_opening_and_come_back_when_it_is_stuck(
    scenario: Scenario, persona: Persona, seed: int, cues: list[str]
) -> None:
    cued = twin(persona, cues=cues)
    customer = customer_for(without_steps(scenario), cued, seed)
    opening = customer.start()
    assert isinstance(opening, Say)
    assert all(cue in opening.text for cue in cues), opening.text
    uncued = customer_for(without_steps(scenario), twin(persona, cues=[]), seed).start()
    assert isinstance(uncued, Say) and len(uncued.text) < len(opening.text)


def test_a_customer_with_cues_says_them_again_when_stuck() -> None:
    persona = twin(PACK.personas["in-crisis"], typo_rate=0.0, asks_for_human="never", patience=10)
    stuck = [Observation(fallback=True)] * 5
    later = [
        a.text
        for i, scenario in enumerate(GOAL_DRIVEN)
        for a in said(customer_for(scenario, persona, i), stuck)[1:]
    ]
    with_cue = [t for t in later if any(cue in t for cue in persona.cues)]
    assert 0.25 < len(with_cue) / len(later) < 0.75


@settings(max_examples=30)
@given(st.sampled_from(SCENARIOS), st.sampled_from(PERSONAS), seeds)
def test_a_polite_customer_says_please_and_thank_you_more_than_a_blunt_one(
    scenario: Scenario, persona: Persona, seed: int
) -> None:
    """Manner follows patience (persona.py): the same customer, blunt and polite."""
    courtesy = re.compile(r"\b(please|thank|thanks|sorry|hello|hi)\b", re.IGNORECASE)
    counts = {}
    for patience in (0, 10):
        p = twin(persona, patience=patience, typo_rate=0.0, verbosity="normal")
        assert p.manner == ("blunt" if patience == 0 else "polite")
        customer = customer_for(without_steps(scenario), p, seed)
        helpful = [Observation(asks=tuple(scenario.facts)), Observation(offers_handoff=True)]
        counts[patience] = sum(len(courtesy.findall(a.text)) for a in said(customer, helpful))
    assert counts[10] > counts[0], counts


def test_two_personas_in_the_same_scenario_rarely_send_the_same_message() -> None:
    """Each persona plays with its own seed, as in a run; with the facts blanked out, two
    personas' openings (and answers) are seldom word for word the same."""
    from harness.model.seeds import derive_seed

    same = pairs = 0
    for scenario in GOAL_DRIVEN:
        for repeat in range(10):
            messages = []
            for persona in PERSONAS:
                customer = customer_for(
                    scenario, persona, derive_seed(scenario.id, persona.id, repeat)
                )
                texts = [a.text for a in said(customer, [Observation(asks=tuple(scenario.facts))])]
                for value in customer.facts.values():
                    texts = [t.replace(value, "…") for t in texts]
                messages.append(tuple(texts))
            pairs += len(messages) * (len(messages) - 1) // 2
            same += sum(n * (n - 1) // 2 for n in Counter(messages).values())
    assert same / pairs < 0.02, (same, pairs)


def test_every_request_for_a_human_names_one() -> None:
    """Whatever its wording, a request for (or acceptance of) a human says so plainly: the
    lexicon that bots' readers share, and the reference bots, recognise it."""
    import harness.customer.wording as wording
    from harness.bots.reading import HUMAN as _HUMAN

    for table in (wording.ASK_HUMAN, wording.ACCEPT_HUMAN):
        for by_manner in table.values():
            for variants in by_manner.values():
                for text in variants:
                    assert _HUMAN.search(text.lower()), text


def test_a_goal_met_in_reply_to_parting_words_ends_the_conversation(pack: Pack) -> None:
    # utilities.disconnection-notice scripts a `leave` step, then a return a day later
    scenario = pack.scenarios["utilities.disconnection-notice"]
    persona = pack.personas["calm-precise"]
    parting = next(s for s in scenario.steps if s.leave is not None)
    customer = customer_for(scenario, persona, seed=3)
    action = customer.start()
    while not (isinstance(action, Say) and action.leaves):
        assert isinstance(action, Say), action
        action = customer.next(Observation())
    assert parting.leave is not None and action.intent == "leave"
    twin = customer_for(scenario, persona, seed=3)
    twin_action = twin.start()
    while not (isinstance(twin_action, Say) and twin_action.leaves):
        twin_action = twin.next(Observation())
    # met in the reply: done; not met: the script goes on (it comes back later)
    assert customer.left(Observation(goal_met=True)) == End("goal_met")
    assert not isinstance(twin.left(Observation()), End)


def test_a_claim_on_the_way_does_not_end_the_customers_plan(pack: Pack) -> None:
    """A bot saying "you're all set" with no evidence of the goal, while the customer still
    has scripted steps (here: switching to voice), does not stop the customer there: it
    carries on with its plan, and accepts the claim only when nothing is left."""
    scenario = pack.scenarios["telecom.address-change"]
    customer = customer_for(scenario, pack.personas["calm-precise"], seed=3)
    claim = Observation(claims_resolution=True, progress=True)
    actions = [customer.start()]
    while not isinstance(actions[-1], End) and len(actions) < 10:
        actions.append(customer.next(claim))
    said = [a for a in actions if isinstance(a, Say)]
    assert any(a.channel == "voice" for a in said), "the scripted switch to voice was played"
    assert actions[-1] == End("accepted_claim")


# -- asked for a detail the scenario does not declare, it says it does not have it ---------


@settings(max_examples=40)
@given(st.sampled_from(SCENARIOS), personas(typos=False), seeds, undeclared())
def test_asked_for_a_detail_it_does_not_have_it_says_so(
    scenario: Scenario, persona: Persona, seed: int, details: tuple[str, ...]
) -> None:
    customer = customer_for(without_steps(scenario), persona, seed)
    customer.start()
    action = customer.next(Observation(asks_unknown=details))
    assert isinstance(action, Say) and action.intent == "answer"
    assert action.facts == {}  # nothing stated: it holds no such thing
    assert MISSING.search(action.text) and all(d in action.text for d in details), action.text


@settings(max_examples=40)
@given(st.sampled_from(GOAL_DRIVEN), personas(), seeds, st.sampled_from(UNDECLARED))
def test_a_first_question_for_a_detail_it_lacks_neither_helps_nor_hinders(
    scenario: Scenario, persona: Persona, seed: int, detail: str
) -> None:
    """One unhelpful reply short of giving up, a first question for a detail it does not
    hold is answered and leaves the streak as it was: the next unhelpful reply ends it."""
    customer = customer_for(scenario, persona, seed)
    customer.start()
    for _ in range(abandon_after(persona) - 1):
        customer.next(Observation())
    asked = customer.next(Observation(asks_unknown=(detail,)))
    assert isinstance(asked, Say) and asked.intent == "answer"
    assert kind_of(customer.next(Observation()), 1) in ("reopen", "end:abandoned")


@settings(max_examples=40)
@given(st.sampled_from(GOAL_DRIVEN), personas(), seeds, st.sampled_from(UNDECLARED))
def test_a_detail_asked_for_again_is_an_unhelpful_reply(
    scenario: Scenario, persona: Persona, seed: int, detail: str
) -> None:
    customer = customer_for(scenario, persona, seed)
    customer.start()
    customer.next(Observation(asks_unknown=(detail,)))  # told it does not have it
    for _ in range(abandon_after(persona) - 1):
        customer.next(Observation())
    again = customer.next(Observation(asks_unknown=(detail,)))
    assert kind_of(again, 1) in ("reopen", "end:abandoned")
