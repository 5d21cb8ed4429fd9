"""Hostile input: every case gets one clear line and exit status 2 (or, from the bot, that
conversation's error verdict), never a traceback, a hang, non-standard JSON or a file
outside --out."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from harness_cli import REPO, harness, run_faulty

from harness.loading import bundled_pack

BALANCE = (REPO / "scenarios" / "banking" / "balance.yaml").read_text(encoding="utf-8")
PERSONA = "id: quiet-one\nname: Quiet one\nthink_seconds: 3\n"  # no patience: still a persona


def alias_bomb(levels: int = 9) -> str:
    """'Billion laughs': each level nine aliases of the one below."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def write(name: str, text: str | bytes) -> Callable[[Path], list[str]]:
    """A case whose file `name` holds `text`; the command validates it."""

    def setup(tmp: Path) -> list[str]:
        path = tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return ["validate", name]

    return setup


def endpoint(text: str) -> Callable[[Path], list[str]]:
    def setup(tmp: Path) -> list[str]:
        (tmp / "bot.yaml").write_text(text, encoding="utf-8")
        return ["run", "--bot", "bot.yaml", "--scenario", "banking.balance", "--out", "out"]

    return setup


def args(*words: str) -> Callable[[Path], list[str]]:
    return lambda tmp: list(words)


def fifo(tmp: Path) -> list[str]:
    os.mkfifo(tmp / "pipe.yaml")
    return ["validate", "pipe.yaml"]


def out_is_a_file(tmp: Path) -> list[str]:
    (tmp / "taken").write_text("not a folder")
    return ["run", "--scenario", "banking.balance", "--out", "taken"]


def out_below_a_file(tmp: Path) -> list[str]:
    (tmp / "taken").write_text("not a folder")
    return ["run", "--scenario", "banking.balance", "--out", "taken/run"]


def empty_folder(tmp: Path) -> list[str]:
    (tmp / "empty").mkdir()
    (tmp / "empty" / "notes.txt").write_text("no scenario here")
    return ["run", "empty"]


