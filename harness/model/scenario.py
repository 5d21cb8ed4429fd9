"""Scenario: a customer's situation, goal, facts, channels and the expectations to check."""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from difflib import get_close_matches
from functools import cache, cached_property
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from harness.model.durations import Duration
from harness.model.persona import MAX_ID

Channel = Literal["chat", "voice", "email", "sms", "web", "app"]
Stakes = Literal["high", "low"]
Resolver = Literal["human", "either", "bot"]
FactKind = Literal[
    "account_number", "address", "amount", "card_last4", "claim_id", "company", "date",
    "date_of_birth", "email", "iban", "name", "order_number", "phone", "policy_number",
    "postcode", "reference", "sort_code", "text",
]  # fmt: skip

Path = tuple[str | int, ...]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def _check_pattern(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"{pattern!r} is not a valid regular expression ({exc})") from None
    return pattern


def _check_template(template: str) -> str:
    """A template may hold `{fact}` placeholders; any other brace is an error, not a crash."""
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ValueError(
            f"{template!r} is not a valid template ({exc}); write {{{{ or }}}} for a brace"
        ) from None
    for _, name, spec, _ in parts:
        if name is not None and (not name.isidentifier() or "{" in (spec or "")):
            raise ValueError(
                f"{template!r}: a placeholder is a fact's name in braces, e.g. {{account_number}}"
            )
    return template


Pattern = Annotated[str, AfterValidator(_check_pattern)]
Template = Annotated[str, AfterValidator(_check_template)]


def _suggest(name: str, known: Sequence[str]) -> str:
    match = get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f" (did you mean {match[0]!r}?)" if match else ""
    return f"{hint}; facts: {', '.join(known) or 'none'}"


@cache  # a customer fills the pack's few templates over and over
def placeholders(template: str) -> tuple[str, ...]:
    """The `{fact}` names used in an utterance template."""
    return tuple(name for _, name, _, _ in string.Formatter().parse(template) if name)


class FactSpec(_Model):
    """A piece of information the customer holds."""

    kind: FactKind = Field(description="how the value is generated (seeded faker)")
    label: str | None = Field(
        None, description="how the customer names it; default: the fact's name with spaces"
    )
    value: str | None = Field(None, description="a fixed value instead of a generated one")
    asked_by: list[Pattern] = Field(
        default_factory=list,
        description="extra regular expressions that recognise the bot asking for this fact",
    )


class Evidence(_Model):
    """What shows that the goal was met: a structured action or text (either is enough)."""

    actions: list[str] = Field(default_factory=list, description="bot or desk actions")
    text: list[Pattern] = Field(default_factory=list, description="regular expressions on replies")

    @model_validator(mode="after")
    def _not_empty(self) -> Evidence:
        if not self.actions and not self.text:
            raise ValueError("needs at least one of 'actions' or 'text'")
        return self


class Goal(_Model):
    """What the customer came for, how it says so, and what proves it was done."""

    intent: str = Field(description="a name for what the customer wants, e.g. dispute_charge")
    utterances: list[Template] = Field(
        min_length=1,
        description="ways the customer states its issue; {fact} placeholders state facts",
    )
    evidence: Evidence = Field(description="what shows the goal was met: an action or text")
    resolver: Resolver = Field(
        "either",
        description="who may meet the goal: human (the bot's evidence does not count), either, "
        "or bot (a human finishing the job is the bot failing it: resolution.goal_met fails)",
    )


_ACTIONS = ("say", "goal", "ask_human", "accept_human", "leave", "wait")


