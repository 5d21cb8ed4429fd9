"""Reading the bot's words with a deterministic lexicon.

Structured signals (a handoff, actions) come from the adapter and are taken as they are;
this module reads the text: which facts a reply asks for, whether it offers or refuses a
human, falls back, claims a resolution, discloses account data or says it is automated.
Its built-in patterns are in conversation/patterns.py; scenarios extend every list
(`lexicon:` and `facts.*.asked_by`). Same text, same reading.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from harness.conversation import details, patterns, statements
from harness.conversation.details import is_request, requested_details, sentences
from harness.conversation.gate import Gated, gated
from harness.conversation.patterns import (
    AI_DISCLOSURES,
    DISCLOSURES,
    FALLBACKS,
    HANDOFF_OFFERS,
    HANDOFF_REFUSALS,
    RESOLUTION_CLAIMS,
)
from harness.conversation.statements import Claims, Offers
from harness.model.gist import zeroed
from harness.model.scenario import Scenario

# How bots commonly ask for facts of a kind, beyond the fact's own label.
ASKS_BY_KIND = {
    "account_number": r"account (number|no\b)",
    "date_of_birth": r"date of birth|birth ?date|\bdob\b|when were you born",
    "postcode": r"post ?code|zip( code)?",
    "claim_id": r"claim (number|id|reference)",
    "policy_number": r"policy (number|id)",
    "amount": r"how much|the amount",
    "card_last4": r"last (four|4) digits",
    "email": r"e-?mail",
    "phone": r"phone number|mobile number",
    "order_number": r"order (number|id|reference)",
}


def _any(patterns: Iterable[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


CACHE_SIZE = 4096

# A bot says the same template with new numbers each time ("Your balance is $1,062.81."):
# to patterns that treat every ASCII digit alike, such texts read the same but for the
# words they quote, so they are read once, with every digit as 0 (Lexicon.reading).
_COUNTS = re.compile(r"(?<!\\)\{\d*,?\d*\}")  # a repeat count, {2} or {0,3}: no digit read
_DIGIT_WORDS = re.compile(r"[0-9]|\\[xuUN]")  # a digit, or an escape that may name one


@lru_cache(maxsize=1024)  # each Lexicon asks of the same long unions
def digit_blind(pattern: str) -> bool:
    """Whether `pattern` treats every ASCII digit alike: it names none (in a literal, a
    range, a group's name or an escape), only counts. Unsure means no."""
    return _DIGIT_WORDS.search(_COUNTS.sub("", pattern)) is None


def _module_patterns() -> list[re.Pattern[str]]:
    """Every pattern the reading uses beside the lexicon's own (conversation.details,
    .patterns and .statements), found by type, so that a pattern added there is checked too."""
    modules = (details, patterns, statements)
    return [v for m in modules for v in vars(m).values() if isinstance(v, re.Pattern)]


class Reading:
    """One bot message as the lexicon reads it: the event's `payload` (only the fields
    present; shared, never to be changed), and, drawn from it once, what the customer
    perceives (conversation.play's Observation)."""

    __slots__ = ("asks", "asks_unknown", "claims_resolution", "fallback", "offers_handoff",
                 "payload", "refuses_handoff")  # fmt: skip

    def __init__(self, payload: dict[str, Any]) -> None:
        self.payload = payload
        self.asks: tuple[str, ...] = tuple(payload.get("asks", ()))
        self.asks_unknown: tuple[str, ...] = tuple(payload.get("asks_unknown", ()))
        self.offers_handoff = "offers_handoff" in payload
        self.refuses_handoff = "refuses_handoff" in payload
        self.fallback = "fallback" in payload
        self.claims_resolution = "claims_resolution" in payload


class Lexicon:
    """The compiled lexicon for one scenario (or, for facts of `kinds`, for none).

    Reading is a pure function of the text, and bots repeat their templates endlessly, so
    readings are memoised (a bounded cache; `read` returns a fresh dict).
    """

    def __init__(self, scenario: Scenario | None = None, *, kinds: Iterable[str] = ()) -> None:
        self._cache: dict[str, Reading] = {}
        self._together: dict[tuple[Reading, ...], Reading] = {}
        spec = scenario.lexicon if scenario else None
        # the readings' long unions, each pattern behind the words it needs (gate.py)
        self.refusals = gated((*HANDOFF_REFUSALS, *(spec.handoff_refusals if spec else ())))
        self.offers = Offers(
            gated((*HANDOFF_OFFERS, *(spec.handoff_offers if spec else ()))), self.refusals
        )
        self.fallbacks = gated((*FALLBACKS, *(spec.fallbacks if spec else ())))
        self.claims = Claims(gated((*RESOLUTION_CLAIMS, *(spec.resolution_claims if spec else ()))))
        self.disclosures = _any((*DISCLOSURES, *(spec.disclosures if spec else ())))
        self.ai = gated((*AI_DISCLOSURES, *(spec.ai_disclosures if spec else ())))
        evidence = scenario.goal.evidence if scenario else None
        self.goal_actions = frozenset(evidence.actions if evidence else ())
        self.goal_text = [re.compile(p, re.IGNORECASE) for p in (evidence.text if evidence else ())]
        self.asks: list[tuple[str, re.Pattern[str]]] = []
        for name, fact in scenario.facts.items() if scenario else ():
            assert scenario is not None
            patterns = [re.escape(scenario.label(name)), *fact.asked_by]
            if fact.kind in ASKS_BY_KIND:
                patterns.append(ASKS_BY_KIND[fact.kind])
            self.asks.append((name, _any(patterns)))
        # Without a scenario (an imported conversation), facts are named by their kind.
        for kind in kinds:
            self.asks.append((kind, _any((re.escape(kind.replace("_", " ")), ASKS_BY_KIND[kind]))))
        own: list[Gated | re.Pattern[str]] = [
            self.offers.pattern, self.refusals, self.fallbacks, self.claims.pattern,
            self.disclosures, self.ai, *(p for _, p in self.asks),
        ]  # fmt: skip
        self._digit_blind = all(digit_blind(p.pattern) for p in [*own, *_module_patterns()])

    def asked(self, text: str) -> list[str]:
        """The facts that a message asks the customer for, in scenario order."""
        requests = [s for s in sentences(text) if is_request(s)]
        if not requests:
            return []
        return [name for name, pattern in self.asks if any(pattern.search(s) for s in requests)]

    def asked_unknown(self, text: str) -> list[str]:
        """The details a message asks the customer for that the scenario does not declare
        (`membership number`), as the message names them, lower case, in the order said."""
        unknown: list[str] = []
        for detail, words in requested_details(text):
            if detail not in unknown and not any(p.search(words) for _, p in self.asks):
                unknown.append(detail)  # a declared fact is read by asked()
        return unknown

    def goal_evidence(self, actions: Iterable[str], texts: Iterable[str]) -> str:
        """What in a reply shows the scenario's goal was met ('' if nothing): an action
        first, then text."""
        for done in actions:
            if done in self.goal_actions:
                return f"action {done}"
        for pattern in self.goal_text:
            for text in texts:
                if pattern.search(text):
                    return f"text {text!r}"
        return ""

    def read(self, text: str) -> dict[str, Any]:
        """What a bot message says, as payload fields; only the ones that are present."""
        return dict(self.reading(text).payload)

    def reading(self, text: str) -> Reading:
        """`read(text)` with what the customer takes from it, made once per text: its
        payload is shared, so copy it before adding to it.

        Where every pattern is digit-blind, a text with digits reads as the same text with
        each digit a 0, which is read once: only the words quoted from the text itself
        (`discloses`, `asks_unknown`) are read from it again."""
        cached = self._cache.get(text)
        if cached is not None:
            return cached
        if self._digit_blind:
            zeros = zeroed(text)
            if zeros != text:
                return self._quoting(text, self.reading(zeros))
        cached = Reading(self._read(text))
        if len(self._cache) >= CACHE_SIZE:
            self._cache.clear()
        self._cache[text] = cached
        return cached

    def together(self, readings: tuple[Reading, ...]) -> Reading:
        """What the customer takes from a reply of several messages (or none), each read
        by `reading`: every fact asked for, in the order asked, and every signal any
        message gives. Made once per combination of readings (bots reply in pairs)."""
        known = self._together.get(readings)
        if known is None:
            known = _together(readings)
            if len(self._together) >= CACHE_SIZE:
                self._together.clear()
            self._together[readings] = known
        return known

    def _quoting(self, text: str, zeros: Reading) -> Reading:
        """`text`'s reading, from that of the same text with zeros for digits (`zeros`):
        the same fields, in the same order, with the words they quote taken from `text`
        (each match lies where it lay in the zeroed text)."""
        payload = zeros.payload
        if "asks_unknown" not in payload and "discloses" not in payload:
            return zeros
        payload = dict(payload)
        if "asks_unknown" in payload:
            payload["asks_unknown"] = self.asked_unknown(text)
        if "discloses" in payload:
            payload["discloses"] = [m.group(0) for m in self.disclosures.finditer(text)]
        return Reading(payload)

    def _read(self, text: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if asks := self.asked(text):
            out["asks"] = asks
        if unknown := self.asked_unknown(text):
            out["asks_unknown"] = unknown
        if person := self.offers.read(text):
            out[person] = True
        if self.fallbacks.search(text):
            out["fallback"] = True
        if self.claims.search(text):
            out["claims_resolution"] = True
        if disclosed := [m.group(0) for m in self.disclosures.finditer(text)]:
            out["discloses"] = disclosed
        if self.ai.search(text):
            out["ai_disclosure"] = True
        return out


def _together(readings: tuple[Reading, ...]) -> Reading:
    together: dict[str, Any] = {}
    for reading in readings:
        for key, value in reading.payload.items():
            if key in ("asks", "asks_unknown"):
                held = together.setdefault(key, [])
                held.extend(v for v in value if v not in held)
            else:
                together[key] = value
    return Reading(together)
