"""Run the `harness` command as a user does: a subprocess, its output and exit status."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def harness(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness", *args],
        cwd=cwd, capture_output=True, text=True, timeout=120, check=False, env=env,
    )  # fmt: skip
