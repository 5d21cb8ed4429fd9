"""Retail and travel."""

from __future__ import annotations

from harness.bots.journeys import utilities
from harness.bots.journeys.journey import Journey, Label, journey

_PARCEL = r"order|parcel|package|delivery"

JOURNEYS: tuple[Journey, ...] = (
    journey(
        "flight_disruption", "flight|stranded|stuck|airport",
        r"\bflight\b.{0,60}\b(cancel|scrapped)|\bcancel\w*\b.{0,60}\bflight\b|\bstranded\b"
        r"|\bstuck (at|in) (the )?\w*\s?airport",
        high_stakes=True, verify=("booking_reference", "passenger_name"), needs=(),
        team="travel disruption",
    ),
    journey(
        "missing_delivery", "deliver|arrive|came|turned up|missing|stolen|lost",
        r"\b(says|said|marked|shows|showing|status|tracking)\b.{0,40}\bdelivered\b"
        r"|\bdelivered\b.{0,60}\b(never|nothing|no sign|isn'?t|wasn'?t|didn'?t)\b"
        r"|\bnever (arrived|came|turned up|got it|received)"
        rf"|\b({_PARCEL})\b.{{0,30}}\b(missing|stolen|lost)\b",
        high_stakes=True, verify=("order_number", "postcode"), needs=("delivery_date",),
        team="delivery investigations",
    ),
    journey(
        "order_status", "order|parcel|package|delivery|track|dispatch",
        rf"\bwhere('?s| is) my ({_PARCEL})|\btrack\w*\b.{{0,25}}\b({_PARCEL})"
        rf"|\b({_PARCEL})\b.{{0,40}}\b(dispatched|shipped|on its way|arrive|due)\b",
        high_stakes=False, verify=("order_number", "postcode"), needs=(),
        action="order_status_given",
        done="Your order {order_number} is with the courier and due to arrive tomorrow "
        "before 6pm.",
    ),
    journey(
        "returns_policy", "return|back|exchange",
        r"\breturns? policy|\breturn (an? |the |this |my )?(item|it|them|something|order)"
        r"|\b(send|take|bring)\w*\b.{0,25}\bback\b|\bexchange (it|them|an? \w+)\b",
        high_stakes=False, verify=(), needs=(),
        action="returns_policy_given",
        done="You can return anything unused within 30 days for a full refund, by post or "
        "at any of our stores; bring your order confirmation.",
    ),
)  # fmt: skip

LABELS: dict[str, Label] = {
    "booking_reference": Label("booking reference", ("booking",), r"booking ref(?:erence)?",
                               r"REF-\d{6}\b"),
    "passenger_name": Label("name on the booking", ("name",),
                            r"name on the booking|passenger name"),
    "order_number": Label("order number", ("order",), r"order (?:number|no\.?|reference)",
                          r"ORD-\d{8}\b"),
    "delivery_date": Label("delivery date", ("deliver",), r"delivery date|delivered on"),
    # the flight's rebooking and the hotel voucher go by email, as in telecom
    "contact_email": utilities.LABELS["contact_email"],
}  # fmt: skip
