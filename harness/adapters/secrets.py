"""Secrets in endpoint files: `${ENV:NAME}`, filled from the environment, never recorded.

An endpoint file names a secret (an API key, a token) as `${ENV:NAME}` rather than holding
it: in `headers` (kinds http, websocket, openai) or in `env` (kind subprocess). A secret
from the environment must never reach transcripts, results, reports or logs, yet a bot may
echo it and a fault may quote it. So every adapter fills it with one `Secrets`, which
remembers each value it filled, and passes all it records (answers, frames, lines, stderr,
fault messages) through `redact`, which replaces each such value with `[redacted]`.

`require_env` is the load-time check, a pydantic validator of those fields: a variable that
is not set, or holds a line break, is a `file:line: field: …` error before the run starts,
not a fault in each conversation.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable

ENV_PATTERN = re.compile(r"\$\{ENV:([A-Za-z_][A-Za-z0-9_]*)\}")
REDACTED = "[redacted]"


def env_names(values: Iterable[str]) -> set[str]:
    """The NAME of every `${ENV:NAME}` in `values`."""
    return {name for value in values for name in ENV_PATTERN.findall(value)}


def require_env(values: dict[str, str]) -> dict[str, str]:
    """`values` unchanged if every variable they name is set; else a ValueError naming the
    ones that are not. A validator: `field_validator("headers")(require_env)`."""
    names = env_names(values.values())
    missing = sorted(names - set(os.environ))
    if len(missing) == 1:
        raise ValueError(f"environment variable {missing[0]} is not set")
    if missing:
        raise ValueError(f"environment variables {', '.join(missing)} are not set")
    broken = sorted(name for name in names if any(c in os.environ[name] for c in "\r\n"))
    if broken:  # it would end the header and begin another: never sent, never a traceback
        raise ValueError(f"environment variable {broken[0]} holds a line break (CR or LF); "
                         "a secret is one line")  # fmt: skip
    return values


class Secrets:
    """The secrets one adapter has filled in, and their redaction from what it records."""

    def __init__(self) -> None:
        self._values: set[str] = set()

    def fill(self, value: str, fault: Callable[[str], Exception]) -> str:
        """`value` with each `${ENV:NAME}` filled from the environment; a variable that is not
        set raises `fault(message)`. An empty value is filled but not remembered: replacing
        "" would put `[redacted]` between every character."""

        def filled(match: re.Match[str]) -> str:
            secret = os.environ.get(match.group(1))
            if secret is None:
                raise fault(f"environment variable {match.group(1)} is not set")
            if secret:
                self._values.add(secret)
            return secret

        return ENV_PATTERN.sub(filled, value)

    def redact(self, text: str) -> str:
        """`text` with every secret filled so far replaced by `[redacted]`."""
        for secret in self._longest_first():
            text = text.replace(secret, REDACTED)
        return text

    def redact_bytes(self, data: bytes) -> bytes:
        """`redact` for a body as it came, before it is decoded."""
        for secret in self._longest_first():
            data = data.replace(secret.encode(), REDACTED.encode())
        return data

    def _longest_first(self) -> list[str]:
        # a secret holding another (TOKEN and TOKEN_v2) is redacted whole, not half
        return sorted(self._values, key=len, reverse=True)
