"""Reading a bot's request for a detail of the customer's, whether the scenario declares it
or not: "What's your membership number?", "Can I take your name and customer ID?", "And
your booking reference?", "Membership number, please.". `is_request` is the one gate for
what counts as a request, for declared facts (conversation.lexicon) as for these.

The lexicon (conversation.lexicon) reads the scenario's own facts; what this module finds
beyond them is recorded as `asks_unknown`, and the customer answers that it does not have
it. Only requests count (a question about what happened, or an offer, asks for no
detail), and only details a person holds and may not have to hand: numbers, codes,
references, PINs, passwords, postcodes, emails, addresses, dates of birth, usernames.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_SENTENCES = re.compile(r"(?<=[.?!])\s+")


def sentences(text: str) -> list[str]:
    """`text` cut after each full stop, question or exclamation mark."""
    return _SENTENCES.split(text)


# A request for a detail of the customer's, whether the scenario declares it or not: the
# words that ask ("what is", "can you give me", "please confirm", "may I have", "we'll
# need"), then what is asked for; or a sentence that is only a detail and a question mark
# ("And your membership number?"). Read on lower-cased text.
_ASKS_FOR = re.compile(
    r"\bwhat(?:'s| is| was| are) (?=your\b|the\b)"
    r"|(?:^|\byou\b|\bplease\b)(?:\s*\b(?:please|kindly|also|just|first|now))?\s*\b(?:give|tell"
    r"|send|provide|confirm|share|enter|type|quote|supply|verify|read out|let me know"
    r"|let me have)\b(?:\s+(?:me|us))?(?:\s+with)?"
    r"|\b(?:may|can|could) (?:i|we) (?:please |also )?(?:have|take|get|ask for|ask you for)\b"
    r"|\b(?:i|we)(?:'ll|'d| will| would)?(?: also| just| first| now)? need\b"
    r"|^(?:\w+\W+){0,2}?let'?s (?:start|begin) with\b"
)
# A request that is only what is asked for: "Account number, please.", "First, your date of
# birth." (a word of sequence before it), with no verb: "First, your postcode is updated"
# tells.
_FRAGMENT = re.compile(
    r"^(?:(?:just|and|also|now|ok|okay|thanks|great|lastly|finally|next|then|first|firstly"
    r"|to start|to begin)\b[,\s]*)*(?P<asked>[^,]{1,60}?),?\s+please\W*$"
    r"|^(?:(?:just|and|also|now|ok|okay|thanks|great|lastly|finally|next|then)\b[,\s]*)*"
    r"(?:just|and|also|now|lastly|finally|next|then|first|firstly|to start|to begin)\b[,\s]*"
    r"(?P<bare>(?:your|the) [^,]{1,60}?)[.!]?$"
)
_VERB = re.compile(
    r"\b(?:is|are|was|were|be|been|has|have|had|will|would|can|could|do|does|did)\b"
    r"|'(?:s|re|ve|ll|d)\b"
)
_BARE = re.compile(r"^(?:(?:and|also|now|ok|okay|thanks|great|lastly|finally|next|then)\b"
                   r"[,\s]*)?(?=(?:your|the) )(.*?)\s*\?$")  # fmt: skip
# A detail a person holds, or may not have to hand: a number, code, reference, address…,
# after up to three words that say which ("membership number", "booking reference"), at
# the start of one of the things asked for ("your X and the Y"). Words that only join a
# sentence (an article, a pronoun, a verb of saying or doing) end the name of a detail.
_JOINING = (
    r"(?:a|an|the|your|my|our|their|this|that|and|or|of|on|in|at|for|to|from|with|by|i|we"
    r"|you|it|they|me|us|is|are|was|be|will|would|can|could|may|do|did|have|has|not|so|if"
    r"|then|please|send|sent|get|got)\b|\w+'(?:ll|re|ve|d|m)\b"
)
_DETAIL = re.compile(
    rf"^\s*(?:(?:your|the|an?) )?((?:(?!{_JOINING})[a-z][\w'-]* ){{0,3}}?"
    r"(?:number|code|id|identifier|reference|ref|pin|password|passcode|postcode|post code"
    r"|zip(?: code)?|e-?mail(?: address)?|address|date of birth|birthday|username|user name"
    r"|iban))\b"
)
_ASKED_THINGS = re.compile(r",|\band\b|\bor\b")


def requested_details(text: str) -> Iterator[tuple[str, str]]:
    """Each detail `text` asks for: its name as said, lower case (`membership number`), and
    the words that ask for it (`your membership number so we can find you`)."""
    for said in sentences(text.lower()):
        for words in _ASKED_THINGS.split(_object(said)):
            detail = _DETAIL.match(words)
            if detail is not None:
                yield detail[1], words


def is_request(sentence: str) -> bool:
    """Whether a sentence asks the customer for something: a question, words that ask
    ("can you give me", "I'll just need", "let's start with", "tell me"), or only what is
    asked for ("Account number, please.", "First, your date of birth.")."""
    said = sentence.strip().lower()
    return said.endswith("?") or bool(_ASKS_FOR.search(said) or _fragment(said))


def _fragment(sentence: str) -> str:
    """What a lower-case sentence that is only a request's object asks for, or ''."""
    fragment = _FRAGMENT.match(sentence)
    if fragment is None:
        return ""
    asked = fragment["asked"] or fragment["bare"]
    return "" if _VERB.search(asked) else asked


def _object(sentence: str) -> str:
    """What a lower-case sentence asks for, when it asks for something: the words after
    its request ("can you give me ___"), the whole of a bare question ("your ___?") or of
    a request that is only its object ("___, please"); '' when it asks for nothing."""
    request = _ASKS_FOR.search(sentence)
    if request is not None:
        return sentence[request.end() :]
    bare = _BARE.match(sentence)
    return bare[1] if bare is not None else _fragment(sentence)
