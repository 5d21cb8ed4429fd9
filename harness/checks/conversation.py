"""conversation.*: loops and dead ends, the shapes of a conversation that go nowhere."""

from __future__ import annotations

from harness.checks._base import check, failed, passed
from harness.model.gist import gist
from harness.model.scenario import Expectations
from harness.model.transcript import Event, Transcript
from harness.model.verdict import Verdict


def _replies(t: Transcript) -> list[list[Event]]:
    """The bot's reply to each turn: its messages grouped by turn, in order."""
    replies: dict[int, list[Event]] = {}
    for event in t.of_kind("bot_message"):
        replies.setdefault(event.turn, []).append(event)
    return list(replies.values())


@check(
    "conversation.no_loop",
    "the bot repeated itself / fell back N times in a row without offering a person",
)
def no_loop(t: Transcript, x: Expectations) -> Verdict:
    name = "conversation.no_loop"
    limits = {"fell back": x.conversation.max_fallbacks,
              "said the same thing": x.conversation.max_repeats}  # fmt: skip
    fallbacks: list[list[Event]] = []
    same: list[list[Event]] = []
    previous = None
    for reply in _replies(t):
        said = gist(" ".join(e.text for e in reply))
        # A fallback that offers a person is a way out, not a turn of the loop.
        stuck = any(e.data.get("fallback") for e in reply) and not any(
            e.data.get("offers_handoff") for e in reply
        )
        fallbacks = [*fallbacks, reply] if stuck else []
        same = [*same, reply] if said and said == previous else [reply]
        previous = said
        for run, what in ((fallbacks, "fell back"), (same, "said the same thing")):
            if len(run) >= limits[what]:
                return failed(
                    name,
                    f"the bot {what} {len(run)} times in a row (limit {limits[what]})",
                    [e for r in run for e in r],
                )
    return passed(name, "no loop")


@check("conversation.no_dead_end", "the conversation ended with no resolution and no way forward")
def no_dead_end(t: Transcript, x: Expectations) -> Verdict:
    name = "conversation.no_dead_end"
    if t.first("goal_met") is not None:
        return passed(name, "the goal was met")
    end = t.events[-1] if t.events and t.events[-1].kind == "end" else None
    reason = end.data.get("reason") if end is not None else None
    if reason not in ("abandoned", "bot_ended"):
        return passed(name, f"the conversation ended with {reason or 'an error'}, not a dead end")
    contact = end.contact if end is not None else 1
    final = [e for e in t.events if e.contact == contact]
    way_forward = any(
        e.kind == "handoff" or (e.kind == "bot_message" and e.data.get("offers_handoff"))
        for e in final
    )
    if way_forward:
        return passed(name, "the bot offered or gave a way to a human")
    said = [e for e in final if e.kind == "bot_message"][-2:]
    how = "the customer gave up" if reason == "abandoned" else "the bot closed the conversation"
    return failed(
        name,
        f"{how} with the goal unmet and no offer of a human or other way forward",
        [*said, *([end] if end is not None else [])],
    )
