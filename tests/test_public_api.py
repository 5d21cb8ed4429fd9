"""The public names of `harness`: what `from harness import ...` offers, pinned so that a
change to it is a decision, not an accident (STYLE.md: "Public surface is explicit")."""

from __future__ import annotations

import harness


def test_public_names_are_pinned() -> None:
    assert harness.__all__ == sorted(harness.__all__)
    assert set(harness.__all__) == {
        "CATALOGUE", "Adapter", "AdapterError", "ConfigError", "ConversationResult", "Customer",
        "DeskConfig", "Event", "Expectations", "HarnessError", "Lexicon", "Observation", "Pack",
        "Persona", "Reply", "RunOptions", "RunResult", "Scenario", "Session", "Transcript",
        "Verdict", "bundled_dir", "generate_persona", "load_pack", "open_bot", "outcome", "plan",
        "play", "reproduce", "run", "run_checks",
    }  # fmt: skip
    for name in harness.__all__:
        assert getattr(harness, name) is not None
