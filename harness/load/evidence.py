"""The evidence bundle: manifest.json beside a load run's results, and checking it later.

manifest.json names the harness version, the command line, the working folder, the seed,
and the sha256 of every input (scenario and persona files, desk.yaml, sla.yaml, the
profile, an endpoint file: its hash only, never its contents, so no secret is written) and
of every output (results.json, sla.json, each transcript). `check_hashes` finds the first
file that no longer matches; `harness verify` (load.cli) then plays the run again and
compares what it wrote.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from harness.errors import ConfigError

MANIFEST = "manifest.json"


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def outputs(out: Path) -> list[Path]:
    """Every file a load run wrote, relative to `out`, in a stable order."""
    found = [p.relative_to(out) for p in out.rglob("*") if p.is_file()]
    return sorted(p for p in found if p.as_posix() != MANIFEST)


def write_manifest(
    out: Path,
    *,
    version: str,
    argv: Sequence[str],
    seed: int,
    live: bool,
    inputs: Iterable[Path],
) -> Path:
    """manifest.json in `out`, for the run just written there."""
    cwd = Path.cwd()
    manifest = {
        "harness": version,
        "command": ["harness", *argv],
        "cwd": str(cwd),
        "seed": seed,
        "mode": "live" if live else "virtual",
        "inputs": {_named(p, cwd): sha256(p) for p in sorted(set(inputs))},
        "outputs": {p.as_posix(): sha256(out / p) for p in outputs(out)},
    }
    path = out / MANIFEST
    path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return path


def _named(path: Path, cwd: Path) -> str:
    """A path as the manifest names it: relative to the working folder when inside it."""
    resolved = path.resolve()
    return resolved.relative_to(cwd).as_posix() if resolved.is_relative_to(cwd) else str(resolved)


def read_manifest(out: Path) -> dict[str, Any]:
    path = out / MANIFEST
    if not path.is_file():
        raise ConfigError([f"{out}: no {MANIFEST}: not the folder of a `harness load` run"])
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{path}: not a manifest ({exc})"]) from None
    if not isinstance(manifest, dict) or not {"inputs", "outputs", "command", "cwd"} <= set(
        manifest
    ):
        raise ConfigError([f"{path}: not a manifest (inputs, outputs, command or cwd missing)"])
    return manifest


def check_hashes(out: Path, manifest: dict[str, Any]) -> list[str]:
    """What no longer matches the manifest: each changed, missing or added file, named."""
    problems = []
    for name, digest in manifest["outputs"].items():
        problems.extend(_compare(out / name, digest))
    added = {p.as_posix() for p in outputs(out)} - set(manifest["outputs"])
    problems.extend(f"{out / name}: not in the manifest (added after the run)"
                    for name in sorted(added))  # fmt: skip
    cwd = Path(manifest["cwd"])
    for name, digest in manifest["inputs"].items():
        problems.extend(_compare(cwd / name, digest))
    return problems


def _compare(path: Path, digest: str) -> list[str]:
    if not path.is_file():
        return [f"{path}: missing"]
    if sha256(path) != digest:
        return [f"{path}: changed since the run (sha256 differs from the manifest)"]
    return []


def replay_args(manifest: dict[str, Any]) -> list[str]:
    """The recorded command's arguments after `harness`."""
    command = manifest["command"]
    if not command or command[0] != "harness" or command[1:2] != ["load"]:
        raise ConfigError([f"manifest: {command!r} is not a `harness load` command"])
    return list(command[1:])
