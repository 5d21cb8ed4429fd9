"""Any HTTP bot through an endpoint file, against real servers on 127.0.0.1.

The server wraps the careful reference bot in a shape of its own (`sessionId`, `message`,
`replies`, `escalate`), so only the mapping in the endpoint file can make sense of it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from harness_cli import harness, verdicts
from hypothesis import given, settings
from hypothesis import strategies as st

from harness import ConfigError, Pack, RunOptions, run
from harness.adapters import open_bot
from harness.adapters.endpoint import KINDS
from harness.adapters.paths import extract, parse_path
from harness.adapters.templates import conversation_key
from harness.bots import reference_bot
from harness.bots.serve import serving

SUBSET = ("banking.balance", "telecom.*")
SECRET = "s3cr3t-token-4242"


def understood(text: str) -> str:
    """The intent the foreign bot reports for a message: a stand-in rule the test can check."""
    return "wants_a_person" if re.search(r"person|human|someone", text, re.I) else "other"


def foreign_app() -> web.Application:
    """The careful bot behind a JSON shape that is not the native protocol."""
    careful = reference_bot("careful")

    async def answer(request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {SECRET}":
            return web.Response(status=401, text="bad token")
        body: dict[str, Any] = await request.json()
        native = careful({
            "conversation_id": body["sessionId"], "customer_id": body["user"]["id"],
            "channel": body["user"]["channel"], "contact": body["user"]["contact"],
            "text": body["message"]["text"],
        })  # fmt: skip
        out: dict[str, Any] = {"replies": native["messages"], "do": native.get("actions", [])}
        if native.get("handoff"):
            out["escalate"] = native["handoff"]
        if native.get("end"):
            out["done"] = True
        out["nlu"] = {"intent": understood(body["message"]["text"])}
        return web.json_response(out)

    app = web.Application()
    app.router.add_post("/chat", answer)
    return app


ENDPOINT = """\
kind: http
url: {url}
headers:
  Authorization: Bearer ${{ENV:BOT_TOKEN}}
body:
  sessionId: "{{conversation_id}}"
  user: {{id: "{{customer_id}}", channel: "{{channel}}", contact: "{{contact}}"}}
  message: {{text: "{{text}}"}}
reply:
  messages: $.replies[*].text
  handoff: $.escalate
  handoff_context: $.escalate.context
  actions: $.do
  end: $.done
  intent: $.nlu.intent
