"""How the second bot understands a customer: a bag-of-words intent classifier trained on
its own example phrases, typed entity recognisers with roles taken from nearby cue words,
and a few rule lists (a person asked for, a safety cue).

Written from scratch for the fidelity tests, in the manner of an NLU pipeline (Rasa's
`nlu.yml` examples, Duckling-style entities): nothing here is shared with the reference
bots' regular-expression journeys (harness/bots/reading.py).
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from dataclasses import dataclass

# -- intent classification -----------------------------------------------------------------

_STOP_WORDS = """
a an the i i'm im me my mine we our you your it it's its is are was were be been has have had
do does did to of in on at for from with and or but so this that these those there here what
how can could would will please just now get got some any about as by if not no yes hi hello
thanks thank out all i've i'd i'll you've you're they them they've he she his her him up off
one more very really still then than too also sort sorted need needs want wanted like know
tell help let make go going gone come time times again today day days week weeks month last
next ago
"""
_STOP = frozenset(_STOP_WORDS.split())
_TOKEN = re.compile(r"[a-z][a-z']+")


def _stem(word: str) -> str:
    """A crude stem: enough to make 'charged', 'charges' and 'charge' one feature."""
    for suffix in ("ations", "ation", "ing", "ied", "ies", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def features(text: str) -> set[str]:
    """The message's stemmed content words and their bigrams."""
    words = [_stem(w.strip("'")) for w in _TOKEN.findall(text.lower()) if w not in _STOP]
    return set(words) | {f"{a} {b}" for a, b in itertools.pairwise(words)}


@dataclass(frozen=True, slots=True)
class Prediction:
    intent: str | None
    score: float


class IntentClassifier:
    """Keyword scoring learnt from examples: a feature weighs its share of the intent's
    examples times how few intents use it (tf-idf over intents); an intent's score is the sum
    over the message's features. Below `threshold`, nothing is recognised."""

    def __init__(self, examples: dict[str, tuple[str, ...]], threshold: float = 1.0) -> None:
        self.threshold = threshold
        per_intent = {name: [features(e) for e in texts] for name, texts in examples.items()}
        used_by: Counter[str] = Counter()
        for feats in per_intent.values():
            used_by.update(set().union(*feats))
        n = len(per_intent)
        self.weights: dict[str, dict[str, float]] = {}
        for name, feats in per_intent.items():
            seen = Counter(f for fs in feats for f in fs)
            self.weights[name] = {
                f: (c / len(feats)) ** 0.5 * math.log(1 + n / used_by[f]) for f, c in seen.items()
            }

    def predict(self, text: str) -> Prediction:
        feats = sorted(features(text))  # summed in one order: same floats in every process
        scores = {name: sum(w.get(f, 0.0) for f in feats) for name, w in self.weights.items()}
        best = max(scores, key=lambda k: scores[k])
        if scores[best] < self.threshold:
            return Prediction(None, scores[best])
        return Prediction(best, scores[best])


# -- slips ---------------------------------------------------------------------------------


class Speller:
    """Puts right a word one slip away from a word Penny knows (two letters swapped, one
    dropped or one doubled), as a fuzzy matcher in an NLU pipeline would; the text comes
    back lower-cased."""

    def __init__(self, vocabulary: set[str]) -> None:
        self.known = {w for w in vocabulary if len(w) >= 4}
        self.dropped: dict[str, str] = {}  # a known word with one letter dropped → the word
        for word in sorted(self.known):
            for i in range(len(word)):
                self.dropped.setdefault(word[:i] + word[i + 1 :], word)

    def __call__(self, text: str) -> str:
        return _WORD.sub(lambda m: self.word(m[0]), text.lower())

    def word(self, w: str) -> str:
        if len(w) < 4 or w in self.known:
            return w
        for i in range(len(w) - 1):  # two neighbours swapped
            swapped = w[:i] + w[i + 1] + w[i] + w[i + 2 :]
            if swapped in self.known:
                return swapped
        for i in range(len(w)):  # one letter too many (doubled)
            if w[:i] + w[i + 1 :] in self.known:
                return w[:i] + w[i + 1 :]
        return self.dropped.get(w, w)  # one letter too few


_WORD = re.compile(r"[a-z]+")


# -- rules ---------------------------------------------------------------------------------

_WANTS_PERSON = re.compile(
    r"\b(speak|talk|chat)(ing)? (to|with) (a |an |one of your |someone|somebody|a real )?"
    r"(real )?(person|human|agent|advis[eo]r|representative|someone|somebody|staff)"
    r"|\bhuman\b|\breal person\b|\bput me through\b|\boperator\b|\blive agent\b"
    r"|\b(get|give) me (a |an )?(person|human|agent|someone)\b"
    r"|\brather (talk|speak) to someone\b",
    re.IGNORECASE,
)
_AT_RISK = re.compile(
    r"can'?t go on|cannot go on|no point (in )?(anything|living|going on)"
    r"|(don'?t|do not) see the point|end(ing)? it all|not safe|kill myself|hurt myself"
    r"|harm myself|(don'?t|do not) want to (live|be here)|better off without me",
    re.IGNORECASE,
)


# The words of the two rules above, for the speller: "endng it all" is still a safety cue.
_RULE_WORDS = """
speak talk chat speaking talking chatting person human agent adviser advisor representative
someone somebody staff real through operator live rather ending cannot point anything living
going safe kill hurt harm myself want better without
"""
RULE_WORDS = frozenset(_RULE_WORDS.split())


