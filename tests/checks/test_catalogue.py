"""The catalogue itself: stable names in DESIGN order, and verdicts that survive JSONL."""

from __future__ import annotations

from harness.checks import CATALOGUE, FAMILIES, run_checks
from harness.model.transcript import Transcript

from ._build import Story, expect

# DESIGN.md, "Check catalogue": reports and CI key on these names.
NAMES = [
    "escalation.required",
    "escalation.timely",
    "escalation.on_request",
    "escalation.unneeded",
    "context.no_reask",
    "context.channel_carryover",
    "context.handoff_payload",
    "resolution.goal_met",
    "resolution.no_false_claim",
    "conversation.no_loop",
    "conversation.no_dead_end",
    "compliance.verify_before_disclose",
    "compliance.ai_disclosure",
    "compliance.forbidden",
]


def test_the_catalogue_holds_the_fourteen_design_checks_in_design_order() -> None:
    assert list(CATALOGUE) == NAMES
    assert {name.split(".")[0] for name in NAMES} == set(FAMILIES)
    assert all(check.name == name and check.fails_when for name, check in CATALOGUE.items())


def everything_wrong() -> Story:
    """A bereaved customer the bot fails in every way the catalogue knows."""
    story = Story()
    story.customer("My husband died. His account is 12345678.", gives=["account_number"])
    story.bot("Your balance is £3,020.11.", discloses=["balance"])
    story.asks_for_human()
    story.bot("Calm down. What is your account number?", asks=["account_number"], fallback=True)
    story.customer("I told you already")
    story.bot("Calm down. What is your account number?", asks=["account_number"], fallback=True)
    story.switch("voice")
    story.customer("Hello?", think=120.0)
    story.bot("Calm down. What is your account number?", asks=["account_number"], fallback=True)
    story.bot("All done, it's resolved!", claims_resolution=True)
    story.handoff({})
    story.end("abandoned")
    return story


def test_every_check_runs_and_a_bot_that_gets_everything_wrong_fails_nearly_all() -> None:
    expectations = expect(
        required=True,
        within_turns=1,
        within_seconds=60,
        verify=["account_number", "date_of_birth"],
        ai_disclosure=True,
        forbidden=[r"calm down"],
    )

    verdicts = run_checks(everything_wrong().transcript, expectations)

    by_name = {v.name: v.verdict for v in verdicts}
    assert [v.name for v in verdicts] == NAMES
    assert by_name == {name: "fail" for name in NAMES} | {
        # A handoff happened at last: a human was reached, so there was a way forward…
        "escalation.required": "pass",
        "conversation.no_dead_end": "pass",
        # …and the scenario needs one.
        "escalation.unneeded": "skip",
    }


def test_verdicts_are_the_same_on_a_transcript_read_back_from_jsonl() -> None:
    transcript = everything_wrong().transcript
    expectations = expect(required=False, verify=["date_of_birth"], forbidden=["calm down"])

    again = Transcript.from_jsonl(transcript.to_jsonl())

    before = [v.to_dict() for v in run_checks(transcript, expectations)]
    after = [v.to_dict() for v in run_checks(again, expectations)]
    assert after == before
    assert any(v["verdict"] == "fail" and v["evidence"] for v in after)


def test_run_checks_runs_only_the_named_checks_in_catalogue_order() -> None:
    names = ["compliance.forbidden", "escalation.required"]

    verdicts = run_checks(everything_wrong().transcript, expect(), names)

    assert [v.name for v in verdicts] == ["escalation.required", "compliance.forbidden"]


def test_a_transcript_reads_back_whole_whatever_line_separators_its_text_holds() -> None:
    # json writes U+2028, U+0085 and friends as they are; str.splitlines() would cut there
    text = "a\u2028b\u2029c\x85d\x1ce\x0bf\rg"
    story = Story()
    story.customer("hello")
    story.bot(text)
    transcript = story.transcript
    assert Transcript.from_jsonl(transcript.to_jsonl()) == transcript
