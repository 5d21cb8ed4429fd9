"""Insurance and health claims."""

from __future__ import annotations

from harness.bots.journeys import Journey, Label, journey

JOURNEYS: tuple[Journey, ...] = (
    journey(
        "claim_appeal", "claim",
        r"claim.{0,80}(denied|rejected|refused|declined)"
        r"|(denied|rejected|refused|declined).{0,80}claim",
        high_stakes=True, verify=("policy_number", "date_of_birth"), needs=("claim_id",),
        team="claims appeals",
    ),
)  # fmt: skip

LABELS: dict[str, Label] = {
    "policy_number": Label("policy number", ("policy",), r"policy (?:number|id)",
                           r"POL-\d{6}\b"),
    "claim_id": Label("claim number", ("claim",), r"claim (?:number|id|reference)",
                      r"CLM-\d{7}\b"),
}  # fmt: skip
