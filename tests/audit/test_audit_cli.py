"""`harness import` and `harness audit` as a user runs them: real files, subprocesses."""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import re
import subprocess
from pathlib import Path
from types import ModuleType

import pytest
from harness_cli import harness, verdicts

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "audit"
SALT = {**os.environ, "HARNESS_SALT": "test-salt-not-a-secret"}


def flatten_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("flatten", EXAMPLES / "flatten.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def failing(results: Path, check: str) -> set[str]:
    written = json.loads(results.read_text())
    return {
        c["conversation_id"]
        for c in written["conversations"]
        for v in c["checks"]
        if v["name"] == check and v["verdict"] == "fail"
    }


def without_times(results: Path) -> dict[str, object]:
    written = json.loads(results.read_text())
    del written["run"]["started"], written["run"]["finished"]
    return written


def test_round_trip_finds_the_amnesiacs_reasks_in_the_same_conversations(tmp_path: Path) -> None:
    played = harness("run", "--bot", "demo:amnesiac", "--out", "played", "-q", cwd=tmp_path)
    assert played.returncode == 1
    rows = flatten_module().flatten(tmp_path / "played" / "transcripts", tmp_path / "export.csv")
    assert rows > 1000
    done = import_csv(tmp_path, "export.csv", "imported")
    assert done.returncode == 0, done.stderr
    audited = harness("audit", "imported", "--out", "audited", "--workers", "1", cwd=tmp_path)
    assert audited.returncode == 1, audited.stderr
    for check in ("context.no_reask", "context.channel_carryover"):
        in_run = failing(tmp_path / "played" / "results.json", check)
        assert in_run, check  # the amnesiac does fail it: the comparison means something
        assert failing(tmp_path / "audited" / "results.json", check) == in_run, check


def test_a_careful_bots_conversations_pass_the_audit_after_import(tmp_path: Path) -> None:
    harness("run", "--scenario", "banking.*", "--out", "played", "-q", cwd=tmp_path)
    flatten_module().flatten(tmp_path / "played" / "transcripts", tmp_path / "export.csv")
    import_csv(tmp_path, "export.csv", "imported")
    audited = harness("audit", "imported", "--out", "audited", "--workers", "1", cwd=tmp_path)
    assert audited.returncode == 0, audited.stdout + audited.stderr
    assert "0 failed" in audited.stdout
    assert "report: audited/report.html" in audited.stdout  # a report, as for a run
    assert "<h2>" in (tmp_path / "audited" / "report.html").read_text()


PERSONAL = [
    ("alice", "Hi, I'm writing from alice.smith@example.org about my card 4539 1488 0343 6467."),
    ("alice", "You can call me on +44 7700 900123 or 020 7946 0958."),
    ("alice", "Again: alice.smith@example.org, card 4539148803436467, phone +44 7700 900123"),
    ("bob", "bob_99@mail.example.com here, my card is 5500-0000-0000-0004, call 07911 123456"),
]


ACKNOWLEDGEMENTS = ("Noted.", "Thank you, I have that.", "Understood, one moment.", "Got it.")


def import_csv(tmp_path: Path, csv: str, out: str) -> subprocess.CompletedProcess[str]:
    """`harness import CSV --map examples/audit/map.yaml -o OUT` with the test's salt."""
    return harness("import", csv, "--map", str(EXAMPLES / "map.yaml"), "-o", out,
                   cwd=tmp_path, env=SALT)  # fmt: skip


def write_personal_csv(path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["conv_id", "user_id", "ts", "speaker", "message", "channel"])
        for i, (who, text) in enumerate(PERSONAL):
            writer.writerow(
                [
                    f"conv-{who}",
                    f"{who}@customers.example",
                    f"2024-05-01T10:0{i}:00Z",
                    "user",
                    text,
                    "chat",
                ]
            )
            writer.writerow(
                [
                    f"conv-{who}",
                    f"{who}@customers.example",
                    f"2024-05-01T10:0{i}:30Z",
                    "bot",
                    # replies in words of their own: the same words again would be a loop
                    f"I'm an automated assistant. {ACKNOWLEDGEMENTS[i]}",
                    "chat",
                ]
            )


def test_no_personal_value_reaches_the_output_and_one_value_has_one_fake(tmp_path: Path) -> None:
    write_personal_csv(tmp_path / "export.csv")
    done = import_csv(tmp_path, "export.csv", "out")
    assert done.returncode == 0, done.stderr
    harness("audit", "out", "--out", "out/audit", "--workers", "1", cwd=tmp_path)
    originals = [
        "alice.smith@example.org",
        "4539 1488 0343 6467",
        "4539148803436467",
        "+44 7700 900123",
        "020 7946 0958",
        "bob_99@mail.example.com",
        "5500-0000-0000-0004",
        "07911 123456",
        "alice@customers.example",
        "bob@customers.example",
        "7700900123",
        "5500000000000004",
    ]
    written = {p: p.read_text() for p in (tmp_path / "out").rglob("*") if p.is_file()}
    assert len(written) >= 5
    everything = "\n".join(written.values())
    for value in originals:
        assert value not in everything, value
    assert "test-salt-not-a-secret" not in everything + done.stdout + done.stderr
    alice = next(t for p, t in written.items() if "conv-alice" in p.name and "audit" not in str(p))
    emails = re.findall(r"person-[0-9a-f]{8}@example\.com", alice)
    said = [json.loads(line) for line in alice.splitlines()[1:]]
    texts = [e["text"] for e in said if e["kind"] == "customer_message"]
    cards = [re.findall(r"\d{4} ?\d{4} ?\d{4} ?\d{4}", text) for text in texts]
    assert cards[0] and [c.replace(" ", "") for c in cards[0]] == [
        c.replace(" ", "") for c in cards[2]
    ]  # the same card, spaced or not, has one fake
    assert len(set(emails)) == 1  # one address, one fake, everywhere
    summary = json.loads((tmp_path / "out" / "import.json").read_text())
    assert summary["replaced"]["email"] == 3 and summary["replaced"]["card_number"] == 3
    assert "email 3" in done.stdout


def test_another_salt_gives_other_fakes(tmp_path: Path) -> None:
    write_personal_csv(tmp_path / "export.csv")
    for salt in ("one", "two"):
        harness(
            "import",
            "export.csv",
            "--map",
            str(EXAMPLES / "map.yaml"),
            "-o",
            salt,
            "--salt",
            salt,
            cwd=tmp_path,
        )
    one = sorted((tmp_path / "one" / "transcripts").glob("*.jsonl"))
    two = sorted((tmp_path / "two" / "transcripts").glob("*.jsonl"))
    assert [p.name for p in one] == [p.name for p in two]
    assert one[0].read_text() != two[0].read_text()


def test_import_without_a_salt_is_a_usage_error(tmp_path: Path) -> None:
    write_personal_csv(tmp_path / "export.csv")
    env = {k: v for k, v in os.environ.items() if k != "HARNESS_SALT"}
    done = harness(
        "import",
        "export.csv",
        "--map",
        str(EXAMPLES / "map.yaml"),
        "-o",
        "out",
        cwd=tmp_path,
        env=env,
    )
    assert done.returncode == 2 and "HARNESS_SALT" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "out").exists()


