"""No secret reaches any output, in any form a bot may echo it; a short secret changes no
message of a correct bot. Against real servers on 127.0.0.1, through the real commands."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from aiohttp import web
from harness_cli import REPO, harness, verdicts

from harness.bots import reference_bot
from harness.bots.serve import native_app, serving

SECRET = 'sk-live/9Kq"w2-7730'  # a slash and a quote: the characters JSON escapes
ENDPOINT = """\
kind: http
url: {url}
headers:
  Authorization: Bearer ${{ENV:LEAK_TOKEN}}
body: {{message: "{{text}}", session: "{{conversation_id}}"}}
reply:
  messages: $.replies[*].text
"""


def forms(secret: str) -> list[str]:
    """The secret as a bot might echo it."""
    escaped = json.dumps(secret)[1:-1]
    return [secret, escaped, escaped.replace("/", "\\/"), secret.replace("/", "\\/"),
            "".join(f"\\u{ord(c):04x}" for c in secret), quote(secret, safe=""),
            quote_plus(secret)]  # fmt: skip


def leaked(text: str, secret: str = SECRET) -> list[str]:
    lowered = text.lower()
    return [form for form in forms(secret) if form.lower() in lowered]


def echoing_app() -> web.Application:
    """Answers every message by echoing the bearer token in every form, in the reply text
    and beside it; every third message fails with HTTP 500 quoting them raw."""
    calls = 0

    async def answer(request: web.Request) -> web.Response:
        nonlocal calls
        calls += 1
        token = request.headers["Authorization"].removeprefix("Bearer ")
        every = " ".join(forms(token))
        if calls % 3 == 0:
            return web.Response(status=500, text=f"crashed; token {every}")
        escaped = "".join(f"\\u{ord(c):04x}" for c in token)
        body = (
            '{"replies": [{"text": "your token is '
            + escaped
            + '"}, {"text": '
            + json.dumps(f"and {every}")
            + '}], "slash": "'
            + json.dumps(token)[1:-1].replace("/", "\\/")
            + '"}'
        )
        return web.Response(text=body, content_type="application/json")

    app = web.Application()
    app.router.add_post("/chat", answer)
    return app


@pytest.fixture
def echoing_bot(tmp_path: Path) -> Iterator[Path]:
    with serving(echoing_app()) as url:
        path = tmp_path / "bot.yaml"
        path.write_text(ENDPOINT.format(url=url + "chat"))
        yield path


def test_no_output_holds_the_secret_in_any_form(tmp_path: Path, echoing_bot: Path) -> None:
    env = {**os.environ, "LEAK_TOKEN": SECRET}
    done = harness("run", "--bot", str(echoing_bot), "--scenario", "banking.*", "--out", "out",
                   cwd=tmp_path, env=env)  # fmt: skip
    assert done.returncode == 1, done.stderr
    plugin = subprocess.run(
        [sys.executable, "-m", "pytest", str(REPO / "scenarios" / "banking"), "--bot",
         str(echoing_bot), "--junitxml", "junit.xml", "--alluredir", "allure",
         "--harness-out", "pytest-out", "-p", "no:benchmark", "-p", "no:cacheprovider",
         "-q", "--rootdir", str(tmp_path)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert plugin.returncode == 1, plugin.stdout[-2000:] + plugin.stderr[-2000:]
    outputs = {"run stdout": done.stdout, "run stderr": done.stderr,
               "pytest stdout": plugin.stdout, "pytest stderr": plugin.stderr}  # fmt: skip
    files = [p for p in tmp_path.rglob("*") if p.is_file() and p.name != "bot.yaml"]
    outputs.update((str(p), p.read_text(errors="replace")) for p in files)
    assert {"out/results.json", "junit.xml"} <= {str(p.relative_to(tmp_path)) for p in files}
    assert any(p.parent.name == "allure" for p in files)
    assert {name: found for name, text in outputs.items() if (found := leaked(text))} == {}
    written = (tmp_path / "out" / "results.json").read_text()
    assert "HTTP 500" in written and "your token is [redacted]" in written


@pytest.mark.parametrize("secret", ["x", "e", "7"])
def test_a_one_character_secret_changes_no_message_of_a_correct_bot(
    secret: str, tmp_path: Path
) -> None:
    """The careful bot answers natively; the endpoint file sends a one-character secret,
    which must not reshape a single message the bot writes."""
    endpoint = """\
kind: http
url: {url}
headers:
  Authorization: Bearer ${{ENV:SHORT_TOKEN}}
body: {{conversation_id: "{{conversation_id}}", customer_id: "{{customer_id}}",
       channel: "{{channel}}", contact: "{{contact}}", text: "{{text}}"}}
reply:
  messages: $.messages[*].text
  handoff: $.handoff
  handoff_context: $.handoff.context
  actions: $.actions
"""
    runs = {}
    for name, env in (("plain", {}), ("secret", {"SHORT_TOKEN": secret})):
        with serving(native_app(reference_bot("careful"))) as url:
            path = tmp_path / f"{name}.yaml"
            text = endpoint.format(url=url)
            path.write_text(text if env else text.replace("Bearer ${ENV:SHORT_TOKEN}", "none"))
            done = harness("run", "--bot", str(path), "--scenario", "banking.*", "--out", name,
                           cwd=tmp_path, env={**os.environ, **env})  # fmt: skip
        assert done.returncode == 0, done.stdout[-3000:]
        runs[name] = {
            p.name: [e["text"] for e in map(json.loads, p.read_text().splitlines()[1:])
                     if e["kind"] == "bot_message"]
            for p in (tmp_path / name / "transcripts").iterdir()
        }  # fmt: skip
    assert runs["secret"] == runs["plain"]
    assert verdicts(tmp_path / "secret" / "results.json") == verdicts(
        tmp_path / "plain" / "results.json"
    )
