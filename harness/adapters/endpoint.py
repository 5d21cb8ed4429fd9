"""Endpoint files: `--bot bots/acme.yaml` names a YAML file that says how to reach a bot.

Its `kind` picks the transport; `KINDS` maps each kind to its model, and a model's `open()`
makes the adapter. Each kind lives in its own module, imported only when a file names it.

`kind: http` is any HTTP bot, its own JSON mapped to the harness's terms: where to POST,
which headers to send, a body template with `{text}`, `{conversation_id}`, `{customer_id}`,
`{channel}` and `{contact}` placeholders, and paths (`$.replies[*].text`) to the reply
texts, the handoff signal and its context, and the actions in the answer. Transport, cookies
and fault handling are the native HTTP adapter's (adapters.http); only building the request
and reading the answer differ.

Secrets: a header value may hold `${ENV:NAME}`, filled from the environment at send time
and replaced by `[redacted]` in every answer body and fault message (adapters.secrets).
"""

from __future__ import annotations

import importlib
import operator
import re
from difflib import get_close_matches
from functools import reduce
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator

from harness.adapters.base import Reply, Session
from harness.adapters.http import DEFAULT_MAX_BYTES, HttpAdapter, Request
from harness.adapters.secrets import Secrets, require_env
from harness.errors import AdapterError

if TYPE_CHECKING:
    from harness.adapters.base import Adapter

# kind → "module:Model"; a Model is a pydantic model with `kind: Literal[...]` and
# `open(*, timeout) -> Adapter`, and `located(folder) -> Model` if it holds paths relative
# to the endpoint file's folder.
KINDS: dict[str, str] = {
    "http": "harness.adapters.endpoint:Endpoint",
    "websocket": "harness.adapters.websocket:WebSocketEndpoint",
    "subprocess": "harness.adapters.process:SubprocessEndpoint",
    "openai": "harness.adapters.openai:OpenAIEndpoint",
}

PLACEHOLDERS = ("text", "conversation_id", "customer_id", "channel", "contact")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_STEP = re.compile(r"\.([A-Za-z_][\w-]*)|\[(\d+)\]|\[(\*)\]")


# -- paths: $.a.b[0][*].c ------------------------------------------------------------------


def parse_path(path: str) -> list[str | int | None]:
    """The steps of a path: a key, an index, or None for [*]; a bad path is a ValueError."""
    if not path.startswith("$"):
        raise ValueError(f"a path starts with '$', e.g. '$.replies[*].text', got {path!r}")
    steps: list[str | int | None] = []
    at = 1
    while at < len(path):
        match = _STEP.match(path, at)
        if match is None:
            raise ValueError(f"cannot read {path!r} from {path[at:]!r}; use .key, [0] or [*]")
        key, index, _ = match.groups()
        steps.append(key if key is not None else int(index) if index is not None else None)
        at = match.end()
    return steps


def extract(path: str, data: Any) -> list[Any]:
    """Every value at `path` in `data`; a step that finds nothing drops that branch."""
    found = [data]
    for step in parse_path(path):
        if step is None:
            found = [item for value in found if isinstance(value, list) for item in value]
        elif isinstance(step, int):
            found = [v[step] for v in found if isinstance(v, list) and -len(v) <= step < len(v)]
        else:
            found = [v[step] for v in found if isinstance(v, dict) and step in v]
    return found


# -- the file -------------------------------------------------------------------------------


def _checked_path(value: str | None) -> str | None:
    if value is not None:
        parse_path(value)
    return value


class ReplyMap(BaseModel):
    """Where the parts of the harness's Reply are in the bot's JSON answer."""

    model_config = ConfigDict(extra="forbid")

    messages: str = Field(description="Path to the reply texts, e.g. '$.replies[*].text'.")
    handoff: str | None = Field(
        None, description="Path whose presence with a truthy value means a handoff."
    )
    handoff_context: str | None = Field(None, description="Path to the handoff's context object.")
    actions: str | None = Field(None, description="Path to a list of action names (strings).")
    end: str | None = Field(None, description="Path whose truthy value ends the conversation.")

    _paths = field_validator("messages", "handoff", "handoff_context", "actions", "end")(
        _checked_path
    )


