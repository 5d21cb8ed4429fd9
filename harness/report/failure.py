"""A failing conversation in words: what failed, the proof quoted from the transcript, where
the whole transcript is and how to play it again. The pytest plugin shows it for a failed
item; any face that reports one failure at a time can."""

from __future__ import annotations

from harness.run.results import ConversationResult


def failure_text(result: ConversationResult, transcript: str, rerun: str, replay: str = "") -> str:
    """What failed and the proof, quoted from the transcript; where the whole transcript is,
    how to play this conversation again (`replay`: `harness replay …`, the same customer
    against any bot) and how to rerun its scenario × persona from its files (`rerun`)."""
    case = result.case
    head = f"{case.scenario.id} × {case.persona.id}: {result.verdict}"
    lines = [f"{head} (outcome {result.metrics['outcome']}, repeat {case.repeat}, "
             f"seed {case.seed})"]  # fmt: skip
    if result.error is not None:
        lines.append(f"error: {result.error}")
    for v in result.checks:
        if v.verdict == "fail":
            lines.append(f"FAIL {v.name}: {v.message}")
            lines.extend(f"     {quote}" for quote in v.evidence)
    lines.append(f"transcript: {transcript}")
    if replay:
        lines.append(f"replay: {replay}")
    lines.append(f"rerun: {rerun}")
    return "\n".join(lines)
