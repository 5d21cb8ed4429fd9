"""Run the `harness` command as a user does: a subprocess, its output and exit status.

Also what the tests of bot endpoints share: ports that refuse or never answer, the checks
every run against a faulty bot must pass, the demo bot served in a subprocess, and the
verdicts a run wrote. (conftest.py has pytest rewrite the asserts here.)
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Literal

REPO = Path(__file__).resolve().parent.parent  # the repository: examples/, the package
FAULT_SCENARIO = "banking.balance"  # a few conversations are enough to show a fault


def harness(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness", *args],
        cwd=cwd, capture_output=True, text=True, timeout=120, check=False, env=env,
    )  # fmt: skip


def verdicts(results_json: Path) -> dict[str, tuple[str, dict[str, str]]]:
    """Each conversation's outcome and check verdicts, by conversation id."""
    written = json.loads(results_json.read_text())
    return {
        c["conversation_id"]: (c["outcome"], {v["name"]: v["verdict"] for v in c["checks"]})
        for c in written["conversations"]
    }


# -- servers that fail ---------------------------------------------------------------------


def free_port() -> int:
    """A port of 127.0.0.1 that was free a moment ago: nothing listens on it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@contextmanager
def silent_port(kind: Literal["dead", "hanging"]) -> Iterator[int]:
    """A port of 127.0.0.1 that never answers while the block runs: "dead", nothing listens
    on it (a connection is refused); "hanging", the kernel accepts connections and nobody
    ever answers."""
    if kind == "dead":
        yield free_port()
        return
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def run_faulty(
    tmp_path: Path,
    bot: str,
    *,
    endpoint: str,
    cause: str,
    env: dict[str, str] | None = None,
    timeout: float = 0.3,
) -> list[str]:
    """Run FAULT_SCENARIO in `tmp_path` against a `bot` that fails, with a `timeout` (short,
    for the bots that hang; a bot that answers at once may take longer than 0.3 s to start
    on a busy machine) and `env` added to the environment. The run must end within 30 s with
    status 1, no traceback and no unclosed socket, and its results must pass
    `error_verdicts`, whose error messages this returns."""
    env = {**os.environ, "PYTHONWARNINGS": "always::ResourceWarning", **(env or {})}
    started = time.monotonic()
    done = harness("run", "--bot", bot, "--timeout", str(timeout), "--scenario", FAULT_SCENARIO,
                   "--out", "out", cwd=tmp_path, env=env)  # fmt: skip
    assert time.monotonic() - started < 30
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and "ResourceWarning" not in done.stderr
    return error_verdicts(tmp_path / "out", endpoint=endpoint, cause=cause)


def error_verdicts(out: Path, *, endpoint: str, cause: str) -> list[str]:
    """Check the results written to `out`: every conversation (at least 3) has verdict and
    outcome `error`, an error message that names `endpoint` and holds `cause`, and its
    transcript. Returns the error messages."""
    written = json.loads((out / "results.json").read_text())
    conversations = written["conversations"]
    assert len(conversations) == written["summary"]["error"] >= 3  # every one, each an error
    for entry in conversations:
        assert entry["verdict"] == "error" and entry["outcome"] == "error"
        assert entry["error"].startswith(f"{endpoint}: ")
        assert cause in entry["error"]
        assert (out / entry["transcript"]).is_file()
    return [entry["error"] for entry in conversations]


# -- the demo bot, served --------------------------------------------------------------------


@contextmanager
def demo_bot_serving(cwd: Path, *options: str) -> Iterator[IO[str]]:
    """`harness demo-bot serve --bot deflector --port 0 *options` in a subprocess while the
    block runs; yields its stdout, to read what it prints. Stopped with Ctrl-C (SIGINT)
    afterwards, it must exit with status 0 and nothing on stderr."""
    server = subprocess.Popen(
        [sys.executable, "-m", "harness", "demo-bot", "serve", "--bot", "deflector",
         "--port", "0", *options],
        cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=ctrl_c_able,
    )  # fmt: skip
    try:
        assert server.stdout is not None
        yield server.stdout
    finally:
        _, err = stop(server)
    assert server.returncode == 0, err
    assert err == ""


def ctrl_c_able() -> None:
    """For a child a test will Ctrl-C (`preexec_fn`): SIGINT at its default, as a terminal
    gives it, even where the tests themselves run with it ignored (as a shell's background
    job does), which a child would inherit and so never stop."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def stop(process: subprocess.Popen[str], *, grace: float = 30) -> tuple[str, str]:
    """End a process a test started, whatever the test's outcome: Ctrl-C (SIGINT), then, if
    it has not ended within `grace` seconds (a busy machine is slow, not stuck), SIGKILL.
    Returns what it printed; a kill is a failure of the test that started it."""
    process.send_signal(signal.SIGINT)
    try:
        return process.communicate(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise AssertionError(f"{process.args} did not stop within {grace} s of Ctrl-C") from None


def run_deflector(bot: str, cwd: Path) -> None:
    """Run FAULT_SCENARIO against the deflector reference bot at `bot`: it fails
    escalation.on_request, so the run must exit with status 1 and say so."""
    done = harness("run", "--bot", bot, "--scenario", FAULT_SCENARIO, "--out", "out", cwd=cwd)
    assert done.returncode == 1 and "FAIL escalation.on_request" in done.stdout, done.stdout