def test_workers_give_the_same_results_as_one(tmp_path: Path) -> None:
    harness(
        "run",
        "--bot",
        "demo:amnesiac",
        "--scenario",
        "banking.*",
        "--repeat",
        "3",
        "--out",
        "played",
        "-q",
        cwd=tmp_path,
    )
    flatten_module().flatten(tmp_path / "played" / "transcripts", tmp_path / "export.csv")
    import_csv(tmp_path, "export.csv", "imported")
    one = harness("audit", "imported", "--out", "one", "--workers", "1", cwd=tmp_path)
    two = harness("audit", "imported", "--out", "two", "--workers", "2", cwd=tmp_path)
    assert one.returncode == two.returncode == 1
    assert without_times(tmp_path / "one" / "results.json") == without_times(
        tmp_path / "two" / "results.json"
    )
    names = sorted(p.name for p in (tmp_path / "two" / "transcripts").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "one" / "transcripts").iterdir())


def test_a_malformed_row_is_named_by_file_and_line_and_the_rest_goes_on(tmp_path: Path) -> None:
    write_personal_csv(tmp_path / "export.csv")
    lines = (tmp_path / "export.csv").read_text().splitlines()
    lines.insert(3, 'conv-alice,alice@customers.example,not a time,user,"hello",chat')
    lines.insert(5, "conv-alice,only,three")
    (tmp_path / "export.csv").write_text("\n".join(lines) + "\n")
    done = import_csv(tmp_path, "export.csv", "out")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "export.csv:4: time expects ISO 8601 or epoch seconds, got 'not a time'" in done.stderr
    assert "export.csv:6: expects 6 fields, got 3" in done.stderr
    assert "2 bad row(s)" in done.stdout
    assert len((tmp_path / "out" / "bad-rows.txt").read_text().splitlines()) == 2
    assert len(list((tmp_path / "out" / "transcripts").glob("*.jsonl"))) == 2
    audited = harness("audit", "out", "--out", "audit", "--workers", "1", cwd=tmp_path)
    assert audited.returncode == 0, audited.stdout + audited.stderr