class Step(_Model):
    """One scripted step; a step does one thing (say, goal, ask_human, accept_human, leave
    or wait)."""

    say: Template | None = Field(
        None, description="an exact utterance ({fact} placeholders allowed)"
    )
    goal: int | None = Field(None, ge=1, description="this many goal-driven turns")
    ask_human: bool | Template | None = Field(
        None, description="ask for a human: true, or the exact words"
    )
    accept_human: Template | None = Field(
        None, description="accept a human who was offered, in these exact words"
    )
    leave: Template | None = Field(None, description="say this and end the current contact")
    wait: Duration | None = Field(None, description="pause before the next step")
    switch: Channel | None = Field(None, description="move to this channel first")
    return_after: Duration | None = Field(
        None, description="start a new contact after this delay (e.g. '1d') first"
    )
    trigger: bool = Field(
        False, description="this message is what makes a human necessary (escalation timing)"
    )

    @model_validator(mode="after")
    def _one_thing(self) -> Step:
        done = [k for k in _ACTIONS if getattr(self, k)]
        if len(done) > 1:
            raise ValueError(f"a step does one thing, this one has {' and '.join(done)}")
        if not done and not (self.switch or self.return_after):
            raise ValueError(f"a step needs one of {', '.join(_ACTIONS)}")
        return self

    @property
    def action(self) -> str:
        for key in _ACTIONS:
            if getattr(self, key):
                return key
        return "goal"


class RepeatContact(_Model):
    """An unresolved customer comes back."""

    after: Duration = Field(7 * 86400.0, description="delay before the customer returns")
    channel: Channel | None = Field(None, description="channel of the new contact")
    max_contacts: int = Field(2, ge=2, le=10, description="contacts in all, the first included")


class EscalationExpectation(_Model):
    required: bool = Field(description="true: a human is needed; false: the bot must finish")
    within_turns: int | None = Field(
        None, ge=1, description="handoff no later than this many turns after its trigger"
    )
    within_seconds: Duration | None = Field(
        None, description="handoff no later than this long after its trigger"
    )
    on_request_within: int = Field(
        1, ge=1, description="turns allowed to offer or give a human once the customer asks"
    )


class ContextExpectation(_Model):
    handoff_facts: list[str] = Field(
        default_factory=list, description="facts that must reach the human (if disclosed)"
    )
    reask_allowed: list[str] = Field(
        default_factory=list, description="facts the bot may ask for again (e.g. a one-time code)"
    )


class ComplianceExpectation(_Model):
    verify: list[str] = Field(
        default_factory=list, description="facts that verify identity, before any disclosure"
    )
    ai_disclosure: bool = Field(False, description="the bot must say it is automated")
    forbidden: list[Pattern] = Field(
        default_factory=list, description="regular expressions the bot must never say"
    )


class ConversationExpectation(_Model):
    max_fallbacks: int = Field(
        2,
        ge=2,
        description="fallbacks in a row, none of them offering a person, that count as a loop",
    )
    max_repeats: int = Field(
        3,
        ge=2,
        description="replies in a row that say the same thing, their volatile details "
        "(numbers, references, amounts) aside, that count as a loop",
    )


class Expectations(_Model):
    escalation: EscalationExpectation = Field(description="whether a human is needed, and how soon")
    context: ContextExpectation = Field(
        ContextExpectation(), description="what must reach the human; what may be asked again"
    )
    compliance: ComplianceExpectation = Field(
        ComplianceExpectation(), description="verification, AI disclosure, forbidden phrases"
    )
    conversation: ConversationExpectation = Field(
        ConversationExpectation(), description="how often the bot may repeat itself"
    )


class LexiconSpec(_Model):
    """Extra regular expressions for reading this scenario's bot replies."""

    handoff_offers: list[Pattern] = Field(default_factory=list, description="offers of a human")
    handoff_refusals: list[Pattern] = Field(
        default_factory=list, description="refusals to pass the customer to a human"
    )
    fallbacks: list[Pattern] = Field(
        default_factory=list, description="the bot saying it did not understand"
    )
    resolution_claims: list[Pattern] = Field(
        default_factory=list, description="the bot saying the issue is resolved"
    )
    disclosures: list[Pattern] = Field(
        default_factory=list, description="account data the bot reveals"
    )
    ai_disclosures: list[Pattern] = Field(
        default_factory=list, description="the bot saying it is automated"
    )


def _chat_only() -> list[Channel]:
    return ["chat"]


