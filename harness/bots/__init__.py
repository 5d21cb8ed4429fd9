"""The reference bots, by name: `demo:careful` and one flawed variant per defect.

reference (the bot), reading (how it reads a message), spelling (typo repair), journeys/
(what it can do, by domain) and serve/ (the bot side of every wire protocol, for
`harness demo-bot` and tests).
"""

from __future__ import annotations

from harness.bots.reference import FLAWS, ReferenceBot
from harness.errors import ConfigError, did_you_mean

NAMES = ("careful", *FLAWS)

# name → what `harness list bots` and `harness run --help` say of it
DESCRIPTIONS = {
    "careful": "verifies, remembers, hands off at once with full context (the baseline)",
    "deflector": "never hands off",
    "amnesiac": "re-asks facts; forgets across channels and contacts",
    "slowpoke": "hands off only after three more questions",
    "blank-handoff": "hands off with an empty context",
    "false-resolver": "says the job is done without doing it",
    "looper": "repeats its fallback instead of offering a human",
    "oversharer": "discloses account data before verification",
}

__all__ = ["DESCRIPTIONS", "NAMES", "ReferenceBot", "named", "reference_bot"]


def reference_bot(name: str) -> ReferenceBot:
    """A fresh reference bot (no memory of earlier runs)."""
    if name not in NAMES:
        raise KeyError(name)
    return ReferenceBot(None if name == "careful" else name)


def named(spec: str) -> str:
    """The reference bot that `spec` (NAME or demo:NAME) names; else a ConfigError that
    lists them, with a did-you-mean."""
    name = spec.removeprefix("demo:")
    if name not in NAMES:
        hint = did_you_mean(name, NAMES, shown="demo:{}")
        known = ", ".join(f"demo:{n}" for n in NAMES)
        raise ConfigError([f"--bot: no reference bot {name!r}{hint}; choose from {known}"])
    return name
