"""How the customer words what it says: persona-driven style around the scenario's words,
and typos.

The scenario says *what* the customer wants (its goal utterances, its facts); the persona
says *how*: `verbosity` picks short or long wording (terse drops every pleasantry, verbose
adds greetings, context and thanks), `manner` (from patience) picks blunt, plain or polite
wording, `cues` are said in the opening and now and then when stuck, and `typo_rate`
mistypes words. So two customers in the same scenario rarely send the same message.

Every phrase here keeps what the bot has to read: a request for a human names a person
(`speak to a person`, `real person`, `put me through`…), a fact is stated as
`label is value` or `label: value`, and no phrase names anything a bot could take for a
fact or for another request (an account, a charge, a death…). Every choice is drawn from
the `random.Random` the customer hands in: same seed, same words.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable

from harness.model.persona import Persona

# Each table: verbosity → manner → variants. "" is a variant too: sometimes nothing is said.
Table = dict[str, dict[str, tuple[str, ...]]]

OPENERS: Table = {
    "terse": {"blunt": ("",), "plain": ("",), "polite": ("",)},
    "normal": {
        "blunt": ("", "Right.", "OK, listen."),
        "plain": ("", "Hi.", "Hello.", "Hi there."),
        "polite": ("Hello, good morning.", "Hi, I hope you can help.", "Hello there."),
    },
    "verbose": {
        "blunt": (
            "Look, I have tried everything else, so let me explain.",
            "I have been waiting long enough, so here it is.",
        ),
        "plain": (
            "Hello, I hope you can help me with something.",
            "Hi there, I have been trying to get this sorted for a while.",
            "Good afternoon. I'm writing because I need some help.",
        ),
        "polite": (
            "Hello, and thank you for taking the time to help me.",
            "Good morning, I hope you're well. I would be grateful for some help.",
            "Hello there, I'm sorry to trouble you, but I need some help.",
        ),
    },
}
CLOSERS: Table = {
    "terse": {"blunt": ("",), "plain": ("",), "polite": ("",)},
    "normal": {
        "blunt": ("", "Sort it out."),
        "plain": ("", "Thanks."),
        "polite": ("Thank you.", "Thanks very much."),
    },
    "verbose": {
        "blunt": (
            "I expect this to be dealt with properly this time.",
            "Please just deal with it properly.",
        ),
        "plain": (
            "Thanks for your help.",
            "Any help would be appreciated.",
            "I would appreciate your help with this.",
        ),
        "polite": (
            "Thank you so much for your help, I really appreciate it.",
            "Many thanks in advance for your help.",
        ),
    },
}
# A request for a human: each names one in a way any bot can read.
ASK_HUMAN: Table = {
    "terse": {
        "blunt": ("Human. Now.", "Get me a human.", "Operator."),
        "plain": ("Human please.", "Real person please.", "Operator please."),
        "polite": ("Real person, please. Thanks.", "A human, please. Thanks."),
    },
    "normal": {
        "blunt": (
            "I want to speak to a human.",
            "Put me through to someone now.",
            "Let me talk to a real person.",
        ),
        "plain": (
            "Can I speak to a person, please?",
            "Could I talk to someone, please?",
            "Can you put me through to someone?",
            "Is there a real person I can talk to?",
        ),
        "polite": (
            "Would it be possible to speak to a person, please?",
            "Could you put me through to someone, please? Thank you.",
        ),
    },
    "verbose": {
        "blunt": (
            "This is not working. I want to speak to a human, not a machine, right now.",
            "I have had enough of this. Put me through to a real person.",
        ),
        "plain": (
            "I'd really like to speak to a real person about this, please.",
            "I think this needs a human. Could you put me through to someone who can help?",
        ),
        "polite": (
            "I'm sorry, but I think I need to speak to a person about this. "
            "Could you put me through, please?",
            "If you don't mind, I would much rather talk to someone about this. Thank you.",
        ),
    },
}
ACCEPT_HUMAN: Table = {
    "terse": {
        "blunt": ("Yes. Put me through.",),
        "plain": ("Yes, human please.", "Yes, put me through."),
        "polite": ("Yes please, put me through.",),
    },
    "normal": {
        "blunt": ("Yes. Put me through to someone.", "Yes, get me a human."),
        "plain": (
            "Yes, please put me through to someone.",
            "Yes please, I'd like to speak to a person.",
        ),
        "polite": (
            "Yes please, I'd like to talk to someone. Thank you.",
            "Yes, please put me through to someone. Thanks.",
        ),
    },
    "verbose": {
        "blunt": ("Yes, finally. Put me through to a real person, please.",),
        "plain": (
            "Yes please, that would be a relief. I'd like to speak to a person.",
            "Yes, I would like that. Please put me through to someone.",
        ),
        "polite": (
            "Oh yes please, thank you. I would much rather speak to a person.",
            "Yes, that would be wonderful, thank you. Please put me through to someone.",
        ),
    },
}
# Before a statement of facts it was asked for ("Sure. My date of birth is …").
ANSWER_LEADS: Table = {
    "terse": {"blunt": ("",), "plain": ("",), "polite": ("",)},
    "normal": {
        "blunt": ("", "Fine. "),
        "plain": ("", "Sure. ", "OK. ", "Yes, "),
        "polite": ("Sure. ", "Of course. ", "Yes, "),
    },
    "verbose": {
        "blunt": ("Fine, if you must. ", "Here you go, then. "),
        "plain": ("Of course. ", "Yes, of course. ", "No problem. "),
        "polite": ("Of course, happy to. ", "Certainly, here it is. "),
    },
}
# Pointing back at an earlier answer. {gave}: "my <label>: <value>" (terse "label: value");
# {said}: "my <label> is <value>" (terse the same as {gave}); {Said}: the same, capitalised.
ALREADY: Table = {
    "terse": {
        "blunt": ("Already said. {Said}.",),
        "plain": ("Already said. {Said}.", "Said that. {Said}."),
        "polite": ("Said that, sorry. {Said}.",),
    },
    "normal": {
        "blunt": ("I already gave you that. {Said}.", "How many times? {Said}."),
        "plain": ("I already gave you {gave}.", "As I said, {said}."),
        "polite": ("I already gave you {gave}.", "As I mentioned, {said}."),
    },
    "verbose": {
        "blunt": ("I already told you this. {Said}. Are you even listening?",),
        "plain": ("I already gave you {gave}, but here it is again.", "As I said before, {said}."),
        "polite": ("I think I already gave you {gave}, but here it is again.",),
    },
}
# What it does not have; {labels} names the facts.
MISSING: Table = {
    "terse": {
        "blunt": ("Don't have my {labels}.",),
        "plain": ("Don't have my {labels} here.",),
        "polite": ("Sorry, don't have my {labels} here.",),
    },
    "normal": {
        "blunt": ("I don't have my {labels} here.",),
        "plain": ("Sorry, I don't have my {labels} to hand.", "I don't have my {labels} with me."),
        "polite": ("Sorry, I'm afraid I don't have my {labels} to hand.",),
    },
    "verbose": {
        "blunt": ("I don't have my {labels} with me, and I shouldn't need it.",),
        "plain": ("I'm so sorry, I don't have my {labels} to hand at the moment.",),
        "polite": ("I'm terribly sorry, but I don't have my {labels} with me right now.",),
    },
}
REPHRASE_LEADS: Table = {
    "terse": {"blunt": ("", "Again: "), "plain": ("",), "polite": ("",)},
    "normal": {
        "blunt": ("Again: ", "I'll say it again: ", "Are you listening? "),
        "plain": ("Let me put it another way: ", "What I mean is this: ", "Let me try again: "),
        "polite": ("Sorry, let me put it another way: ", "Let me try to explain: "),
    },
    "verbose": {
        "blunt": ("You don't seem to understand, so I'll say it once more: ",),
        "plain": (
            "I don't think you understood me, so let me put it another way: ",
            "Sorry, I may not have explained that well. Let me try again: ",
        ),
        "polite": ("I'm sorry if I wasn't clear. Let me explain it differently: ",),
    },
}
RETURNING: Table = {
    "terse": {
        "blunt": ("Me again.",),
        "plain": ("Me again.", "Back again."),
        "polite": ("Hi, me again.",),
    },
    "normal": {
        "blunt": ("I'm back, and this still isn't sorted.",),
        "plain": ("I'm getting back to you about this again.", "I'm back about the same problem."),
        "polite": ("Hello again, I'm getting back to you about this.",),
    },
    "verbose": {
        "blunt": ("I got in touch about this before and nothing has happened since.",),
        "plain": ("Hello again. I got in touch about this before and it still isn't sorted.",),
        "polite": (
            "Hello again, I hope you can help me this time. I got in touch about this before.",
        ),
    },
}
CUE_WHEN_STUCK = 0.5  # the share of stuck turns on which a customer with cues says one again


class Wording:
    """A persona's wording of each kind of message, drawn from its own `random.Random`."""

    def __init__(self, persona: Persona, rng: random.Random) -> None:
        self.persona = persona
        self.rng = rng
        self.verbosity = persona.verbosity
        self.manner = persona.manner

    def pick(self, table: Table) -> str:
        # Exactly one draw whatever the table: two personas that differ in verbosity or
        # manner alone make the same choices in step, so their messages compare turn by turn.
        variants = table[self.verbosity][self.manner]
        return variants[int(self.rng.random() * len(variants))]

    def statement(self, said: list[tuple[str, str]]) -> str:
        """Facts as `label: value` (terse) or `my label is value`, lower-case first."""
        if self.verbosity == "terse":
            return ", ".join(f"{label}: {value}" for label, value in said)
        return " and ".join(f"my {label} is {value}" for label, value in said)

    def already(self, said: list[tuple[str, str]]) -> str:
        text = self.statement(said)
        gave = text
        if self.verbosity != "terse":
            gave = " and ".join(f"my {label}: {value}" for label, value in said)
        return self.pick(ALREADY).format(gave=gave, said=text, Said=sentence(text))

    def missing(self, labels: list[str]) -> str:
        return self.pick(MISSING).format(labels=" or ".join(labels))

    def stuck_cue(self) -> str:
        """One of its cues, now and then, when the bot is not helping."""
        cues, says, which = self.persona.cues, self.rng.random(), self.rng.random()
        return cues[int(which * len(cues))] if cues and says < CUE_WHEN_STUCK else ""


