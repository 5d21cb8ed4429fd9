"""The audit of one transcript: which checks apply, the false-resolution rule, the metrics.

A conversation a scenario covers (mapped by `--scenario-map`, or played from a bundled
scenario) gets the whole catalogue with that scenario's expectations; imported ones also
get `goal_met` wherever a bot message shows the scenario's goal evidence (text only: an
export carries no actions). Any other conversation gets the checks that need no scenario,
held to the map's defaults; the rest are skipped with the reason.

`resolution.no_false_claim` on real conversations: a resolution claim that the same
customer's next contact, within the window (7 days), shows to be false. First-contact
resolution, likewise: a conversation the customer did not come back after within the
window, unless it was abandoned or, where a scenario says what the goal is, unmet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from harness.checks import CATALOGUE
from harness.checks._base import failed, skipped
from harness.conversation.lexicon import Lexicon
from harness.model.scenario import EscalationExpectation, Expectations, Scenario
from harness.model.transcript import Event, Transcript, outcome
from harness.model.verdict import Verdict
from harness.run.kpis import conversation_metrics

WINDOW = 7 * 86400.0
NO_SCENARIO = frozenset(
    {
        "escalation.on_request",
        "context.no_reask",
        "context.channel_carryover",
        "context.handoff_payload",
        "resolution.no_false_claim",
        "conversation.no_loop",
        "conversation.no_dead_end",
        "compliance.verify_before_disclose",
        "compliance.ai_disclosure",
        "compliance.forbidden",
    }
)


@dataclass(frozen=True, slots=True)
class Link:
    """Where a conversation stands among its customer's contacts (from the headers)."""

    contact: int = 1
    next_id: str = ""
    next_started: float | None = None  # epoch seconds of the customer's next contact


def started(t: Transcript | str) -> float | None:
    text = t.started if isinstance(t, Transcript) else t
    return datetime.fromisoformat(text).timestamp() if text else None


def with_goal_evidence(t: Transcript, scenario: Scenario) -> None:
    """Mark the goal met at the first bot message that shows the scenario's evidence."""
    if t.first("goal_met") is not None or scenario.goal.resolver == "human":
        return
    lexicon = Lexicon(scenario)
    for i, event in enumerate(t.events):
        if event.kind == "bot_message" and (found := lexicon.goal_evidence((), [event.text])):
            met = Event(
                event.t,
                event.turn,
                event.channel,
                event.contact,
                "goal_met",
                data={"by": "bot", "evidence": found},
            )
            t.events.insert(i + 1, met)
            return


def audit_checks(
    t: Transcript, scenario: Scenario | None, defaults: Any, link: Link
) -> list[Verdict]:
    """Every check of the catalogue, in order: run where it applies, else skipped."""
    if scenario is not None:
        x = scenario.expectations
    else:
        x = Expectations(
            escalation=EscalationExpectation(required=False),
            context=defaults.context,
            compliance=defaults.compliance,
            conversation=defaults.conversation,
        )
    verdicts = []
    for name, check in CATALOGUE.items():
        if scenario is None and name not in NO_SCENARIO:
            verdicts.append(skipped(name, "needs a scenario (map it with --scenario-map)"))
        elif name == "context.handoff_payload" and _payload_unknown(t):
            verdicts.append(skipped(name, "the export records no handoff payload"))
        elif name == "resolution.no_false_claim" and scenario is None:
            verdicts.append(false_resolution(t, link))
        else:
            verdict = check.fn(t, x)
            if name == "resolution.no_false_claim" and verdict.verdict == "pass":
                verdict = false_resolution(t, link)
            verdicts.append(verdict)
    return verdicts


def _payload_unknown(t: Transcript) -> bool:
    return any("context" not in e.data for e in t.of_kind("handoff"))


def false_resolution(t: Transcript, link: Link, window: float = WINDOW) -> Verdict:
    """A resolution claim followed, within `window`, by another contact of the customer."""
    name = "resolution.no_false_claim"
    claims = [e for e in t.of_kind("bot_message") if e.data.get("claims_resolution")]
    for claim in claims:
        again = next(
            (
                e
                for e in t.events
                if e.contact > claim.contact
                and e.kind == "customer_message"
                and e.t - claim.t <= window
            ),
            None,
        )
        if again is not None:
            return failed(
                name,
                f"the bot claimed resolution at turn {claim.turn} and the "
                f"customer came back {_days(again.t - claim.t)} later",
                [claim, again],
            )
    begun = started(t)
    if claims and begun is not None and link.next_started is not None:
        gap = link.next_started - (begun + claims[-1].t)
        if gap <= window:
            return failed(
                name,
                f"the bot claimed resolution at turn {claims[-1].turn} and the "
                f"customer came back {_days(gap)} later ({link.next_id})",
                claims[-1:],
            )
    return Verdict(
        name,
        "pass",
        f"{len(claims)} resolution claim(s), none followed by a repeat contact within 7 days",
    )


def _days(seconds: float) -> str:
    return f"{seconds / 86400:.1f} days" if seconds >= 86400 else f"{seconds / 3600:.1f} hours"


def audit_metrics(t: Transcript, scenario: Scenario | None, link: Link) -> dict[str, Any]:
    """The run's metrics, with resolution judged over the window across contacts."""
    metrics = conversation_metrics(t)
    if not t.started:  # a played transcript: its contacts and goal are all inside it
        return metrics
    begun = started(t) or 0.0
    last = t.events[-1].t if t.events else 0.0
    back = link.next_started is not None and link.next_started - (begun + last) <= WINDOW
    goal = scenario is None or t.first("goal_met") is not None
    resolved = not back and goal and outcome(t) != "abandoned"
    metrics["contacts"] = 2 if back else 1
    metrics["contact"] = link.contact
    metrics["goal_met_contact"] = 1 if resolved else None
    if resolved:
        metrics["outcome"] = "resolved_by_human" if t.first("handoff") else "resolved_by_bot"
    return metrics
