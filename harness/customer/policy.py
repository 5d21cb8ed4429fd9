"""The simulated customer: a sans-IO policy.

`Customer.next(observation) -> action`. It holds the persona, the scenario's goal, its
fact ledger and its patience; it knows no clock, socket or thread. The conversation engine
feeds it what the bot (or the human agent) said, already read by the lexicon, and carries
its actions out. Every choice it makes comes from its own seeded `random.Random`.

What it wants to say comes from the scenario (goal utterances, scripted steps, facts); how
it words it comes from the persona (harness/wording.py): openers and closers, blunt or
polite, terse or verbose, its cues, its typos. Scripted lines are said as written.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from itertools import chain

from harness.customer.wording import (
    ACCEPT_HUMAN,
    ANSWER_LEADS,
    ASK_HUMAN,
    CLOSERS,
    OPENERS,
    REPHRASE_LEADS,
    RETURNING,
    Typist,
    Wording,
    join,
    sentence,
)
from harness.model.persona import Persona
from harness.model.scenario import Scenario, Step, placeholders


# Built on every turn: slotted, not frozen (a frozen dataclass costs 4x to build).
@dataclass(slots=True)
class Observation:
    """What the customer perceived of the last reply (from the bot, or the human agent)."""

    asks: tuple[str, ...] = ()
    asks_unknown: tuple[str, ...] = ()  # details the scenario does not declare, as named
    offers_handoff: bool = False
    refuses_handoff: bool = False
    fallback: bool = False
    claims_resolution: bool = False
    progress: bool = False  # an action not taken before, a handoff, or an agent joining
    goal_met: bool = False
    ended: bool = False  # the bot closed the conversation
    handed_off: bool = False  # a human has the conversation now
    repeated: bool = False  # the reply says what the previous one said (model.gist)


@dataclass(slots=True)
class Say:
    text: str
    intent: str
    think: float  # seconds of reading, thinking and typing before the message is sent
    channel: str
    contact: int
    facts: dict[str, str] = field(default_factory=dict)
    asks_human: bool = False
    trigger: bool = False
    repeated: tuple[str, ...] = ()
    volunteered: tuple[str, ...] = ()
    new_contact_after: float = 0.0  # > 0: wait this long, then open contact `contact`
    leaves: bool = False  # the customer ends this contact after this message
    scripted: bool = False  # a scenario's line, said as written


@dataclass(frozen=True, slots=True)
class Wait:
    seconds: float


@dataclass(frozen=True, slots=True)
class End:
    reason: str  # goal_met, accepted_claim, abandoned, left, bot_ended


Action = Say | Wait | End


class Customer:
    """Persona + scenario goal + fact ledger, as a policy."""

    def __init__(
        self, scenario: Scenario, persona: Persona, facts: dict[str, str], rng: random.Random
    ) -> None:
        self.scenario = scenario
        self.persona = persona
        self.facts = facts
        self.rng = rng
        self.channel = scenario.channels[0]
        self.contact = 1
        self.stated: set[str] = set()
        self.unhelpful = 0
        self.unknown: set[str] = set()  # the undeclared details the bot has asked for
        self.with_human = False
        self._steps = list(scenario.steps)
        self._goal_turns = 0  # goal-driven turns left in the current `goal: N` step
        self._utterance = rng.randrange(len(scenario.goal.utterances))
        self._opened = False
        # Wording draws from this stream a fixed number of times per message, whatever the
        # persona, so twins that differ in verbosity or manner alone choose in step. Typos
        # draw once per word: they get a stream of their own, or a typo-free twin would
        # drift apart from its typing twin.
        self.wording = Wording(persona, rng)
        self._typist = Typist(
            persona.typo_rate,
            chain(facts.values(), map(scenario.label, facts)),  # never mistyped; read lazily
            rng.getrandbits(64),
        )

    # -- the policy ------------------------------------------------------------------

    def start(self) -> Action:
        return self._next_step() or self._opening()

    def next(self, seen: Observation) -> Action:
        self._take_in(seen)
        if seen.goal_met:
            return End("goal_met")
        if seen.ended:
            return self._unresolved("bot_ended")
        asked = seen.asks or seen.asks_unknown
        if seen.claims_resolution and not asked and not (self._steps or self._goal_turns):
            # a claim without the goal's evidence ends nothing the customer still plans to
            # do (a balance "all set" on the way to the real errand): only the last of it
            return self._unresolved("accepted_claim")
        return self._step_or_goal_turn(seen)

    def left(self, seen: Observation | None = None) -> Action:
        """The customer has just left the contact (`seen`: the reply to its parting words):
        what it does next. A goal met in that reply ends the conversation."""
        if seen is not None and seen.goal_met:
            return End("goal_met")
        return self._next_step() or self._unresolved("left")

    def resume(self) -> Action:
        """After a wait: the next scripted step, or a goal-driven turn."""
        return self._step_or_goal_turn(Observation())

    def _step_or_goal_turn(self, seen: Observation) -> Action:
        """The next scripted step, unless a `goal: N` step still has turns to play."""
        if not self._goal_turns:
            action = self._next_step()
            if action is not None:
                return action
        self._goal_turns = max(self._goal_turns - 1, 0)
        return self._goal_turn(seen)

    # -- bookkeeping -------------------------------------------------------------------

    def _take_in(self, seen: Observation) -> None:
        self.with_human = self.with_human or seen.handed_off
        new_ask = any(fact not in self.stated for fact in seen.asks)
        helpful = (
            new_ask
            or (seen.offers_handoff and not seen.refuses_handoff)
            or seen.progress
            or seen.goal_met
        )
        # A first question for a detail it does not have is neither help nor hindrance: the
        # streak stands. Asked for it again, the customer is not being helped.
        fresh = not self.unknown.issuperset(seen.asks_unknown)
        self.unknown.update(seen.asks_unknown)
        if seen.fallback or seen.refuses_handoff or seen.repeated or not (helpful or fresh):
            self.unhelpful += 1
        elif helpful:
            self.unhelpful = 0

    def _think(self, text: str) -> float:
        p = self.persona
        # rng.uniform(0.5, 1.5) without its call: the same draw, the same float
        return p.think_seconds * (0.5 + 1.0 * self.rng.random()) + len(text) / p.typing_cps

    def _say(self, text: str, intent: str, *, verbatim: bool = False, **fields: object) -> Say:
        """A message; in the persona's own typing unless `verbatim` (a scripted line)."""
        facts = fields.get("facts") or {}
        assert isinstance(facts, dict)
        self.stated.update(facts)
        if not verbatim:
            text = self._typist(text)
        return Say(
            text=text,
            intent=intent,
            think=self._think(text),
            channel=self.channel,
            contact=self.contact,
            scripted=verbatim,
            **fields,  # type: ignore[arg-type]
        )

    def _fill(self, template: str) -> tuple[str, dict[str, str]]:
        names = placeholders(template)
        values = {name: self.facts[name] for name in names}
        return template.format(**values), values

    # -- what it says ----------------------------------------------------------------

    def _opening(self, returning: bool = False, new_contact_after: float = 0.0) -> Say:
        self._opened = True
        w = self.wording
        text, facts = self._fill(self.scenario.goal.utterances[self._utterance])
        parts = [w.pick(RETURNING if returning else OPENERS), *self.persona.cues, text]
        volunteered: tuple[str, ...] = ()
        if self.persona.volunteers_facts:
            extra = {k: v for k, v in self.facts.items() if k not in facts and k not in self.stated}
            if extra:
                lead = "In case you need them: " if w.verbosity == "verbose" else ""
                parts.append(self._statement(extra, lead))
                volunteered = tuple(extra)
                facts = {**facts, **extra}
        asks_human = self.persona.asks_for_human == "at_once"
        if asks_human:
            parts.append(w.pick(ASK_HUMAN))
        parts.append(w.pick(CLOSERS))
        return self._say(
            join(*parts),
            "opening",
            facts=facts,
            trigger=True,
            asks_human=asks_human,
            volunteered=volunteered,
            new_contact_after=new_contact_after,
        )

    def _statement(self, facts: dict[str, str], lead: str = "") -> str:
        """The facts as one sentence, after `lead` ("Sure. ", "Yes, " or "")."""
        said = self.wording.statement([(self.scenario.label(k), v) for k, v in facts.items()])
        return lead + (sentence(said) if not lead or lead.endswith(". ") else said) + "."

    def _answer(self, asks: tuple[str, ...], unknown: tuple[str, ...] = ()) -> Say:
        """The facts asked for; what it does not hold (`unknown`: details the scenario does
        not declare, as the bot named them), said to be missing."""
        label, w = self.scenario.label, self.wording
        fresh = {k: self.facts[k] for k in asks if k in self.facts and k not in self.stated}
        again = {k: self.facts[k] for k in asks if k in self.facts and k in self.stated}
        missing = [label(k) for k in asks if k not in self.facts] + list(unknown)
        parts = []
        if again:
            parts.append(w.already([(label(k), v) for k, v in again.items()]))
        if fresh:
            parts.append(self._statement(fresh, "" if again else w.pick(ANSWER_LEADS)))
        if missing:
            parts.append(w.missing(missing))
        return self._say(" ".join(parts), "answer", facts={**again, **fresh}, repeated=tuple(again))

    def _rephrase(self) -> Say:
        utterances = self.scenario.goal.utterances
        self._utterance = (self._utterance + 1) % len(utterances)
        text, facts = self._fill(utterances[self._utterance])
        w = self.wording
        return self._say(
            join(w.stuck_cue(), w.pick(REPHRASE_LEADS) + text), "rephrase", facts=facts
        )

    def _ask_human(self, text: str = "", facts: dict[str, str] | None = None) -> Say:
        """A request for a human: the scripted `text` as written, or in the persona's words."""
        if text:
            return self._say(text, "ask_human", verbatim=True, facts=facts or {}, asks_human=True)
        w = self.wording
        said = join(w.stuck_cue(), w.pick(ASK_HUMAN))
        return self._say(said, "ask_human", facts=facts or {}, asks_human=True)

    def _goal_turn(self, seen: Observation) -> Action:
        p = self.persona
        # A question is answered, and a human on offer accepted, while patience lasts: a bot
        # that only asks again for what it was told, or offers a human again instead of
        # handing off, is unhelpful (see _take_in), and past the limit the customer gives up.
        patient = self.unhelpful < p.abandon_after
        if (seen.asks or seen.asks_unknown) and patient:
            return self._answer(seen.asks, seen.asks_unknown)
        if seen.offers_handoff and not seen.refuses_handoff and not self.with_human and patient:
            return self._say(self.wording.pick(ACCEPT_HUMAN), "accept_human", asks_human=True)
        if self.unhelpful >= p.abandon_after:
            return self._unresolved("abandoned")
        if (
            not self.with_human
            and p.asks_for_human != "never"
            and (
                self.unhelpful >= p.ask_human_after
                or (p.asks_for_human == "at_once" and self.unhelpful)
            )
        ):
            return self._ask_human()
        return self._rephrase()

    def _unresolved(self, reason: str) -> Action:
        """End this contact unresolved; a scenario with repeat_contact brings it back."""
        repeat = self.scenario.repeat_contact
        if repeat is None or self.contact >= repeat.max_contacts:
            return End(reason)
        self.contact += 1
        self.unhelpful = 0
        self.with_human = False
        if repeat.channel:
            self.channel = repeat.channel
        return self._opening(returning=True, new_contact_after=repeat.after)

    # -- scripted steps --------------------------------------------------------------

    def _next_step(self) -> Action | None:
        # A `goal: N` step hands the next N turns to the goal: play them before the next step.
        while self._steps and not self._goal_turns:
            step = self._steps.pop(0)
            action = self._play(step)
            if action is not None:
                return action
        return None

    def _play(self, step: Step) -> Action | None:
        new_contact_after = 0.0
        if step.return_after is not None:
            self.contact += 1
            self.unhelpful = 0
            self.with_human = False
            new_contact_after = step.return_after or 0.001
        if step.switch:
            self.channel = step.switch
        kind = step.action
        if kind == "wait":
            return Wait(step.wait or 0.0)
        if kind == "goal":
            if not self._opened:
                self._goal_turns = (step.goal or 1) - 1
                return self._opening(new_contact_after=new_contact_after)
            self._goal_turns = step.goal or 1
            return None if not new_contact_after else self._opening(False, new_contact_after)
        if kind == "ask_human":
            text, facts = "", dict[str, str]()
            if isinstance(step.ask_human, str):
                text, facts = self._fill(step.ask_human)
            say = self._ask_human(text, facts)
            return _with(say, new_contact_after, step.trigger)
        if kind == "accept_human":  # as a customer accepts a human on offer (_goal_turn)
            text, facts = self._fill(step.accept_human or "")
            say = self._say(text, kind, verbatim=True, facts=facts, asks_human=True)
            return _with(say, new_contact_after, step.trigger)
        template = step.say if kind == "say" else step.leave
        assert template is not None
        text, facts = self._fill(template)
        self._opened = True
        say = self._say(text, kind, verbatim=True, facts=facts, leaves=kind == "leave")
        return _with(say, new_contact_after, step.trigger)


def _with(say: Say, new_contact_after: float, trigger: bool) -> Say:
    """`say`, just made, with a step's return and trigger (set in place: cheaper than
    dataclasses.replace, and no one else holds it yet)."""
    say.new_contact_after = new_contact_after
    say.trigger = say.trigger or trigger
    return say
