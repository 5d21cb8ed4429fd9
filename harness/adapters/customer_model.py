"""The customer's language model (`--customer ENDPOINT.yaml`, kind `openai`) and its cassette.

`ModelWriter` is a `Writer` for customer.worded: it sends each prompt to the model's chat
completions API (the OpenAI adapter's transport, timeout, limits and faults) and records the
call to `customer-cassette.jsonl`, one JSON line a call: `call` (conversation id / message /
attempt), `request` (the body sent: model, messages and the endpoint's `extra`; headers are
never recorded, so no secret is) and either `text` (the message written) and `answer` (the
model's answer, secrets redacted) or `fault` (why there was no message).

`CassetteWriter` plays a cassette back with no model and no network: each call is found
by its prompt (the request's messages), so a run with the same seed, bot and pack gets
the same messages; a call the cassette lacks is a `SimulatorFault` naming it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, TextIO

from harness.adapters.openai import OpenAIAdapter, OpenAIEndpoint
from harness.customer.worded import CAUSE, SimulatorFault
from harness.errors import AdapterError, ConfigError
from harness.model.protocol import Session

CASSETTE = "customer-cassette.jsonl"


class _Client(OpenAIAdapter):
    """The OpenAI adapter sending a whole prompt as it is (no history, no customer fields)."""

    def __init__(self, config: OpenAIEndpoint, *, timeout: float) -> None:
        super().__init__(config, timeout=timeout)
        self.prompts: dict[str, list[dict[str, str]]] = {}

    def body(self, messages: list[dict[str, str]]) -> dict[str, Any]:
        return {**self.openai.extra, "model": self.openai.model, "messages": messages}

    def _request(self, session: Session, text: str) -> Any:
        request = super()._request(session, text)
        return type(request)(self.body(self.prompts[session.conversation_id]), request.headers)


class ModelWriter:
    """Words customer messages with the model of an endpoint file, recording every call."""

    def __init__(self, config: OpenAIEndpoint, cassette: Path | None, *, timeout: float) -> None:
        self.client = _Client(config, timeout=timeout)
        self.cassette: TextIO | None = None
        if cassette is not None:
            self.cassette = cassette.open("a", encoding="utf-8")

    def __call__(self, messages: list[dict[str, str]], call: str) -> str:
        session = Session(call, "customer-simulator", "chat", 1)
        self.client.prompts[call] = messages
        record: dict[str, Any] = {"call": call, "request": self.client.body(messages)}
        try:
            reply = self.client.send(session, "")
            record.update(text=" ".join(reply.messages), answer=reply.raw)
        except AdapterError as exc:
            record["fault"] = str(exc)
        finally:
            self.client.close(session)
            del self.client.prompts[call]
        if self.cassette is not None:
            self.cassette.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
            self.cassette.flush()
        if "fault" in record:
            raise SimulatorFault(f"{CAUSE}: call {call}: {record['fault']}")
        return str(record["text"])

    def close(self) -> None:
        if self.cassette is not None:
            self.cassette.close()
        self.client.shutdown()


class CassetteWriter:
    """Words customer messages from a cassette, with no model and no network."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.calls: dict[str, dict[str, Any]] = {}
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            problem = f"--customer-replay {path}: cannot read it: {exc.strerror}"
            raise ConfigError([problem]) from None
        for number, line in enumerate(lines, 1):
            try:
                record = json.loads(line)
                self.calls[_key(record["request"]["messages"])] = record
            except (ValueError, KeyError, TypeError):
                raise ConfigError([f"{path}:{number}: not a cassette line (a JSON object with "
                                   "call, request and text or fault)"]) from None  # fmt: skip

    def __call__(self, messages: list[dict[str, str]], call: str) -> str:
        record = self.calls.get(_key(messages))
        if record is None:
            raise SimulatorFault(f"{CAUSE}: call {call} is not in the cassette {self.path}")
        if "fault" in record:
            raise SimulatorFault(f"{CAUSE}: call {call}: {record['fault']}")
        return str(record["text"])

    def close(self) -> None:
        pass


def _key(messages: list[dict[str, str]]) -> str:
    """A call's key: its prompt (the model and its settings are the run's, not the call's)."""
    return hashlib.sha256(json.dumps(messages, sort_keys=True).encode()).hexdigest()
