"""Bots as subprocesses: JSON lines on stdin/stdout, against real processes, never mocked pipes.

A reference bot served by `harness demo-bot stdio` must give the verdicts it gives in
process, and every way a process can fail must end its conversations with verdict `error`
and a message naming the command, while the run goes on, restarts the bot when it is out
of step, and leaves no process behind.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest
from harness_cli import FAULT_SCENARIO, REPO, harness, run_faulty, verdicts

from harness import Pack, RunOptions, run
from harness.adapters import Session, open_bot
from harness.adapters.subprocess import ProcessAdapter
from harness.errors import AdapterError

SECRET = "s3cr3t-token-4242"
EXAMPLES = REPO / "examples" / "bots"
STDIO = [sys.executable, "-m", "harness", "demo-bot", "stdio"]


def endpoint_file(folder: Path, command: str | list[str], **fields: object) -> Path:
    """An endpoint file of kind subprocess (YAML is a superset of JSON)."""
    path = folder / "bot.yaml"
    path.write_text(json.dumps({"kind": "subprocess", "command": command, **fields}))
    return path


def gone(pid: int) -> bool:
    """Whether no process has this id any more: not running, and not a zombie either."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.mark.parametrize("name", ["careful", "deflector"])
def test_a_reference_bot_on_stdio_gets_the_verdicts_it_gets_in_process(
    pack: Pack, tmp_path: Path, name: str
) -> None:
    """One process for the whole run (the bot's memory of its customers depends on it);
    latency is measured, not modelled, and must not change a verdict or an outcome."""
    run(pack, RunOptions(bot=f"demo:{name}"), tmp_path / "in-process")
    bot = endpoint_file(tmp_path, [*STDIO, "--bot", name])
    done = harness("run", "--bot", str(bot), "--out", str(tmp_path / "stdio"), cwd=tmp_path)
    assert done.returncode == (0 if name == "careful" else 1), done.stdout + done.stderr
    expected = verdicts(tmp_path / "in-process" / "results.json")
    assert len(expected) >= 300  # the whole pack
    assert verdicts(tmp_path / "stdio" / "results.json") == expected


def sh(script: str) -> list[str]:
    return ["sh", "-c", script]


ANSWER_EACH_LINE = "while read -r line; do echo {}; done"


@pytest.mark.parametrize(
    ("command", "cause"),
    [
        (["no-such-bot-4242"], "cannot start: no program 'no-such-bot-4242' found"),
        (["./bot.yaml"], "cannot start: './bot.yaml' is not executable"),
        (
            sh("echo 'cannot load the model' >&2; exit 3"),
            "it exited with status 3 before answering; its stderr ended with: "
            "'cannot load the model'; it is restarted for the next conversation",
        ),
        (sh("kill -9 $$"), "it was killed by SIGKILL before answering"),
        (
            sh(ANSWER_EACH_LINE.format("'Hello from the bot'")),
            "it printed a line that is not JSON: 'Hello from the bot'; it is restarted",
        ),
        (
            sh(ANSWER_EACH_LINE.format("'[1, 2]'")),
            "it printed a line that is not a JSON object: '[1, 2]'; it is restarted",
        ),
        (sh("exec 1>&-; sleep 60"), "it closed its stdout without answering"),
        (sh("sleep 60"), "no answer within the timeout of 0.3 s; it is restarted"),
        (
            [sys.executable, "-c", "print('x' * 2_000_000, flush=True); input()"],
            "it printed a line over the limit of 1048576 bytes",
        ),
        (sh(ANSWER_EACH_LINE.format("""'{"replies": []}'""")), "response has no 'messages' list"),
    ],
    ids=[
        "not-found",
        "not-executable",
        "exits",
        "killed",
        "garbage",
        "not-an-object",
        "closes-stdout",
        "timeout",
        "too-long",
        "malformed",
    ],
)
def test_a_faulty_bot_gives_error_verdicts_and_complete_results(
    tmp_path: Path, command: list[str], cause: str
) -> None:
    bot = endpoint_file(tmp_path, command)
    timeout = 0.3 if "within the timeout" in cause else 10.0  # a bot may start slowly
    run_faulty(tmp_path, str(bot), endpoint=shlex.join(command), cause=cause, timeout=timeout)


def test_a_malformed_answer_leaves_the_bot_running(tmp_path: Path) -> None:
    """A bad response that is still one line per request keeps the bot in step: no restart."""
    reply = '{"messages": [], "actions": "%s"}'  # the bot's process id, as its actions
    adapter = ProcessAdapter(sh(f"while read -r line; do printf '{reply}\\n' $$; done"))
    causes = set()
    try:
        for _ in range(3):
            with pytest.raises(AdapterError, match="'actions' must be a list of strings") as e:
                adapter.send(Session("c1", "u1", "chat", 1), "hello")
            causes.add(e.value.cause)
    finally:
        adapter.shutdown()
    (cause,) = causes  # the same process answered each time
    assert "restarted" not in cause


