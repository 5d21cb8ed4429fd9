"""Banking and cards."""

from __future__ import annotations

from harness.bots.journeys import Journey, Label, journey

JOURNEYS: tuple[Journey, ...] = (
    journey(
        "fraud_dispute", "make|recogni|unauthori|fraud|t me|never made",
        r"didn'?t make|did not make|don'?t recogni[sz]e|unauthori[sz]ed|fraud|wasn'?t me"
        r"|never made",
        high_stakes=True, verify=("account_number", "date_of_birth"), needs=("amount",),
        team="fraud",
    ),
    journey(
        "bereavement", "passed away|died|death|bereave|deceased|funeral",
        r"passed away|\bdied\b|death|bereave|deceased|funeral",
        high_stakes=True, verify=(), needs=("account_number",), team="bereavement support",
    ),
    journey(
        "balance", "balance|how much", r"\bbalance\b|how much (money )?(is|have i got) in",
        high_stakes=False, verify=("account_number", "date_of_birth"), needs=(),
        action="balance_given", done="Your balance is {balance}.",
    ),
)  # fmt: skip

LABELS: dict[str, Label] = {
    "account_number": Label("account number", ("account",), r"account (?:number|no\.?)",
                            r"\b\d{8}\b"),
    "date_of_birth": Label("date of birth", ("birth",), r"date of birth|birth ?date"),
    "amount": Label("amount of the charge", ("amount",), r"amount(?: of the charge)?",
                    r"[$£€]\s?\d[\d,]*(?:\.\d\d)?"),
}  # fmt: skip
