"""Bots given as package.module:attr, and bots that misbehave: verdicts, not crashes."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from harness import Pack, RunOptions, run

FAULTY_BOT = textwrap.dedent(
    """
    from harness.bots import reference_bot

    class FaultyBot:
        '''careful, except in the scenarios named below.'''

        def __init__(self):
            self.careful = reference_bot("careful")

        def __call__(self, request):
            cid = request["conversation_id"]
            if cid.startswith("banking.balance"):
                raise RuntimeError("database is down")
            if cid.startswith("telecom.address-change"):
                return "<html>Service Unavailable</html>"
            if cid.startswith("banking.bereavement"):
                return {"messages": [{"txt": "hello"}]}
            return self.careful(request)
    """
)


@pytest.fixture
def faulty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    (tmp_path / "faulty_bot.py").write_text(FAULTY_BOT)
    monkeypatch.syspath_prepend(str(tmp_path))
    return "faulty_bot:FaultyBot"


def test_a_misbehaving_bot_gives_error_verdicts_and_the_run_goes_on(
    pack: Pack, faulty: str, tmp_path: Path
) -> None:
    result = run(pack, RunOptions(bot=faulty), tmp_path / "out")
    by_scenario: dict[str, set[str]] = {}
    for r in result.results:
        by_scenario.setdefault(r.case.scenario.id, set()).add(r.verdict)
    assert by_scenario["banking.balance"] == {"error"}
    assert by_scenario["telecom.address-change"] == {"error"}
    assert by_scenario["banking.bereavement"] == {"error"}
    assert by_scenario["banking.fraud-dispute"] == {"pass"}
    assert result.exit_code == 1
    errors = {r.case.scenario.id: r.error for r in result.results if r.error}
    assert "faulty_bot:FaultyBot: the bot raised RuntimeError: database is down" in errors.values()
    assert "response is str, expected a JSON object" in errors["telecom.address-change"]
    assert "messages[0] needs a 'text' string" in errors["banking.bereavement"]
    written = json.loads((tmp_path / "out" / "results.json").read_text())
    assert len(written["conversations"]) == len(result.results)
    assert written["summary"]["error"] == sum(1 for r in result.results if r.verdict == "error")
    assert written["summary"]["outcomes"]["error"] == written["summary"]["error"]
