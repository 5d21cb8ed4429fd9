"""A bot that ends the process it runs in, for `--workers`: the careful reference bot,
except that at the first message of a conversation named in $CRASHING_BOT_ON (conversation
ids, comma-separated) it ends its worker process at once, as a fault in native code or the
memory limit would. In the run's own process it answers as the careful bot does: a bot that
ended that process would end the harness with it, as any in-process bot can (and
`--resume` would carry on). Speaks the native protocol: `--bot crashing_bot:CrashingBot`.
"""

from __future__ import annotations

import multiprocessing
import os
from typing import Any

from harness.bots.reference import ReferenceBot


class CrashingBot:
    def __init__(self) -> None:
        self.careful = ReferenceBot()
        self.crash_on = set(filter(None, os.environ.get("CRASHING_BOT_ON", "").split(",")))

    def __call__(self, request: dict[str, Any]) -> dict[str, Any]:
        conversation = str(request["conversation_id"]).rsplit(":", 1)[0]
        if conversation in self.crash_on and multiprocessing.parent_process() is not None:
            os._exit(70)
        return self.careful(request)