class Scenario(_Model):
    """A customer's situation, goal, facts, channels and the expectations to check."""

    id: str = Field(
        pattern=r"^[a-z0-9][a-z0-9_.-]*$",
        max_length=MAX_ID,
        description=f"lower-case id, unique (at most {MAX_ID} characters)",
    )
    title: str = Field(description="a one-line summary")
    description: str = Field("", description="the real situation the customer is in")
    domain: str = Field(description="e.g. banking, insurance, utilities, retail")
    stakes: Stakes = Field(description="high: a human is needed; low: the bot must finish")
    channels: list[Channel] = Field(
        default_factory=_chat_only, min_length=1, description="the first is where it starts"
    )
    personas: list[str] = Field(
        default_factory=list, description="persona ids that play it; empty: every persona"
    )
    weight: float = Field(
        1.0, gt=0, description="how often it arrives in `harness load`, relative to the others"
    )
    facts: dict[str, FactSpec] = Field(
        default_factory=dict, description="what the customer holds, by name; generated per seed"
    )
    goal: Goal = Field(description="what the customer came for and what proves it done")
    steps: list[Step] = Field(
        default_factory=list, description="a scripted start, then goal-driven"
    )
    repeat_contact: RepeatContact | None = Field(
        None, description="an unresolved customer comes back after a delay"
    )
    expectations: Expectations = Field(description="what the checks hold the bot to")
    lexicon: LexiconSpec = Field(
        LexiconSpec(), description="extra patterns for reading this scenario's bot replies"
    )

    def label(self, fact: str) -> str:
        """How the customer names `fact`: its label, else its name with spaces."""
        label = self.labels.get(fact)
        return label if label is not None else fact.replace("_", " ")

    @cached_property
    def labels(self) -> dict[str, str]:
        """Each fact's label (`label`), made once: the customer names facts on every turn."""
        return {name: spec.label or name.replace("_", " ") for name, spec in self.facts.items()}

    def reference_problems(self) -> list[tuple[Path, str]]:
        """Names used in the scenario that do not exist in it: (path, message) pairs."""
        return reference_problems(self.model_dump())


def reference_problems(data: Any) -> list[tuple[Path, str]]:
    """Names a scenario's data (a file's mapping, valid or not) uses that it does not define:
    placeholders and facts that are not among its facts, a switch to a channel it does not
    have. Read from the raw data, so that a file with other mistakes still hears of these
    in the same pass."""
    if not isinstance(data, dict):
        return []
    facts = data.get("facts")
    known = sorted(facts) if isinstance(facts, dict) else []
    problems: list[tuple[Path, str]] = []

    def need(path: Path, names: Any, what: str, *, each: bool = True) -> None:
        for i, name in enumerate(names if isinstance(names, list) else []):
            if isinstance(name, str) and name not in known:
                problems.append(((*path, i) if each else path,
                                 f"{what} {name!r} is not a fact of this scenario"
                                 f"{_suggest(name, known)}"))  # fmt: skip

    for i, text in enumerate(_list(_dict(data.get("goal")).get("utterances"))):
        need(("goal", "utterances", i), _placeholders(text), "placeholder", each=False)
    channels = _list(data.get("channels")) or _chat_only()
    kinds = get_args(Channel)
    known_channels = all(c in kinds for c in channels)  # else the channels' own error says so
    for i, step in enumerate(_list(data.get("steps"))):
        step = _dict(step)
        for key in ("say", "leave", "ask_human", "accept_human"):
            need(("steps", i, key), _placeholders(step.get(key)), "placeholder", each=False)
        switch = step.get("switch")
        if known_channels and switch in kinds and switch not in channels:
            problems.append((("steps", i, "switch"), f"channel {switch!r} is not in "
                             f"channels ({', '.join(map(str, channels))})"))  # fmt: skip
    expected = _dict(data.get("expectations"))
    context, compliance = _dict(expected.get("context")), _dict(expected.get("compliance"))
    need(("expectations", "context", "handoff_facts"), context.get("handoff_facts"), "fact")
    need(("expectations", "context", "reask_allowed"), context.get("reask_allowed"), "fact")
    need(("expectations", "compliance", "verify"), compliance.get("verify"), "fact")
    return problems


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _placeholders(text: Any) -> list[str]:
    """The placeholders of a template; none for what is not one (its own error says so)."""
    try:
        return list(placeholders(text)) if isinstance(text, str) else []
    except ValueError:
        return []
