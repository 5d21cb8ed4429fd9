"""Subprocess adapter: a bot in any language, speaking the native protocol as JSON lines.

An endpoint file of `kind: subprocess` names a command. The harness starts it at the first
message of a run and keeps it for the whole run: each customer message is one native
request written to its stdin as one line of JSON (UTF-8, ending in `\\n`), and the bot
answers each with one native response on one line of its stdout. What it writes to stderr
is kept (the last few KiB) and quoted when something goes wrong.

The pipes are driven by asyncio on a `LoopThread`, as the HTTP adapter drives its sockets:
`_send` is the async core, `send` runs it for the synchronous virtual driver. One request
is in flight at a time, so each answer belongs to the request before it.

Every fault leaves as an `AdapterError` naming the command: it cannot start, it exited
(status and stderr quoted), no answer within the timeout, a line that is not a JSON object
or is over 1 MiB, a malformed response. A fault that leaves the bot out of step with the
harness (it died, hung or printed something else) stops it, and the next message starts a
fresh one; the fault says so. The bot runs in a process group of its own, so that stopping
it also stops whatever it started (the children of a shell script).

Secrets: an `env` value may hold `${ENV:NAME}`, filled from the harness's environment when
the bot starts and replaced by `[redacted]` in everything the bot prints before it is
recorded or quoted (adapters.secrets).
"""

from __future__ import annotations

import asyncio
import json
import os
import shlex
import signal
import time
from collections.abc import Awaitable, Mapping, Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator

from harness.adapters.base import OwnLoop, UnreadableJson, native_reply, native_request, read_json
from harness.adapters.secrets import Secrets, require_env
from harness.errors import AdapterError, quote
from harness.model.protocol import Reply, Session

DEFAULT_TIMEOUT = 10.0  # seconds for one answer
MAX_LINE = 1024 * 1024  # bytes in one line of the bot's stdout; a longer one is a fault
STDERR_KEPT = 2048  # bytes of the end of the bot's stderr, quoted in a fault
EXITING = 0.5  # seconds a bot whose stdout has ended has to exit, to learn its status
GRACE = 2.0  # seconds a bot has to exit after its stdin is closed at the end of a run
RESTARTED = "; it is restarted for the next conversation"


class SubprocessEndpoint(BaseModel):
    """A bot run as a command, speaking the native protocol as JSON lines on stdin/stdout."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["subprocess"] = Field(
        description="The transport; 'subprocess' (JSON lines on the bot's stdin and stdout)."
    )
    command: str | list[str] = Field(
        description="The program and its arguments: a list, or a string split as a shell "
        "would (no shell runs it), e.g. 'python bot.py --fast'."
    )
    cwd: str | None = Field(
        None, description="The folder to run in, relative to the endpoint file's folder "
        "(default: that folder)."
    )  # fmt: skip
    env: dict[str, str] = Field(
        default_factory=dict,
        description="Variables added to the harness's environment; a value may hold "
        "${ENV:NAME}, filled from the harness's environment and never recorded.",
    )
    timeout: float | None = Field(
        None, gt=0, description="Seconds the bot has to answer one message; default --timeout."
    )
    startup: float | None = Field(
        None, gt=0, description='If set, the bot must print {"ready": true} within this many '
        "seconds of starting, before its first request."
    )  # fmt: skip

    @field_validator("command")
    @classmethod
    def _a_program(cls, command: str | list[str]) -> str | list[str]:
        try:
            argv = shlex.split(command) if isinstance(command, str) else command
        except ValueError as exc:
            raise ValueError(f"cannot split {command!r} into words: {exc}") from None
        if not argv or not argv[0]:
            raise ValueError("names no program; e.g. 'python bot.py' or [python, bot.py]")
        return command

    _env_set = field_validator("env")(require_env)

    @property
    def argv(self) -> list[str]:
        return shlex.split(self.command) if isinstance(self.command, str) else self.command

    def located(self, folder: Path) -> Self:
        """This endpoint with `cwd` made relative to `folder`, the endpoint file's folder."""
        return self.model_copy(update={"cwd": str(folder / (self.cwd or ""))})

    def open(self, *, timeout: float) -> ProcessAdapter:
        return ProcessAdapter(self.argv, cwd=self.cwd, env=self.env,
                              timeout=self.timeout or timeout, startup=self.startup)  # fmt: skip


