"""Reading imported messages: what the bot asked and claimed, what the customer stated.

Bot messages are read by the harness's own lexicon (`conversation.lexicon`), with facts
named by their kind since no scenario names them. Played transcripts record the facts a
customer stated; imported ones are read for them here, by two means:

- the pseudonymiser's recognisers (e-mail, phone, card number, IBAN, account number,
  postcode, date of birth), which find a value wherever it is written;
- labelled values, "my policy number is PX-2231", "booking reference: ABC123" or
  "booking REF-2231", named by the lexicon's fact patterns (`claim number` is claim_id)
  or else by their label.

The limits: a fact stated without its label ("it's PX-2231") is not seen unless a
recogniser knows its shape; names are not read as facts (a name in a message is as often
someone else's); a bot that asks in words the lexicon does not know is not seen asking.
Each makes the audit miss re-asks rather than invent them.
"""

from __future__ import annotations

import re
from typing import Any

from harness.audit.pseudonym import find
from harness.conversation.lexicon import ASKS_BY_KIND, Lexicon

FACT_KINDS = ("account_number", "date_of_birth", "postcode", "email", "phone")
_LABEL = r"((?:[a-z]+ ){0,2}?(?:number|reference|ref|id|code|no))"
_STATED = re.compile(
    rf"(?:^|[.,;!?]\s*|\b(?:my|our|the|your) ){_LABEL}(?: is|:| was| it's)\s*"
    r"([A-Za-z0-9][A-Za-z0-9/-]{2,})",
    re.IGNORECASE,
)
# "booking REF-835875", "claim CLM-2231": a kind of thing, then a value shaped like an id.
_NAMED = re.compile(
    r"\b(account|booking|policy|claim|order|application|case|ticket|reservation|invoice)"
    r"\s+(?:#\s*)?([A-Z]{2,5}-?\d{3,}|\d{5,})\b"
)
_ASKED = re.compile(rf"\b(?:your|the|an?) {_LABEL}\b", re.IGNORECASE)
_REQUEST = re.compile(
    r"\?\s*$|^(please|could you|can you|can i (have|take|get)|may i|what('?s| is)|tell me"
    r"|i('?ll| will)? need|please (give|provide|confirm|tell|share))",
    re.IGNORECASE,
)
_SPELLED = {"no": "number", "ref": "reference"}
_DETERMINERS = frozenset({"my", "our", "the", "your", "a", "an"})
_SENTENCES = re.compile(r"(?<=[.?!])\s+")
_KIND_PATTERNS = [
    (kind, re.compile(rf"^(?:{p})$", re.IGNORECASE)) for kind, p in ASKS_BY_KIND.items()
]
ASKS_HUMAN = re.compile(
    r"\b(?:human|real person|operator|representative|live agent|someone real"
    r"|(?:speak|talk|chat) (?:to|with) (?:a |an |someone|somebody)?\s*(?:person|agent|advis[eo]r"
    r"|manager|someone|somebody)|put me through)\b",
    re.IGNORECASE,
)
_FACT_OF_FIND = {
    "account_number": "account_number",
    "date_of_birth": "date_of_birth",
    "postcode": "postcode",
    "email": "email",
    "phone": "phone",
    "card_number": "card_number",
    "iban": "iban",
}


def fact_name(label: str) -> str:
    """A fact's name from how it is labelled: the lexicon's kind if one fits, else the label."""
    said = [_SPELLED.get(w, w) for w in label.lower().split() if w not in _DETERMINERS]
    words = " ".join(said)
    for kind, pattern in _KIND_PATTERNS:
        if pattern.match(words):
            return kind
    return re.sub(r"\W+", "_", words).strip("_")


class Reader:
    """Reads each message of an imported conversation into a transcript event's payload."""

    def __init__(self) -> None:
        self.lexicon = Lexicon(kinds=FACT_KINDS)

    def bot(self, text: str) -> dict[str, Any]:
        """The lexicon's reading, with the labelled facts the message asks for."""
        reading = self.lexicon.read(text)
        asks = list(reading.get("asks", ()))
        for sentence in _SENTENCES.split(text):
            if _REQUEST.search(sentence):
                asks += [n for m in _ASKED.finditer(sentence) if (n := fact_name(m[1])) not in asks]
        if asks:
            reading["asks"] = asks
        return reading

    def customer(self, text: str) -> dict[str, Any]:
        """The facts a customer message states (name → value) and whether it asks for a human."""
        facts: dict[str, str] = {}
        for start, end, kind in find(text):
            if kind in _FACT_OF_FIND:
                facts.setdefault(_FACT_OF_FIND[kind], text[start:end])
        for match in _STATED.finditer(text):
            facts.setdefault(fact_name(match[1]), match[2].rstrip(".,"))
        for match in _NAMED.finditer(text):
            kind = fact_name(f"{match[1]} number")
            facts.setdefault(kind if kind in ASKS_BY_KIND else f"{match[1]}_reference", match[2])
        data: dict[str, Any] = {}
        if facts:
            data["facts"] = facts
        if ASKS_HUMAN.search(text):  # asking for a human is what makes one necessary
            data["asks_human"] = data["trigger"] = True
        return data
