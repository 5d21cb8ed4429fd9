"""`${ENV:NAME}` secrets: filled from the environment, redacted from whatever is recorded."""

from __future__ import annotations

import json
import logging
import re
from urllib.parse import quote, quote_plus

import pytest

from harness.adapters.secrets import REDACTED, Secrets, env_names, require_env


class Fault(Exception):
    pass


def test_a_value_is_filled_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", "s3cret")
    monkeypatch.setenv("BOT_USER", "ada")
    filled = Secrets().fill("Bearer ${ENV:BOT_TOKEN} as ${ENV:BOT_USER}; {text}", Fault)
    assert filled == "Bearer s3cret as ada; {text}"


def test_an_unset_variable_raises_the_adapters_fault(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_SUCH_VAR_4242", raising=False)
    with pytest.raises(Fault, match=r"^environment variable NO_SUCH_VAR_4242 is not set$"):
        Secrets().fill("Bearer ${ENV:NO_SUCH_VAR_4242}", Fault)


def test_filled_secrets_are_redacted_from_text_and_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", "s3cret")
    secrets = Secrets()
    assert secrets.redact("echo: s3cret") == "echo: s3cret"  # nothing filled yet
    secrets.fill("${ENV:BOT_TOKEN}", Fault)
    assert secrets.redact("echo: s3cret, s3cret") == f"echo: {REDACTED}, {REDACTED}"
    assert secrets.redact_value({"said": ["s3cret", 4]}) == {"said": [REDACTED, 4]}


SECRET = 'sk-live/4f9"Zq'  # a slash and a quote: the characters JSON escapes


@pytest.mark.parametrize(
    "echoed",
    [
        SECRET,
        json.dumps(SECRET)[1:-1],  # "sk-live/4f9\"Zq"
        json.dumps(SECRET)[1:-1].replace("/", "\\/"),  # escaped slash
        "".join(f"\\u{ord(c):04x}" for c in SECRET),  # every character escaped
        "".join(f"\\u{ord(c):04X}" if i % 2 else c for i, c in enumerate(SECRET)),  # a mix
        quote(SECRET, safe=""),  # in a URL
        quote_plus(SECRET),
    ],
    ids=["plain", "json", "escaped-slash", "all-escaped", "mixed", "url", "url-plus"],
)
def test_a_secret_is_redacted_in_every_form_a_bot_may_echo_it(
    echoed: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOT_TOKEN", SECRET)
    secrets = Secrets()
    secrets.fill("${ENV:BOT_TOKEN}", Fault)
    assert secrets.redact(f"token={echoed}; said") == f"token={REDACTED}; said"
    # a JSON body holding it escaped, parsed first: the value is the secret itself
    parsed = json.loads(json.dumps({"echo": f"it is {SECRET}."}))
    assert secrets.redact_value(parsed) == {"echo": f"it is {REDACTED}."}


@pytest.mark.parametrize("secret", ["x", "te", "a1"])
def test_a_short_secret_is_redacted_only_as_a_whole_word(
    secret: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A token `x` once broke the key "text" of every answer; now words holding it stay."""
    monkeypatch.setenv("BOT_TOKEN", secret)
    secrets = Secrets()
    with caplog.at_level(logging.WARNING, logger="harness.adapters.secrets"):
        secrets.fill("${ENV:BOT_TOKEN}", Fault)
    assert "${ENV:BOT_TOKEN} is" in caplog.text and "characters long" in caplog.text
    answer = {"text": "the next text, a1b2 and extra", "messages": [{"text": "fine"}]}
    assert secrets.redact_value(answer) == answer
    assert secrets.redact(f"key {secret}.") == f"key {REDACTED}."


def test_a_secret_holding_another_is_redacted_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHORT", "abc")
    monkeypatch.setenv("LONG", "abcdef")
    secrets = Secrets()
    secrets.fill("${ENV:SHORT} ${ENV:LONG}", Fault)
    assert secrets.redact("abcdef abc") == f"{REDACTED} {REDACTED}"


def test_an_empty_variable_is_filled_but_not_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMPTY", "")
    secrets = Secrets()
    assert secrets.fill("x${ENV:EMPTY}y", Fault) == "xy"
    assert secrets.redact("xy") == "xy"
    assert secrets.redact_value({"xy": "xy"}) == {"xy": "xy"}


def test_env_names_are_found_in_every_value() -> None:
    values = ["Bearer ${ENV:A}", "${ENV:B}-${ENV:A}", "${ENV:not-a-name}", "$A {B}"]
    assert env_names(values) == {"A", "B"}


def test_require_env_names_what_is_not_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SET_VAR", "x")
    monkeypatch.delenv("UNSET_A", raising=False)
    monkeypatch.delenv("UNSET_B", raising=False)
    ok = {"Authorization": "Bearer ${ENV:SET_VAR}"}
    assert require_env(ok) is ok
    with pytest.raises(ValueError, match=r"^environment variable UNSET_A is not set$"):
        require_env({"X": "${ENV:UNSET_A}"})
    with pytest.raises(ValueError, match=r"^environment variables UNSET_A, UNSET_B are not set$"):
        require_env({"X": "${ENV:UNSET_B}", "Y": "${ENV:UNSET_A}"})


@pytest.mark.parametrize("secret", ["key-\U0001f600-beyond-the-bmp", "caf\u00e9-token-2026"])
def test_a_secret_is_redacted_from_its_json_escapes_past_ascii(
    secret: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """json.dumps escapes é as one \\u00e9 and 😀 as a UTF-16 pair (\\ud83d\\ude00)."""
    monkeypatch.setenv("BOT_TOKEN", secret)
    secrets = Secrets()
    secrets.fill("${ENV:BOT_TOKEN}", Fault)
    lower = json.dumps(secret)[1:-1]
    upper = re.sub(r"\\u([0-9a-f]{4})", lambda m: "\\u" + m.group(1).upper(), lower)
    for escaped in (lower, upper):
        assert escaped != secret
        assert secrets.redact(f"echo {escaped} end") == f"echo {REDACTED} end"
