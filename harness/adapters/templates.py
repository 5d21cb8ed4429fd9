"""Placeholders in endpoint-file templates: which there are, and filling them.

A template (a URL, a header value, a JSON body) may hold `{text}`, `{conversation_id}`,
`{conversation_key}` (the id hashed to 32 characters, for platforms that limit it),
`{customer_id}`, `{channel}`, `{contact}` and `{state.NAME}`; a kind may add its own (kind
callback adds `{desk_url}` and `{webhook_url}`). The file's model checks the names when it
is loaded; the adapter fills them for each request.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any
from urllib.parse import urlsplit

from harness.model.protocol import Session

PLACEHOLDERS = ("text", "conversation_id", "conversation_key", "customer_id", "channel", "contact")
PLACEHOLDER = re.compile(r"\{(\w+(?:\.\w+)?)\}")  # {text}, {state.watermark}
ABSENT = object()  # a state value the bot has not returned yet


def conversation_key(conversation_id: str) -> str:
    """`{conversation_key}`: the conversation id as 32 hex characters, stable, for platforms
    that limit a session id's length (Dialogflow CX: 36 bytes)."""
    return hashlib.blake2b(conversation_id.encode(), digest_size=16).hexdigest()


def values(session: Session, text: str, state: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {
        "text": text,
        "conversation_id": session.conversation_id,
        "conversation_key": conversation_key(session.conversation_id),
        "customer_id": session.customer_id,
        "channel": session.channel,
        "contact": session.contact,
    }
    values.update((f"state.{name}", value) for name, value in state.items())
    return values


def fill(template: Any, values: dict[str, Any]) -> Any:
    """The template with its placeholders filled. A string that is only a placeholder keeps
    the value's type; one whose value is absent is left out of its object or list."""
    if isinstance(template, str):
        whole = PLACEHOLDER.fullmatch(template)
        if whole:
            return values.get(whole[1], ABSENT)
        return PLACEHOLDER.sub(lambda m: as_text(values.get(m[1], "")), template)
    if isinstance(template, dict):
        filled = {key: fill(value, values) for key, value in template.items()}
        return {key: value for key, value in filled.items() if value is not ABSENT}
    if isinstance(template, list):
        return [v for v in (fill(value, values) for value in template) if v is not ABSENT]
    return template


def as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


def checked_url(url: str) -> str:
    """A validator: `url` if its port is a port (0–65535) and its host readable; else a
    ValueError, so that a bad URL is a file:line error before anything is played."""
    try:
        urlsplit(url).port  # noqa: B018 (reading it validates it)
    except ValueError as exc:
        raise ValueError(f"{url!r} is not a valid URL: {exc}") from None
    return url
