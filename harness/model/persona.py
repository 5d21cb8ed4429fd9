"""Persona: who the customer is. Traits here drive the customer's behaviour measurably."""

from __future__ import annotations

from difflib import get_close_matches
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from harness.model.durations import Duration

Manner = Literal["blunt", "plain", "polite"]

# An id names a transcript file (with the scenario's and persona's): short enough for any
# file system.
MAX_ID = 80
Slug = Field(
    pattern=r"^[a-z0-9][a-z0-9_.-]*$",
    max_length=MAX_ID,
    description=f"lower-case id: letters, digits, - _ . (at most {MAX_ID} characters)",
)


class Persona(BaseModel):
    """A customer's character: patience, style, vulnerability, think and typing time."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    id: str = Slug
    name: str = Field(description="a short human-readable name")
    description: str = Field("", description="who this customer is, in a sentence or two")
    patience: int = Field(
        5,
        ge=0,
        le=10,
        description=(
            "0–10. Unhelpful bot turns before asking for a human: 1 + patience // 3; "
            "before abandoning: 2 + patience // 2"
        ),
    )
    asks_for_human: Literal["at_once", "when_stuck", "never"] = Field(
        "when_stuck",
        description="at_once: asks in the opening message; when_stuck: after unhelpful turns; "
        "never: does not ask (still accepts a human who is offered)",
    )
    volunteers_facts: bool = Field(
        False, description="states every fact it holds in its opening, before being asked"
    )
    verbosity: Literal["terse", "normal", "verbose"] = Field(
        "normal",
        description=(
            "terse drops pleasantries; verbose adds greetings, context and thanks to each "
            "message (harness/wording.py)"
        ),
    )
    vulnerable: bool = Field(
        False, description="a vulnerable customer: the desk serves it before others"
    )
    cues: list[str] = Field(
        default_factory=list,
        description="emotional cues the customer adds to its opening and, now and then, says "
        "again when the bot is not helping, e.g. 'I'm really worried.'",
    )
    typo_rate: float = Field(
        0.0,
        ge=0,
        le=0.3,
        description=(
            "0–0.3. Share of its words of four letters or more that the customer mistypes "
            "(two letters swapped, one dropped or doubled); never a fact's value or label"
        ),
    )
    think_seconds: Duration = Field(
        5.0, description="time to read and decide before each message (seconds or '5s')"
    )
    typing_cps: float = Field(
        4.0, gt=0, description="typing (or speaking) speed in characters per second"
    )
    weight: float = Field(
        1.0, gt=0, description="how often it arrives in `harness load`, relative to the others"
    )
    locale: str = Field(
        "en_US",
        pattern=r"^[a-z]{2}_[A-Z]{2}$",
        description="locale for generated facts: one Faker knows (en_US, en_GB, de_DE, …)",
    )

    @field_validator("locale")
    @classmethod
    def _known_locale(cls, locale: str) -> str:
        from faker.config import AVAILABLE_LOCALES  # Faker is loaded when a file names one

        if locale not in AVAILABLE_LOCALES:
            match = get_close_matches(locale, AVAILABLE_LOCALES, n=1, cutoff=0.6)
            hint = f" (did you mean {match[0]!r}?)" if match else ""
            raise ValueError(f"unknown locale {locale!r}{hint}; e.g. en_US, en_GB, de_DE, "
                             "fr_FR or es_ES")  # fmt: skip
        return locale

    @property
    def ask_human_after(self) -> int:
        """Unhelpful bot turns in a row before this customer asks for a human."""
        return 1 + self.patience // 3

    @property
    def abandon_after(self) -> int:
        """Unhelpful bot turns in a row before this customer gives up."""
        return 2 + self.patience // 2

    @property
    def manner(self) -> Manner:
        """How politely it words things, from its patience: blunt at 0–2, polite at 7–10."""
        return "blunt" if self.patience <= 2 else "polite" if self.patience >= 7 else "plain"
