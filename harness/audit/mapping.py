"""The mapping file: how one export's rows (one per message) become transcript events.

format: csv                 # or jsonl
conversation: conv_id       # a column (csv), a key or a JSONPath such as $.meta.id (jsonl)
customer: user_id           # optional; contacts of one customer are linked by it
time: ts                    # ISO 8601 or epoch seconds
role: speaker
roles: {customer: [user], bot: [bot], agent: [agent]}
text: message
channel: channel            # optional
handoff: {role: system, text: "transferred to agent"}
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from harness.adapters.paths import parse_path
from harness.loading import load_file
from harness.model.durations import Duration
from harness.model.scenario import Channel, Pattern


def _check_field(name: str) -> str:
    if name.startswith("$"):
        parse_path(name)  # a ValueError that says what a path may hold
    elif not name.strip():
        raise ValueError("names a column or key, or is a JSONPath such as '$.meta.id'")
    return name


FieldName = Annotated[str, AfterValidator(_check_field)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Roles(_Model):
    """The values of the role field that mean each speaker."""

    customer: list[str] = Field(min_length=1, description="values meaning the customer")
    bot: list[str] = Field(min_length=1, description="values meaning the bot")
    agent: list[str] = Field(default_factory=list, description="values meaning a human agent")
    system: list[str] = Field(
        default_factory=list,
        description="values meaning the platform itself (read only for the handoff rule)",
    )


class HandoffRule(_Model):
    """How a handoff shows in the export: a row of this role whose text matches."""

    role: str = Field(description="the role value of the row that marks a handoff")
    text: Pattern = Field(".", description="a regular expression the row's text matches")
    context: FieldName | None = Field(
        None, description="a field holding the handoff's context payload as JSON (optional)"
    )


class Mapping(_Model):
    """How the rows of one export (one row per message) map onto transcript events."""

    format: Literal["csv", "jsonl"] = Field(description="csv (with a header row) or jsonl")
    conversation: FieldName = Field(description="the field naming each conversation")
    customer: FieldName | None = Field(
        None, description="the field naming the customer; links the contacts of one customer"
    )
    time: FieldName = Field(description="the message's time: ISO 8601 or epoch seconds")
    role: FieldName = Field(description="the field that says who spoke")
    roles: Roles = Field(description="which values of the role field mean whom")
    text: FieldName = Field(description="the message's text")
    channel: FieldName | None = Field(None, description="the field naming the channel")
    default_channel: Channel = Field("chat", description="the channel when none is given")
    intent: FieldName | None = Field(
        None, description="a field naming the customer's intent (for --scenario-map)"
    )
    handoff: HandoffRule | None = Field(None, description="how a handoff shows in the export")
    delimiter: str = Field(",", min_length=1, max_length=1, description="csv field separator")
    idle: Duration = Field(
        86400.0,
        description="a conversation is complete once the export has moved this far past its "
        "last message (exports in time order); the rest are complete at the end",
    )

    @model_validator(mode="after")
    def _csv_columns(self) -> Mapping:
        if self.format == "csv":
            paths = [f for f in self.fields().values() if f.startswith("$")]
            if paths:
                raise ValueError(f"a csv mapping names columns, not JSONPaths: {paths[0]!r}")
        return self

    def fields(self) -> dict[str, str]:
        """Every field this mapping reads, by what it means."""
        named = {
            "conversation": self.conversation,
            "customer": self.customer,
            "time": self.time,
            "role": self.role,
            "text": self.text,
            "channel": self.channel,
            "intent": self.intent,
            "context": self.handoff.context if self.handoff else None,
        }
        return {key: value for key, value in named.items() if value}

    def speaker(self, role: str) -> str | None:
        """'customer', 'bot', 'agent' or 'system' for a role value; None if unknown."""
        for who in ("customer", "bot", "agent", "system"):
            if role in getattr(self.roles, who):
                return who
        return None


def load_mapping(path: Path) -> Mapping:
    """A mapping file, validated; every problem a `file:line: field: …` ConfigError."""
    return load_file(Mapping, path)