def wants_person(text: str) -> bool:
    return _WANTS_PERSON.search(text) is not None


def at_risk(text: str) -> bool:
    return _AT_RISK.search(text) is not None


_LACKS = re.compile(
    r"\b(do ?n[o']?t|haven'?t|can'?t find|have no|no longer have)\b.{0,40}"
    r"\b(have|know|remember|find|to hand|with me|on me)\b|\bnot to hand\b",
    re.IGNORECASE,
)


def lacks(text: str) -> bool:
    """The customer says it does not have what it was asked for ("I don't have it to hand")."""
    return _LACKS.search(text) is not None


# -- entities ------------------------------------------------------------------------------

_MONTH = (
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|januar|februar|märz|mai|juni|juli"
    r"|oktober|dezember|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre"
    r"|octubre|noviembre|diciembre|janvier|février|mars|avril|juin|juillet|août|septembre"
    r"|octobre|novembre|décembre)[a-zé]*"
)
# value shape → entity type, most specific first
_TYPED = (
    ("email", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    ("claim", re.compile(r"\bCLM-\d+\b")),
    ("policy", re.compile(r"\bPOL-\d+\b")),
    ("order", re.compile(r"\bORD-\d+\b")),
    ("ref", re.compile(r"\b[A-Z]{2,4}-\d{4,}\b")),
    ("money", re.compile(r"[$£€]\s?\d[\d,]*(?:\.\d{2})?")),
    ("date", re.compile(rf"\b\d{{1,2}}/\d{{1,2}}/\d{{4}}\b"
                        rf"|\b\d{{1,2}} (?:de )?{_MONTH} (?:de )?\d{{4}}\b", re.IGNORECASE)),
    ("account", re.compile(r"(?<![\w-])\d{8}\b")),
    ("last4", re.compile(r"(?<![\w/-])\d{4}(?![\w/])")),
)  # fmt: skip
# Cue words just before a value that say what it is, by slot.
_ROLE_CUES = (
    ("date_of_birth", ("birth", "born", "dob")),
    ("due_date", ("due",)),
    ("decision_date", ("decision", "dated")),
    ("notice_date", ("notice",)),
    ("delivery_date", ("deliver",)),
    ("surgery_date", ("surgery", "operation")),
    ("booking_reference", ("booking",)),
    ("application_reference", ("application",)),
    ("letter_reference", ("letter", "debt")),
    ("card_last4", ("card", "digits", "ending")),
)
_TYPE_SLOTS = {
    "email": "email", "claim": "claim_number", "policy": "policy_number",
    "order": "order_number", "money": "amount", "account": "account_number",
}  # fmt: skip
# Free-text slots: the words a customer labels them with, then the value up to the end of
# the clause.
_LABELLED = {
    "postcode": r"post ?code|zip(?: code)?|eircode",
    "new_address": r"(?:new )?address",
    "meter_reading": r"(?:meter )?reading",
    "passenger_name": r"name on the booking|passenger(?:'s)? name|lead passenger",
}
_VALUE = r"\s*(?:is|was|:)\s*(?P<v>[^,.;!?]+?)(?=\s+and\b|[,.;!?](?:\s|$)|$)"
_LABELLED_RE = {slot: re.compile(rf"\b(?:{cue}){_VALUE}", re.IGNORECASE)
                for slot, cue in _LABELLED.items()}  # fmt: skip


def _role(before: str, kind: str, hint: str | None) -> str | None:
    """The slot a typed value fills, from the cue words in `before` (the text since the
    previous value), else from the type, else the slot the bot was waiting for."""
    lowered = before.lower()
    best, where = None, -1
    for slot, cues in _ROLE_CUES:
        for cue in cues:
            at = lowered.rfind(cue)
            if at > where:
                best, where = slot, at
    if kind == "date":
        if best is not None and (best.endswith("_date") or best == "date_of_birth"):
            return best
        return hint if hint and hint.endswith(("date", "birth")) else None
    if kind == "ref":
        if best and best.endswith("_reference"):
            return best
        return hint if hint and hint.endswith("reference") else None
    if kind == "last4":
        return "card_last4" if best == "card_last4" or hint == "card_last4" else None
    return _TYPE_SLOTS.get(kind)


def without_facts(text: str, found: dict[str, str]) -> str:
    """The text without its statements of facts ("my email address is …"): what is left says
    what the customer wants, and a label ("address") must not pass for a request."""
    for value in found.values():
        text = re.sub(rf"(?:\bmy\s+)?(?:[\w']+\s+){{0,4}}(?:is|was|:)\s*{re.escape(value)}", " ",
                      text)  # fmt: skip
    return text


def entities(text: str, hint: str | None = None) -> dict[str, str]:
    """The slots a message fills. `hint`: the slot the bot last asked for, if one."""
    spans: list[tuple[int, int, str]] = []
    for kind, pattern in _TYPED:
        for m in pattern.finditer(text):
            if not any(s < m.end() and m.start() < e for s, e, _ in spans):
                spans.append((m.start(), m.end(), kind))
    spans.sort()
    found: dict[str, str] = {}
    taken: list[tuple[int, int]] = []
    last = 0
    for start, end, kind in spans:
        slot = _role(text[max(last, start - 60) : start], kind, hint)
        if slot and slot not in found:
            found[slot] = text[start:end]
            taken.append((start, end))
        last = end
    for slot, pattern in _LABELLED_RE.items():
        m = pattern.search(text)
        if m and slot not in found and not any(s <= m.start("v") < e for s, e in taken):
            found[slot] = m["v"].strip()
    return found
