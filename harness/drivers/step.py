"""The one effect step every driver shares: what each effect of a conversation means.

`harness.conversation.play` yields effects (Pause, Exchange, AwaitAgent, ReleaseAgent);
`steps()` carries each out against the conversation's desk view and asks its driver only
for what a driver alone can do, by yielding:

    a number           let that many seconds pass on the driver's clock
    an Exchange        call the bot with it; send back the Reply, or the AdapterError raised
    a Session          close it with the adapter (the conversation is over)
    a Queued           wait for its event (a shared desk's queue); send back its value,
                       True once an agent is free, False if the customer gave up waiting

So the virtual driver (a loop over a float clock), the load driver (a simpy process) and
the concurrent one (a coroutine on the adapter's loop) are a few lines each, and a
conversation's clock moves the same way under all of them: the bot is called when the
message is sent, and thinking plus the bot's latency pass as one clock event.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Generator
from typing import Any

from harness.conversation.desk import AGENT_NAMES, DeskView, Queued
from harness.conversation.play import AwaitAgent, Exchange, Pause, Play, ReleaseAgent
from harness.errors import AdapterError
from harness.model.protocol import Reply, Session
from harness.model.transcript import Transcript


class Clock:
    """One conversation's virtual time in seconds; the driver moves it on, nothing waits."""

    __slots__ = ("now",)

    def __init__(self) -> None:
        self.now: float = 0  # an int at first, as simpy's is: the same sums, the same floats

    def __call__(self) -> float:
        return self.now


Need = float | Exchange | Session | Queued  # what a step asks of its driver
Steps = Generator[Need, Reply | AdapterError | bool | None, Transcript]


def steps(
    play: Play,
    desk: DeskView,
    rng: random.Random,
    latency: float,
    clock: Callable[[], float],
    *,
    live: bool = False,
) -> Steps:
    """Carry out one conversation's effects; returns its finished transcript.

    `latency` is the modelled seconds of a reply that carries no measured latency (an
    in-process bot's); `clock` is the conversation's time on its driver. On a `live`
    driver's wall clock the thinking passes before the message is sent and the bot's
    answer takes the time it really takes, so nothing is added after it.
    """
    value: Any = None
    sessions: dict[str, Session] = {}  # closed with the adapter when the conversation ends
    while True:
        try:
            effect = play.send(value)
        except StopIteration as stop:
            yield from sessions.values()
            return stop.value  # type: ignore[no-any-return]
        value = None
        if type(effect) is Pause:
            if effect.seconds > 0:
                yield effect.seconds
        elif type(effect) is Exchange and live:
            if effect.think > 0:
                yield effect.think
            sent = clock()
            sessions[effect.session.conversation_id] = effect.session
            value = (sent, (yield effect))
        elif type(effect) is Exchange:
            sent = clock() + effect.think
            sessions[effect.session.conversation_id] = effect.session
            reply = yield effect
            took = reply.latency if isinstance(reply, Reply) else None
            yield effect.think + (latency if took is None else took)
            value = (sent, reply)
        elif type(effect) is AwaitAgent:
            wait = desk.acquire(effect.priority)
            if isinstance(wait, Queued):
                taken = yield wait
                value = rng.choice(AGENT_NAMES) if taken else None  # None: gave up waiting
            else:
                if wait > 0:
                    yield wait
                value = rng.choice(AGENT_NAMES)
        elif type(effect) is ReleaseAgent:
            desk.release()
