"""The reference bots against the whole bundled pack: careful passes, each flaw is caught."""

from __future__ import annotations

import fnmatch
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import replace

import pytest

from harness import ConversationResult, Pack, RunOptions, run
from harness.bots import FLAWS
from harness.model.transcript import Event, facts_in_context

# The checks each flawed bot must fail somewhere on the pack…
MUST_FAIL = {
    "deflector": {"escalation.required", "escalation.on_request"},
    "amnesiac": {"context.no_reask", "context.channel_carryover"},
    "slowpoke": {"escalation.timely", "escalation.on_request"},
    "blank-handoff": {"context.handoff_payload"},
    "false-resolver": {"resolution.no_false_claim"},
    "looper": {"conversation.no_loop"},
    "oversharer": {"compliance.verify_before_disclose"},
}
# …and all it may fail: its own family, plus the direct consequences of its defect.
MAY_FAIL = {
    # A customer who never reaches a human gives up with the goal unmet, at a dead end; kept
    # with the bot, it can be asked again and again for what it does not have (a misread
    # journey's "policy number?", answered "I don't have one"), a loop with no way out.
    "deflector": {"escalation.*", "resolution.goal_met", "conversation.*"},
    # The human who receives a blank handoff must ask again for what the bot was told.
    "blank-handoff": {"context.*"},
    # Asked again and again for what it already gave, a customer may give up unserved, or
    # reach its human turns later than the trigger allowed (counted across contacts).
    "amnesiac": {
        "context.*",
        "resolution.goal_met",
        "conversation.no_dead_end",
        "escalation.timely",
    },
    "slowpoke": {"escalation.*"},
    # A customer told "it's done" leaves believing it; the goal was not met.
    "false-resolver": {"resolution.*"},
    # A customer who never asks for a human is trapped in the loop until it gives up.
    "looper": {"conversation.*", "escalation.required", "resolution.goal_met"},
    "oversharer": {"compliance.verify_before_disclose"},
}


def failures(pack: Pack, bot: str, repeat: int) -> Counter[str]:
    result = run(pack, RunOptions(bot=bot, repeat=repeat))
    return Counter(v.name for r in result.results for v in r.checks if v.verdict == "fail")


def test_careful_passes_every_check_of_the_pack_over_20_seeds(pack: Pack) -> None:
    result = run(pack, RunOptions(bot="demo:careful", repeat=20))
    assert len(result.results) == 20 * len(pack.scenarios) * len(pack.personas)
    bad = [
        (r.case.conversation_id, r.case.seed, v.name, v.message)
        for r in result.results for v in r.checks if v.verdict == "fail"
    ]  # fmt: skip
    assert bad == []
    assert {r.verdict for r in result.results} == {"pass"}
    assert result.exit_code == 0


@pytest.mark.parametrize("flaw", FLAWS)
def test_each_flawed_bot_fails_its_own_checks_and_nothing_unrelated(pack: Pack, flaw: str) -> None:
    failed = failures(pack, f"demo:{flaw}", repeat=5)
    assert MUST_FAIL[flaw] <= set(failed), f"{flaw} escaped: {dict(failed)}"
    unrelated = {n for n in failed if not any(fnmatch.fnmatch(n, p) for p in MAY_FAIL[flaw])}
    assert unrelated == set(), f"{flaw} failed checks outside its defect: {unrelated}"


def test_the_deflector_fails_escalation_in_every_high_stakes_conversation(pack: Pack) -> None:
    result = run(pack, RunOptions(bot="demo:deflector", repeat=3))
    for r in result.results:
        verdicts = {v.name: v.verdict for v in r.checks}
        if r.case.scenario.stakes == "high":
            assert verdicts["escalation.required"] == "fail", r.case.conversation_id
        else:
            assert verdicts["escalation.unneeded"] == "pass", r.case.conversation_id


