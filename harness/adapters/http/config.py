"""The endpoint file of kind http: any HTTP bot, its own JSON mapped to the harness's terms.

Where to POST, which headers to send, a body template with placeholders (adapters.templates),
and paths (`$.replies[*].text`, see adapters.paths) to the reply texts, the handoff signal
and its context, and the actions in the answer. Real bot platforms need a little more, each
optional: `state` the bot returns and gets back as `{state.NAME}` on the next request,
`retry` of failed requests, a `start` request before a channel session's first message, and
`poll`ing for answers that come later (Direct Line). The adapter that does this is
adapters.http.mapped; kind callback builds on both.

Secrets: a header value may hold `${ENV:NAME}`, filled from the environment at send time
and replaced by `[redacted]` in every answer body and fault message (adapters.secrets). A
URL may hold `${ENV:NAME}` too, filled when the file is loaded, so that a preset can say
`url: ${ENV:RASA_URL}/webhooks/rest/webhook`; a URL is not a secret (it names the bot in
every fault), so tokens belong in headers.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from harness.adapters.paths import parse_path
from harness.adapters.secrets import ENV_PATTERN, require_env
from harness.adapters.templates import PLACEHOLDER, PLACEHOLDERS, checked_url, strings
from harness.errors import did_you_mean

if TYPE_CHECKING:
    from harness.adapters.base import Adapter


def checked_path(value: str | None) -> str | None:
    if value is not None:
        parse_path(value)
    return value


def _env_filled(url: Any) -> Any:
    """A URL with its ${ENV:NAME} filled from the environment; an unset one is an error."""
    if not isinstance(url, str):
        return url

    def filled(match: re.Match[str]) -> str:
        value = os.environ.get(match.group(1))
        if value is None:
            raise ValueError(
                f"environment variable {match.group(1)} is not set; "
                f"e.g. export {match.group(1)}=http://127.0.0.1:8080"
            )
        return value

    return ENV_PATTERN.sub(filled, url)


URL_DESCRIPTION = (
    "may hold ${ENV:NAME}, filled when the file is loaded, and placeholders, URL-quoted."
)


class ReplyMap(BaseModel):
    """Where the parts of the harness's Reply are in the bot's JSON answer."""

    model_config = ConfigDict(extra="forbid")

    messages: str = Field(
        description="Path to the reply texts, e.g. '$.replies[*].text'; one or many."
    )
    handoff: str | None = Field(
        None,
        description="Path whose presence means a handoff: a found value counts unless it is "
        "null, false, 0, '' or [] (an empty object counts, as Dialogflow CX sends them).",
    )
    handoff_context: str | None = Field(None, description="Path to the handoff's context object.")
    handoff_reason: str | None = Field(
        None, description="Path to the handoff's reason (a string); else the signal, if a string."
    )
    actions: str | None = Field(
        None, description="Path to action names: strings, or lists of them (all are joined)."
    )
    end: str | None = Field(
        None, description="Path whose presence ends the conversation (counted as for handoff)."
    )
    intent: str | None = Field(
        None,
        description="Path to the intent the bot recognised (the first string found); "
        "recorded on the turn's first bot message as `intent`.",
    )

    _paths = field_validator(
        "messages", "handoff", "handoff_context", "handoff_reason", "actions", "end", "intent"
    )(checked_path)


class Retry(BaseModel):
    """Which failed requests are tried again, how often, and how long to wait between."""

    model_config = ConfigDict(extra="forbid")

    attempts: int = Field(ge=1, le=10, description="Tries in all, the first included.")
    # Not `on`: YAML 1.1 reads a bare `on:` key as true.
    when: list[Annotated[int, Field(ge=400, le=599)] | Literal["timeout", "refused"]] = Field(
        min_length=1,
        description="What is worth another try: HTTP statuses (e.g. 502, 503, 504), "
        "'timeout' (no answer in time) and 'refused' (connection refused).",
    )
    backoff: float = Field(
        0.5,
        ge=0,
        le=60,
        description="Seconds before the second try, doubled before each next, plus up to as "
        "much again of jitter; an answer's Retry-After is heeded instead.",
    )


class Start(BaseModel):
    """A POST made once per channel session, before its first message (Direct Line's
    'start a conversation'); what its answer holds is read into `state`."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(
        pattern=r"^https?://[^/\s]+", description="The URL to POST to; " + URL_DESCRIPTION
    )
    body: Any = Field(default_factory=dict, description="The JSON body; placeholders as in body.")

    _url = field_validator("url", mode="before")(_env_filled)
    _port = field_validator("url")(checked_url)


