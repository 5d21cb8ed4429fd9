"""Load: open arrivals over one shared desk, SLA statements judged with confidence bounds,
and the evidence bundle that lets a buyer check a run (`harness load`, `sla`, `verify`).

`arrivals` (rates, profiles, the weighted draw), `execute` (the load run), `sla` (statements
and their judgement), `evidence` (manifest.json and verify), `cli` (the three commands).
"""

from harness.load.arrivals import Profile, parse_rate
from harness.load.execute import LoadOptions, LoadResult, Snapshot, load
from harness.load.sla import Judge, Sla

__all__ = [
    "Judge",
    "LoadOptions",
    "LoadResult",
    "Profile",
    "Sla",
    "Snapshot",
    "load",
    "parse_rate",
]
