"""`${ENV:NAME}` secrets: filled from the environment, redacted from whatever is recorded."""

from __future__ import annotations

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


def test_filled_secrets_are_redacted_from_text_and_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", "s3cret")
    secrets = Secrets()
    assert secrets.redact("echo: s3cret") == "echo: s3cret"  # nothing filled yet
    secrets.fill("${ENV:BOT_TOKEN}", Fault)
    assert secrets.redact("echo: s3cret, s3cret") == f"echo: {REDACTED}, {REDACTED}"
    assert secrets.redact_bytes(b'{"said": "s3cret"}') == b'{"said": "[redacted]"}'


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
    assert secrets.redact_bytes(b"xy") == b"xy"


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
