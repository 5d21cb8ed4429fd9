"""A conversation in an Allure report, through allure-pytest's public API.

Called by the pytest plugin inside a conversation item's test, only when allure-pytest is
writing results (`--alluredir`): labels for domain, stakes and each failing check,
severity from the stakes, suites by domain, scenario and persona, the turns as steps (each
event quoted in its turn), the transcript attached as JSON lines, and the failure with its
evidence as the description.
"""

from __future__ import annotations

import importlib
from itertools import groupby
from typing import Any

from harness.run import ConversationResult

# allure-python's functions carry no annotations: used as Any rather than as untyped calls.
allure: Any = importlib.import_module("allure")

ATTACHMENT_TYPE = "application/x-ndjson"  # one JSON document a line: the transcript file


def annotate(result: ConversationResult, transcript_jsonl: str, failure: str) -> None:
    """Describe the running Allure test as this conversation."""
    scenario, persona = result.case.scenario, result.case.persona
    allure.dynamic.label("domain", scenario.domain)
    allure.dynamic.label("stakes", scenario.stakes)
    for verdict in result.checks:
        if verdict.verdict == "fail":
            allure.dynamic.label("check", verdict.name)
    allure.dynamic.severity(
        allure.severity_level.CRITICAL
        if scenario.stakes == "high"
        else allure.severity_level.NORMAL
    )
    allure.dynamic.parent_suite(scenario.domain)
    allure.dynamic.suite(scenario.id)
    allure.dynamic.sub_suite(persona.id)
    allure.dynamic.title(f"{scenario.title} × {persona.id}")
    # Allure keys history and retries on the parameters: each case is its own test.
    allure.dynamic.parameter("persona", persona.id)
    allure.dynamic.parameter("repeat", result.case.repeat)
    if result.verdict == "pass":
        allure.dynamic.description(f"{scenario.title}: every check passed.")
    else:  # markdown: the failure text as it is, evidence lines included
        allure.dynamic.description(f"```\n{failure}\n```")
    _steps(result)
    allure.attach(
        transcript_jsonl,
        name=f"transcript {result.case.conversation_id}.jsonl",
        attachment_type=ATTACHMENT_TYPE,
        extension="jsonl",
    )


def _steps(result: ConversationResult) -> None:
    """A step per turn (`turn 3 · voice`); inside it, a step per event, quoted."""
    if result.transcript is None:
        return
    for turn, events in groupby(result.transcript.events, key=lambda e: e.turn):
        listed = list(events)
        with allure.step(f"turn {turn} · {listed[0].channel}"):
            for event in listed:
                with allure.step(event.quote()):
                    pass
