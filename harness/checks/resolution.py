"""resolution.*: was the customer's goal met, and did the bot claim only what it did."""

from __future__ import annotations

from harness.checks._base import check, failed, passed
from harness.model.scenario import Expectations
from harness.model.transcript import Transcript
from harness.model.verdict import Verdict


@check("resolution.goal_met", "the customer's goal was not met (by bot or human)")
def goal_met(t: Transcript, x: Expectations) -> Verdict:
    name = "resolution.goal_met"
    met = t.first("goal_met")
    if met is not None and met.data.get("resolver") == "bot" and met.data.get("by") == "human":
        handoff = t.first("handoff")
        before = t.events[: t.events.index(handoff)] if handoff is not None else t.events
        fell_back = [e for e in before if e.kind == "bot_message" and e.data.get("fallback")]
        if fell_back:  # a customer who wanted a human from the start is no failure of the bot
            return failed(
                name,
                f"a human met the goal at turn {met.turn} after the bot fell back at turn "
                f"{fell_back[0].turn}: the job was the bot's to do itself",
                [fell_back[0], *([handoff] if handoff is not None else []), met],
            )
    if met is not None:
        return passed(name, f"goal met by the {met.data.get('by', 'bot')} at turn {met.turn}")
    end = t.events[-1] if t.events else None
    reason = end.data.get("reason", "") if end is not None and end.kind == "end" else ""
    last = [e for e in t.events if e.kind in ("customer_message", "bot_message", "agent_message")]
    return failed(
        name,
        f"the goal was not met; the conversation ended ({reason or 'no end recorded'})",
        [*last[-2:], *([end] if end is not None else [])],
    )


@check("resolution.no_false_claim", "the bot claimed resolution without the goal being met")
def no_false_claim(t: Transcript, x: Expectations) -> Verdict:
    name = "resolution.no_false_claim"
    met = t.first("goal_met")
    claims = [e for e in t.of_kind("bot_message") if e.data.get("claims_resolution")]
    false = [e for e in claims if met is None or met.turn > e.turn]
    if false:
        return failed(
            name,
            f"the bot claimed resolution at turn {false[0].turn} but the goal "
            + ("was never met" if met is None else f"was met only at turn {met.turn}"),
            false,
        )
    return passed(name, f"{len(claims)} resolution claim(s), each with the goal met")
