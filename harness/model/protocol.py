"""What crosses the wire between the harness and a bot, in the harness's own terms.

A `Session` is one channel session of one simulated customer; a `Reply` is the bot's answer
to one customer message. Adapters make Replies from whatever their bot speaks; the
conversation and the drivers read them. Both live here, below either, so that neither has
to import the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)  # built per channel session; not frozen, for speed
class Session:
    """One channel session of one simulated customer."""

    conversation_id: str  # new for each channel session
    customer_id: str  # stable across channels and contacts
    channel: str
    contact: int


@dataclass(slots=True)  # built per bot reply; not frozen, for speed
class Reply:
    """The bot's answer to one customer message, in the harness's own terms."""

    messages: tuple[str, ...]
    handoff: dict[str, Any] | None = None  # {"reason": str, "context": {...}}
    actions: tuple[str, ...] = ()
    end: bool = False
    raw: Any = None
    latency: float | None = None  # measured seconds; None when the driver models it
    intent: str | None = None  # what the bot says it understood, when it says so
    extra: dict[str, Any] = field(default_factory=dict)
