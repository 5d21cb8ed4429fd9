"""The public names of `harness`: what `from harness import ...` offers, pinned so that a
change to it is a decision, not an accident (STYLE.md: "Public surface is explicit")."""

from __future__ import annotations

import tomllib
from pathlib import Path

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


def test_the_distribution_is_not_named_harness_but_installs_the_harness_command() -> None:
    """`harness` on the public package index is another project: ours installs as
    csbot-harness, with the import name, the command and the pytest plugin named harness."""
    pyproject = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())
    project = pyproject["project"]
    assert project["name"] == "csbot-harness"
    assert project["scripts"] == {"harness": "harness.cli:main"}
    assert project["entry-points"]["pytest11"] == {"harness": "harness.pytest_plugin"}
    assert all("harness[" not in d for extra in project["optional-dependencies"].values()
               for d in extra if not d.startswith("csbot-harness["))  # fmt: skip