def test_a_broken_transcript_is_an_error_and_the_audit_goes_on(tmp_path: Path) -> None:
    write_personal_csv(tmp_path / "export.csv")
    import_csv(tmp_path, "export.csv", "out")
    broken = tmp_path / "out" / "transcripts" / "zz-broken.jsonl"
    good = next((tmp_path / "out" / "transcripts").glob("conv-bob*.jsonl")).read_text()
    broken.write_text(good.splitlines()[0] + "\n" + good.splitlines()[1] + "\n{not json\n")
    audited = harness("audit", "out", "--out", "audit", "--workers", "1", cwd=tmp_path)
    assert audited.returncode == 1 and "Traceback" not in audited.stderr
    assert "zz-broken.jsonl:3: not a transcript" in audited.stderr
    written = json.loads((tmp_path / "audit" / "results.json").read_text())
    assert [c["verdict"] for c in written["conversations"]].count("pass") == 2
    assert written["summary"]["error"] == 1 and written["summary"]["exit_status"] == 1


def test_a_bad_mapping_file_names_file_line_and_field(tmp_path: Path) -> None:
    text = (EXAMPLES / "map.yaml").read_text().replace("format: csv", "format: xlsx")
    (tmp_path / "map.yaml").write_text(text)
    write_personal_csv(tmp_path / "export.csv")
    done = harness("import", "export.csv", "--map", "map.yaml", "-o", "out", cwd=tmp_path, env=SALT)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert re.search(r"map\.yaml:2: format: .*xlsx", done.stderr), done.stderr


def test_a_missing_column_is_reported_once(tmp_path: Path) -> None:
    (tmp_path / "export.csv").write_text("conv_id,user_id,ts,speaker,text,channel\n1,2,3,4,5,6\n")
    done = import_csv(tmp_path, "export.csv", "out")
    assert done.returncode == 1
    assert "export.csv:1: no column 'message' in the header" in done.stderr


