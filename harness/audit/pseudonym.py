"""Pseudonymisation: personal data in a message becomes a consistent fake before anything
is written.

Recognisers (regular expressions with checksums and context) find e-mail addresses, phone
numbers, card numbers (Luhn-checked), IBANs (mod-97 checked), account numbers (after
"account number"), postcodes (UK shape, or a ZIP after "zip"/"postcode"), dates of birth
(a date in a sentence about birth) and names (after "my name is", "called" or a title; a
known first name after a greeting or before a capitalised word). Each value is replaced by
a fake of the same shape, chosen by an HMAC of the salt, the customer and the value: the
same value of one customer always becomes the same fake, and without the salt nothing
leads back.

A value once recognised in a customer's messages is replaced wherever it appears again in
that customer's later messages, labelled or not. What it cannot see: a name that is not
introduced and whose first name is not in the list, a bare number never labelled,
street addresses. Those stay as they were.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

KINDS = (
    "email",
    "iban",
    "card_number",
    "phone",
    "account_number",
    "postcode",
    "date_of_birth",
    "name",
)

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")
_CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
_PHONE = re.compile(r"(?<![\w+])(?:\+\d{1,3}[ .-]?|0|\(0?\d{2,4}\) ?)\d[\d .-]{6,15}\d(?!\w)")
_ACCOUNT = re.compile(
    r"\b(?:account|acct|a/c)(?: (?:number|no\.?|#))?(?: is|:)? ?(?:\w+ ){0,2}?(\d{6,12})\b",
    re.IGNORECASE,
)
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b")
_ZIP = re.compile(r"\b(?:zip|post ?code)(?: code)?(?: is|:)? ?(\d{5}(?:-\d{4})?)\b", re.IGNORECASE)
_DATE = re.compile(
    r"\b(?:\d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* \d{4}"
    r"|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* \d{1,2},? \d{4}"
    r"|\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2})\b"
)
_BIRTH = re.compile(r"\b(?:birth|born|dob|birthday)\b", re.IGNORECASE)
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]?")
_INTRODUCED = re.compile(
    r"\b(?:my name is|name's|called|named|this is|name on the \w+ is"
    r"|(?:Mr|Mrs|Ms|Miss|Dr)\.?) ((?:[A-Z][a-z'-]+)(?: [A-Z][a-z'-]+){0,2})"
)
_GREETED = re.compile(r"\b(?:Hi|Hello|Hey|Dear|Thanks|Thank you|Bye|Goodbye),? ([A-Z][a-z'-]+)\b")
_CAPITALISED = re.compile(r"\b([A-Z][a-z'-]+) ([A-Z][a-z'-]+(?:-[A-Z][a-z'-]+)?)\b")
_DATE_FORMATS = (
    "%d %B %Y",
    "%d %b %Y",
    "%B %d %Y",
    "%B %d, %Y",
    "%b %d, %Y",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%Y-%m-%d",
)
_NOT_SURNAMES = frozenset({"I", "The", "And", "But", "Thanks", "Thank", "Please", "Hi", "Hello"})


@cache
def _names() -> tuple[frozenset[str], tuple[str, ...], tuple[str, ...]]:
    """Known first names (for recognising) and the first and last names fakes draw from."""
    from faker.providers.person.en_GB import Provider as GB
    from faker.providers.person.en_US import Provider as US

    first = sorted({*US.first_names, *GB.first_names})
    last = sorted({*US.last_names, *GB.last_names})
    return frozenset(first), tuple(first), tuple(last)


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def iban_ok(text: str) -> bool:
    iban = text.replace(" ", "")
    moved = iban[4:] + iban[:4]
    return len(iban) >= 15 and int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def find(text: str) -> list[tuple[int, int, str]]:
    """Personal data in `text` as (start, end, kind), left to right, never overlapping."""
    found: list[tuple[int, int, str]] = []
    found += [(m.start(), m.end(), "email") for m in _EMAIL.finditer(text)]
    found += [(m.start(), m.end(), "iban") for m in _IBAN.finditer(text) if iban_ok(m[0])]
    for m in _CARD.finditer(text):
        digits = re.sub(r"\D", "", m[0])
        if 13 <= len(digits) <= 19 and luhn_ok(digits):
            found.append((m.start(), m.end(), "card_number"))
    found += [
        (m.start(), m.end(), "phone")
        for m in _PHONE.finditer(text)
        if 9 <= sum(c.isdigit() for c in m[0]) <= 15
    ]
    found += [(m.start(1), m.end(1), "account_number") for m in _ACCOUNT.finditer(text)]
    found += [(m.start(), m.end(), "postcode") for m in _POSTCODE.finditer(text)]
    found += [(m.start(1), m.end(1), "postcode") for m in _ZIP.finditer(text)]
    for sentence in _SENTENCE.finditer(text):
        if _BIRTH.search(sentence[0]):
            at = sentence.start()
            found += [
                (at + m.start(), at + m.end(), "date_of_birth") for m in _DATE.finditer(sentence[0])
            ]
    found += [(m.start(1), m.end(1), "name") for m in _INTRODUCED.finditer(text)]
    known = _names()[0]
    found += [(m.start(1), m.end(1), "name") for m in _GREETED.finditer(text) if m[1] in known]
    found += [
        (m.start(), m.end(), "name")
        for m in _CAPITALISED.finditer(text)
        if m[1] in known and m[2] not in _NOT_SURNAMES
    ]
    return _without_overlaps(found)


def _without_overlaps(found: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """The earliest, then longest, of overlapping finds; the order of KINDS breaks ties."""
    found.sort(key=lambda f: (f[0], f[0] - f[1], KINDS.index(f[2])))
    kept: list[tuple[int, int, str]] = []
    for start, end, kind in found:
        if not kept or start >= kept[-1][1]:
            kept.append((start, end, kind))
    return kept


def normalise(kind: str, value: str) -> str:
    """The value as it is compared: one spelling of one value gets one fake."""
    if kind in ("phone", "card_number", "account_number"):
        return re.sub(r"\D", "", value)
    if kind in ("iban", "postcode"):
        return value.replace(" ", "").upper()
    if kind == "date_of_birth":
        parsed = _parse_date(value)
        return parsed[0].isoformat() if parsed else value
    return value.strip().lower()


def _parse_date(value: str) -> tuple[date, str] | None:
    cleaned = value.replace(",", "")
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(cleaned, fmt.replace(",", "")).date(), fmt
        except ValueError:
            continue
    return None


@dataclass(slots=True)
class Pseudonymiser:
    """Replaces personal data with fakes keyed by `salt`; counts what it replaced by kind."""

    salt: bytes
    replaced: Counter[str] = field(default_factory=Counter)
    known: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)

    def number(self, *parts: str) -> int:
        message = "\0".join(parts).encode("utf-8")
        return int.from_bytes(hmac.new(self.salt, message, hashlib.sha256).digest()[:8], "big")

    def customer(self, value: str) -> str:
        """A customer's id: the same id always gives the same pseudonym, whoever asks."""
        self.replaced["customer_id"] += 1
        return f"cust-{self.number('customer', value):016x}"

    def text(self, text: str, customer: str) -> str:
        """`text` with every recognised value replaced by its fake for `customer`, and every
        value recognised before in this customer's messages ("I gave it: 31926819")."""
        known = self.known.setdefault(customer, {})
        out: list[str] = []
        at = 0
        for start, end, kind in find(text):
            value = text[start:end]
            out.append(self._again(text[at:start], known))
            fake = self.fake(kind, value, customer)
            out.append(fake)
            self.replaced[kind] += 1
            if len(value) >= 4:
                known[value] = (kind, fake)
            at = end
        out.append(self._again(text[at:], known))
        return "".join(out)

    def _again(self, text: str, known: dict[str, tuple[str, str]]) -> str:
        for value, (kind, fake) in known.items():
            if value in text:
                text, n = re.subn(rf"(?<!\w){re.escape(value)}(?!\w)", fake, text)
                self.replaced[kind] += n
        return text

    def data(self, value: Any, customer: str) -> Any:
        """Every string inside a JSON-like value, pseudonymised."""
        if isinstance(value, str):
            return self.text(value, customer)
        if isinstance(value, dict):
            return {k: self.data(v, customer) for k, v in value.items()}
        if isinstance(value, list):
            return [self.data(v, customer) for v in value]
        return value

    def fake(self, kind: str, value: str, customer: str) -> str:
        n = self.number(customer, kind, normalise(kind, value))
        return _FAKES[kind](value, n)


