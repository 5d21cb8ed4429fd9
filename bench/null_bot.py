"""A null bot for benchmarks: a raw asyncio HTTP/1.1 server that answers every POST at once
with one fixed native-protocol reply, so that the client, not the bot, is the limit.

The reply neither ends the conversation nor hands it off: the customer plays its plan out
and gives up as it would with any bot that never helps. Keep-alive connections, a
Content-Length body and nothing else of HTTP are understood; it is no server for anything
but bench/bench_http.py on 127.0.0.1.

    python bench/null_bot.py [--port 0]     # prints `null bot on http://127.0.0.1:PORT/`
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json

REPLY = {"messages": [{"text": "I see. Could you tell me a bit more about that?"}],
         "handoff": None, "actions": [], "end": False}  # fmt: skip
BODY = json.dumps(REPLY).encode()
ANSWER = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
    + str(len(BODY)).encode()
    + b"\r\n\r\n"
    + BODY
)


class NullBot(asyncio.Protocol):
    """One connection: each complete request (head and Content-Length body) gets ANSWER."""

    def __init__(self) -> None:
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            length = _content_length(self.buffer[:end])
            if len(self.buffer) < end + 4 + length:
                return  # the rest of the body is on its way
            self.buffer = self.buffer[end + 4 + length :]
            assert self.transport is not None
            self.transport.write(ANSWER)


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0


async def serve(port: int) -> None:
    server = await asyncio.get_running_loop().create_server(NullBot, "127.0.0.1", port)
    print(f"null bot on http://127.0.0.1:{server.sockets[0].getsockname()[1]}/", flush=True)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(parser.parse_args().port))


if __name__ == "__main__":
    main()
