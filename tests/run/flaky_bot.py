"""A bot that fails at random, for the statistics across repeats: the careful reference bot,
except that in some conversations it never hands off (it stalls instead).

Whether a conversation is one of them is drawn from a stream seeded by its conversation
id, so the bot is deterministic for one conversation but differs between repeats (each
repeat is another conversation id). Speaks the native protocol: `--bot flaky_bot:FlakyBot`.
"""

from __future__ import annotations

import random
from typing import Any

from harness.bots.reference import ReferenceBot

NEVER_HANDS_OFF = 0.5  # the share of conversations in which it never hands off


class FlakyBot:
    def __init__(self) -> None:
        self.careful = ReferenceBot()

    def __call__(self, request: dict[str, Any]) -> dict[str, Any]:
        reply = self.careful(request)
        session = str(request["conversation_id"])
        if reply["handoff"] is not None and random.Random(session).random() < NEVER_HANDS_OFF:
            return {"messages": [{"text": "Let me look into that for you."}], "handoff": None}
        return reply
