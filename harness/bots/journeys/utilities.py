"""Telecom and utilities."""

from __future__ import annotations

from harness.bots.journeys import Journey, Label, journey

JOURNEYS: tuple[Journey, ...] = (
    journey(
        "disconnection", "disconnect|cut off|shut", r"disconnect|cut off|shut ?off",
        high_stakes=True, verify=("account_number", "postcode"), needs=("notice_date",),
        team="payment support",
    ),
    journey(
        "address_change", "address|moved house|moving house",
        r"(change|update|new).{0,30}address|moved house|moving house",
        high_stakes=False, verify=("account_number", "date_of_birth"), needs=("new_address",),
        action="address_updated",
        done="I've updated your address to {new_address}. That's all done.",
    ),
)  # fmt: skip

LABELS: dict[str, Label] = {
    "postcode": Label("postcode", ("post", "zip"), r"post ?code|zip(?: code)?"),
    "notice_date": Label("notice date", ("notice",), r"notice date|date on the notice"),
    "new_address": Label("new address", ("address",), r"new address"),
}  # fmt: skip
