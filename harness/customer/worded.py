"""A customer whose messages a language model words, guarded by the customer's fact ledger.

The sans-IO policy (customer.policy) still decides every action: what to say (its intent,
the facts it states, asking for a human), when to switch channel, come back, wait or give
up. `WordedCustomer` only has each message the policy wrote worded again by a `Writer`
(a function from chat messages to text; the model's client and its cassette live in
adapters.customer_model), given the persona, the goal, the steps, the facts the customer
holds and the conversation so far. Scripted lines (`say`, `leave`, …) are said as written.

The guard keeps the simulator from spoiling the run: a message must state every value the
policy meant to state, no value the customer does not hold, and no fact it holds but has
not been asked for. A message that breaks it is asked for again once, with the reason;
a second miss, or a writer that fails, raises `SimulatorFault`, which the conversation
records as an `error` with cause "customer simulator" (never a `fail` of the bot).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from harness.customer.policy import Action, Customer, Observation, Say
from harness.model.transcript import Transcript

CAUSE = "customer simulator"
SPEAKERS = {"customer_message": "customer", "bot_message": "bot", "agent_message": "agent"}
# A value a message states: three digits or more, perhaps grouped by spaces, dashes or dots.
_VALUE = re.compile(r"\d(?:[\d \-.]*\d){2,}")

# (chat messages, call id) -> the message's text; raises SimulatorFault when it cannot.
Writer = Callable[[list[dict[str, str]], str], str]


class SimulatorFault(Exception):
    """The customer simulator spoilt the conversation: the bot is not to blame."""


class WordedCustomer:
    """A `Customer` whose messages `write` words; the policy's decisions are kept."""

    def __init__(self, customer: Customer, transcript: Transcript, write: Writer) -> None:
        self.customer = customer
        self.transcript = transcript
        self.write = write
        self.messages = 0

    @property
    def channel(self) -> str:
        return self.customer.channel

    def start(self) -> Action:
        return self._worded(self.customer.start())

    def next(self, seen: Observation) -> Action:
        return self._worded(self.customer.next(seen))

    def left(self, seen: Observation | None = None) -> Action:
        return self._worded(self.customer.left(seen))

    def resume(self) -> Action:
        return self._worded(self.customer.resume())

    def _worded(self, action: Action) -> Action:
        if not isinstance(action, Say):
            return action
        self.messages += 1
        if action.scripted:
            return action
        call = f"{self.transcript.conversation_id}/{self.messages}"
        prompt = self.prompt(action)
        text = self.write(prompt, f"{call}/1")
        reason = self.unheld(text, action)
        if reason is not None:
            retry = [*prompt, {"role": "assistant", "content": text},
                     {"role": "user", "content": f"That message cannot be sent: {reason}. "
                                                 "Write it again."}]  # fmt: skip
            text = self.write(retry, f"{call}/2")
            reason = self.unheld(text, action)
            if reason is not None:
                raise SimulatorFault(f"{CAUSE}: message {call}, retried once: {reason}")
        return replace(action, text=text)

    def prompt(self, say: Say) -> list[dict[str, str]]:
        """The chat messages asking for `say` in the customer's own words."""
        c = self.customer
        scenario, persona = c.scenario, c.persona
        held = "\n".join(f"- {scenario.label(k)}: {v}" for k, v in c.facts.items())
        steps = "\n".join(f"- {s.model_dump(exclude_none=True)}" for s in scenario.steps)
        system = (
            "You play a customer writing to a company's customer service. Write only the "
            "customer's next message, as plain text.\n"
            f"Who you are: {persona.name}. {persona.description} You write in a "
            f"{persona.verbosity} way; patience {persona.patience} of 10"
            f"{'; you are vulnerable' if persona.vulnerable else ''}; locale {persona.locale}.\n"
            f"Your situation: {scenario.title}. {scenario.description}\n"
            f"Your goal: {scenario.goal.intent}.\n"
            + (f"The steps you follow:\n{steps}\n" if steps else "")
            + f"The facts you hold (state no other number, code or personal value):\n{held}\n"
        )
        said = "\n".join(f"{SPEAKERS[e.kind]}: {e.text}" for e in self.transcript.events
                         if e.kind in SPEAKERS and e.text)  # fmt: skip
        values = ", ".join(f"{scenario.label(k)} {v}" for k, v in say.facts.items())
        ask = (
            f"The conversation so far:\n{said or '(nothing yet)'}\n\n"
            f"Your next message ({say.intent.replace('_', ' ')}"
            + ("; you ask for a human" if say.asks_human else "")
            + (f"; it must state exactly: {values}" if values else "; it states no fact")
            + f"). In other words than these: {say.text}"
        )
        return [{"role": "system", "content": system}, {"role": "user", "content": ask}]

    def unheld(self, text: str, say: Say) -> str | None:
        """Why `text` cannot be sent for `say`; None when it keeps to the ledger."""
        if not text.strip():
            return "the message is empty"
        c = self.customer
        for fact, value in say.facts.items():
            if value not in text:
                return f"it must state the {c.scenario.label(fact)} as {value!r}"
        # the customer's facts, and the numbers of the policy's own words (a scenario's)
        held = [_digits(v) for v in [*c.facts.values(), *_VALUE.findall(say.text)]]
        for found in _VALUE.findall(text):
            if not any(_digits(found) in value for value in held):
                return f"it states {found.strip()!r}, which the customer does not hold"
        for fact, value in c.facts.items():
            if fact not in say.facts and fact not in c.stated and value in text:
                return f"it volunteers the {c.scenario.label(fact)}, which was not asked for"
        return None


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())
