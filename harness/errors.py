"""The harness's exceptions, all under one root.

    HarnessError
    ├── ConfigError      a scenario, persona or option is wrong; nothing was run (exit 2)
    └── AdapterError     the bot could not be reached or answered nonsense; recorded as an
                         `error` event in the transcript, never raised out of a run

A user mistake is reported as text, never as a traceback; a misbehaving bot becomes a
verdict with evidence, not an exception.
"""

from __future__ import annotations

from collections.abc import Iterable
from difflib import get_close_matches


class HarnessError(Exception):
    """Root of every error the harness raises on purpose."""


class ConfigError(HarnessError):
    """One or more problems in the user's files or options, each a line a person can act on."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class AdapterError(HarnessError):
    """The bot endpoint failed: names the endpoint and what went wrong."""

    def __init__(self, endpoint: str, cause: str) -> None:
        self.endpoint = endpoint
        self.cause = cause
        super().__init__(f"{endpoint}: {cause}")


# -- the words of an error ----------------------------------------------------------------

SHOWN = 200  # characters of a bad value quoted in an error


def shorten(text: str, limit: int = SHOWN) -> str:
    """`text` cut to `limit` characters, with " …" where it was cut."""
    return text if len(text) <= limit else text[:limit] + " …"


def quote(text: str, *, empty: str, limit: int = SHOWN) -> str:
    """`text` stripped and quoted (its start, when long); `empty` when there is nothing."""
    text = text.strip()
    if not text:
        return empty
    return repr(text[:limit]) + (" …" if len(text) > limit else "")


def did_you_mean(word: str, choices: Iterable[str], *, shown: str = "{!r}") -> str:
    """' (did you mean X?)' for the choice closest to `word`, written as `shown` says;
    '' when none is close."""
    match = get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {shown.format(match[0])}?)" if match else ""