class ProcessAdapter(OwnLoop):
    def __init__(
        self,
        command: Sequence[str],
        *,
        cwd: str | Path | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        startup: float | None = None,
        max_bytes: int = MAX_LINE,
    ) -> None:
        self.command = list(command)
        self.endpoint = shlex.join(self.command)
        self.cwd = cwd
        self.env = dict(env or {})
        self.timeout = timeout
        self.startup = startup
        self.max_bytes = max_bytes
        self._process: asyncio.subprocess.Process | None = None
        self._stderr = b""  # the end of what the running bot wrote to stderr
        self._stderr_done: asyncio.Task[None] | None = None
        self._turn = asyncio.Lock()  # one request in flight: answers come back in order
        self._secrets = Secrets()

    def close(self, session: Session) -> None:
        pass  # the bot is told nothing when a channel session ends; it lives for the run

    async def _release(self) -> None:
        await self._stop(grace=GRACE)

    async def _send(self, session: Session, text: str) -> Reply:
        async with self._turn:
            if self._process is None:
                await self._start()
            request = json.dumps(native_request(session, text), ensure_ascii=False)
            started = time.perf_counter()
            answer = await self._line(
                self._round_trip(request.encode() + b"\n"), self.timeout,
                waited=f"no answer within the timeout of {self.timeout:g} s",
            )  # fmt: skip
            latency = time.perf_counter() - started
        reply = native_reply(self.endpoint, answer)  # malformed but in step: the bot lives on
        reply.latency = latency
        return reply

    # -- the process ----------------------------------------------------------------------

    async def _start(self) -> None:
        filled = {name: self._secrets.fill(value, self._fault) for name, value in self.env.items()}
        env = {**os.environ, **filled}
        if self.cwd is not None and not Path(self.cwd).is_dir():
            raise self._fault(f"cannot start: the folder {self.cwd} does not exist")
        try:
            self._process = await asyncio.create_subprocess_exec(
                *self.command, cwd=self.cwd, env=env, limit=self.max_bytes,
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE, start_new_session=True,
            )  # fmt: skip
        except FileNotFoundError:
            raise self._fault(f"cannot start: no program {self.command[0]!r} found") from None
        except PermissionError:
            raise self._fault(f"cannot start: {self.command[0]!r} is not executable") from None
        except OSError as exc:
            raise self._fault(f"cannot start: {exc.strerror or exc}") from None
        self._stderr = b""
        assert self._process.stderr is not None
        self._stderr_done = asyncio.create_task(self._collect(self._process.stderr))
        if self.startup is not None:
            assert self._process.stdout is not None
            first = await self._line(
                self._process.stdout.readline(), self.startup,
                waited=f'not ready within the startup time of {self.startup:g} s',
            )  # fmt: skip
            if first != {"ready": True}:
                said = _quoted(json.dumps(first))
                raise await self._broken(f'its first line is not {{"ready": true}} but {said}')

    async def _collect(self, stderr: asyncio.StreamReader) -> None:
        """Keep the end of the bot's stderr; reading it also keeps a chatty bot from blocking."""
        while chunk := await stderr.read(4096):
            self._stderr = (self._stderr + chunk)[-STDERR_KEPT:]

    async def _round_trip(self, request: bytes) -> bytes:
        """Write one request line and read one line back; b"" when the bot has gone."""
        assert self._process is not None
        assert self._process.stdin is not None and self._process.stdout is not None
        try:
            self._process.stdin.write(request)
            await self._process.stdin.drain()
        except (BrokenPipeError, ConnectionResetError):
            return b""
        return await self._process.stdout.readline()

    async def _line(self, reading: Awaitable[bytes], seconds: float, waited: str) -> Any:
        """The next line the bot prints, as a JSON object; a fault stops the bot."""
        try:
            line = await asyncio.wait_for(reading, seconds)
        except TimeoutError:
            raise await self._broken(waited) from None
        except ValueError:  # the stream's limit: no newline within max_bytes
            raise await self._broken(
                f"it printed a line over the limit of {self.max_bytes} bytes"
            ) from None
        if not line:
            raise await self._broken(await self._gone())
        try:
            text = line.decode("utf-8")  # quoted in a fault, which is redacted as text
            value = self._secrets.redact_value(read_json(text))
        except UnreadableJson as exc:
            raise await self._broken(f"it printed a line that {exc}") from None
        except ValueError:  # also a line that is not UTF-8
            shown = _quoted(self._secrets.redact(line.decode("utf-8", errors="replace")))
            raise await self._broken(f"it printed a line that is not JSON: {shown}") from None
        if not isinstance(value, dict):
            raise await self._broken(
                f"it printed a line that is not a JSON object: {_quoted(text)}"
            )
        return value

    async def _gone(self) -> str:
        """Why the bot's stdout ended: its exit status, or that it closed stdout and lives on."""
        assert self._process is not None
        try:
            status = await asyncio.wait_for(self._process.wait(), EXITING)
        except TimeoutError:
            return "it closed its stdout without answering"
        if status < 0:
            try:
                name = signal.Signals(-status).name
            except ValueError:
                name = f"signal {-status}"
            return f"it was killed by {name} before answering"
        return f"it exited with status {status} before answering"

    async def _broken(self, cause: str) -> AdapterError:
        """Stop a bot that is out of step; the fault quotes its stderr and says what follows."""
        await self._stop(grace=0)
        stderr = self._secrets.redact(self._stderr.decode("utf-8", errors="replace")).strip()
        said = f"; its stderr ended with: {stderr!r}" if stderr else ""
        return self._fault(f"{cause}{said}{RESTARTED}")

    async def _stop(self, grace: float) -> None:
        """Close the bot's stdin and give it `grace` seconds to exit; then terminate, then
        kill, its process group. Its pipes are read to the end so that they close."""
        process, self._process = self._process, None
        if process is None:
            return
        assert process.stdin is not None and process.stdout is not None
        process.stdin.close()
        for sent, seconds in ((None, grace), (signal.SIGTERM, 1.0), (signal.SIGKILL, None)):
            if sent is not None:
                with suppress(ProcessLookupError, PermissionError):
                    os.killpg(process.pid, sent)
            with suppress(TimeoutError):
                await asyncio.wait_for(process.wait(), seconds)
                break
        with suppress(ProcessLookupError, PermissionError):  # whatever it started and left behind
            os.killpg(process.pid, signal.SIGKILL)
        with suppress(TimeoutError, ValueError, BrokenPipeError, ConnectionResetError):
            await asyncio.wait_for(process.stdout.read(), 1.0)
            await asyncio.wait_for(process.stdin.wait_closed(), 1.0)
        if self._stderr_done is not None:
            with suppress(TimeoutError):
                await asyncio.wait_for(self._stderr_done, 1.0)

    # -- faults ---------------------------------------------------------------------------

    def _fault(self, cause: str) -> AdapterError:
        return AdapterError(self.endpoint, self._secrets.redact(cause))


def _quoted(text: str) -> str:
    return quote(text, empty="an empty line")
