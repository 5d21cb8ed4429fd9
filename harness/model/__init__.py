"""The data model: scenarios, personas, transcripts and verdicts. Imports nothing else of ours."""

from harness.model.durations import parse_duration
from harness.model.persona import Persona
from harness.model.scenario import Expectations, FactSpec, Goal, Scenario, Step
from harness.model.transcript import EVENT_KINDS, Event, Transcript, facts_in_context, outcome
from harness.model.verdict import Verdict

__all__ = [
    "EVENT_KINDS",
    "Event",
    "Expectations",
    "FactSpec",
    "Goal",
    "Persona",
    "Scenario",
    "Step",
    "Transcript",
    "Verdict",
    "facts_in_context",
    "outcome",
    "parse_duration",
]