"""


@pytest.fixture
def token(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("BOT_TOKEN", SECRET)
    return SECRET


@pytest.fixture
def foreign(tmp_path: Path) -> Iterator[Path]:
    with serving(foreign_app()) as url:
        path = tmp_path / "bot.yaml"
        path.write_text(ENDPOINT.format(url=url + "chat"))
        yield path


def test_a_mapped_bot_gets_the_verdicts_it_gets_in_process(
    pack: Pack, tmp_path: Path, foreign: Path, token: str
) -> None:
    run(pack, RunOptions(bot="demo:careful", scenarios=SUBSET), tmp_path / "in-process")
    result = run(pack, RunOptions(bot=str(foreign), scenarios=SUBSET), tmp_path / "mapped")
    assert result.exit_code == 0, [r.error for r in result.results if r.error]
    expected = verdicts(tmp_path / "in-process" / "results.json")
    assert len({cid.split("--")[0] for cid in expected}) >= 3  # at least three scenarios
    assert verdicts(tmp_path / "mapped" / "results.json") == expected


def test_the_intent_the_bot_reports_is_recorded_on_its_first_message_of_each_turn(
    pack: Pack, tmp_path: Path, foreign: Path, token: str
) -> None:
    result = run(pack, RunOptions(bot=str(foreign), scenarios=SUBSET), tmp_path / "mapped")
    turns = kinds = 0
    for entry in result.results:
        assert entry.transcript is not None
        events = entry.transcript.events
        for i, event in enumerate(events):
            if event.kind == "customer_message" and event.data.get("to", "bot") == "bot":
                first = next(e for e in events[i + 1 :] if e.kind == "bot_message")
                assert first.data["intent"] == understood(event.text), first
                turns += 1
        said = [e for e in events if e.kind == "bot_message"]
        kinds += sum("intent" in e.data for e in said) == len({e.turn for e in said})
    assert turns >= 50 and kinds == len(result.results)  # once a turn, on its first message
    assert {understood(e.text) for r in result.results for e in r.transcript.events  # type: ignore[union-attr]
            if e.kind == "customer_message"} == {"wants_a_person", "other"}  # fmt: skip


def test_a_secret_never_reaches_results_or_transcripts(
    tmp_path: Path, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server fails and echoes the request's headers back: the token must not show."""

    async def leaky(request: web.Request) -> web.Response:
        return web.Response(status=500, text=f"crashed on {dict(request.headers)}")

    app = web.Application()
    app.router.add_post("/chat", leaky)
    with serving(app) as url:
        path = tmp_path / "bot.yaml"
        path.write_text(ENDPOINT.format(url=url + "chat"))
        done = harness("run", "--bot", str(path), "--scenario", "banking.balance",
                       "--out", "out", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    written = (tmp_path / "out" / "results.json").read_text()
    assert "HTTP 500" in written and "[redacted]" in written
    for file in (tmp_path / "out").rglob("*"):
        if file.is_file():
            assert SECRET not in file.read_text(errors="replace"), file
    assert SECRET not in done.stdout + done.stderr


def test_a_missing_environment_variable_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    path = tmp_path / "bot.yaml"
    path.write_text(ENDPOINT.format(url="http://127.0.0.1:1/chat"))
    with pytest.raises(ConfigError, match="environment variable BOT_TOKEN is not set"):
        open_bot(str(path))


def test_the_endpoint_schema_is_printed(tmp_path: Path) -> None:
    schema = json.loads(harness("schema", "endpoint", cwd=tmp_path).stdout)
    assert schema["discriminator"]["propertyName"] == "kind"  # one of the kinds
    assert set(schema["discriminator"]["mapping"]) == set(KINDS)
    ref = schema["discriminator"]["mapping"]["http"]
    schema = schema["$defs"][ref.rsplit("/", 1)[1]]
    assert schema["additionalProperties"] is False and "reply" in schema["required"]


@pytest.mark.parametrize(
    ("path", "found"),
    [
        ("$.replies[*].text", ["a", "b"]),
        ("$.replies[1].text", ["b"]),
        ("$.answer", ["hi"]),
        ("$.escalate.context", [{"k": 1}]),
        ("$.nothing.here", []),
        ("$", [{"replies": [{"text": "a"}, {"text": "b"}], "answer": "hi",
                "escalate": {"context": {"k": 1}}}]),
    ],
)  # fmt: skip
def test_paths(path: str, found: list[Any]) -> None:
    data = {"replies": [{"text": "a"}, {"text": "b"}], "answer": "hi",
            "escalate": {"context": {"k": 1}}}  # fmt: skip
    assert extract(path, data) == found


@pytest.mark.parametrize("path", ["replies", "$.a[x]", "$.a[", "$.a[?@.b = 1]"])
def test_bad_paths_are_refused(path: str) -> None:
    with pytest.raises(ValueError, match=r"starts with '\$'|JSONPath \(RFC 9535\)"):
        parse_path(path)


@pytest.mark.parametrize(
    ("path", "found"),
    [
        ("$..text", ["a", "b"]),  # descendants
        ("$.replies[?@.text == 'b'].text", ["b"]),  # an RFC filter
        ("$.replies[?@.text == 'a' || @.text == 'b'].text", ["a", "b"]),
        ("$.replies[?search(@.text, '[b-z]')].text", ["b"]),  # a function
    ],
)
def test_paths_are_rfc_9535_jsonpath(path: str, found: list[Any]) -> None:
    data = {"replies": [{"text": "a"}, {"text": "b"}], "answer": "hi"}
    assert extract(path, data) == found


NAMES = st.sampled_from(["a", "b", "text", "x_1"])
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=3),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(NAMES, inner, max_size=3),
    max_leaves=12,
)
PLAIN = st.lists(NAMES.map(".{}".format) | st.sampled_from([".*", "[*]"]), max_size=4).map(
    lambda steps: "$" + "".join(steps)
)


@given(path=PLAIN, data=JSON)
@settings(max_examples=300, deadline=None)
def test_plain_paths_find_what_jsonpath_finds(path: str, data: Any) -> None:
    """Names and wildcards are read without python-jsonpath: the same values, in order."""
    assert extract(path, data) == list(parse_path(path).findall(data))


def test_conversation_key_is_short_stable_and_distinct() -> None:
    """Dialogflow CX refuses session ids over 36 bytes; harness ids run longer."""
    long_id = "insurance.prior-authorisation--anxious-older-person--12:3"
    key = conversation_key(long_id)
    assert len(key.encode()) == 32 and key == conversation_key(long_id)
    assert key != conversation_key(long_id[:-1] + "4")
