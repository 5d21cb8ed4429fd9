"""The audit on a Dask cluster (`--dask ADDRESS`, the optional extra `csbot-harness[dask]`).

The same chunks of files as the local pool, each audited by `auditing.audit_chunk` on a
worker, with the plan sent to every worker once; the entries come back in the order of
the files and are settled here, so a cluster gives the same results as one machine. The
workers read the transcripts and write into `--out` themselves: every worker must see the
same paths (one machine, or a shared file system) and have harness installed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from harness.errors import ConfigError

if TYPE_CHECKING:
    from harness.audit.auditing import Audited, AuditPlan

CONNECT_SECONDS = 10


def audit_on_dask(
    address: str,
    chunks: list[list[str]],
    plan: AuditPlan,
    audit_chunk: Callable[..., list[Audited]],
) -> list[Audited]:
    """Audit `chunks` of transcript files with `audit_chunk(chunk, plan=plan)` on the
    cluster whose scheduler is at `address`."""
    try:
        from distributed import Client
    except ImportError:
        raise ConfigError(
            ["--dask needs the dask extra: python -m pip install 'csbot-harness[dask]'"]
        ) from None
    try:
        client = Client(address, timeout=CONNECT_SECONDS, set_as_default=False)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError, ValueError) as exc:
        raise ConfigError([f"--dask {address}: cannot reach the scheduler ({exc})"]) from None
    with client:
        shared = client.scatter(plan, broadcast=True)  # type: ignore[no-untyped-call]
        futures = client.map(audit_chunk, chunks, plan=shared, pure=False)
        done = client.gather(futures)  # type: ignore[no-untyped-call]
        return [row for rows in done for row in rows]
