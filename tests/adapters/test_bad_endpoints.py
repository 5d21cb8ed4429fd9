"""Bots given wrongly, every endpoint kind in one table: a `--bot` spec or URL the harness
cannot use, and endpoint files with one mistake each.

Each is a ConfigError before any conversation, naming the spec, or the file, line and field
with the fix; the `harness` command prints it in lines of its own and exits with status 2,
never with a traceback.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from harness_cli import harness

from harness import ConfigError
from harness.adapters import open_bot

BAD_SPECS = [
    pytest.param("demo:nope", "no reference bot 'nope'", id="demo-unknown"),
    pytest.param(
        "nonsense",
        "is not a bot; use demo:NAME, package.module:attr, http://HOST:PORT/PATH, ws://",
        id="nonsense",
    ),
    pytest.param("no_such_module_here:bot", "cannot import 'no_such_module_here'", id="no-module"),
    pytest.param("harness.bots:nothing", "has no attribute 'nothing'", id="no-attribute"),
    pytest.param("harness.bots:NAMES", "is not callable", id="not-callable"),
    pytest.param("http://", "has no host", id="http-no-host"),
    pytest.param("http://127.0.0.1:port/", "is not a valid URL", id="http-bad-port"),
    pytest.param("htp://127.0.0.1:8080/", "htp:// URLs are not supported (did you mean http://?)",
                 id="http-misspelt-scheme"),
    pytest.param("ws://", "has no host; e.g. ws://127.0.0.1:8080/", id="ws-no-host"),
    pytest.param("ws://127.0.0.1:port/", "is not a valid URL", id="ws-bad-port"),
    pytest.param("wss2://127.0.0.1:8080/", "wss2:// URLs are not supported (did you mean wss://?)",
                 id="ws-misspelt-scheme"),
]  # fmt: skip


@pytest.mark.parametrize(("spec", "message"), BAD_SPECS)
def test_a_bad_bot_spec_is_a_config_error(spec: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        open_bot(spec)
    assert message in caught.value.problems[0]


# A callback endpoint with neither a desk nor a webhook: the rows add one of them, or both.
CALLBACK = """kind: callback
url: http://127.0.0.1:1/
body: {text: '{text}'}
reply: {messages: '$.messages[*].text'}
"""
WEBHOOK = "webhook: {done: $.done}\n"

# Each file, and problems the run must report, each on a line of its own after the file's
# path: "<line>: <field>: <what is wrong>".
BAD_FILES = [
    pytest.param("kind: http\nurl: http://127.0.0.1:1/\nbody: {q: '{txt}'}\n"
                 "reply:\n  mesages: $.a\n",
                 ["3: body: unknown placeholder {txt} (did you mean {text}?)",
                  "5: reply.mesages: unknown key (did you mean 'messages'?)"],
                 id="http-placeholder-and-key"),
    pytest.param("# a bot\nkind: htp\nurl: http://127.0.0.1:1/\n",
                 ["2: kind: unknown kind 'htp' (did you mean 'http'?); use 'http'"],
                 id="unknown-kind"),
    pytest.param("kind: http\nstate: {token: $.t}\nurl: http://127.0.0.1:1/\n"
                 "body: {q: '{text}', s: '{state.tokn}'}\nreply: {messages: $.m}\n",
                 ["4: body: unknown placeholder {state.tokn} (did you mean {state.token}?)"],
                 id="http-state-placeholder"),
    pytest.param("kind: openai\nurl: http://127.0.0.1:1/v1\nmodel: m\n"
                 "handof_tools: [escalate]\nextra: {stream: true, temperature: 0}\n",
                 ["4: handof_tools: unknown key (did you mean 'handoff_tools'?)",
                  "5: extra: stream cannot be set here"],
                 id="openai-key-and-extra"),
    pytest.param("kind: websocket\nurl: ws://127.0.0.1:1/\nquite: 0.3\n",
                 ["3: quite: unknown key (did you mean 'quiet'?)"], id="websocket-typo"),
    pytest.param("kind: websocket\nurl: ws://127.0.0.1:1/\nquiet: 0\n",
                 ["3: quiet: expects greater than 0, got 0"], id="websocket-quiet-0"),
    pytest.param("kind: websocket\nurl: http://127.0.0.1:1/\n",
                 ["2: url: String should match pattern '^wss?://"], id="websocket-http-url"),
    pytest.param("kind: subprocess\ncomand: [sh]\n",
                 ["2: comand: unknown key (did you mean 'command'?)"], id="subprocess-typo"),
    pytest.param("kind: subprocess\ncommand: []\n",
                 ["2: command: names no program"], id="subprocess-empty"),
    pytest.param("kind: subprocess\ncommand: \"sh -c 'x\"\n",
                 ["2: command: cannot split"], id="subprocess-unbalanced-quote"),
    pytest.param("kind: subprocess\ncommand: sh\nenv:\n  TOKEN: ${ENV:NO_SUCH_VAR_4242}\n",
                 ["3: env: environment variable NO_SUCH_VAR_4242 is not set"],
                 id="subprocess-missing-env"),
    pytest.param("kind: subprocess\ncommand: sh\ntimeout: 0\n",
                 ["3: timeout: expects greater than 0, got 0"], id="subprocess-timeout"),
    pytest.param(CALLBACK,
                 ["1: (top level): a callback endpoint needs desk:, webhook: or both"],
                 id="callback-no-callbacks"),
    pytest.param(CALLBACK + "dsk: {wait: 0}\n" + WEBHOOK,
                 ["5: dsk: unknown key (did you mean 'desk'?)"], id="callback-misspelt-key"),
    pytest.param(CALLBACK + "desk: {wait: -1}\n",
                 ["5: desk.wait: expects greater than or equal to 0, got -1"],
                 id="callback-negative-wait"),
    pytest.param(CALLBACK + "desk: {context: context}\n",
                 ["5: desk.context: a path starts with '$'"], id="callback-bad-path"),
    pytest.param(CALLBACK.replace("{text: '{text}'}", "{to: '{desk_url}'}") + WEBHOOK,
                 ["1: (top level): {desk_url} is used but there is no desk: section"],
                 id="callback-no-desk"),
    pytest.param(CALLBACK.replace("{text: '{text}'}", "{to: '{dsk_url}'}") + WEBHOOK,
                 ["3: body: unknown placeholder {dsk_url} (did you mean {desk_url}?)"],
                 id="callback-placeholder"),
    pytest.param(CALLBACK + WEBHOOK + "start: {url: 'http://127.0.0.1:1/{desk_url}'}\n",
                 ["1: (top level): {desk_url} is used but there is no desk: section"],
                 id="callback-no-desk-in-start"),
    pytest.param(CALLBACK + "webhook: {don: $.done}\n",
                 ["5: webhook.don: unknown key (did you mean 'done'?)"],
                 id="callback-webhook-typo"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "problems"), BAD_FILES)
def test_a_bad_endpoint_file_is_a_file_line_error_and_exit_2(
    tmp_path: Path, text: str, problems: list[str]
) -> None:
    path = tmp_path / "bot.yaml"
    path.write_text(text)
    done = harness("run", "--bot", str(path), cwd=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    for problem in problems:
        assert f"harness: {path}:{problem}" in done.stderr
    assert done.stdout == ""
