"""The scenario map (`--scenario-map`): which conversations a scenario's checks apply to,
and what every other conversation is held to.

    defaults:                         # for conversations no rule maps (all optional)
      compliance: {ai_disclosure: true, verify: [date_of_birth]}
    rules:                            # the first rule that matches a conversation wins
      - scenario: banking.fraud-dispute          # a bundled scenario's id…
        intent: "dispute_*"                      # a customer message's intent (a glob)
      - scenario: scenarios/bereavement.yaml     # …or a scenario file, beside the map
        keyword: "passed away|bereave"           # a regular expression on what the customer said
      - scenario: utilities.disconnection
        channel: voice                           # conditions of one rule must all hold
"""

from __future__ import annotations

import re
from fnmatch import fnmatchcase
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from harness.errors import ConfigError, did_you_mean
from harness.loading import bundled_pack, load_file, personas_with
from harness.model.scenario import (
    Channel,
    ComplianceExpectation,
    ContextExpectation,
    ConversationExpectation,
    Pattern,
    Scenario,
)
from harness.model.transcript import Transcript


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Defaults(_Model):
    """What a conversation no rule maps is held to (its scenario is unknown)."""

    context: ContextExpectation = Field(
        ContextExpectation(), description="facts that may be asked for again"
    )
    compliance: ComplianceExpectation = Field(
        ComplianceExpectation(ai_disclosure=True),
        description="verification facts, AI disclosure (required by default), forbidden phrases",
    )
    conversation: ConversationExpectation = Field(
        ConversationExpectation(), description="how often the bot may repeat itself"
    )


class Rule(_Model):
    """Conversations that are one scenario: every condition given must hold."""

    scenario: str = Field(description="a bundled scenario's id or a scenario file's path")
    intent: str | None = Field(None, description="a glob on a customer message's intent")
    keyword: Pattern | None = Field(
        None, description="a regular expression (any case) on the customer's messages"
    )
    channel: Channel | None = Field(None, description="a channel the conversation used")

    @model_validator(mode="after")
    def _some_condition(self) -> Rule:
        if not (self.intent or self.keyword or self.channel):
            raise ValueError("a rule needs at least one of intent, keyword or channel")
        return self

    def matches(self, t: Transcript) -> bool:
        said = [e for e in t.events if e.kind == "customer_message"]
        if self.intent and not any(
            fnmatchcase(str(e.data.get("intent", "")), self.intent) for e in said
        ):
            return False
        if self.keyword and not any(re.search(self.keyword, e.text, re.I) for e in said):
            return False
        return not self.channel or any(e.channel == self.channel for e in t.events)


class ScenarioMap(_Model):
    """Which conversations a scenario's checks apply to; what the rest are held to."""

    defaults: Defaults = Field(Defaults(), description="for conversations no rule maps")
    rules: list[Rule] = Field(default_factory=list, description="the first that matches wins")


def load_scenario_map(path: Path | None) -> tuple[ScenarioMap, dict[str, Scenario]]:
    """The map (the defaults alone when `path` is None) and every scenario it names, by the
    name the map gives it; a scenario that cannot be found is a ConfigError."""
    if path is None:
        return ScenarioMap(), {}
    mapped = load_file(ScenarioMap, path)
    scenarios: dict[str, Scenario] = {}
    problems: list[str] = []
    bundled = bundled_pack().scenarios
    for i, rule in enumerate(mapped.rules):
        name = rule.scenario
        if name in scenarios:
            continue
        file = path.parent / name
        if name in bundled:
            scenarios[name] = bundled[name]
        elif name.endswith((".yaml", ".yml")) and file.is_file():
            scenarios[name] = next(iter(personas_with([file]).scenarios.values()))
        else:
            hint = did_you_mean(name, bundled) or ""
            problems.append(
                f"{path}: rules[{i}].scenario: no bundled scenario or file {name!r}{hint}"
            )
    if problems:
        raise ConfigError(problems)
    return mapped, scenarios
