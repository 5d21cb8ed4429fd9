"""Serve a native-protocol bot on stdin and stdout: `harness demo-bot stdio`.

The other side of the subprocess adapter (adapters.process): each line read from stdin is
one native request (JSON), and each answer is one native response written as one line to
stdout and flushed at once, since the harness waits for it. End of input ends the bot
(exit 0). A request that is not a JSON object, or that the bot fails on, is answered with
`{"error": "..."}` on its line, so that the harness stays in step and records the fault.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, BinaryIO

BotFunction = Callable[[dict[str, Any]], Any]


def serve_lines(bot: BotFunction, stdin: BinaryIO, stdout: BinaryIO) -> None:
    """Answer each request line of `stdin` on `stdout` until the end of `stdin`."""
    for line in stdin:
        answer = _answer(bot, line)
        stdout.write(json.dumps(answer, ensure_ascii=False).encode() + b"\n")
        stdout.flush()


def _answer(bot: BotFunction, line: bytes) -> Any:
    try:
        request = json.loads(line)
    except ValueError:  # also a line that is not UTF-8
        return {"error": "the request is not JSON"}
    if not isinstance(request, dict):
        return {"error": "the request must be a JSON object"}
    try:
        return bot(request)
    except Exception as exc:  # a crashing bot answers with the error, as over HTTP
        return {"error": f"{type(exc).__name__}: {exc}"}