def test_rasa_and_botium_exports_are_read_without_a_mapping(tmp_path: Path) -> None:
    done = harness(
        "import",
        str(EXAMPLES / "rasa-tracker.json"),
        str(EXAMPLES / "card-dispute.convo.txt"),
        "-o",
        "out",
        cwd=tmp_path,
        env=SALT,
    )
    assert done.returncode == 0, done.stderr
    everything = "\n".join(p.read_text() for p in (tmp_path / "out").rglob("*.jsonl"))
    for value in ("31926819", "sam.taylor@example.net", "+447700900123"):
        assert value not in everything
    audited = harness("audit", "out", "--out", "audit", "--workers", "1", cwd=tmp_path)
    assert audited.returncode == 1
    written = json.loads((tmp_path / "audit" / "results.json").read_text())
    fails = {
        c["conversation_id"].split("#")[-1] if "#" in c["conversation_id"] else "botium": {
            v["name"] for v in c["checks"] if v["verdict"] == "fail"
        }
        for c in written["conversations"]
    }
    # Rasa: the first session's "has been processed" is followed by a second contact 2 days on
    assert fails["1"] == {"resolution.no_false_claim"}
    assert fails["2"] == {"compliance.ai_disclosure"}  # the second session never says it
    assert fails["botium"] == {"context.no_reask"}  # the convo asks for the account twice
    assert written["summary"]["repeat_contact_rate"] == pytest.approx(1 / 3)


def test_botium_convos_become_scenarios_that_run(tmp_path: Path) -> None:
    done = harness(
        "import",
        "--as-scenarios",
        str(EXAMPLES / "card-dispute.convo.txt"),
        "-o",
        "out",
        cwd=tmp_path,
        env=SALT,
    )
    assert done.returncode == 0, done.stderr
    written = list((tmp_path / "out" / "scenarios").glob("*.yaml"))
    assert len(written) == 1 and "31926819" not in written[0].read_text()
    assert harness("validate", str(written[0]), cwd=tmp_path).returncode == 0


def test_the_scenario_map_applies_a_scenarios_checks(tmp_path: Path) -> None:
    write_personal_csv(tmp_path / "export.csv")
    import_csv(tmp_path, "export.csv", "out")
    (tmp_path / "scenarios.yaml").write_text(
        "defaults: {compliance: {ai_disclosure: false}}\n"
        "rules:\n  - scenario: banking.fraud-dispute\n    keyword: 'card'\n    channel: chat\n"
    )
    audited = harness(
        "audit",
        "out",
        "--scenario-map",
        "scenarios.yaml",
        "--out",
        "audit",
        "--workers",
        "1",
        cwd=tmp_path,
    )
    written = json.loads((tmp_path / "audit" / "results.json").read_text())
    assert {c["scenario"] for c in written["conversations"]} == {"banking.fraud-dispute"}
    checks = {v["name"]: v["verdict"] for v in written["conversations"][0]["checks"]}
    assert checks["escalation.required"] == "fail"  # the fraud scenario needs a human
    assert audited.returncode == 1
    (tmp_path / "bad.yaml").write_text(
        "rules:\n  - scenario: banking.fraud-dispte\n    keyword: x\n"
    )
    bad = harness("audit", "out", "--scenario-map", "bad.yaml", cwd=tmp_path)
    assert bad.returncode == 2 and "did you mean 'banking.fraud-dispute'" in bad.stderr


def test_the_audit_files_have_json_schemas(tmp_path: Path) -> None:
    for what, field in (("mapping", "handoff"), ("scenario-map", "rules")):
        done = harness("schema", what, cwd=tmp_path)
        assert done.returncode == 0 and field in json.loads(done.stdout)["properties"]


def test_auditing_a_runs_own_transcripts_gives_the_runs_verdicts(tmp_path: Path) -> None:
    harness("run", "--bot", "demo:amnesiac", "--scenario", "banking.*", "--out", "played",
            "-q", cwd=tmp_path)  # fmt: skip
    audited = harness("audit", "played/transcripts", "--out", "audit", "--workers", "1",
                      cwd=tmp_path)  # fmt: skip
    assert audited.returncode == 1
    assert verdicts(tmp_path / "audit" / "results.json") == verdicts(
        tmp_path / "played" / "results.json"
    )
    run = json.loads((tmp_path / "played" / "results.json").read_text())["summary"]
    audit = json.loads((tmp_path / "audit" / "results.json").read_text())["summary"]
    assert audit == run