class Poll(BaseModel):
    """For a bot that answers later: after each message, GET `url` until the answer is in."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(pattern=r"^https?://[^/\s]+", description="The URL to GET; " + URL_DESCRIPTION)
    interval: float = Field(
        1.0, gt=0, le=60, description="Seconds between GETs; the first is made at once."
    )
    done: str | None = Field(
        None,
        description="Path whose presence in an answer means the bot's turn is over. Without "
        "it the turn is over at the first GET that brings nothing after one that did.",
    )

    _url = field_validator("url", mode="before")(_env_filled)
    _port = field_validator("url")(checked_url)
    _done = field_validator("done")(checked_path)


class Endpoint(BaseModel):
    """An HTTP bot that does not speak the native protocol, and how to talk to it."""

    model_config = ConfigDict(extra="forbid")
    placeholders: ClassVar[tuple[str, ...]] = PLACEHOLDERS  # a kind built on this adds its own

    kind: Literal["http"] = Field(description="The transport; 'http' (a JSON POST per message).")
    # `state` comes before the templates so that their validators can see its names.
    state: dict[Annotated[str, Field(pattern=r"^\w+$")], str] = Field(
        default_factory=dict,
        description="Values the bot returns and gets back: name → path, read from every "
        "answer of a channel session; the latest found is sent as {state.NAME} in its next "
        "requests. Until the bot first returns it, a string that is only {state.NAME} is "
        "left out (its key dropped) and one inside a longer string is empty.",
    )
    url: str = Field(
        pattern=r"^https?://[^/\s]+", description="The URL to POST to; " + URL_DESCRIPTION
    )
    headers: dict[str, str] = Field(
        default_factory=dict,
        description="Headers to send with every request; a value may hold ${ENV:NAME}, "
        "filled from the environment at send time and never recorded, and placeholders.",
    )
    body: Any = Field(
        description="The JSON body; any string may hold {text}, {conversation_id}, "
        "{customer_id}, {channel}, {contact} or {state.NAME}. A string that is only a "
        "placeholder keeps the value's type: {contact} stays a number."
    )
    reply: ReplyMap = Field(description="Where the reply's parts are in the bot's answer.")
    timeout: float | None = Field(
        None, gt=0, description="Seconds the bot has to answer one message; default --timeout."
    )
    retry: Retry | None = Field(None, description="Retry failed requests; by default none is.")
    start: Start | None = Field(
        None, description="A request made once per channel session before its first message."
    )
    poll: Poll | None = Field(
        None, description="Where to GET the bot's answers when it does not give them at once."
    )

    _env_set = field_validator("headers")(require_env)

    def open(self, *, timeout: float) -> Adapter:
        from harness.adapters.http.mapped import EndpointAdapter  # aiohttp loads when a bot is used

        return EndpointAdapter(self, timeout=timeout)

    _url = field_validator("url", mode="before")(_env_filled)
    _port = field_validator("url")(checked_url)

    @field_validator("url", "headers", "body", "start", "poll")
    @classmethod
    def _known_placeholders(cls, template: Any, info: ValidationInfo) -> Any:
        known = [*cls.placeholders, *(f"state.{name}" for name in info.data.get("state", {}))]
        for text in strings(template.model_dump() if isinstance(template, BaseModel) else template):
            for name in PLACEHOLDER.findall(text):
                if name not in known:
                    hint = did_you_mean(name, known, shown="{{{}}}")
                    if name.startswith("state."):
                        hint += "; a state value must be named under 'state:'"
                    raise ValueError(
                        f"unknown placeholder {{{name}}}{hint}; use "
                        + ", ".join(f"{{{p}}}" for p in known)
                    )
        return template

    @field_validator("state")
    @classmethod
    def _state_paths(cls, state: dict[str, str]) -> dict[str, str]:
        for path in state.values():
            parse_path(path)
        return state
