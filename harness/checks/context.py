"""context.*: does the bot keep what the customer told it, across turns, channels and handoffs."""

from __future__ import annotations

from typing import Any

from harness.checks._base import asking, check, failed, passed, skipped
from harness.model.scenario import Expectations
from harness.model.transcript import (
    Event,
    Transcript,
    facts_in_context,
    quoted_in_context,
    says_nothing,
    with_stated,
)
from harness.model.verdict import Verdict


@check("context.no_reask", "the bot asked for a fact the customer had already given")
def no_reask(t: Transcript, x: Expectations) -> Verdict:
    name = "context.no_reask"
    allowed = set(x.context.reask_allowed)
    stated: dict[str, Event] = {}
    for event, stated in with_stated(t.events):
        again = [f for f in asking(event) if f in stated and f not in allowed]
        if again:
            who = "a human agent" if event.kind == "agent_message" else "the bot"
            return failed(
                name,
                f"{who} asked again at turn {event.turn} for {', '.join(again)}, "
                f"already given at turn {stated[again[0]].turn}",
                [*(stated[f] for f in again), event],
            )
    return passed(name, f"{len(stated)} fact(s) given, none asked for again")


@check("context.channel_carryover", "after a channel switch the bot lost what it knew")
def channel_carryover(t: Transcript, x: Expectations) -> Verdict:
    name = "context.channel_carryover"
    switches = [e for e in t.events if e.kind == "channel_switch"]
    if not switches:
        return skipped(name, "the customer never switched channel")
    allowed = set(x.context.reask_allowed)
    switch: Event | None = None
    for event, stated in with_stated(t.events):
        if event.kind == "channel_switch":
            switch = event
        asks = asking(event) if event.kind == "bot_message" else []
        lost = [f for f in asks if switch is not None and f in stated and f not in allowed
                and stated[f].channel != event.channel]  # fmt: skip
        if lost and switch is not None:
            return failed(
                name,
                f"after the switch from {switch.data['from']} to {switch.data['to']} the bot "
                f"asked again for {', '.join(lost)}",
                [*(stated[f] for f in lost), switch, event],
            )
    return passed(name, f"{len(switches)} channel switch(es), nothing asked for again")


@check(
    "context.handoff_payload",
    "the handoff context lacks facts the customer had disclosed, or is empty",
)
def handoff_payload(t: Transcript, x: Expectations) -> Verdict:
    name = "context.handoff_payload"
    handoffs = list(t.of_kind("handoff"))
    if not handoffs:
        return skipped(name, "no handoff happened")
    wanted = set(x.context.handoff_facts)
    for handoff in handoffs:
        # what the customer had said when the handoff happened
        disclosed = next(stated for event, stated in with_stated(t.events) if event is handoff)
        required = [f for f in disclosed if not wanted or f in wanted]
        context = handoff.data.get("context") or {}
        carried = facts_in_context({f: t.facts.get(f, "") for f in required}, context)
        missing = [f for f in required if f not in carried]
        if missing:
            return failed(
                name,
                f"the handoff at turn {handoff.turn} lacks {', '.join(missing)}, which the "
                "customer had given",
                [*(disclosed[f] for f in missing), handoff],
            )
        if forgotten := _earlier_words_missing(t, handoff, context):
            return failed(
                name,
                f"the handoff at turn {handoff.turn} quotes the customer from contact "
                f"{handoff.contact} ({handoff.channel}) only: nothing of what it told the bot "
                f"in contact {forgotten[0].contact} ({forgotten[0].channel}) reached the human",
                [*forgotten, handoff],
            )
        if says_nothing(context):
            came = t.first("customer_message")  # why the customer came
            return failed(
                name,
                f"the handoff at turn {handoff.turn} carried an empty context: the human "
                "starts with nothing of what the customer said, not even why it came",
                [*([came] if came else []), handoff],
            )
    return passed(name, f"{len(handoffs)} handoff(s) carried every disclosed fact required")


def _earlier_words_missing(t: Transcript, handoff: Event, context: dict[str, Any]) -> list[Event]:
    """What the customer told the bot in earlier contacts, or on another channel, since the
    last handoff, when the handoff's context quotes the customer's own words from its own
    contact and channel but none of those: a context rebuilt from one session, whatever the
    bot remembered of the case.
    Empty when nothing is missing, or the context quotes no words at all."""
    said = [
        e for e in t.since_last_handoff(handoff)
        if e.kind == "customer_message" and e.data.get("to", "bot") == "bot"
    ]  # fmt: skip
    here = (handoff.contact, handoff.channel)
    earlier = [e for e in said if (e.contact, e.channel) != here]
    if not earlier:
        return []
    quoted = quoted_in_context(said, context)
    if not quoted or any((e.contact, e.channel) != here for e in quoted):
        return []
    return earlier