def sentence(text: str) -> str:
    """`text` with its first letter in upper case."""
    return text[:1].upper() + text[1:]


def join(*parts: str) -> str:
    return " ".join(p for p in parts if p)


# -- typos ----------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W\d_]{4,}")  # a run of four letters or more (any alphabet)
_ASCII_WORD = re.compile(r"[A-Za-z]{4,}")  # the same in ASCII text, twice as fast to find


class Typist:
    """Mistypes a share of the words of a text, never inside a protected phrase (a fact's
    value or label): two neighbouring letters swapped, one dropped or one doubled. The
    first letter always stays, as it mostly does when people mistype. Its random stream is
    made from `seed` on first use: most customers never mistype, and never pay for one."""

    def __init__(self, rate: float, protected: Iterable[str], seed: int) -> None:
        self.rate = rate
        self.seed = seed
        self._protected = [p.lower() for p in protected if p] if rate > 0 else []
        self._rng: random.Random | None = None

    def __call__(self, text: str) -> str:
        if self.rate <= 0:
            return text  # no draw at all: typo_rate 0 changes nothing
        if self._rng is None:
            self._rng = random.Random(self.seed)
        rng, rate = self._rng, self.rate
        # One draw per word, in order; the words' places and the protected spans are found
        # only at the first slip (most messages have none).
        words: list[re.Match[str]] | None = None
        spans: list[tuple[int, int]] = []
        out: list[str] = []
        last = 0
        word = _ASCII_WORD if text.isascii() else _WORD
        for k in range(len(word.findall(text))):
            if rng.random() >= rate:
                continue
            if words is None:
                words, spans = list(word.finditer(text)), self._spans(text)
            start, end = words[k].span()
            if any(s < end and start < e for s, e in spans):
                continue
            out += [text[last:start], slip(words[k][0], rng)]
            last = end
        return "".join(out) + text[last:] if out else text

    def _spans(self, text: str) -> list[tuple[int, int]]:
        """Where the protected phrases are in `text` (any case)."""
        lowered = text.lower()
        if len(lowered) != len(text):  # a letter whose lower case is longer: be safe
            return [(0, len(text))]
        spans = []
        for phrase in self._protected:
            at = lowered.find(phrase)
            while at >= 0:
                spans.append((at, at + len(phrase)))
                at = lowered.find(phrase, at + 1)
        return spans


def slip(word: str, rng: random.Random) -> str:
    """`word` mistyped once: never the same word, never a change to its first letter."""
    kind = rng.randrange(3)
    i = rng.randrange(1, len(word) - 1)
    if kind == 0 and word[i] != word[i + 1]:  # two neighbours swapped
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    # One dropped, inside a word of six letters or more (i never reaches the last letter):
    # a letter dropped from a short word, or from its end, reads as another word ("hard"
    # for "heard", "week" for "weeks"), and no reader can tell it was a slip.
    if kind == 1 and len(word) >= 6:
        return word[:i] + word[i + 1 :]
    return word[: i + 1] + word[i:]  # one doubled
