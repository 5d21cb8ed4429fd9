"""Live load past one machine: Locust's distributed mode playing harness conversations.

A Locust master and two workers on 127.0.0.1, each worker importing `harness.load.locust`
from a one-line locustfile, play conversations against a native demo bot for a few
seconds; each worker writes a run folder, and `harness sla` judges them together. Locust
runs in processes of its own: importing it here would monkey-patch this process for gevent.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from harness_cli import REPO, ctrl_c_able, free_port, harness, stop

from harness.bots import reference_bot
from harness.bots.serve import native_app, serving

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("locust") is None,
    reason="locust is not installed (python -m pip install 'csbot-harness[locust]')",
)

LOCUSTFILE = "from harness.load.locust import HarnessUser  # noqa: F401\n"
SLA = """\
confidence: 0.95
statements:
  - time_to_human: {within: 300s, share: 0.5}
  - handoff_context_complete: {share: 0.5}
  - false_containment: {at_most: 0.5}
"""


def _locust(cwd: Path, *args: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "locust", "-f", "locustfile.py", *args],
        cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=ctrl_c_able,
    )  # fmt: skip


def _distributed(cwd: Path, url: str) -> list[tuple[str, str]]:
    """A headless master expecting two workers, and the two workers, all on 127.0.0.1: five
    seconds of four users at 200 times the wall clock. Every process is ended whatever
    happens; returns what each printed, master first."""
    port = str(free_port())
    scenario = str(REPO / "scenarios" / "banking" / "fraud-dispute.yaml")
    processes: list[subprocess.Popen[str]] = []
    try:
        processes.append(_locust(cwd, "--headless", "--master", "--master-bind-host", "127.0.0.1",
                                 "--master-bind-port", port, "--expect-workers", "2",
                                 "-u", "4", "-r", "4", "-t", "5s", "--host", url,
                                 "--harness-out", "out", "--harness-speed", "200",
                                 "--harness-paths", scenario))  # fmt: skip
        for _ in range(2):
            processes.append(_locust(cwd, "--worker", "--master-host", "127.0.0.1",
                                     "--master-port", port))  # fmt: skip
        processes[0].wait(timeout=45)
        for worker in processes[1:]:
            worker.wait(timeout=10)  # the master's quit message ends them
    finally:
        printed = [stop(p) for p in processes]
    return printed


def test_two_workers_write_run_folders_that_harness_sla_judges_together(tmp_path: Path) -> None:
    (tmp_path / "locustfile.py").write_text(LOCUSTFILE)
    (tmp_path / "sla.yaml").write_text(SLA)
    with serving(native_app(reference_bot("careful"))) as url:  # a password in the URL too
        printed = _distributed(tmp_path, url.replace("http://", "http://harness:s3cret@"))
    master_err = printed[0][1]
    assert "Traceback" not in "".join(out + err for out, err in printed), printed
    assert "POST     banking.fraud-dispute" in master_err  # each message, in Locust's stats
    folders = [tmp_path / "out" / f"worker-{i}" for i in (0, 1)]
    ids: list[set[str]] = []
    for folder in folders:
        written = json.loads((folder / "results.json").read_text())
        conversations = written["conversations"]
        assert len(conversations) >= 2 and written["run"]["locust"]["speed"] == 200
        for entry in conversations:  # the careful bot does right by every fraud customer
            assert entry["verdict"] == "pass", entry
            assert entry["metrics"]["arrived_at"] >= 0 and entry["metrics"]["handoff_turn"]
            assert (folder / entry["transcript"]).is_file()
        logged = (folder / "results.jsonl").read_text().splitlines()
        assert len(logged) == len(conversations) + 1  # the log's head, then each
        ids.append({entry["conversation_id"] for entry in conversations})
    assert not ids[0] & ids[1]  # each worker its own customers
    for path in (tmp_path / "out").rglob("*"):
        assert path.is_dir() or "s3cret" not in path.read_text(), path
    judged = harness("sla", "--sla", "sla.yaml", "out/worker-0", "out/worker-1", cwd=tmp_path)
    total = len(ids[0]) + len(ids[1])
    assert judged.returncode == 0, judged.stdout + judged.stderr
    assert f"{total} conversations from 2 run(s)" in judged.stdout
    assert judged.stdout.count("proven ") == 3


def test_a_scenario_path_that_is_not_there_stops_the_test_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "locustfile.py").write_text(LOCUSTFILE)
    process = _locust(tmp_path, "--headless", "-u", "1", "-t", "10s", "--host",
                      "http://127.0.0.1:9/", "--harness-paths", "nope.yaml")  # fmt: skip
    try:
        process.wait(timeout=30)
    finally:
        _, err = stop(process)
    assert process.returncode == 2
    assert "harness: nope.yaml: no such file or folder" in err
    assert "Traceback" not in err
    assert not (tmp_path / "reports").exists()  # nothing written


def test_the_harness_imports_without_locust() -> None:
    """Only a locustfile loads Locust (and gevent's monkey-patching)."""
    code = ("import sys, harness, harness.cli, harness.load.cli, harness.load.execute; "
            "print(sorted(m for m in ('locust', 'gevent') if m in sys.modules))")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=60)  # fmt: skip
    assert done.stdout.strip() == "[]"
