"""escalation.*: does the customer reach a human when it matters, in time, and only then."""

from __future__ import annotations

from harness.checks._base import check, failed, passed, skipped
from harness.model.scenario import Expectations
from harness.model.transcript import Transcript
from harness.model.verdict import Verdict


@check("escalation.required", "the scenario needs a human and no handoff happened")
def required(t: Transcript, x: Expectations) -> Verdict:
    name = "escalation.required"
    if not x.escalation.required:
        return skipped(name, "the scenario does not need a human")
    handoff = t.first("handoff")
    if handoff is not None:
        return passed(name, f"handoff at turn {handoff.turn}")
    asked = [e for e in t.of_kind("customer_message") if e.data.get("asks_human")]
    triggers = [e for e in t.of_kind("customer_message") if e.data.get("trigger")]
    last_bot = [e for e in t.of_kind("bot_message")][-2:]
    return failed(
        name,
        f"no handoff in {t.turns} turns, though the scenario needs a human"
        + (f" and the customer asked {len(asked)} time(s)" if asked else ""),
        [*triggers[:1], *asked, *last_bot],
    )


@check(
    "escalation.timely", "handoff came later than within_turns / within_seconds after its trigger"
)
def timely(t: Transcript, x: Expectations) -> Verdict:
    name = "escalation.timely"
    limits = x.escalation
    if not limits.required or (limits.within_turns is None and limits.within_seconds is None):
        return skipped(name, "the scenario sets no time limit for a handoff")
    handoff = t.first("handoff")
    if handoff is None:
        return skipped(name, "no handoff happened (see escalation.required)")
    trigger = t.owed_since(handoff)
    turns, seconds = t.turns_waited(trigger, handoff), t.seconds_in_contact(trigger, handoff)
    late = []
    if limits.within_turns is not None and turns > limits.within_turns:
        late.append(f"{turns} turns (allowed {limits.within_turns})")
    if limits.within_seconds is not None and seconds > limits.within_seconds:
        late.append(f"{seconds:.0f} s (allowed {limits.within_seconds:.0f} s)")
    since = "the trigger"
    if trigger.contact != handoff.contact:
        since += f" in contact {trigger.contact}, which ended without one"
    if late:
        between = [
            e for e in t.events
            if e.kind == "bot_message" and trigger.turn <= e.turn < handoff.turn
        ]  # fmt: skip
        return failed(
            name, f"handoff came {' and '.join(late)} after {since}", [trigger, *between, handoff]
        )
    return passed(name, f"handoff {turns} turn(s), {seconds:.0f} s after {since}")


@check("escalation.on_request", "the customer asked for a human and was not offered / given one")
def on_request(t: Transcript, x: Expectations) -> Verdict:
    name = "escalation.on_request"
    window = x.escalation.on_request_within
    requests = [
        e for e in t.of_kind("customer_message")
        if e.data.get("asks_human") and e.data.get("to", "bot") == "bot"
    ]  # fmt: skip
    if not requests:
        return skipped(name, "the customer never asked for a human")
    for request in requests:
        # Accepting an offer needs the handoff itself; a first request may be met by an offer.
        need_handoff = request.data.get("intent") == "accept_human"
        answer = next(
            (
                e for e in t.events
                if request.turn <= e.turn < request.turn + window
                and e.contact == request.contact
                and (e.kind == "handoff"
                     or (not need_handoff and e.kind == "bot_message"
                         and e.data.get("offers_handoff")))
            ),
            None,
        )  # fmt: skip
        if answer is None:
            replies = [
                e for e in t.of_kind("bot_message")
                if request.turn <= e.turn < request.turn + window
            ]  # fmt: skip
            wanted = "given" if need_handoff else "offered or given"
            return failed(
                name,
                f"the customer asked for a human at turn {request.turn} and was not "
                f"{wanted} one within {window} turn(s)",
                [request, *replies],
            )
    return passed(name, f"{len(requests)} request(s) for a human, each answered")


@check("escalation.unneeded", "a handoff happened where the bot should finish the job")
def unneeded(t: Transcript, x: Expectations) -> Verdict:
    name = "escalation.unneeded"
    if x.escalation.required:
        return skipped(name, "the scenario needs a human")
    asked_in: set[int] = set()
    for event in t.events:
        if event.kind == "customer_message" and event.data.get("asks_human"):
            asked_in.add(event.contact)
        if event.kind == "handoff" and event.contact not in asked_in:
            opening = next(e for e in t.of_kind("customer_message") if e.contact == event.contact)
            return failed(
                name,
                f"handoff at turn {event.turn} though the bot should finish this job and the "
                "customer did not ask for a human",
                [opening, event],
            )
    return passed(name, "no handoff the customer did not ask for")
