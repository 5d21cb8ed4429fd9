"""Endpoint files: `--bot bots/acme.yaml` names a YAML file that says how to reach a bot.

Its `kind` picks the transport: `KINDS` maps each kind to its model, and a model's `open()`
makes the adapter. Each kind lives in its own module, imported only when a file names it:
http (adapters.http.config), websocket, subprocess, openai and callback (adapters.callback).
"""

from __future__ import annotations

import importlib
import operator
from functools import reduce
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator

from harness.errors import did_you_mean

# kind → "module:Model"; a Model is a pydantic model with `kind: Literal[...]` and
# `open(*, timeout) -> Adapter`.
KINDS: dict[str, str] = {
    "http": "harness.adapters.http.config:Endpoint",
    "websocket": "harness.adapters.websocket:WebSocketEndpoint",
    "subprocess": "harness.adapters.subprocess:SubprocessEndpoint",
    "openai": "harness.adapters.openai:OpenAIEndpoint",
    "callback": "harness.adapters.callback.config:CallbackEndpoint",
}

__all__ = ["KINDS", "endpoint_model", "endpoint_schema", "load_endpoint"]


class _Kind(BaseModel):
    """What the loader reads first: the kind, which picks the model for the rest."""

    model_config = ConfigDict(extra="allow")

    kind: str = Field(description="The transport: " + ", ".join(KINDS) + ".")

    @field_validator("kind")
    @classmethod
    def _known(cls, kind: str) -> str:
        if kind not in KINDS:
            hint = did_you_mean(kind, KINDS)
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
