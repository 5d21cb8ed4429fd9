"""Banking and cards."""

from __future__ import annotations

from harness.bots.journeys.journey import Journey, Label, journey

# A customer who says they cannot go on, or are not safe, needs a person at once: this
# journey comes first, asks nothing and reaches a human on the same turn.
_DISTRESS = (
    r"can'?t go on|cannot go on|(don'?t|do not) see (the|any) point|no point (in )?(living"
    r"|going on|anything)|(end|ending) it all|(want|wanted) (it all|everything) to (stop|end)"
    r"|(i'?m|i am) not safe|(don'?t|do not|no longer) feel safe|not safe (at home|in my (own )?"
    r"home|with (him|her|them|my))|(kill|hurt|harm)(ing)? myself|take my (own )?life"
    r"|better off without me|(don'?t|do not) want to (be here|live|go on)"
    r"|can'?t cope any ?more"
)
# Someone else got in: a changed password, a hacked or taken-over account. Being locked out
# alone (a forgotten password) is not enough.
_TAKEOVER = (
    r"hacked|hackers?\b|someone (has |had |'s )?(changed|reset|got into|gotten into|broken into"
    r"|taken over|logged in(to)?|accessed)|password (was |has been |had been |'s been )?"
    r"(changed|reset)|taken over my account|locked (me )?out.{0,80}(someone|password|payee"
    r"|not me)|(someone|password|payee).{0,80}locked (me )?out"
)
_DEBT = (
    r"(isn'?t|is not|not|never) (my|our) debt|debt (that |which )?(isn'?t|is not|was never"
    r"|wasn'?t) (mine|ours)|debt collect|collection agenc|(don'?t|do not|never) owed?\b"
)
_CANNOT_PAY = (
    r"(can'?t|cannot|won'?t be able to|unable to|not able to) (pay|afford|make|cover|keep up)"
)
_HARDSHIP = (
    rf"(mortgage|loan|repayment)s?.{{0,80}}{_CANNOT_PAY}|{_CANNOT_PAY}.{{0,60}}(mortgage|loan"
    r"|repayment)|(miss|missed|missing|behind (on|with)) (my |the |a |this month'?s )?(mortgage"
    r"|loan|repayment)|(mortgage|loan).{0,40}(arrears|behind)|payment holiday"
)
_ACTIVATION = (
    r"activat\w* (my |the |a )?(new |replacement )?(debit |credit |bank )?card|(?<!sim )card"
    r".{0,40}activat|(switch|turn) on (my |the )?(new |replacement )?card|(new|replacement)"
    r" (debit |credit |bank )?card.{0,60}(work|start using|set up|switch|turn it on)"
)

JOURNEYS: tuple[Journey, ...] = (
    journey(
        "distress", "go on|point|end it|ending it|to stop|to end|safe|myself|my life|my own life"
        "|without me|want to be|want to live|cope", _DISTRESS,
        high_stakes=True, verify=(), needs=(), team="specialist support",
    ),
    journey(
        "account_takeover", "hack|someone|password|taken over|locked", _TAKEOVER,
        high_stakes=True, verify=("account_number", "date_of_birth"), needs=(),
        team="account security",
    ),
    journey(
        "disputed_debt", "debt|collect|owe", _DEBT,
        high_stakes=True, verify=("account_number", "date_of_birth"), needs=("debt_reference",),
        team="debt disputes",
    ),
    journey(
        "financial_hardship", "mortgage|loan|repayment|payment holiday", _HARDSHIP,
        high_stakes=True, verify=("account_number", "date_of_birth"),
        needs=("payment_due_date",), team="financial support",
    ),
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
    journey(
        "card_activation", "activat|card", _ACTIVATION,
        high_stakes=False, verify=("account_number", "date_of_birth"),
        needs=("new_card_last4",), action="card_activated",
        done="Your new card is now active and ready to use.",
    ),
)  # fmt: skip

LABELS: dict[str, Label] = {
    "account_number": Label("account number", ("account",), r"account (?:number|no\.?)",
                            r"(?<![\w-])\d{8}\b"),
    "date_of_birth": Label("date of birth", ("birth",), r"date of birth|birth ?date"),
    "amount": Label("amount of the charge", ("amount",), r"amount(?: of the charge)?",
                    r"[$£€]\s?\d[\d,]*(?:\.\d\d)?"),
    "debt_reference": Label("reference on the letter", ("reference",),
                            r"reference on the letter|letter'?s reference|debt reference"),
    "payment_due_date": Label("payment due date", ("due",), r"(?:payment )?due date|due on"),
    # No value pattern: four bare digits would be any year in a date.
    "new_card_last4": Label("new card's last four digits", ("digits", "ending", "ends in"),
                            r"(?:new )?card'?s last (?:four|4) digits|last (?:four|4) digits"
                            r"(?: of (?:the|my) (?:new )?card)?(?: are)?|card ending(?: in)?"),
}  # fmt: skip
