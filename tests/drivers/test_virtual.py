"""The virtual driver's float clock gives what a simpy Environment gives (DESIGN.md, Time:
"a conversation that shares nothing may run on a plain clock if that is faster and gives
the same transcript"): the whole bundled pack, two bots, two seeds, byte for byte on disk.

The reference is the simpy path the virtual driver used before: each conversation a simpy
process (drivers.load.drive, which the load driver still runs) on an Environment of its own.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path

import pytest
import simpy

from harness import Pack, RunOptions, run
from harness.adapters.base import Adapter
from harness.conversation.desk import Desk, DeskConfig
from harness.conversation.play import Play
from harness.drivers import load
from harness.drivers.step import steps
from harness.model.transcript import Transcript
from harness.run import execute


def run_on_simpy(
    start: Callable[[Callable[[], float]], Play],
    adapter: Adapter,
    rng: random.Random,
    *,
    desk: DeskConfig,
    latency: float = 1.0,
) -> Transcript:
    """One conversation as a simpy process on its own Environment."""
    env = simpy.Environment()
    clock = lambda: env.now  # noqa: E731
    conversation = steps(start(clock), Desk(clock, desk, rng), rng, latency, clock)
    done = env.process(load.drive(env, conversation, adapter))
    env.run()
    assert isinstance(done.value, Transcript)
    return done.value


def written(out: Path) -> dict[str, bytes]:
    """Every file of a run folder; results.json without its wall-clock times."""
    files = {p.name: p.read_bytes() for p in (out / "transcripts").iterdir()}
    results = json.loads((out / "results.json").read_text())
    del results["run"]["started"], results["run"]["finished"]
    files["results.json"] = json.dumps(results).encode()
    return files


@pytest.mark.parametrize("seed", [7, 8])
@pytest.mark.parametrize("bot", ["demo:careful", "demo:amnesiac"])
def test_the_float_clock_writes_what_simpy_writes(
    pack: Pack, bot: str, seed: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    options = RunOptions(bot=bot, seed=seed)
    run(pack, options, tmp_path / "float", keep_transcripts=False)
    monkeypatch.setattr(execute, "run_virtual", run_on_simpy)
    run(pack, options, tmp_path / "simpy", keep_transcripts=False)

    expected = written(tmp_path / "simpy")
    assert len(expected) == len(pack.scenarios) * len(pack.personas) + 1
    actual = written(tmp_path / "float")
    assert actual.keys() == expected.keys()
    for name, content in expected.items():
        assert actual[name] == content, name
    # Desk waits and handoffs were exercised, not only conversations without a human.
    assert any(b'"agent_joined"' in content for content in expected.values())
