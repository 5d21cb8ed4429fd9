"""Secrets in endpoint files: `${ENV:NAME}`, filled from the environment, never recorded.

An endpoint file names a secret (an API key, a token) as `${ENV:NAME}` rather than holding
it: in `headers` (kinds http, websocket, openai) or in `env` (kind subprocess). A secret
from the environment must never reach transcripts, results, reports or logs, yet a bot may
echo it and a fault may quote it. So every adapter fills it with one `Secrets`, which
remembers each value it filled, and passes all it records through it: parsed answers
through `redact_value`, raw text (stderr, fault messages) through `redact`; each replaces
the secret, in any form it was echoed in, with `[redacted]`.

`require_env` is the load-time check, a pydantic validator of those fields: a variable that
is not set, or holds a line break, is a `file:line: field: …` error before the run starts,
not a fault in each conversation.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote, quote_plus

ENV_PATTERN = re.compile(r"\$\{ENV:([A-Za-z_][A-Za-z0-9_]*)\}")
REDACTED = "[redacted]"
SHORT = 8  # characters: a shorter secret draws a warning
_log = logging.getLogger(__name__)


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
    """The secrets one adapter has filled in, and their redaction from what it records.

    Redaction follows tokens, not substrings: a secret is replaced where it stands whole
    (not inside a longer word, so a token `x` leaves "text" alone), and in every form a bot
    may echo it once encoded: JSON escapes (`\\u0073`, any mix of escaped and plain
    characters), escaped slashes (`sk\\/live`) and URL quoting. A parsed answer is redacted
    value by value (`redact_value`), never as raw text, so redaction cannot break its JSON;
    raw text (fault messages, stderr, a line that is not JSON) goes through `redact`.
    """

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._pattern: re.Pattern[str] | None = None

    def fill(self, value: str, fault: Callable[[str], Exception]) -> str:
        """`value` with each `${ENV:NAME}` filled from the environment; a variable that is not
        set raises `fault(message)`. An empty value is filled but not remembered: replacing
        "" would put `[redacted]` between every character."""

        def filled(match: re.Match[str]) -> str:
            secret = os.environ.get(match.group(1))
            if secret is None:
                raise fault(f"environment variable {match.group(1)} is not set")
            if secret and secret not in self._values:
                self._values.add(secret)
                self._pattern = None
                if len(secret) < SHORT:
                    _log.warning("${ENV:%s} is %d characters long: a secret this short is "
                                 "redacted only where it stands as a whole word",
                                 match.group(1), len(secret))  # fmt: skip
            return secret

        return ENV_PATTERN.sub(filled, value)

    def redact(self, text: str) -> str:
        """`text` with every secret filled so far, in any form, replaced by `[redacted]`."""
        pattern = self._compiled()
        return text if pattern is None else pattern.sub(REDACTED, text)

    def redact_value(self, value: Any) -> Any:
        """A parsed JSON value with `redact` applied to every string in it, keys included."""
        if self._compiled() is None:
            return value
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, dict):
            return {self.redact(str(k)): self.redact_value(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.redact_value(v) for v in value]
        return value

    def _compiled(self) -> re.Pattern[str] | None:
        if self._pattern is None and self._values:
            # a secret holding another (TOKEN and TOKEN_v2) is redacted whole, not half
            forms = [_forms(v) for v in sorted(self._values, key=len, reverse=True)]
            self._pattern = re.compile(rf"(?<![\w-])(?:{'|'.join(forms)})(?![\w-])")
        return self._pattern


def _forms(secret: str) -> str:
    """A pattern for `secret` as written, JSON-escaped (each character plain or `\\uXXXX`, a
    slash also `\\/`) or URL-quoted."""
    chars = []
    for c in secret:
        # JSON escapes a character past U+FFFF as its UTF-16 pair: \ud83d\ude00
        utf16 = c.encode("utf-16-be")
        units = [int.from_bytes(utf16[at : at + 2], "big") for at in range(0, len(utf16), 2)]
        ways = [re.escape(c), "".join(rf"\\u(?i:{unit:04x})" for unit in units)]
        if c == "/":
            ways.append(r"\\/")
        elif c in '"\\':
            ways.append(re.escape(json.dumps(c)[1:-1]))
        chars.append(f"(?:{'|'.join(ways)})")
    quoted = {quote(secret, safe=""), quote_plus(secret)} - {secret}
    return "|".join(["".join(chars), *map(re.escape, quoted)])