def _digits(shape: str, n: int, *, keep: int = 0) -> str:
    """`shape` with its digits (after the first `keep`) replaced by digits drawn from `n`."""
    out: list[str] = []
    seen = 0
    for ch in shape:
        if ch.isdigit():
            seen += 1
            if seen > keep:
                n, d = divmod(n, 10)
                ch = str(d)
        out.append(ch)
    return "".join(out)


def _card(value: str, n: int) -> str:
    fake = _digits(value, n, keep=1)
    positions = [i for i, ch in enumerate(fake) if ch.isdigit()]
    digits = "".join(fake[i] for i in positions)
    for check in "0123456789":  # fix the last digit so that the fake is a card number too
        if luhn_ok(digits[:-1] + check):
            return fake[: positions[-1]] + check + fake[positions[-1] + 1 :]
    raise AssertionError("some check digit always satisfies Luhn")


def _iban(value: str, n: int) -> str:
    compact = value.replace(" ", "")
    body = _digits(compact[4:], n)
    moved = body + compact[:2] + "00"
    check = 98 - int("".join(str(int(c, 36)) for c in moved)) % 97
    fake = f"{compact[:2]}{check:02d}{body}"
    return " ".join(fake[i : i + 4] for i in range(0, len(fake), 4)) if " " in value else fake


def _date(value: str, n: int) -> str:
    parsed = _parse_date(value)
    if parsed is None:
        return _digits(value, n)
    day, fmt = parsed
    shifted = day + timedelta(days=n % 1461 - 730) if day.year > 1 else day
    text = shifted.strftime(fmt)
    return text if "%d" not in fmt or value[:1] == "0" or not text.startswith("0") else text[1:]


def _postcode(value: str, n: int) -> str:
    letters = "ABCDEFGHJKLMNPRSTUWY"
    out: list[str] = []
    for ch in value:
        n, pick = divmod(n, 20)
        out.append(letters[pick] if ch.isalpha() else str(pick % 10) if ch.isdigit() else ch)
    return "".join(out)


def _name(value: str, n: int) -> str:
    _, first, last = _names()
    words = value.split()
    fake = [first[n % len(first)]]
    fake += [last[(n >> 16) % len(last)] for _ in words[1:2]]
    fake += [last[(n >> 32) % len(last)] for _ in words[2:]]
    return " ".join(fake)


_FAKES: dict[str, Callable[[str, int], str]] = {
    "email": lambda value, n: f"person-{n % 16**8:08x}@example.com",
    "iban": _iban,
    "card_number": _card,
    "phone": lambda value, n: _digits(value, n, keep=2 if value.startswith("+") else 1),
    "account_number": lambda value, n: _digits(value, n),
    "postcode": _postcode,
    "date_of_birth": _date,
    "name": _name,
}


def kinds_in(text: str) -> Iterator[tuple[str, str]]:
    """(kind, value) for every piece of personal data in `text`."""
    for start, end, kind in find(text):
        yield kind, text[start:end]