class Endpoint(BaseModel):
    """An HTTP bot that does not speak the native protocol, and how to talk to it."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["http"] = Field(description="The transport; 'http' (a JSON POST per message).")
    url: str = Field(pattern=r"^https?://[^/\s]+", description="The URL to POST to.")
    headers: dict[str, str] = Field(
        default_factory=dict,
        description="Headers to send; a value may hold ${ENV:NAME}, filled from the environment.",
    )
    body: Any = Field(
        description="The JSON body; any string may hold {text}, {conversation_id}, "
        "{customer_id}, {channel} or {contact}. A string that is only {contact} stays a number."
    )
    reply: ReplyMap = Field(description="Where the reply's parts are in the bot's answer.")
    timeout: float | None = Field(
        None, gt=0, description="Seconds the bot has to answer one message; default --timeout."
    )

    _env_set = field_validator("headers")(require_env)

    def open(self, *, timeout: float) -> Adapter:
        return EndpointAdapter(self, timeout=timeout)

    @field_validator("body")
    @classmethod
    def _known_placeholders(cls, body: Any) -> Any:
        for text in _strings(body):
            for name in _PLACEHOLDER.findall(text):
                if name not in PLACEHOLDERS:
                    match = get_close_matches(name, PLACEHOLDERS, n=1)
                    hint = f" (did you mean {{{match[0]}}}?)" if match else ""
                    known = ", ".join(f"{{{p}}}" for p in PLACEHOLDERS)
                    raise ValueError(f"unknown placeholder {{{name}}}{hint}; use {known}")
        return body


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


class _Kind(BaseModel):
    """What the loader reads first: the kind, which picks the model for the rest."""

    model_config = ConfigDict(extra="allow")

    kind: str = Field(description="The transport: " + ", ".join(KINDS) + ".")

    @field_validator("kind")
    @classmethod
    def _known(cls, kind: str) -> str:
        if kind not in KINDS:
            match = get_close_matches(kind, KINDS, n=1)
            hint = f" (did you mean {match[0]!r}?)" if match else ""
            raise ValueError(f"unknown kind {kind!r}{hint}; use " + ", ".join(map(repr, KINDS)))
        return kind


def endpoint_model(kind: str) -> type[BaseModel]:
    module, _, name = KINDS[kind].partition(":")
    model = getattr(importlib.import_module(module), name)
    assert isinstance(model, type) and issubclass(model, BaseModel)
    return model


def endpoint_schema() -> dict[str, Any]:
    """The JSON Schema of an endpoint file: one of the kinds, told apart by `kind`."""
    models = [endpoint_model(kind) for kind in KINDS]
    if len(models) == 1:
        schema = models[0].model_json_schema()
    else:
        union: Any = Annotated[reduce(operator.or_, models), Field(discriminator="kind")]
        schema = TypeAdapter[Any](union).json_schema()
    schema["title"] = "harness endpoint file"
    return schema


def load_endpoint(path: Path) -> Any:
    """An endpoint file, validated as its kind's model; problems are `file:line: field: …`
    ConfigErrors. The result has `open(*, timeout) -> Adapter`."""
    from harness.loading import load_file  # the loader pulls in the scenario model

    endpoint = load_file(endpoint_model(load_file(_Kind, path).kind), path)
    if hasattr(endpoint, "located"):  # a kind with paths relative to the file's folder
        return endpoint.located(path.parent)
    return endpoint


# -- the adapter ----------------------------------------------------------------------------


def _fill(template: Any, values: dict[str, Any]) -> Any:
    if isinstance(template, str):
        whole = _PLACEHOLDER.fullmatch(template)
        if whole:  # `"{contact}"` keeps its type
            return values[whole.group(1)]
        return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), template)
    if isinstance(template, dict):
        return {key: _fill(value, values) for key, value in template.items()}
    if isinstance(template, list):
        return [_fill(value, values) for value in template]
    return template


class EndpointAdapter(HttpAdapter):
    """The HTTP adapter with the request built and the answer read as an endpoint file says."""

    def __init__(self, config: Endpoint, *, timeout: float, max_bytes: int = DEFAULT_MAX_BYTES):
        super().__init__(config.url, timeout=config.timeout or timeout, max_bytes=max_bytes)
        self.config = config
        self._secrets = Secrets()

    def _request(self, session: Session, text: str) -> Request:
        values = {
            "text": text,
            "conversation_id": session.conversation_id,
            "customer_id": session.customer_id,
            "channel": session.channel,
            "contact": session.contact,
        }
        fill = self._secrets.fill
        headers = {name: fill(value, self._fault) for name, value in self.config.headers.items()}
        return Request(_fill(self.config.body, values), headers)

    async def _post(self, session: Session, request: Request) -> tuple[int, str, bytes]:
        status, reason, body = await super()._post(session, request)
        # an answer echoing a secret must not record it
        return status, self._secrets.redact(reason), self._secrets.redact_bytes(body)

    def _fault(self, cause: str) -> AdapterError:
        return AdapterError(self.endpoint, self._secrets.redact(cause))

    def _reply(self, raw: Any) -> Reply:
        mapping = self.config.reply
        texts = extract(mapping.messages, raw)  # none is a bot that said nothing this turn
        if not all(isinstance(t, str) for t in texts):
            raise self._fault(f"{mapping.messages} must give strings, got {_short(texts)}")
        return Reply(
            messages=tuple(texts),
            handoff=self._handoff(raw),
            actions=self._actions(raw),
            end=bool(mapping.end and any(extract(mapping.end, raw))),
            raw=raw,
        )

    def _handoff(self, raw: Any) -> dict[str, Any] | None:
        mapping = self.config.reply
        signal = [v for v in extract(mapping.handoff, raw) if v] if mapping.handoff else []
        if not signal:
            return None
        context: Any = {}
        if mapping.handoff_context:
            context = next(iter(extract(mapping.handoff_context, raw)), None) or {}
        if not isinstance(context, dict):
            raise self._fault(f"{mapping.handoff_context} must be an object, got {_short(context)}")
        reason = signal[0] if isinstance(signal[0], str) else ""
        return {"reason": reason, "context": context}

    def _actions(self, raw: Any) -> tuple[str, ...]:
        path = self.config.reply.actions
        if path is None:
            return ()
        found = extract(path, raw)
        actions = found[0] if len(found) == 1 and isinstance(found[0], list) else found
        if not all(isinstance(a, str) for a in actions):
            raise self._fault(f"{path} must give a list of strings, got {_short(actions)}")
        return tuple(actions)


def _short(value: Any) -> str:
    text = repr(value)
    return text[:200] + (" …" if len(text) > 200 else "")
