"""In-process adapter: a Python callable that speaks the native protocol (dict in, dict out)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from harness.adapters.base import native_reply, native_request
from harness.errors import AdapterError
from harness.model.protocol import Reply, Session

BotFunction = Callable[[dict[str, Any]], dict[str, Any]]


class InProcessAdapter:
    def __init__(self, bot: BotFunction, endpoint: str) -> None:
        self.bot = bot
        self.endpoint = endpoint

    def send(self, session: Session, text: str) -> Reply:
        try:
            raw = self.bot(native_request(session, text))
        except Exception as exc:  # a crashing bot is a verdict, not a crash of the run
            raise AdapterError(
                self.endpoint, f"the bot raised {type(exc).__name__}: {exc}"
            ) from exc
        return native_reply(self.endpoint, raw)

    def close(self, session: Session) -> None:
        pass

    def shutdown(self) -> None:
        pass
