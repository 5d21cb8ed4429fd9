"""Telecom and utilities."""

from __future__ import annotations

from harness.bots.journeys.journey import Journey, Label, journey

# Words that name a telecom contract or service: "cancel" alone would take flights, orders
# and card messages that belong to other journeys.
_SERVICE = r"contract|broadband|mobile|sim|landline|internet|wi-?fi|phone line|phone contract"

JOURNEYS: tuple[Journey, ...] = (
    journey(
        "disconnection", "disconnect|cut off|shut", r"disconnect|cut off|shut ?off",
        high_stakes=True, verify=("account_number", "postcode"), needs=("notice_date",),
        team="payment support",
    ),
    journey(
        "cancel_contract", "cancel|terminat|end|close|get out|leav|stop",
        rf"\b(cancel|terminat|end|close|get out of|leav|stop)\w*\b.{{0,40}}\b({_SERVICE})\b"
        rf"|\b({_SERVICE})\b.{{0,40}}\b(cancel|terminat)",
        high_stakes=True, verify=("account_number", "date_of_birth"), needs=("contact_email",),
        team="cancellations",
    ),
    journey(
        "data_request", "gdpr|subject access|data|information|forgotten|erasure",
        r"\bgdpr\b|subject access|data protection|right to (be forgotten|erasure)"
        r"|personal (data|information)"
        r"|(data|information) (that )?(do )?you (hold|have|keep|store)( about| on)? me\b"
        r"|(erase|delete|wipe|remove)\w*\b.{0,30}\b(my|all) (data|information|records)",
        high_stakes=True, verify=("account_number", "date_of_birth"), needs=("contact_email",),
        team="data privacy",
    ),
    journey(
        "bill_shock", "roaming|bill|charge",
        r"roaming"
        r"|\b(bill|charges?|charged)\b.{0,60}\b(abroad|holiday|overseas|travell?ing|trip)\b"
        r"|\b(abroad|holiday|overseas|travell?ing|trip)\b.{0,60}\b(bill|charges?|charged)\b"
        r"|\b(huge|massive|enormous|shock(ing)?)\b.{0,20}\bbill\b",
        high_stakes=True, verify=("account_number", "date_of_birth"), needs=("bill_amount",),
        team="billing disputes",
    ),
    journey(
        "address_change", "address|moved house|moving house",
        r"(change|update|new).{0,30}address|moved house|moving house",
        high_stakes=False, verify=("account_number", "date_of_birth"), needs=("new_address",),
        action="address_updated",
        done="I've updated your address to {new_address}. That's all done.",
    ),
    journey(
        "meter_reading", "meter|reading",
        r"\bmeter\b|\b(submit|give|send|enter|put|take)\w*\b.{0,25}\breadings?\b",
        high_stakes=False, verify=("account_number", "postcode"), needs=("meter_reading",),
        action="meter_reading_submitted",
        done="Thanks, I've recorded your meter reading of {meter_reading}. Your next bill "
        "will use it.",
    ),
    journey(
        "outage_status", "outage|down|working|signal|internet|broadband|wifi|wi-fi|network",
        r"\boutage\b"
        r"|\b(broadband|internet|wi-?fi|network|signal|connection|service)\b.{0,40}"
        r"\b(down|not working|isn'?t working|stopped working|keeps dropping)\b"
        r"|\b(no|lost( my| the)?) (signal|internet|broadband|wi-?fi|connection)\b"
        r"|\bproblem with (the|my|your) (internet|broadband|network|signal|wi-?fi)\b",
        high_stakes=False, verify=(), needs=("postcode",),
        action="outage_status_given",
        done="There's a known fault on our network near {postcode}. Our engineers are on it "
        "and expect service to be back by 6pm today.",
    ),
)  # fmt: skip

LABELS: dict[str, Label] = {
    "postcode": Label("postcode", ("post", "zip"), r"post ?code|zip(?: code)?"),
    "notice_date": Label("notice date", ("notice",), r"notice date|date on the notice"),
    "new_address": Label("new address", ("address",), r"new address"),
    "contact_email": Label("email address", ("mail",), r"e-?mail(?: address)?",
                           r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    "bill_amount": Label("bill amount", ("bill",), r"bill(?: amount| total)?",
                         r"[$£€]\s?\d[\d,]*(?:\.\d\d)?"),
    "meter_reading": Label("meter reading", ("reading",), r"meter reading"),
}  # fmt: skip
