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

from harness.audit.scenario_map import Defaults
from harness.checks import CATALOGUE
from harness.conversation.lexicon import Lexicon
from harness.model.scenario import EscalationExpectation, Expectations, Scenario
from harness.model.transcript import Event, Transcript, outcome
from harness.model.verdict import Verdict

WINDOW = 7 * 86400.0
FALSE_CLAIM = "resolution.no_false_claim"
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
    """Where a conversation stands among its customer's contacts."""

    contact: int = 1
    next_id: str = ""
    next_started: float | None = None  # epoch seconds of the customer's next contact


@dataclass(slots=True)
class Pending:
    """What the audit of one transcript leaves open until every contact is known: a worker
    sends it back beside the entry, and `conclude` settles it once contacts are linked."""

    customer: str
    begun: float | None  # epoch seconds of the first message (imported transcripts)
    last: float  # `t` of the last event
    claim: tuple[int, float, str] | None = None  # the last resolution claim: turn, t, quote
    goal: bool = True  # nothing says the goal was unmet
    abandoned: bool = False
    handoff: bool = False


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


def audit_checks(t: Transcript, scenario: Scenario | None, defaults: Defaults) -> list[Verdict]:
    """Every check of the catalogue, in order: run where it applies, else skipped. The
    false-resolution rule sees the contacts inside the transcript; `conclude` adds the
    customer's later transcripts."""
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
            verdicts.append(Verdict(name, "skip", "needs a scenario (map it with --scenario-map)"))
        elif name == "context.handoff_payload" and _payload_unknown(t):
            verdicts.append(Verdict(name, "skip", "the export records no handoff payload"))
        elif name == FALSE_CLAIM and scenario is None:
            verdicts.append(false_resolution(t))
        else:
            verdict = check.fn(t, x)
            if name == FALSE_CLAIM and verdict.verdict == "pass":
                verdict = false_resolution(t)
            verdicts.append(verdict)
    return verdicts


def _payload_unknown(t: Transcript) -> bool:
    return any("context" not in e.data for e in t.of_kind("handoff"))


def false_resolution(t: Transcript, window: float = WINDOW) -> Verdict:
    """A resolution claim followed, within `window`, by a later contact in the transcript."""
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
            message = (
                f"the bot claimed resolution at turn {claim.turn} and the customer "
                f"came back {_days(again.t - claim.t)} later"
            )
            turns = tuple(sorted({claim.turn, again.turn}))
            return Verdict(FALSE_CLAIM, "fail", message, turns, (claim.quote(), again.quote()))
    return Verdict(
        FALSE_CLAIM,
        "pass",
        f"{len(claims)} resolution claim(s), none followed by a repeat contact within 7 days",
    )


def pending(t: Transcript, scenario: Scenario | None, verdicts: list[Verdict]) -> Pending:
    claims = [e for e in t.of_kind("bot_message") if e.data.get("claims_resolution")]
    still_open = any(v.name == FALSE_CLAIM and v.verdict == "pass" for v in verdicts)
    last_claim = claims[-1] if claims and still_open else None
    return Pending(
        customer=t.customer_id,
        begun=started(t),
        last=t.events[-1].t if t.events else 0.0,
        claim=(last_claim.turn, last_claim.t, last_claim.quote()) if last_claim else None,
        goal=scenario is None or t.first("goal_met") is not None,
        abandoned=outcome(t) == "abandoned",
        handoff=t.first("handoff") is not None,
    )


def conclude(entry: dict[str, Any], open_: Pending, link: Link) -> None:
    """Settle an entry once its customer's contacts are linked: the false-resolution rule
    across transcripts, and resolution judged over the window (imported transcripts)."""
    if open_.begun is None:  # a played transcript: its contacts and goal are all inside it
        return
    if open_.claim is not None and link.next_started is not None:
        turn, at, quote = open_.claim
        gap = link.next_started - (open_.begun + at)
        if gap <= WINDOW:
            verdict = Verdict(
                FALSE_CLAIM,
                "fail",
                f"the bot claimed resolution at turn {turn} "
                f"and the customer came back {_days(gap)} later ({link.next_id})",
                (turn,),
                (quote,),
            )
            entry["checks"] = [
                verdict.to_dict() if c["name"] == FALSE_CLAIM else c for c in entry["checks"]
            ]
    metrics = entry["metrics"]
    back = link.next_started is not None and (
        link.next_started - (open_.begun + open_.last) <= WINDOW
    )
    resolved = not back and open_.goal and not open_.abandoned
    metrics["contacts"] = 2 if back else 1
    metrics["contact"] = link.contact
    metrics["goal_met_contact"] = 1 if resolved else None
    if resolved:
        metrics["outcome"] = "resolved_by_human" if open_.handoff else "resolved_by_bot"
    entry["outcome"] = metrics["outcome"]
    if entry["verdict"] != "error":
        entry["verdict"] = (
            "fail" if any(c["verdict"] == "fail" for c in entry["checks"]) else "pass"
        )


def _days(seconds: float) -> str:
    return f"{seconds / 86400:.1f} days" if seconds >= 86400 else f"{seconds / 3600:.1f} hours"