CASES = {
    "alias-bomb-scenario": (write("s.yaml", "id: bomb\n" + alias_bomb()),
                            "s.yaml:7: refused: the document expands to more than 100,000"),
    "alias-bomb-endpoint": (endpoint("kind: http\n" + alias_bomb()),
                            "bot.yaml:7: refused: the document expands"),
    "huge-file": (write("s.yaml", "id: big\nnotes: [" + "x, " * 600_000 + "x]\n"),
                  "s.yaml:1: cannot read the file: the file is 1,800,"),
    "deep-nesting": (write("s.yaml", "id: deep\ngoal: " + "[" * 3000 + "]" * 3000 + "\n"),
                     "s.yaml:2: refused: nesting deeper than 64 levels"),
    "nul-byte": (write("s.yaml", b"id: x\ngoal: a\x00b\n"),
                 "s.yaml:2: the character U+0000 is not allowed in YAML"),
    "fifo": (fifo, "pipe.yaml: not a regular file or a folder"),
    "empty-folder": (empty_folder, "empty: no scenario or persona files (.yaml, .yml)"),
    "inf-think-time": (write("personas/p.yaml", PERSONA.replace("3", ".inf")),
                       "think_seconds: expects a finite duration"),
    "nan-wait": (write("s.yaml", BALANCE + "steps:\n  - say: hello\n    wait: .nan\n"),
                 "wait: expects a finite duration"),
    "nan-typing": (write("personas/p.yaml", PERSONA + "typing_cps: .nan\n"), "typing_cps"),
    "sla-inf": (args("run", "--sla", "inf"), "--sla: expects a number of seconds above 0"),
    "long-id": (write("s.yaml", BALANCE.replace("id: banking.balance", "id: " + "a" * 250)),
                "id: String should have at most 80 characters"),
    "repeat": (args("run", "--repeat", "999999999"), "--repeat: expects a whole number"),
    "generated": (args("run", "--generated", "99999999"), "--generated: expects a whole number"),
    "agents": (args("run", "--agents", "20000"), "--agents: expects a whole number from 1"),
    "too-many-conversations": (args("run", "--repeat", "10000", "--generated", "5000"),
                               "at most 1,000,000 are played at once"),
    "port": (args("demo-bot", "serve", "--port", "70000"), "--port: expects a whole number"),
    "endpoint-port": (endpoint("kind: http\nurl: http://127.0.0.1:99999/\nbody: {q: '{text}'}\n"
                               "reply: {messages: $.text}\n"), "is not a valid URL: Port out"),
    "out-is-a-file": (out_is_a_file, "--out taken: is a file, not a folder"),
    "out-below-a-file": (out_below_a_file, "--out taken/run: cannot make the folder"),
    "secret-with-newline": (endpoint("kind: http\nurl: http://127.0.0.1:9/\nheaders:\n"
                                     "  Authorization: Bearer ${ENV:HOSTILE_TOKEN}\n"
                                     "body: {q: '{text}'}\nreply: {messages: $.text}\n"),
                            "environment variable HOSTILE_TOKEN holds a line break"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_input_is_one_clear_line_and_exit_2(case: str, tmp_path: Path) -> None:
    setup, message = CASES[case]
    argv = setup(tmp_path)
    env = {**os.environ, "HOSTILE_TOKEN": "abc\r\nX-Injected: 1"}
    done = harness(*argv, cwd=tmp_path, env=env)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert message in done.stderr, done.stderr
    assert not (tmp_path / "out").exists(), "nothing is made before the run can start"


def test_a_folder_with_a_fifo_and_a_scenario_validates_without_blocking(tmp_path: Path) -> None:
    (tmp_path / "pack").mkdir()
    (tmp_path / "pack" / "balance.yaml").write_text(BALANCE, encoding="utf-8")
    os.mkfifo(tmp_path / "pack" / "pipe.yaml")
    done = harness("validate", "pack", cwd=tmp_path)
    assert done.returncode == 0 and "ok: 1 scenario(s)" in done.stdout, done.stderr


def test_a_persona_outside_a_personas_folder_is_read_as_a_persona(tmp_path: Path) -> None:
    (tmp_path / "quiet.yaml").write_text(PERSONA, encoding="utf-8")
    done = harness("validate", "quiet.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    personas = len(bundled_pack().personas) + 1  # persona files alone join the bundled ones
    assert f"scenario(s), {personas} persona(s)" in done.stdout


def test_a_second_run_into_the_same_out_is_refused_and_the_first_kept(tmp_path: Path) -> None:
    first = harness("run", "--scenario", "banking.balance", "--out", "out", cwd=tmp_path)
    assert first.returncode == 0
    before = sorted(p.name for p in (tmp_path / "out" / "transcripts").iterdir())
    again = harness("run", "--scenario", "banking.card-activation", "--out", "out", cwd=tmp_path)
    assert again.returncode == 2 and "already holds a run" in again.stderr
    assert sorted(p.name for p in (tmp_path / "out" / "transcripts").iterdir()) == before


BOT = """\
import json, sys
for line in sys.stdin:
    print({answer!r}, flush=True)
"""


@pytest.mark.parametrize(
    ("answer", "cause"),
    [
        ("[" * 100_000 + "]" * 100_000, "is nested too deeply to be read"),
        ('{"messages": [{"text": "half a pair \\ud800 here"}]}', "holds a lone surrogate"),
    ],
    ids=["deep-json", "lone-surrogate"],
)
def test_an_answer_that_cannot_be_kept_is_that_conversations_error(
    answer: str, cause: str, tmp_path: Path
) -> None:
    (tmp_path / "bot.py").write_text(BOT.format(answer=answer))
    (tmp_path / "bot.yaml").write_text(
        f"kind: subprocess\ncommand: [{json.dumps(sys.executable)}, bot.py]\n"
    )
    endpoint = f"{sys.executable} bot.py"  # it answers at once, however slowly it starts
    errors = run_faulty(tmp_path, "bot.yaml", endpoint=endpoint, cause=cause, timeout=10.0)
    assert errors
    text = (tmp_path / "out" / "results.json").read_text()
    json.loads(text, parse_constant=lambda c: pytest.fail(f"non-standard JSON: {c}"))
