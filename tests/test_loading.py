"""Loader errors a person can act on: file:line, the field, the bad value, what is allowed, the fix.

Each case writes a valid file with one thing broken into tmp_path, and reads the ConfigError
the way a user reads it. Lines are found in the text written, never hard-coded, so a test
states "the problem is on the line that says X".
"""

from __future__ import annotations

import re
import textwrap
from functools import cache
from pathlib import Path

import pytest
from harness_cli import harness

from harness import ConfigError, Pack, bundled_dir, load_pack

SCENARIO = textwrap.dedent(
    """\
    id: test.fraud
    title: A charge I did not make
    domain: banking
    stakes: high
    channels: [chat, voice]
    personas:
      - calm-precise
      - anxious-older
    facts:
      account_number: {kind: account_number}
      amount: {kind: amount, asked_by: ["how much"]}
    goal:
      intent: dispute_charge
      utterances:
        - "There is a charge of {amount} that I did not make."
        - "My account {account_number} has a charge I do not know."
      evidence:
        actions: [dispute_opened]
        text: ["dispute (is )?open"]
      resolver: human
    steps:
      - say: "Hello, my account is {account_number}."
      - switch: voice
        goal: 2
    repeat_contact:
      after: 7d
    expectations:
      escalation:
        required: true
        within_turns: 2
        within_seconds: 10m
      context:
        handoff_facts:
          - account_number
          - amount
      compliance:
        verify: [account_number]
        ai_disclosure: true
        forbidden:
          - "calm down"
          - "nothing (more )?we can do"
    lexicon:
      fallbacks: ["sorry, I did not understand"]
    """
)

PERSONA = textwrap.dedent(
    """\
    id: test-persona
    name: Test persona
    patience: 3
    asks_for_human: when_stuck
    think_seconds: 5s
    typing_cps: 4
    """
)


# -- helpers ---------------------------------------------------------------------------


@cache
def bundled_personas() -> Pack:
    """What the CLI loads user files on top of."""
    return load_pack([bundled_dir("personas")])


