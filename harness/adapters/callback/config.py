"""The endpoint file of kind callback: kind http, plus the calls the bot makes back.

`desk:` says how the bot's handoff call names its conversation and what it hands over
(`HandoffCall`: the call reaches the harness's simulated desk); `webhook:` how its later
replies do. See adapters.callback for the protocol.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from harness.adapters.http.config import Endpoint, checked_path
from harness.adapters.templates import PLACEHOLDERS

if TYPE_CHECKING:
    from harness.adapters.base import Adapter

DEFAULT_WAIT = 0.2  # seconds after a reply that a desk call still belongs to its turn
DEFAULT_QUIET = 0.5  # seconds without a webhook call that end a turn with no `done`


class HandoffCall(BaseModel):
    """Where the bot's desk call names the conversation, and what it hands over."""

    model_config = ConfigDict(extra="forbid")

    conversation: str = Field(
        "$.conversation_id", description="Path to the conversation's id ({conversation_id})."
    )
    context: str = Field("$.context", description="Path to the handoff's context object.")
    reason: str = Field("$.reason", description="Path to the handoff's reason (a string).")
    wait: float = Field(
        DEFAULT_WAIT,
        ge=0,
        le=60,
        description="Seconds after a reply that a desk call still belongs to its turn. Every "
        "turn without a desk call waits this long: 0 for a bot that calls before it answers.",
    )

    _paths = field_validator("conversation", "context", "reason")(checked_path)


class Webhook(BaseModel):
    """How the bot's replies come back: POSTed to {webhook_url}, read with `reply` paths."""

    model_config = ConfigDict(extra="forbid")

    conversation: str = Field(
        "$.conversation_id", description="Path to the conversation's id ({conversation_id})."
    )
    done: str | None = Field(
        None,
        description="Path whose presence in a call means the bot's turn is over (counted as "
        "for reply.handoff); without it a turn ends after `quiet` seconds without a call.",
    )
    quiet: float = Field(
        DEFAULT_QUIET, gt=0, le=60, description="Seconds without a call that end a turn."
    )

    _paths = field_validator("conversation", "done")(checked_path)


class CallbackEndpoint(Endpoint):
    """An HTTP bot that calls the harness back: to hand over (desk), to reply (webhook)."""

    placeholders = (*PLACEHOLDERS, "desk_url", "webhook_url")

    kind: Literal["callback"] = Field(  # type: ignore[assignment]
        description="The transport; 'callback' (kind http, and the bot calls the harness back)."
    )
    port: int = Field(
        0,
        ge=0,
        le=65535,
        description="The port on 127.0.0.1 where the harness listens for the bot's calls; "
        "0 picks a free one, which the bot learns from {desk_url} and {webhook_url}.",
    )
    desk: HandoffCall | None = Field(
        None, description="Serve {desk_url}: the bot hands conversations over by calling it."
    )
    webhook: Webhook | None = Field(
        None, description="Serve {webhook_url}: the bot POSTs its replies there, later."
    )

    @model_validator(mode="after")
    def _callbacks_used(self) -> CallbackEndpoint:
        if self.desk is None and self.webhook is None:
            raise ValueError("a callback endpoint needs desk:, webhook: or both; else use http")
        if self.webhook is not None and self.poll is not None:
            raise ValueError("webhook: and poll: are two ways to get a late reply; keep one")
        templates = json.dumps(self.model_dump(include={"url", "headers", "body", "start", "poll"}))
        for name, served in (("desk_url", self.desk), ("webhook_url", self.webhook)):
            if served is None and f"{{{name}}}" in templates:
                section = name.removesuffix("_url")
                raise ValueError(f"{{{name}}} is used but there is no {section}: section")
        return self

    def open(self, *, timeout: float) -> Adapter:
        from harness.adapters.callback.adapter import CallbackAdapter  # aiohttp loads here

        return CallbackAdapter(self, timeout=timeout)