def test_a_failing_verdict_quotes_the_transcript(pack: Pack) -> None:
    result = run(pack, RunOptions(bot="demo:oversharer", scenarios=("banking.balance",),
                                  personas=("calm-precise",)))  # fmt: skip
    (conversation,) = result.results
    (verdict,) = [v for v in conversation.checks if v.verdict == "fail"]
    assert verdict.name == "compliance.verify_before_disclose"
    assert verdict.turns == (1,)
    assert "balance of $" in verdict.evidence[0] and "bot:" in verdict.evidence[0]
    assert conversation.transcript is not None
    quoted = [e for e in conversation.transcript.events if e.kind == "bot_message" and e.turn == 1]
    assert any(e.text in verdict.evidence[0] for e in quoted)


# Which conversations exercise each flaw: those where careful, playing the same case (same
# scenario, persona and seed), shows the behaviour that the flaw corrupts.
def _bot_asked(r: ConversationResult, facts: Iterable[str]) -> bool:
    wanted = set(facts)
    return any(wanted & set(e.data.get("asks", ())) for e in _events(r, "bot_message"))


def _events(r: ConversationResult, kind: str) -> list[Event]:
    return list(r.transcript.of_kind(kind)) if r.transcript is not None else []


def _verified(r: ConversationResult) -> bool:
    # careful says so when it verifies; the amnesiac then asks to confirm a fact again
    return any("verified" in e.text for e in _events(r, "bot_message"))


def _came_back(r: ConversationResult) -> bool:
    return bool(_events(r, "channel_switch")) or any(
        e.contact > 1 for e in _events(r, "customer_message")
    )


def _handed_off_with_facts(r: ConversationResult) -> bool:
    needed = set(r.case.scenario.expectations.context.handoff_facts)
    assert r.transcript is not None
    return any(
        needed & facts_in_context(r.transcript.facts, e.data.get("context", {}))
        for e in _events(r, "handoff")
    )


def _room_to_loop(r: ConversationResult) -> bool:
    # careful fell back, and the customer stays long enough for a loop to show
    persona, limit = r.case.persona, r.case.scenario.expectations.conversation.max_fallbacks
    patient = persona.asks_for_human == "never" or persona.ask_human_after >= limit
    return patient and any(e.data.get("fallback") for e in _events(r, "bot_message"))


EXERCISED: dict[str, Callable[[ConversationResult], bool]] = {
    "deflector": lambda r: r.case.scenario.stakes == "high",
    "amnesiac": lambda r: _verified(r) or _came_back(r),
    "slowpoke": lambda r: bool(_events(r, "handoff")),
    "blank-handoff": _handed_off_with_facts,
    # careful does the job itself here; the false resolver claims it instead
    "false-resolver": lambda r: r.metrics["outcome"] == "resolved_by_bot",
    "looper": _room_to_loop,
    # careful had to ask for proof of identity: there was a moment before verification
    "oversharer": lambda r: _bot_asked(r, r.case.scenario.expectations.compliance.verify),
}
FAMILY = {
    "deflector": "escalation.*",
    "amnesiac": "context.*",
    "slowpoke": "escalation.*",
    "blank-handoff": "context.handoff_payload",
    "false-resolver": "resolution.no_false_claim",
    "looper": "conversation.no_loop",
    "oversharer": "compliance.verify_before_disclose",
}


def test_each_flaw_is_caught_in_at_least_90_percent_of_the_conversations_it_touches(
    pack: Pack,
) -> None:
    options = RunOptions(repeat=3)
    careful = {r.case.conversation_id: r for r in run(pack, options).results}
    rates = {}
    for flaw in FLAWS:
        flawed = run(pack, replace(options, bot=f"demo:{flaw}")).results
        touched = [r for r in flawed if EXERCISED[flaw](careful[r.case.conversation_id])]
        caught = [
            r for r in touched
            if any(v.verdict == "fail" and fnmatch.fnmatch(v.name, FAMILY[flaw]) for v in r.checks)
        ]  # fmt: skip
        assert touched, f"no conversation of the pack exercises {flaw}"
        rates[flaw] = (len(caught) / len(touched), len(touched))
    missed = {flaw: rate for flaw, rate in rates.items() if rate[0] < 0.9}
    assert missed == {}, f"(detection rate, conversations) below 90%: {missed}; all: {rates}"