def test_a_crashed_bot_is_restarted_and_the_run_goes_on(pack: Pack, tmp_path: Path) -> None:
    """The first bot dies on its first message; the conversations after it get a fresh
    bot and pass. Every bot started is gone at the end: no process, no zombie."""
    script = tmp_path / "bot.py"
    script.write_text(
        "import os, sys\n"
        "from pathlib import Path\n"
        "from harness.bots import reference_bot\n"
        "from harness.bots.serve.stdio import serve_lines\n"
        "with open('pids', 'a') as pids:\n"
        "    print(os.getpid(), file=pids)\n"
        "if not Path('crashed').exists():\n"
        "    Path('crashed').touch()\n"
        "    sys.stdin.readline()\n"
        "    sys.exit('the model ran out of memory')\n"
        "serve_lines(reference_bot('careful'), sys.stdin.buffer, sys.stdout.buffer)\n"
    )
    bot = endpoint_file(tmp_path, [sys.executable, "bot.py"])
    result = run(pack, RunOptions(bot=str(bot), scenarios=("banking.*",)), tmp_path / "out")
    first, *rest = result.results
    assert first.error is not None
    assert first.error.endswith(
        "it exited with status 1 before answering; its stderr ended with: "
        "'the model ran out of memory'; it is restarted for the next conversation"
    )
    assert len(rest) > 20 and all(r.verdict == "pass" for r in rest)
    pids = [int(pid) for pid in (tmp_path / "pids").read_text().split()]
    assert len(pids) == 2 and all(gone(pid) for pid in pids)


def test_shutdown_stops_a_bot_that_ignores_the_end_of_input_and_sigterm(tmp_path: Path) -> None:
    started = time.monotonic()
    adapter = ProcessAdapter(sh(
        "trap '' TERM; read -r line; "
        """printf '{"messages": [{"text": "%s"}]}\\n' $$; sleep 60"""
    ))  # fmt: skip
    try:
        (pid,) = adapter.send(Session("c1", "u1", "chat", 1), "hello").messages
    finally:
        adapter.shutdown()
    assert gone(int(pid))
    assert time.monotonic() - started < 10


def test_startup_waits_for_the_ready_line(pack: Pack, tmp_path: Path) -> None:
    ready = sh('sleep 0.2; echo \'{"ready": true}\'; exec "$0" "$@"') + STDIO
    bot = endpoint_file(tmp_path, ready, startup=10)
    options = RunOptions(bot=str(bot), scenarios=(FAULT_SCENARIO,))
    result = run(pack, options, tmp_path / "out")
    assert result.exit_code == 0, [r.error for r in result.results if r.error]


@pytest.mark.parametrize(
    ("script", "cause"),
    [
        ("sleep 60", "not ready within the startup time of 0.3 s"),
        ("echo starting...", "it printed a line that is not JSON: 'starting...'"),
        ("""echo '{"ready": false}'""", 'its first line is not {"ready": true} but \'{"ready'),
    ],
)
def test_a_bot_that_is_not_ready_is_a_fault(tmp_path: Path, script: str, cause: str) -> None:
    adapter = open_bot(str(endpoint_file(tmp_path, sh(script), startup=0.3)))
    try:
        with pytest.raises(AdapterError, match="restarted") as caught:
            adapter.send(Session("c1", "u1", "chat", 1), "hello")
    finally:
        adapter.shutdown()
    assert cause in caught.value.cause


def test_a_secret_in_env_never_reaches_results_or_transcripts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bot prints its token on stderr and stdout and dies: the token must not show."""
    monkeypatch.setenv("BOT_TOKEN", SECRET)
    script = 'echo "my token is $TOKEN" >&2; read -r line; echo "token=$TOKEN"'
    bot = endpoint_file(tmp_path, sh(script), env={"TOKEN": "${ENV:BOT_TOKEN}"})
    done = harness("run", "--bot", str(bot), "--scenario", FAULT_SCENARIO, "--out", "out",
                   cwd=tmp_path)  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    written = (tmp_path / "out" / "results.json").read_text()
    assert "not JSON: 'token=[redacted]'" in written
    assert "my token is [redacted]" in written
    for file in (tmp_path / "out").rglob("*"):
        if file.is_file():
            assert SECRET not in file.read_text(errors="replace"), file
    assert SECRET not in done.stdout + done.stderr


def test_a_shell_script_is_a_bot_and_runs_in_its_endpoint_files_folder(
    pack: Pack, tmp_path: Path
) -> None:
    """The example bot in sh hands every customer to a human; run from another folder."""
    bot = EXAMPLES / "handoff-bot.yaml"
    done = harness("run", "--bot", str(bot), "--scenario", "banking.*", "--out", "out",
                   cwd=tmp_path)  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    found = verdicts(tmp_path / "out" / "results.json")
    assert len(found) > 20 and {outcome for outcome, _ in found.values()} == {"resolved_by_human"}
    unneeded = [checks["escalation.unneeded"] for _, checks in found.values()]
    assert "fail" in unneeded and "pass" in unneeded  # low stakes fail, high stakes pass


def test_demo_bot_stdio_answers_each_line_and_exits_at_the_end_of_input(tmp_path: Path) -> None:
    request = {"conversation_id": "c", "customer_id": "u", "channel": "chat",
               "contact": 1, "text": "hello"}  # fmt: skip
    lines = f"{json.dumps(request)}\nnot json\n"
    done = subprocess.run([*STDIO, "--bot", "deflector"], input=lines, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 0 and done.stderr == ""
    first, second = (json.loads(line) for line in done.stdout.splitlines())
    assert first["messages"] and second == {"error": "the request is not JSON"}