def changed(text: str, old: str, new: str) -> str:
    """`text` with `old` replaced once; fails if `old` is not there (no silent no-op)."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def line_of(text: str, needle: str, *, whole: bool = False) -> int:
    """The 1-based line of `text` that contains (or, if `whole`, is) `needle`; exactly one."""
    lines = enumerate(text.splitlines(), 1)
    found = [n for n, line in lines if (line == needle if whole else needle in line)]
    assert len(found) == 1, f"{needle!r} is on lines {found}"
    return found[0]


def write(tmp_path: Path, name: str, text: str, kind: str = "scenarios") -> Path:
    path = tmp_path / kind / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(*paths: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_pack(list(paths), base=bundled_personas())
    return info.value.problems


def parse(problem: str, path: Path) -> tuple[int, str]:
    """(line, message) of one `file:line: message` problem about `path`."""
    prefix = f"{path}:"
    assert problem.startswith(prefix), problem
    line, sep, message = problem.removeprefix(prefix).partition(": ")
    assert sep and line.isdigit(), problem
    return int(line), message


def only_problem(path: Path) -> tuple[int, str]:
    problems = problems_of(path)
    assert len(problems) == 1, problems
    return parse(problems[0], path)


# -- a valid file loads ------------------------------------------------------------------


def test_the_valid_scenario_and_persona_load_with_their_values(tmp_path: Path) -> None:
    scenario = write(tmp_path, "fraud.yaml", SCENARIO)
    persona = write(tmp_path, "test-persona.yaml", PERSONA, kind="personas")
    pack = load_pack([persona, scenario], base=bundled_personas())
    s = pack.scenarios["test.fraud"]
    assert s.stakes == "high" and s.channels == ["chat", "voice"]
    assert s.personas == ["calm-precise", "anxious-older"]
    assert s.expectations.escalation.within_turns == 2
    assert s.expectations.escalation.within_seconds == 600.0
    assert s.repeat_contact is not None and s.repeat_contact.after == 7 * 86400.0
    assert s.steps[1].switch == "voice" and s.steps[1].goal == 2
    p = pack.personas["test-persona"]
    assert p.patience == 3 and p.think_seconds == 5.0
    assert pack.files["scenario:test.fraud"] == scenario
    assert pack.files["persona:test-persona"] == persona


# -- unknown keys --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "key", "field", "suggestion", "allowed"),
    [
        ("within_turns", "within_turn", "expectations.escalation.within_turn", "within_turns",
         {"on_request_within", "required", "within_seconds", "within_turns"}),
        ("say", "sya", "steps[0].sya", "say", {"ask_human", "leave", "say", "wait"}),
        ("resolver", "resolvr", "goal.resolvr", "resolver", {"evidence", "intent", "utterances"}),
        ("context", "contxt", "expectations.contxt", "context", {"compliance", "escalation"}),
    ],
    ids=["within_turn", "sya", "resolvr", "contxt"],
)  # fmt: skip
def test_a_misspelt_key_is_named_with_did_you_mean_and_the_allowed_keys(
    tmp_path: Path, old: str, key: str, field: str, suggestion: str, allowed: set[str]
) -> None:
    text = changed(SCENARIO, f" {old}:", f" {key}:")
    path = write(tmp_path, "s.yaml", text)
    line, message = only_problem(path)
    assert line == line_of(text, f" {key}:")
    assert message.startswith(f"{field}: unknown key (did you mean {suggestion!r}?); ")
    listed = set(message.partition("; allowed keys: ")[2].split(", "))
    assert allowed <= listed and key not in listed


def test_a_misspelt_key_in_a_flow_mapping_is_found_too(tmp_path: Path) -> None:
    text = changed(SCENARIO, "{kind: account_number}", "{kind: account_number, lable: x}")
    path = write(tmp_path, "s.yaml", text)
    line, message = only_problem(path)
    assert line == line_of(text, "lable: x")
    assert message.startswith("facts.account_number.lable: unknown key (did you mean 'label'?)")


def test_a_misspelt_top_level_key_also_reports_the_required_key_as_missing(
    tmp_path: Path,
) -> None:
    text = changed(SCENARIO, "expectations:", "expectaions:")
    path = write(tmp_path, "s.yaml", text)
    problems = [parse(p, path) for p in problems_of(path)]
    assert len(problems) == 2, problems
    unknown = next(m for n, m in problems if m.startswith("expectaions: "))
    assert "unknown key (did you mean 'expectations'?)" in unknown
    assert (line_of(text, "expectaions:"), unknown) in problems
    assert (1, "expectations: is required") in problems


def test_a_misspelt_persona_key_gets_did_you_mean(tmp_path: Path) -> None:
    text = changed(PERSONA, "patience: 3", "patients: 3")
    path = write(tmp_path, "p.yaml", text, kind="personas")
    line, message = only_problem(path)
    assert line == line_of(text, "patients:")
    assert message.startswith("patients: unknown key (did you mean 'patience'?)")


# -- wrong types and out-of-range numbers -------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "field", "expects", "got"),
    [
        ("within_turns: 2", "within_turns: two", "expectations.escalation.within_turns",
         "expects a valid integer", "'two'"),
        ("    required: true", "    required: maybe", "expectations.escalation.required",
         "expects a valid boolean", "'maybe'"),
        ("within_turns: 2", "within_turns: 0", "expectations.escalation.within_turns",
         "expects greater than or equal to 1", "0"),
        ("  - switch: voice\n    goal: 2", "  - switch: voice\n    goal: 0", "steps[1].goal",
         "expects greater than or equal to 1", "0"),
        ("  after: 7d", "  after: 7d\n  max_contacts: 11", "repeat_contact.max_contacts",
         "expects less than or equal to 10", "11"),
    ],
    ids=["str-for-int", "str-for-bool", "within_turns-0", "goal-0", "max_contacts-11"],
)  # fmt: skip
def test_a_wrong_type_or_out_of_range_value_names_field_allowed_and_value(
    tmp_path: Path, old: str, new: str, field: str, expects: str, got: str
) -> None:
    text = changed(SCENARIO, old, new)
    path = write(tmp_path, "s.yaml", text)
    line, message = only_problem(path)
    assert line == line_of(text, new.splitlines()[-1].strip())
    assert message.startswith(f"{field}: ") and expects in message
    assert message.endswith(f", got {got}")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("patience: 3", "patience: 11", "patience: expects less than or equal to 10, got 11"),
        ("patience: 3", "patience: -1", "patience: expects greater than or equal to 0, got -1"),
        ("typing_cps: 4", "typing_cps: 0", "typing_cps: expects greater than 0, got 0"),
    ],
    ids=["patience-11", "patience--1", "typing_cps-0"],
)
def test_a_persona_number_out_of_range_is_reported(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    text = changed(PERSONA, old, new)
    path = write(tmp_path, "p.yaml", text, kind="personas")
    assert only_problem(path) == (line_of(text, new), message)


def test_a_wrong_type_for_a_bounded_number_states_the_bounds(tmp_path: Path) -> None:
    text = changed(PERSONA, "patience: 3", "patience: high")
    path = write(tmp_path, "p.yaml", text, kind="personas")
    line, message = only_problem(path)
    assert line == line_of(text, "patience: high")
    assert message.startswith("patience: expects") and "integer" in message
    assert message.endswith(", got 'high'")
    assert re.search(r"\b0\b.*\b10\b", message), message


def test_a_bad_duration_states_the_forms_allowed_and_the_value_once(tmp_path: Path) -> None:
    text = changed(SCENARIO, "within_seconds: 10m", "within_seconds: soon")
    path = write(tmp_path, "s.yaml", text)
    line, message = only_problem(path)
    assert line == line_of(text, "within_seconds: soon")
    assert message.startswith("expectations.escalation.within_seconds: expects a duration")
    assert "'90s'" in message and "'7d'" in message
    assert message.count("'soon'") == 1, message


# -- bad literal values -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "field", "allowed", "bad", "suggestion"),
    [
        ("stakes: high", "stakes: hihg", "stakes", "expects 'high' or 'low'", "hihg", "high"),
        ("channels: [chat, voice]", "channels: [chat, vioce]", "channels[1]",
         "expects 'chat', 'voice', 'email', 'sms', 'web' or 'app'", "vioce", "voice"),
        ("amount: {kind: amount,", "amount: {kind: amout,", "facts.amount.kind",
         "'account_number', 'address', 'amount'", "amout", "amount"),
        ("  resolver: human", "  resolver: humna", "goal.resolver",
         "expects 'human', 'either' or 'bot'", "humna", "human"),
        ("  - switch: voice", "  - switch: vocie", "steps[1].switch", "'voice'", "vocie", "voice"),
    ],
    ids=["stakes", "channels", "facts.kind", "resolver", "switch"],
)  # fmt: skip
def test_a_bad_literal_names_the_allowed_values_and_did_you_mean(
    tmp_path: Path, old: str, new: str, field: str, allowed: str, bad: str, suggestion: str
) -> None:
    text = changed(SCENARIO, old, new)
    path = write(tmp_path, "s.yaml", text)
    line, message = only_problem(path)
    assert line == line_of(text, new)
    assert message.startswith(f"{field}: ") and allowed in message
    assert message.endswith(f", got {bad!r} (did you mean {suggestion!r}?)")


def test_a_bad_persona_literal_gets_did_you_mean(tmp_path: Path) -> None:
    text = changed(PERSONA, "asks_for_human: when_stuck", "asks_for_human: at-once")
    path = write(tmp_path, "p.yaml", text, kind="personas")
    assert only_problem(path) == (
        line_of(text, "at-once"),
        "asks_for_human: expects 'at_once', 'when_stuck' or 'never', got 'at-once' "
        "(did you mean 'at_once'?)",
    )


def test_a_literal_far_from_every_choice_gets_no_suggestion(tmp_path: Path) -> None:
    text = changed(SCENARIO, "stakes: high", "stakes: 3")
    path = write(tmp_path, "s.yaml", text)
    line, message = only_problem(path)
    assert (line, message) == (line_of(text, "stakes: 3"), "stakes: expects 'high' or 'low', got 3")


# -- missing required fields ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "field", "line_with"),
    [
        pytest.param("title: A charge I did not make\n", "title", "id: test.fraud", id="title"),
        pytest.param("  intent: dispute_charge\n", "goal.intent", "goal:", id="goal.intent"),
        pytest.param("    required: true\n", "expectations.escalation.required", "  escalation:",
                     id="expectations.escalation.required"),
        pytest.param("  evidence:\n    actions: [dispute_opened]\n"
                     "    text: [\"dispute (is )?open\"]\n",
                     "goal.evidence", "goal:", id="goal.evidence"),
    ],
)  # fmt: skip
def test_a_missing_required_field_is_named_in_full_on_its_parents_line(
    tmp_path: Path, old: str, field: str, line_with: str
) -> None:
    text = changed(SCENARIO, old, "")
    path = write(tmp_path, "s.yaml", text)
    line, message = only_problem(path)
    assert message == f"{field}: is required"
    assert line == line_of(text, line_with, whole=True)


def test_evidence_with_neither_actions_nor_text_says_what_it_needs(tmp_path: Path) -> None:
    text = changed(SCENARIO, '    actions: [dispute_opened]\n    text: ["dispute (is )?open"]\n',
                   "    actions: []\n")  # fmt: skip
    path = write(tmp_path, "s.yaml", text)
    assert only_problem(path) == (
        line_of(text, "  evidence:", whole=True),
        "goal.evidence: needs at least one of 'actions' or 'text'",
    )


# -- duplicate keys ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("domain: banking\n", "domain: banking\ndomain: insurance\n", "domain"),
        ("    within_turns: 2\n", "    within_turns: 2\n    within_turns: 3\n",
         "expectations.escalation.within_turns"),
        ("  account_number: {kind: account_number}\n",
         "  account_number: {kind: account_number}\n  account_number: {kind: iban}\n",
         "facts.account_number"),
    ],
    ids=["top-level", "nested", "flow-mapping-value"],
)  # fmt: skip
def test_a_duplicate_key_is_reported_on_its_second_line(
    tmp_path: Path, old: str, new: str, field: str
) -> None:
    text = changed(SCENARIO, old, new)
    path = write(tmp_path, "s.yaml", text)
    second = line_of(text, new.splitlines()[1].strip())
    assert only_problem(path) == (second, f"{field}: the key appears twice")


def test_a_duplicate_key_does_not_hide_the_files_other_problems(tmp_path: Path) -> None:
    text = changed(SCENARIO, "domain: banking\n", "domain: banking\ndomain: insurance\n")
    text = changed(text, "stakes: high", "stakes: hihg")
    path = write(tmp_path, "s.yaml", text)
    problems = [parse(p, path) for p in problems_of(path)]
    assert (line_of(text, "domain: insurance"), "domain: the key appears twice") in problems
    assert any(m.startswith("stakes: ") and n == line_of(text, "hihg") for n, m in problems)


# -- YAML syntax errors -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("  intent: dispute_charge", "  intent: dispute: charge", "mapping values are not allowed"),
        ("domain: banking", "domain: banking\n\tstakes: low", "found character '\\t'"),
        ("    within_turns: 2", "   within_turns: 2", "expected <block end>"),
    ],
    ids=["mapping-in-value", "tab", "indentation"],
)
def test_a_yaml_syntax_error_gives_its_line_and_no_other_problem(
    tmp_path: Path, old: str, new: str, problem: str
) -> None:
    text = changed(SCENARIO, old, new)
    path = write(tmp_path, "s.yaml", text)
    line, message = only_problem(path)
    assert line == line_of(text, new.splitlines()[-1])
    assert message.startswith("YAML syntax error: ") and problem in message


def test_an_unclosed_flow_sequence_names_the_line_where_it_opens(tmp_path: Path) -> None:
    text = changed(SCENARIO, "  resolver: human", "  resolver: [human")
    path = write(tmp_path, "s.yaml", text)
    line, message = only_problem(path)
    assert message.startswith("YAML syntax error: expected ',' or ']'")
    opened = line_of(text, "resolver: [human")
    assert line == opened or f"line {opened}" in message, (line, message)


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "the file is empty"), ("# nothing\n", "the file is empty"),
     ("- a\n- b\n", "expects a mapping of keys to values at the top")],
    ids=["empty", "comment-only", "list"],
)  # fmt: skip
def test_an_empty_or_non_mapping_file_is_reported(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, "s.yaml", text)
    assert only_problem(path) == (1, message)


# -- references: personas, facts, placeholders -----------------------------------------------


def test_an_unknown_persona_gets_did_you_mean_on_its_own_line(tmp_path: Path) -> None:
    text = changed(SCENARIO, "  - anxious-older", "  - anxious-oldre")
    path = write(tmp_path, "s.yaml", text)
    assert only_problem(path) == (
        line_of(text, "anxious-oldre"),
        "personas[1]: no persona 'anxious-oldre' (did you mean 'anxious-older'?)",
    )


def test_a_persona_defined_in_another_file_of_the_same_load_is_known(tmp_path: Path) -> None:
    text = changed(SCENARIO, "  - anxious-older", "  - test-persona")
    scenario = write(tmp_path, "s.yaml", text)
    persona = write(tmp_path, "p.yaml", PERSONA, kind="personas")
    assert "test.fraud" in load_pack([scenario, persona], base=bundled_personas()).scenarios
    line, message = only_problem(scenario)  # and without the persona file it is unknown
    assert line == line_of(text, "test-persona")
    assert message.startswith("personas[1]: no persona 'test-persona'")


def test_an_unknown_persona_far_from_every_name_lists_the_known_personas(
    tmp_path: Path,
) -> None:
    text = changed(SCENARIO, "  - anxious-older", "  - grumpy")
    path = write(tmp_path, "s.yaml", text)
    line, message = only_problem(path)
    assert line == line_of(text, "grumpy")
    assert message.startswith("personas[1]: no persona 'grumpy'")
    assert all(p in message for p in bundled_personas().personas), message


@pytest.mark.parametrize(
    ("old", "new", "field", "bad"),
    [
        ('{account_number} has a charge', '{acount_number} has a charge', "goal.utterances[1]",
         "placeholder 'acount_number'"),
        ('  - say: "Hello, my account is {account_number}."',
         '  - say: "Hello, my account is {account_numbr}."', "steps[0].say",
         "placeholder 'account_numbr'"),
        ("      - amount\n", "      - amuont\n", "expectations.context.handoff_facts[1]",
         "fact 'amuont'"),
        ("verify: [account_number]", "verify: [acount_number]",
         "expectations.compliance.verify[0]", "fact 'acount_number'"),
    ],
    ids=["utterance", "step-say", "handoff_facts", "verify"],
)  # fmt: skip
def test_an_unknown_fact_is_named_with_its_field_and_did_you_mean(
    tmp_path: Path, old: str, new: str, field: str, bad: str
) -> None:
    text = changed(SCENARIO, old, new)
    path = write(tmp_path, "s.yaml", text)
    line, message = only_problem(path)
    assert line == line_of(text, new.strip().splitlines()[-1])  # the loader gets this right
    assert f"{bad} is not a fact of this scenario" in message  # and this
    assert message.startswith(f"{field}: "), message
    assert "(did you mean 'a" in message and "amount" in message, message


def test_a_switch_to_a_channel_not_in_channels_is_named(tmp_path: Path) -> None:
    text = changed(SCENARIO, "channels: [chat, voice]", "channels: [chat, email]")
    path = write(tmp_path, "s.yaml", text)
    line, message = only_problem(path)
    assert line == line_of(text, "switch: voice")
    assert "'voice' is not in channels" in message
    assert message.startswith("steps[1].switch: "), message


@pytest.mark.parametrize(
    "template",
    ["Hello, my account is {account_number.", "Hello, my account is }"],
    ids=["unclosed", "lone-close"],
)
def test_a_malformed_template_is_a_config_error_with_its_line(
    tmp_path: Path, template: str
) -> None:
    text = changed(SCENARIO, "Hello, my account is {account_number}.", template)
    path = write(tmp_path, "s.yaml", text)
    line, message = only_problem(path)
    assert line == line_of(text, template)
    assert message.startswith("steps[0].say: ") and repr(template) in message


def test_an_empty_placeholder_is_a_config_error(tmp_path: Path) -> None:
    text = changed(SCENARIO, "{account_number}.", "{}.")
    path = write(tmp_path, "s.yaml", text)
    line, message = only_problem(path)
    assert line == line_of(text, "{}.") and message.startswith("steps[0].say: ")


# -- regular expressions ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "field", "pattern"),
    [
        ('fallbacks: ["sorry, I did not understand"]', 'fallbacks: ["sorry["]',
         "lexicon.fallbacks", "sorry["),
        ('asked_by: ["how much"]', 'asked_by: ["how (much"]', "facts.amount.asked_by",
         "how (much"),
        ('text: ["dispute (is )?open"]', 'text: ["dispute (is )?open)"]', "goal.evidence.text",
         "dispute (is )?open)"),
    ],
    ids=["lexicon", "asked_by", "evidence-text"],
)  # fmt: skip
def test_a_bad_regular_expression_names_field_pattern_and_why(
    tmp_path: Path, old: str, new: str, field: str, pattern: str
) -> None:
    text = changed(SCENARIO, old, new)
    path = write(tmp_path, "s.yaml", text)
    line, message = only_problem(path)
    assert line == line_of(text, new)
    assert message.partition(": ")[0] in (field, f"{field}[0]")  # the list, or its one item
    assert f"{pattern!r} is not a valid regular expression (" in message
    assert "position" in message  # re.error's reason, which says where


def test_a_bad_regular_expression_in_a_block_list_is_on_its_own_line(tmp_path: Path) -> None:
    text = changed(SCENARIO, '"nothing (more )?we can do"', '"nothing (more we can do"')
    path = write(tmp_path, "s.yaml", text)
    line, message = only_problem(path)
    assert "'nothing (more we can do' is not a valid regular expression" in message
    assert line == line_of(text, "nothing (more we"), (line, message)
    assert message.startswith("expectations.compliance.forbidden[1]: "), message


# -- duplicate ids ------------------------------------------------------------------------------


def test_a_scenario_id_defined_in_two_files_is_reported_on_the_second(tmp_path: Path) -> None:
    first = write(tmp_path, "a.yaml", SCENARIO)
    second = write(tmp_path, "b.yaml", changed(SCENARIO, "title: A charge", "title: Another"))
    problems = problems_of(tmp_path / "scenarios")
    assert problems == [f"{second}:1: id: scenario 'test.fraud' is already defined in {first}"]


def test_a_persona_id_that_repeats_a_bundled_one_names_the_bundled_file(tmp_path: Path) -> None:
    path = write(tmp_path, "p.yaml", changed(PERSONA, "id: test-persona", "id: calm-precise"),
                 kind="personas")  # fmt: skip
    bundled = bundled_personas().files["persona:calm-precise"]
    assert only_problem(path) == (1, f"id: persona 'calm-precise' is already defined in {bundled}")


def test_the_same_file_named_twice_is_not_a_duplicate(tmp_path: Path) -> None:
    path = write(tmp_path, "a.yaml", SCENARIO)
    pack = load_pack([tmp_path / "scenarios", path], base=bundled_personas())
    assert list(pack.scenarios) == ["test.fraud"]


# -- every problem at once -------------------------------------------------------------------


def test_several_problems_in_one_file_are_all_reported_each_on_its_line(tmp_path: Path) -> None:
    text = SCENARIO
    for old, new in [
        ("stakes: high", "stakes: hihg"),
        ("channels: [chat, voice]", "channels: [chat, vioce]"),
        ("amount: {kind: amount,", "amount: {kind: amout,"),
        ("within_turns: 2", "within_turns: 0"),
        ('fallbacks: ["sorry, I did not understand"]', 'fallbacks: ["("]'),
    ]:
        text = changed(text, old, new)
    path = write(tmp_path, "s.yaml", text)
    problems = [parse(p, path) for p in problems_of(path)]
    expected = [
        (line_of(text, "hihg"), "stakes: "),
        (line_of(text, "vioce"), "channels[1]: "),
        (line_of(text, "amout"), "facts.amount.kind: "),
        (line_of(text, "within_turns: 0"), "expectations.escalation.within_turns: "),
        (line_of(text, 'fallbacks: ["("]'), "lexicon.fallbacks"),  # the list, or its item [0]
    ]
    assert len(problems) == 5, problems
    assert [(n, m[: len(start)]) for (n, m), (_, start) in zip(problems, expected, strict=True)] \
        == expected  # fmt: skip


def test_problems_in_several_files_are_all_reported_in_file_and_line_order(
    tmp_path: Path,
) -> None:
    broken = write(tmp_path, "a.yaml", changed(SCENARIO, "intent: dispute_", "intent: dispute: "))
    literal = write(tmp_path, "b.yaml", changed(SCENARIO, "stakes: high", "stakes: hihg"))
    persona = write(tmp_path, "p.yaml", changed(PERSONA, "patience: 3", "patience: 30"),
                    kind="personas")  # fmt: skip
    problems = problems_of(tmp_path / "scenarios", persona)
    assert [p.partition(": ")[0] for p in problems] == [  # sorted by file, then line
        f"{persona}:3",
        f"{broken}:{line_of(SCENARIO, 'intent: dispute_charge')}",
        f"{literal}:4",
    ]
    assert "30" in problems[0] and "YAML syntax error" in problems[1] and "'hihg'" in problems[2]


# -- the command line ------------------------------------------------------------------------


def test_validate_prints_every_problem_and_exits_2_without_traceback(tmp_path: Path) -> None:
    text = changed(SCENARIO, "stakes: high", "stakes: hihg")
    text = changed(text, "    within_turns: 2", "    within_turn: 2")
    path = write(tmp_path, "s.yaml", text)
    done = harness("validate", str(path), cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines() == [
        f"harness: {path}:4: stakes: expects 'high' or 'low', got 'hihg' (did you mean 'high'?)",
        f"harness: {path}:{line_of(text, 'within_turn:')}: expectations.escalation.within_turn: "
        "unknown key (did you mean 'within_turns'?); allowed keys: on_request_within, required, "
        "within_seconds, within_turns",
    ]


def test_validate_accepts_the_valid_file(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", SCENARIO)
    done = harness("validate", str(path), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ok: 1 scenario(s), ")


def test_validate_reports_a_malformed_template_with_exit_2(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", changed(SCENARIO, "{account_number}.", "{account_number."))
    done = harness("validate", str(path), cwd=tmp_path)
    assert "Traceback" not in done.stderr
    assert done.returncode == 2 and f"harness: {path}:" in done.stderr


# -- one pass, every problem -----------------------------------------------------------------


def test_structural_and_reference_problems_come_in_one_pass(tmp_path: Path) -> None:
    """A wrong value and an unknown placeholder, a persona that does not exist, a switch to a
    channel the scenario lacks: all at once, not one layer per attempt."""
    text = changed(SCENARIO, "stakes: high", "stakes: extreme")
    text = changed(text, '"Hello, my account is {account_number}."', '"It is {acount}."')
    text = changed(text, "  - anxious-older", "  - nobody-here")
    text = changed(text, "  - switch: voice", "  - switch: fax")
    path = write(tmp_path, "fraud.yaml", text)
    found = [parse(p, path) for p in problems_of(path)]
    assert (
        line_of(text, "stakes: extreme"),
        "stakes: expects 'high' or 'low', got 'extreme'",
    ) in found
    messages = [m for _, m in found]
    assert any(m.startswith("steps[0].say: placeholder 'acount' is not a fact") for m in messages)
    assert any(m.startswith("personas[1]: no persona 'nobody-here'") for m in messages)
    assert any(m.startswith("steps[1].switch: expects") and "'fax'" in m for m in messages)


@pytest.mark.parametrize(("locale", "hint"), [("xx_YY", ""), ("de_DD", " (did you mean 'de_DE'?)")])
def test_a_locale_faker_does_not_know_is_refused(tmp_path: Path, locale: str, hint: str) -> None:
    path = write(tmp_path, "p.yaml", PERSONA + f"locale: {locale}\n", kind="personas")
    line, message = only_problem(path)
    assert line == line_of(PERSONA + f"locale: {locale}\n", "locale:")
    assert (
        message
        == f"locale: unknown locale {locale!r}{hint}; e.g. en_US, en_GB, de_DE, fr_FR or es_ES"
    )
