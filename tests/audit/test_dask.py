"""`harness audit --dask`: the same audit on a Dask cluster (a local one on 127.0.0.1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from harness_cli import harness

from .test_audit_cli import EXAMPLES, SALT, flatten_module, without_times

distributed = pytest.importorskip("distributed")


def test_a_dask_cluster_gives_the_same_results_as_one_worker(tmp_path: Path) -> None:
    harness(
        "run",
        "--bot",
        "demo:amnesiac",
        "--scenario",
        "insurance.*",
        "--out",
        "played",
        "-q",
        cwd=tmp_path,
    )
    flatten_module().flatten(tmp_path / "played" / "transcripts", tmp_path / "export.csv")
    harness(
        "import",
        "export.csv",
        "--map",
        str(EXAMPLES / "map.yaml"),
        "-o",
        "imported",
        cwd=tmp_path,
        env=SALT,
    )
    one = harness("audit", "imported", "--out", "one", "--workers", "1", cwd=tmp_path)
    with distributed.LocalCluster(
        n_workers=2, processes=False, protocol="tcp", host="127.0.0.1", dashboard_address=None
    ) as cluster:
        on_dask = harness(
            "audit", "imported", "--out", "dask", "--dask", cluster.scheduler_address, cwd=tmp_path
        )
    assert on_dask.returncode == one.returncode == 1, on_dask.stderr
    assert "Traceback" not in on_dask.stderr
    written = without_times(tmp_path / "dask" / "results.json")
    assert written == without_times(tmp_path / "one" / "results.json")
    assert len(json.loads((tmp_path / "dask" / "results.json").read_text())["conversations"]) > 20


def test_an_unreachable_scheduler_is_a_usage_error(tmp_path: Path) -> None:
    from harness_cli import free_port

    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "x.jsonl").write_text(
        '{"kind": "transcript", "conversation_id": "x", "scenario": "", "persona": "", '
        '"seed": 0, "customer_id": "c", "facts": {}}\n'
    )
    done = harness("audit", "t", "--dask", f"tcp://127.0.0.1:{free_port()}", cwd=tmp_path)
    assert done.returncode == 2 and "cannot reach the scheduler" in done.stderr
    assert "Traceback" not in done.stderr
