"""How the lexicon reads claims and offers from a bot's sentences, beyond matching patterns:
a resolution claim only in a statement (`Claims`), an offer of a person only made now, in
the chat, and weighed against a refusal by which comes last (`Offers`)."""

from __future__ import annotations

import re

from harness.conversation.gate import Gated

# A claim is a statement: a question, a condition, a promise or a denial does not claim.
# sentences end at . ! ? and line breaks, and at a symbol or emoji before a capital (the
# class ends with U+FE0F, the emoji variation selector, written as itself: an escape would
# make the lexicon's digit-blind check unsure)
_SENTENCES = re.compile(r"(?<=[.!?])\s+|\n+|(?<=[☀-➿🌀-🫿️])\s+(?=[A-Z])")
_CLAUSES = re.compile(r"\s*(?:[,;:—–]|\s-\s)\s*")
_UNSAID = re.compile(  # before the words in their clause: "I'll have it sorted", "not yet done"
    r"\b(will|would|should|could|can|may|might|shall|going to|let me|not|never|unable"
    # the situation reported, not an act: "I see your flight has been cancelled"
    r"|see|sorry|understand|appears|seems|looks like|shows|according to)\b"
    r"|'ll\b|n't\b",
    re.IGNORECASE,
)
_CONDITION = re.compile(  # anywhere in the clause: "once it's done", "booked when you pay"
    r"\b(if|once|when|whenever|as soon as|unless)\b|\b(until|after|before)\b(?! (the )?\d| (mon"
    r"|tues|wednes|thurs|fri|satur|sun)day| (jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
    r"| (tomorrow|next|noon|midday|midnight|further notice|then))",
    re.IGNORECASE,
)
_PENDING = re.compile(  # anywhere in the sentence: "submitted and is pending approval"
    r"\b(pending|under (review|investigation)|being (reviewed|processed|investigated|looked into)"
    r"|awaiting|in progress|for (approval|review|assessment))\b"
    r"|\b(is|are) now with (our|the|your)\b",
    re.IGNORECASE,
)

_STEP = re.compile(  # anywhere in the clause: sending a code, a ticket or note for a team
    r"\b(sent|texted|emailed)\b.*\b(code|passcode|otp)\b|\b(code|passcode|otp)\b.*\bsent\b"
    r"|\b(ticket|incident|case|request|complaint|report|note|claim|application|appeal|enquiry"
    r"|inquiry|query|dispute|referral|chat|conversation|session|message|transcript)s?\b.*\b(created"
    r"|opened"
    r"|logged|raised|added|made|left"
    r"|submitted|registered|filed|lodged|sent|forwarded|passed|escalated|placed)\b"
    r"|\b(created|opened|logged|raised|added|made|left|submitted|registered|filed|lodged"
    r"|put in)\b.*"
    r"\b(ticket|incident|case|request|complaint|report|note|claim|application|appeal|enquiry"
    r"|inquiry|query|dispute|referral)s?\b"
    r"|\b(chat|conversation|session)s? (has been |was |is )?(now )?(closed|ended)\b"
    r"|\b(moved|added) to the (\w+ )?queue\b"
    # passed to people who will act: "I've raised this with our disputes team"
    r"|\b(raised|sent|passed|forwarded|referred|escalated|submitted|handed)\b.*\b(with|to) (our"
    r"|the|your|a|an)\b.*\b(team|department|manager|desk|assessor|specialist|colleague"
    r"|advis[eo]r|underwriter|doctor|gp|clinician)s?\b"
    # a person to come back, a place in a queue: steps towards someone else's act
    r"|\barranged for\b.*\bto (call|contact|ring|phone|visit|get in touch)\b"
    r"|\badded to the (queue|line)\b",
    re.IGNORECASE,
)


class Claims:
    """Reads a resolution claim with `pattern` only where the bot states it: in a sentence
    that is not a question nor says the thing is pending, in a clause without a condition
    nor a step of the conversation (a code sent, a ticket opened for a team), and with no
    modal or negation before the words."""

    def __init__(self, pattern: Gated) -> None:
        self.pattern = pattern

    def search(self, text: str) -> bool:
        """Whether `text` claims a resolution."""
        for sentence in _SENTENCES.split(text.strip()):
            if sentence.rstrip().endswith("?") or _PENDING.search(sentence):
                continue
            for clause in _CLAUSES.split(sentence):
                if _CONDITION.search(clause) or _STEP.search(clause):
                    continue
                for found in self.pattern.finditer(clause):
                    if not _UNSAID.search(clause, 0, found.start()):
                        return True
        return False


_OWN_FAILURE = re.compile(  # in the offer's sentence: "... if I can't help", "should we fail"
    r"\b(if|when|should|in case) (i|we)( be| a?m| are|'m|'re)? (can'?t|cannot|unable|not able"
    r"|don'?t|do not|couldn'?t|could not|fail)\b",
    re.IGNORECASE,
)


_ELSEWHERE = re.compile(  # a person by another channel: the customer cannot take it up here
    r"\b(on|via|through|at|from) (our )?(website|web ?site|app|phone|email|e-mail|whatsapp)\b"
    r"|\bcall (us|our)\b|\bby (phone|email|e-mail)\b|\d[\d ()+-]{6,}\d",
    re.IGNORECASE,
)


class Offers:
    """Reads an offer of a person with `pattern`, except in a sentence that keeps it for
    the bot's own failure ("I'll pass you to a human agent if I can't help"): that promises
    a way out later and offers none now, nor in one that sends the customer to another
    channel ("call an adviser on 0800 …": a route, not a person here). Beside refusals
    (`refusals`), the last word wins: "All our agents are busy. You're number 4 in the
    queue" offers a person, "Connecting you now. Sorry, nobody is available" refuses one."""

    def __init__(self, pattern: Gated, refusals: Gated) -> None:
        self.pattern = pattern
        self.refusals = refusals

    def read(self, text: str) -> str | None:
        """What `text` says of a person: "offers_handoff", "refuses_handoff" or None."""
        offer = refusal = -1
        for i, sentence in enumerate(_SENTENCES.split(text.strip())):
            if self.refusals.search(sentence):
                refusal = i
            elif (self.pattern.search(sentence) and not _OWN_FAILURE.search(sentence)
                  and not _ELSEWHERE.search(sentence)):  # fmt: skip
                offer = i
        if offer > refusal:
            return "offers_handoff"
        return "refuses_handoff" if refusal >= 0 else None
