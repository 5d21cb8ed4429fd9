"""Reference bots: rule-based, speaking the native protocol, covering the bundled journeys.

`careful` does what a good customer-service bot does: it says it is automated, verifies
identity before disclosing anything, remembers facts per customer across channels and
contacts, hands off at once (with everything the customer said) when the stakes are high
or the customer asks, and does what the customer came for before saying it is done.

Each flawed variant is `careful` with one `flaw` switched on, and differs in that alone:

    deflector        never hands off, and never offers to
    amnesiac         remembers per channel session only, and asks to confirm facts again
    slowpoke         asks three more questions before every handoff
    blank-handoff    hands off with an empty context
    false-resolver   says the job is done instead of doing it
    looper           repeats the same fallback instead of offering a human
    oversharer       shows account data before verifying identity

Customers mistype. When a message matches no journey, or does not ask for a human, the bot
repairs the words that are one slip (two letters swapped, one dropped, doubled or added)
from a word of its vocabulary (the words of its journeys, its fact labels and its ways of
being asked for a human) and reads the message again. Exact matches never pay for this.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from harness.bots.journeys import JOURNEYS, LABELS, Journey

FLAWS = (
    "deflector", "amnesiac", "slowpoke", "blank-handoff", "false-resolver", "looper", "oversharer",
)  # fmt: skip


_VALUE = r"(?P<v>[^.,;!?\n]+?)(?=\s+and\s+my\b|[.,;!?](?:\s|$)|$)"


@dataclass(frozen=True, slots=True)
class _Extractor:
    words: tuple[str, ...]  # one must be in the lower-cased text for the label to be there
    labelled: re.Pattern[str]  # label then value, matched in the lower-cased text
    labelled_any_case: re.Pattern[str]  # the same, for a text that lower-casing reshapes
    bare: re.Pattern[str] | None  # a value so distinctive that it needs no label
    bare_needs: tuple[str, ...] = ()  # one of these is in any text `bare` matches (if any)


def _needs(pattern: str) -> tuple[str, ...]:
    """Strings one of which is in every text that `pattern` matches, found in its top level
    (which every match goes through): its longest run of literal characters, else a set of
    characters it starts with ("[$£€]"); () when there is none ("\\d{8}")."""
    from re import _constants as c  # type: ignore[attr-defined]  # re's own parser
    from re import _parser  # type: ignore[attr-defined]

    parsed = _parser.parse(pattern)
    if parsed.state.flags & c.SRE_FLAG_IGNORECASE:
        return ()  # a literal may match in another case
    items = list(parsed)
    runs, run = [], ""
    for op, arg in items:
        if op is c.LITERAL:
            run += chr(arg)
        else:
            runs.append(run)
            run = ""
    runs.append(run)
    if longest := max(runs, key=len):
        return (longest,)
    if items and items[0][0] is c.IN and all(op is c.LITERAL for op, _ in items[0][1]):
        return tuple(chr(arg) for _, arg in items[0][1])
    return ()


def _extractor(words: tuple[str, ...], label: str, value: str | None) -> _Extractor:
    # Matching the lower-cased text with a case-sensitive pattern lets re skip ahead to the
    # label's first letters; with IGNORECASE it tries every position, several times slower.
    captured = f"(?P<v>(?i:{value}))" if value else _VALUE
    labelled = rf"(?:{label})\s*(?:is|was|:)?\s*{captured}"
    return _Extractor(
        words,
        re.compile(labelled),
        re.compile(labelled, re.IGNORECASE),
        re.compile(value) if value else None,
        _needs(value) if value else (),
    )


_DIGIT = re.compile(r"\d")
_EXTRACT = {name: _extractor(x.words, x.pattern, x.value) for name, x in LABELS.items()}
_RANK = {name: i for i, name in enumerate(_EXTRACT)}  # facts are found in this order
_BARE = frozenset(name for name, x in _EXTRACT.items() if x.bare is not None)
_LABELS_OF: dict[str, list[str]] = {}  # the labels that each word can announce
for _name, _x in _EXTRACT.items():
    for _word in _x.words:
        _LABELS_OF.setdefault(_word, []).append(_name)


# Every word that journeys and labels look for. A word without a space lies inside one
# whitespace-separated token of a message, so the words each token holds are found once
# and remembered: messages repeat their tokens far more often than not. Phrases (with a
# space) are few and looked for in the whole text.
_LOOKED_FOR = frozenset(
    {w for j in JOURNEYS for w in j.keywords} | {w for x in _EXTRACT.values() for w in x.words}
)
_PHRASES = tuple(sorted(w for w in _LOOKED_FOR if " " in w))
_SINGLE = tuple(sorted(w for w in _LOOKED_FOR if not any(c.isspace() for c in w)))
assert len(_PHRASES) + len(_SINGLE) == len(_LOOKED_FOR), "a looked-for word holds a tab?"
# the journeys (by position) that each word can open
_JOURNEYS_OF: dict[str, list[int]] = {}
for _i, _j in enumerate(JOURNEYS):
    for _word in _j.keywords:
        _JOURNEYS_OF.setdefault(_word, []).append(_i)


class _TokenWords(dict[str, frozenset[str]]):
    """token → the single looked-for words it holds; bounded, since a live bot reads any text."""

    def __missing__(self, token: str) -> frozenset[str]:
        if len(self) >= MAX_TOKENS:
            self.clear()
        found = self[token] = frozenset(w for w in _SINGLE if w in token)
        return found


MAX_TOKENS = 1 << 16
_TOKEN_WORDS = _TokenWords()


def _seen(lowered: str) -> set[str]:
    """The words of journeys and labels that the lower-cased text holds."""
    found: set[str] = set().union(*map(_TOKEN_WORDS.__getitem__, lowered.split()))
    found.update(p for p in _PHRASES if p in lowered)
    return found


_HUMAN_WORDS = ("speak", "talk", "chat", "human", "person", "put me through", "operator")
_HUMAN = re.compile(
    r"\b(speak|talk|chat) (to|with) (a |an )?(real )?(person|human|agent|someone|somebody"
    r"|advis[eo]r|representative)|\bhuman\b|real person|put me through|\boperator\b"
)
_DEFLECTIONS = (
    "I'm not able to transfer you to an agent, but I can help you here. What else can I do?",
    "Our advisors are not available right now. Is there anything else I can help with?",
    "I can't connect you with a person, but I'm happy to keep helping here.",
)
_STALLS = (
    "I'll pass you to a specialist shortly. First, can you tell me a bit more about what happened?",
    "Thanks. I'll transfer you to the team in a moment. Is there anything else you'd like to add?",
    "Nearly there. I'll connect you with an advisor shortly. Have you tried our help centre?",
)
_FALLBACK = "I'm sorry, I didn't quite follow. Could you tell me in a few words what you need?"
_OFFER = "I'm sorry, I can't help with that here. Would you like me to connect you with a person?"


def extract(text: str, seen: set[str] | None = None) -> dict[str, str]:
    """The facts a customer message states, by label or by an unmistakable format."""
    found: dict[str, str] = {}
    lowered = text.lower()
    aligned = len(lowered) == len(text)  # each character lower-cased to one: spans carry over
    digits = _DIGIT.search(text) is not None  # every distinctive value format has a digit
    seen = _seen(lowered) if seen is None else seen
    labelled = {name for word in seen for name in _LABELS_OF.get(word, ())}  # cheap test first
    for name in sorted(labelled | _BARE if digits else labelled, key=_RANK.__getitem__):
        x = _EXTRACT[name]
        match = None
        if name in labelled:
            match = x.labelled.search(lowered) if aligned else x.labelled_any_case.search(text)
        if match:
            found[name] = text[match.start("v") : match.end("v")].strip()
        elif (
            digits
            and x.bare is not None
            and (not x.bare_needs or any(map(text.__contains__, x.bare_needs)))
            and (match := x.bare.search(text))
        ):
            found[name] = match[0]
    if "amount" in found and not _DIGIT.search(found["amount"]):
        del found["amount"]
    return found


@dataclass(slots=True)
class Memory:
    """What the bot knows of one customer (or, for the amnesiac, of one channel session)."""

    facts: dict[str, str] = field(default_factory=dict)
    said: list[str] = field(default_factory=list)
    journey: Journey | None = None
    verified: bool = False
    reconfirmed: bool = False
    fallbacks: int = 0
    stalls: int = 0
    deflections: int = 0
    disclosed: bool = False
    greeted: set[str] = field(default_factory=set)


class ReferenceBot:
    """A native-protocol bot: call it with a request dict, get a response dict."""

    def __init__(self, flaw: str | None = None) -> None:
        if flaw is not None and flaw not in FLAWS:
            raise ValueError(f"unknown flaw {flaw!r}; choose from {', '.join(FLAWS)}")
        self.flaw = flaw
        self.memory: dict[str, Memory] = {}

    def __call__(self, request: dict[str, Any]) -> dict[str, Any]:
        # The amnesiac keys memory by channel session, so it forgets on every switch/contact.
        key = request["conversation_id"] if self.flaw == "amnesiac" else request["customer_id"]
        mem = self.memory.get(key)
        if mem is None:
            mem = self.memory[key] = Memory()
        text = str(request["text"])
        lowered = text.lower()
        seen = _seen(lowered)
        journey = _journey(lowered, seen)
        asks_human = _says(lowered, _HUMAN_WORDS, _HUMAN)
        facts = extract(text, seen)
        if journey is None or not asks_human:  # a miss: perhaps a typo hides the words
            fixed = repair(text)
            if fixed is not None:  # read again only what the repaired words bear on
                repaired, known = fixed
                again = repaired.lower()
                if journey is None and known & JOURNEY_WORDS:
                    journey = _journey(again)
                if not asks_human and known & REQUEST_WORDS:
                    asks_human = _says(again, _HUMAN_WORDS, _HUMAN)
                if known & LABEL_WORDS:
                    # A label read only once repaired: its value must be in the text as written.
                    late = extract(repaired).items()
                    facts.update((k, v) for k, v in late if k not in facts and v in text)
        mem.facts.update(facts)
        mem.said.append(text)
        lead = []
        if request["conversation_id"] not in mem.greeted:
            mem.greeted.add(request["conversation_id"])
            back = (
                " Welcome back, I have the details of our earlier conversation."
                if (len(mem.greeted) > 1 and mem.journey)
                else ""
            )
            lead.append(f"Hi, I'm the automated assistant.{back}")
        journey = mem.journey = journey or mem.journey
        if asks_human:
            return self._handoff(mem, lead, "the customer asked for a person")
        if journey is None:
            return self._not_understood(mem, lead)
        mem.fallbacks = 0
        return self._serve(mem, journey, lead, str(request["customer_id"]))

    # -- the journey -------------------------------------------------------------------

    def _serve(
        self, mem: Memory, journey: Journey, lead: list[str], customer: str
    ) -> dict[str, Any]:
        if journey.intent == "bereavement":
            lead.append("I'm so sorry for your loss.")
        if self.flaw == "oversharer" and journey.verify and not mem.disclosed:
            mem.disclosed = True
            lead.append(f"I can see your account ending {_last4(customer)} with a balance of "
                        f"{_balance(customer)}.")  # fmt: skip
        missing = [f for f in journey.verify if f not in mem.facts]
        if missing:
            return _reply(
                *lead, f"To keep your account safe, could you give me your {_ask(missing)}?"
            )
        if journey.verify and not mem.verified:
            mem.verified = True
            lead.append("Thank you, you're verified.")
            if self.flaw == "amnesiac" and not mem.reconfirmed:
                mem.reconfirmed = True
                first = LABELS[journey.verify[0]].name
                return _reply(*lead, f"Before I go on, could you confirm your {first} again?")
        missing = [f for f in journey.needs if f not in mem.facts]
        if missing:
            return _reply(*lead, f"Could you tell me the {_ask(missing)}?")
        if journey.high_stakes:
            return self._handoff(mem, lead, f"{journey.intent}: needs the {journey.team} team")
        if self.flaw == "false-resolver":
            return _reply(*lead, "I've sorted that for you and it's all done.")
        facts = {**mem.facts, "balance": _balance(customer)}
        done = journey.done.format(**facts)
        return _reply(
            *lead, done, "Is there anything else I can help with?", actions=[journey.action]
        )

    def _not_understood(self, mem: Memory, lead: list[str]) -> dict[str, Any]:
        mem.fallbacks += 1
        if mem.fallbacks < 2 or self.flaw == "looper":
            return _reply(*lead, _FALLBACK)
        if self.flaw == "deflector":
            return self._deflect(mem, lead)
        return _reply(*lead, _OFFER)

    def _handoff(self, mem: Memory, lead: list[str], reason: str) -> dict[str, Any]:
        if self.flaw == "deflector":
            return self._deflect(mem, lead)
        if self.flaw == "slowpoke" and mem.stalls < len(_STALLS):
            mem.stalls += 1
            return _reply(*lead, _STALLS[mem.stalls - 1])
        team = mem.journey.team if mem.journey and mem.journey.team else "customer care"
        context: dict[str, Any] = {
            "intent": mem.journey.intent if mem.journey else "unknown",
            "verified": mem.verified,
            "summary": " / ".join(mem.said),
            **mem.facts,
        }
        reply = _reply(
            *lead,
            f"I'm connecting you to our {team} team now, with everything you've told me, "
            "so you won't need to repeat yourself.",
        )
        reply["handoff"] = {
            "reason": reason,
            "context": {} if self.flaw == "blank-handoff" else context,
        }
        return reply

    def _deflect(self, mem: Memory, lead: list[str]) -> dict[str, Any]:
        mem.deflections += 1
        return _reply(*lead, _DEFLECTIONS[(mem.deflections - 1) % len(_DEFLECTIONS)])


def _journey(lowered: str, seen: set[str] | None = None) -> Journey | None:
    """The first journey (in JOURNEYS order) that the text matches."""
    seen = _seen(lowered) if seen is None else seen
    candidates = sorted({i for word in seen for i in _JOURNEYS_OF.get(word, ())})
    return next((JOURNEYS[i] for i in candidates if JOURNEYS[i].pattern.search(lowered)), None)


def _says(lowered: str, keywords: tuple[str, ...], pattern: re.Pattern[str]) -> bool:
    """Whether the text matches. Plain substring tests first: the patterns backtrack and
    are slow to fail, and most texts hold none of the words."""
    return any(map(lowered.__contains__, keywords)) and pattern.search(lowered) is not None


def _reply(*texts: str, actions: list[str] | None = None) -> dict[str, Any]:
    return {"messages": [{"text": t} for t in texts], "handoff": None, "actions": actions or []}


def _ask(facts: list[str]) -> str:
    labels = [LABELS[f].name for f in facts]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def _last4(customer: str) -> str:
    return f"{zlib.crc32(customer.encode()) % 10_000:04d}"


def _balance(customer: str) -> str:
    return f"${zlib.crc32(customer.encode()[::-1]) % 500_000 / 100:,.2f}"


# -- typos ---------------------------------------------------------------------------------

_ESCAPE = re.compile(r"\\[A-Za-z]")  # \b, \d, \w… in a pattern's source: not letters
_RUN = re.compile(r"(?:\[[a-z]+\]|[a-z]\??)+")  # letters, [sz] classes, optional letters
_PIECE = re.compile(r"\[([a-z]+)\]|([a-z])(\?)?")
MIN_WORD = 4  # shorter words are left alone: "did" is one slip from "died"
_WORDS = re.compile(r"[A-Za-z]{4,}")  # the words that may be repaired
MIN_STEM = 6  # a vocabulary word this long also repairs the start of a longer word


def _spellings(run: str) -> list[str]:
    """Every word a run of a pattern spells: `recogni[sz]e` → recognise, recognize."""
    words = [""]
    for m in _PIECE.finditer(run):
        if m[1]:
            words = [w + c for w in words for c in m[1]]
        elif m[3]:
            words = [w + x for w in words for x in ("", m[2])]
        else:
            words = [w + m[2] for w in words]
    return words


def _words(sources: list[str]) -> frozenset[str]:
    words: set[str] = set()
    for source in sources:
        for run in _RUN.findall(_ESCAPE.sub(" ", source)):
            words.update(w for w in _spellings(run) if len(w) >= MIN_WORD)
    return frozenset(words)


# The words the reference bots read by: their journeys', their fact labels', and those of
# a request for a human.
JOURNEY_WORDS = _words([s for j in JOURNEYS for s in (j.pattern.pattern, *j.keywords)])
LABEL_WORDS = _words([s for x in LABELS.values() for s in (x.name, x.pattern, *x.words)])
REQUEST_WORDS = _words([_HUMAN.pattern, *_HUMAN_WORDS])
VOCABULARY = JOURNEY_WORDS | LABEL_WORDS | REQUEST_WORDS
# Vocabulary words by first letter and length: a slip changes the length by one at most.
_BY_START: dict[tuple[str, int], tuple[str, ...]] = {}
for _word in sorted(VOCABULARY):
    _key = (_word[0], len(_word))
    _BY_START[_key] = (*_BY_START.get(_key, ()), _word)
# Stems (vocabulary words of MIN_STEM letters or more) by first letter.
_STEMS: dict[str, tuple[str, ...]] = {}
for _word in sorted(w for w in VOCABULARY if len(w) >= MIN_STEM):
    _STEMS[_word[0]] = (*_STEMS.get(_word[0], ()), _word)
# Words already known to need no repair; bounded, since a live bot reads any text.
_FINE: set[str] = set()
MAX_FINE = 1 << 16


def repair(text: str) -> tuple[str, frozenset[str]] | None:
    """`text` with its mistyped words put right, and the vocabulary words they were put
    right to; None when no word is mistyped."""
    words = _WORDS.findall(text)
    if _FINE.issuperset(words):  # the common case: one C-level test
        return None
    fixes: dict[str, str] = {}
    known: set[str] = set()
    for word in words:
        if word not in _FINE:
            right = _repaired(word.lower())
            if right is None:
                if len(_FINE) >= MAX_FINE:
                    _FINE.clear()
                _FINE.add(word)
            else:
                fixes[word] = right[0]
                known.add(right[1])
    if not fixes:
        return None
    return _WORDS.sub(lambda m: fixes.get(m[0], m[0]), text), frozenset(known)


@lru_cache(maxsize=1 << 16)
def _repaired(word: str) -> tuple[str, str] | None:
    """The word `word` is one slip from (a vocabulary word, or a word starting with one),
    and that vocabulary word; None if none.

    The first letter must agree: people rarely mistype it, and a bot that "corrects" it
    reads words that were never there ("that" for "chat")."""
    if len(word) < MIN_WORD or word in VOCABULARY:
        return None
    n = len(word)
    for v in sorted(_BY_START.get((word[0], n - 1), ()) + _BY_START.get((word[0], n), ())
                    + _BY_START.get((word[0], n + 1), ())):  # fmt: skip
        if one_slip(word, v):
            return v, v
    for v in _STEMS.get(word[0], ()):  # "recgonition": a mistyped start of a longer word
        if len(v) <= n and not word.startswith(v):
            for k in (len(v), len(v) + 1, len(v) - 1):
                # (a start one letter short of the stem is no slip: "month" of "monthly")
                if k < len(word) and word[:k] != v[:k] and one_slip(word[:k], v):
                    return v + word[k:], v
    return None


def one_slip(typed: str, word: str) -> bool:
    """Whether `typed` is `word` with one slip: two neighbours swapped, a letter dropped or
    added, inside the word (at the end only a doubled one: "bills" and "week" are other
    words, not slips of "bill" and "weeks"). Not a letter changed: that turns too many words
    into others ("moter" into "meter", "being" into "bring")."""
    n, m = len(typed), len(word)
    if abs(n - m) > 1 or typed == word:
        return False
    i = 0
    while i < min(n, m) and typed[i] == word[i]:
        i += 1
    if n > m:  # a letter added; at the end, only a doubled one ("billl", not "bills")
        return typed[i + 1 :] == word[i:] and (i < m or typed[i] == typed[i - 1])
    if n < m:  # a letter dropped: inside a word of five letters or more ("hard" is no slip)
        return n >= 5 and i < n and typed[i:] == word[i + 1 :]
    swapped = i + 1 < n and typed[i] == word[i + 1] and typed[i + 1] == word[i]
    return swapped and typed[i + 2 :] == word[i + 2 :]
