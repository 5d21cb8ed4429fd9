"""`harness load`, `harness sla` and `harness verify` as a vendor uses them: Erlang C on a
month of fraud disputes, statements proven, refuted and inconclusive, evidence checked."""

from __future__ import annotations

import asyncio
import json
import math
import os
import random
import re
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from harness_cli import harness

from harness.bots import reference_bot
from harness.bots.serve import serving
from harness.conversation.shared_desk import DeskPlan, Handle
from harness.load import LoadOptions, Profile, load, parse_rate
from harness.load.arrivals import Mix, arrival_times
from harness.load.evidence import sha256
from harness.load.sla import Judge, Sla, needed, wilson
from harness.loading import load_file, personas_with
from harness.model.seeds import derive_seed
from harness.run.results import read_entries

REPO = Path(__file__).resolve().parent.parent
FRAUD = str(REPO / "scenarios" / "banking" / "fraud-dispute.yaml")
WITHIN_60 = "statements:\n  - time_to_human: {within: 60s, share: 0.8}\n"


def erlang_c_within(c: int, per_hour: float, handle: float, t: float) -> float:
    a = per_hour / 3600 * handle
    top = a**c / math.factorial(c) * c / (c - a)
    waits = top / (sum(a**k / math.factorial(k) for k in range(c)) + top)
    return 1 - waits * math.exp(-(c - a) / handle * t)


def entries(out: Path) -> list[dict[str, Any]]:
    return list(read_entries(out / "results.json"))


def test_a_month_of_fraud_disputes_queues_as_erlang_c_says(tmp_path: Path) -> None:
    """The Done-when run: c=6, 36/h, 8 min handle, no abandonment: M/M/c."""
    done = harness("load", FRAUD, "--rate", "36/h", "--for", "30d", "--agents", "6",
                   "--handle", "8m", "--no-abandonment", "--out", "D", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    waits = [e["metrics"]["queue_wait"] for e in entries(tmp_path / "D")]
    assert len(waits) == pytest.approx(36 * 24 * 30, rel=0.05)
    assert None not in waits  # every fraud dispute reaches the desk
    for t in (0.0, 60.0, 300.0):
        share = sum(1 for w in waits if w <= t) / len(waits)
        assert share == pytest.approx(erlang_c_within(6, 36, 480, t), abs=0.01), t


@pytest.mark.parametrize(
    ("args", "verdict", "status"),
    [
        (("--agents", "6", "--for", "7d"), "proven", 0),
        (("--agents", "1", "--for", "7d"), "refuted", 1),
        (("--agents", "6", "--conversations", "20"), "inconclusive", 1),
    ],
    ids=["6 agents", "1 agent", "20 conversations"],
)
def test_a_statement_is_proven_refuted_or_inconclusive(
    tmp_path: Path, args: tuple[str, ...], verdict: str, status: int
) -> None:
    (tmp_path / "sla.yaml").write_text(WITHIN_60)
    done = harness("load", FRAUD, "--rate", "6/h", "--handle", "8m", "--sla", "sla.yaml",
                   "--out", "out", *args, cwd=tmp_path)  # fmt: skip
    assert done.returncode == status, done.stderr
    statement = json.loads((tmp_path / "out" / "sla.json").read_text())["statements"][0]
    assert statement["name"] == "time_to_human" and statement["verdict"] == verdict
    assert f"{verdict:<13}time_to_human within 60 s" in done.stdout
    if verdict == "inconclusive":
        assert statement["n"] == 20 and statement["needed"] > 0
        assert f"about {statement['needed']} more conversations" in done.stdout
    else:
        assert statement["needed"] is None


def test_needed_is_the_count_that_settles_it() -> None:
    hits, n, target = 17, 20, 0.8  # 85% seen: inconclusive at 20
    total = needed(hits, n, target, True, 0.95)
    assert total is not None and total > n
    low = wilson(round(0.85 * total), total, 0.95)[0]
    assert low >= target > wilson(round(0.85 * (total - 1)), total - 1, 0.95)[0]
    assert needed(16, 20, 0.8, True, 0.95) is None  # exactly on the target: never settles


def test_wilson_matches_the_textbook() -> None:
    low, high = wilson(81, 100, 0.95)
    assert (low, high) == (pytest.approx(0.7222, abs=1e-4), pytest.approx(0.8749, abs=1e-4))
    assert wilson(0, 0, 0.95) == (0.0, 1.0)


def test_every_statement_kind_counts_what_it_says() -> None:
    sla = Sla.model_validate({"statements": [
        {"time_to_human": {"within": "60s", "share": 0.5}},
        {"bot_time_to_handoff": {"within": "1 turn", "share": 0.5}},
        {"bot_time_to_handoff": {"within": "10s", "share": 0.5}},
        {"handoff_context_complete": {"share": 0.5}},
        {"false_containment": {"at_most": 0.5}},
        {"abandonment": {"at_most": 0.5}},
    ]})  # fmt: skip
    judge = Judge(sla)

    def entry(outcome: str, **metrics: Any) -> dict[str, Any]:
        base = {"handoff_turn": None, "time_to_human": None, "arrived_at": 0.0}
        checks = [{"name": "context.handoff_payload", "verdict": metrics.pop("context", "skip")}]
        return {"outcome": outcome, "metrics": {**base, **metrics}, "checks": checks}

    took = {"seconds": 5.0, "turns": 2}
    judge.add(entry("resolved_by_human", handoff_turn=2, time_to_human=30.0,
                    bot_time_to_handoff=took, context="pass"))  # fmt: skip
    judge.add(entry("escalated_unresolved", handoff_turn=1, queue_abandoned=True,
                    bot_time_to_handoff=took, context="fail"))  # fmt: skip
    judge.add(entry("contained_unresolved"))
    judge.add(entry("abandoned"))
    judge.add(entry("error"))
    counted = {(s["name"], str(s["target"].get("within"))): (s["n"], s["estimate"])
               for s in judge.statements()}  # fmt: skip
    assert counted == {
        ("time_to_human", "60.0"): (2, 0.5),  # the one who gave up in the queue did not
        ("bot_time_to_handoff", "1 turns"): (2, 0.0),
        ("bot_time_to_handoff", "10.0"): (2, 1.0),
        ("handoff_context_complete", "None"): (2, 0.5),
        ("false_containment", "None"): (4, 0.25),
        ("abandonment", "None"): (4, 0.5),  # in the bot, and in the queue
    }


def test_sla_judges_several_runs_together(tmp_path: Path) -> None:
    (tmp_path / "sla.yaml").write_text(WITHIN_60)
    for name, seed in (("a", "1"), ("b", "2")):
        done = harness("load", FRAUD, "--rate", "6/h", "--conversations", "30", "--seed", seed,
                       "--out", name, "-q", cwd=tmp_path)  # fmt: skip
        assert done.returncode == 0, done.stderr
    judged = harness("sla", "--sla", "sla.yaml", "a", "b", "--out", "sla.json", cwd=tmp_path)
    assert "60 conversations from 2 run(s)" in judged.stdout
    statement = json.loads((tmp_path / "sla.json").read_text())["statements"][0]
    assert statement["n"] == 60 and judged.returncode == (statement["verdict"] != "proven")
    missing = harness("sla", "--sla", "sla.yaml", "a", "nowhere", cwd=tmp_path)
    assert missing.returncode == 2 and "nowhere: no results.json" in missing.stderr


def test_verify_passes_then_names_the_file_that_changed(tmp_path: Path) -> None:
    (tmp_path / "sla.yaml").write_text(WITHIN_60)
    made = harness("load", FRAUD, "--rate", "12/h", "--for", "1d", "--agents", "2", "--sla",
                   "sla.yaml", "--out", "D", cwd=tmp_path)  # fmt: skip
    assert made.returncode in (0, 1), made.stderr
    manifest = json.loads((tmp_path / "D" / "manifest.json").read_text())
    assert manifest["command"][:2] == ["harness", "load"] and manifest["seed"] == 0
    assert "sla.yaml" in manifest["inputs"] and "results.json" in manifest["outputs"]
    assert "report.html" in manifest["outputs"]  # the report is part of the evidence
    assert any(name.startswith("transcripts/") for name in manifest["outputs"])
    checked = harness("verify", "D", cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert "replay: the same conversations" in checked.stdout
    transcript = tmp_path / "D" / next(n for n in manifest["outputs"] if "transcripts/" in n)
    data = bytearray(transcript.read_bytes())
    data[20] ^= 1  # one byte
    transcript.write_bytes(bytes(data))
    broken = harness("verify", "D", cwd=tmp_path)
    assert broken.returncode == 1
    assert f"{transcript.relative_to(tmp_path)}: changed since the run" in broken.stderr


def test_verify_replays_the_run_and_catches_a_consistent_forgery(tmp_path: Path) -> None:
    """A forger who rewrites a verdict and its hash is caught by the replay."""
    made = harness("load", FRAUD, "--rate", "12/h", "--conversations", "15", "--out", "D", "-q",
                   cwd=tmp_path)  # fmt: skip
    assert made.returncode == 0, made.stderr
    results = tmp_path / "D" / "results.json"
    text = re.sub(r'"verdict": ?"pass"', '"verdict":"fail"', results.read_text(), count=1)
    results.write_text(text)
    manifest_path = tmp_path / "D" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["outputs"]["results.json"] = sha256(results)
    manifest_path.write_text(json.dumps(manifest))
    forged = harness("verify", "D", cwd=tmp_path)
    assert forged.returncode == 1 and "replay differs: conversation" in forged.stderr


def test_the_same_seed_gives_the_same_run(tmp_path: Path) -> None:
    pack = personas_with([Path(FRAUD)])
    options = LoadOptions(rate=30 / 3600, conversations=60,
                          desk=DeskPlan(agents=1, handle=Handle(mean=300)))  # fmt: skip
    first = load(pack, options, tmp_path / "a")
    again = load(pack, options, tmp_path / "b")
    assert entries(tmp_path / "a") == entries(tmp_path / "b")
    assert first.sla == again.sla
    other = load(pack, LoadOptions(**{**_fields(options), "seed": 1}), tmp_path / "c")
    assert entries(tmp_path / "c") != entries(tmp_path / "a") and other.conversations == 60


def _fields(options: LoadOptions) -> dict[str, Any]:
    return {name: getattr(options, name) for name in LoadOptions.__dataclass_fields__}


def test_impatient_customers_give_up_in_the_queue(tmp_path: Path) -> None:
    (tmp_path / "desk.yaml").write_text("agents: 1\nhandle: {mean: 20m}\npatience: 2m\n")
    (tmp_path / "sla.yaml").write_text("statements:\n  - abandonment: {at_most: 0.05}\n")
    done = harness("load", FRAUD, "--rate", "12/h", "--for", "2d", "--desk", "desk.yaml",
                   "--sla", "sla.yaml", "--out", "out", "-q", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 1
    gave_up = [e for e in entries(tmp_path / "out") if e["metrics"]["queue_abandoned"]]
    assert len(gave_up) > 10
    assert all(e["metrics"]["time_to_human"] is None and e["metrics"]["queue_wait"] > 0
               for e in gave_up)  # fmt: skip
    report = json.loads((tmp_path / "out" / "sla.json").read_text())
    assert report["statements"][0]["verdict"] == "refuted"
    assert report["desk"]["abandoned"] == len(gave_up)
    assert report["hourly"][0]["hour"] == 0 and "queue_length" in report["hourly"][0]


def test_load_metrics_are_in_every_entry(tmp_path: Path) -> None:
    done = harness("load", FRAUD, "--rate", "2/min", "--conversations", "10", "--agents", "10",
                   "--out", "out", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "load: day 1 " in done.stderr  # plain progress lines: not a terminal
    found = entries(tmp_path / "out")
    arrived = [e["metrics"]["arrived_at"] for e in found]
    assert arrived == sorted(arrived) and len(found) == 10  # in arrival order
    took = found[0]["metrics"]["bot_time_to_handoff"]
    assert took["turns"] >= 1 and took["seconds"] >= 0
    assert (tmp_path / "out" / found[0]["transcript"]).is_file()
    assert not list((tmp_path / "out").glob(".*.part"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--for", "1h"), "give --rate"),
        (("--rate", "1/week", "--for", "1h"), "expects a rate such as '120/h'"),
        (("--rate", "1/h", "--for", "1h", "--conversations", "3"), "not allowed with"),
        (("--rate", "1/h", "--for", "1h", "--sla", "bad.yaml"), "bad.yaml:2: statements"),
        (("--rate", "1/h", "--for", "1h", "--out", "."), "not empty"),
    ],
    ids=["no rate", "bad rate", "for and conversations", "bad sla", "out not empty"],
)
def test_usage_errors_exit_2_in_one_line(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    (tmp_path / "bad.yaml").write_text("statements:\n  - time_to_human: {within: soon}\n")
    done = harness("load", FRAUD, *args, cwd=tmp_path)
    assert done.returncode == 2 and message in done.stderr
    assert "Traceback" not in done.stderr


def test_the_files_users_write_have_schemas(tmp_path: Path) -> None:
    for what, field in (("desk", "shifts"), ("sla", "statements"), ("profile", "blocks")):
        schema = json.loads(harness("schema", what, cwd=tmp_path).stdout)
        assert field in schema["properties"]
    for what in ("scenario", "persona"):
        schema = json.loads(harness("schema", what, cwd=tmp_path).stdout)
        assert schema["properties"]["weight"]["default"] == 1.0


def test_rates_and_profiles() -> None:
    assert [parse_rate(r) for r in ("120/h", "2/min", "0.5/s", "24/d")] == pytest.approx(
        [1 / 30, 1 / 30, 0.5, 1 / 3600]
    )
    profile = Profile.model_validate({"blocks": [
        {"at": "0h", "rate": "10/h"}, {"at": "8h", "rate": "100/h", "ramp": "2h"},
        {"at": "18h", "rate": "10/h"},
    ]})  # fmt: skip
    assert profile.rate_at(9 * 3600) * 3600 == pytest.approx(55)  # half way up the ramp
    times = list(arrival_times(random.Random(0), profile, until=30 * 86400, count=None))
    by_hour = [0] * 24
    for t in times:
        by_hour[int(t % 86400 // 3600)] += 1
    assert by_hour[3] / 30 == pytest.approx(10, rel=0.2)
    assert by_hour[12] / 30 == pytest.approx(100, rel=0.1)


def test_weights_decide_who_arrives(tmp_path: Path) -> None:
    persona = "id: {id}\nname: {id}\nweight: {w}\n"
    for name, weight in (("often", 3), ("seldom", 1)):
        (tmp_path / "personas").mkdir(exist_ok=True)
        (tmp_path / "personas" / f"{name}.yaml").write_text(persona.format(id=name, w=weight))
    scenario = json.loads(json.dumps(Path(FRAUD).read_text()))
    (tmp_path / "fraud.yaml").write_text(scenario + "personas: [often, seldom]\n")
    pack = personas_with([tmp_path / "personas", tmp_path / "fraud.yaml"])
    mix, rng = Mix(pack), random.Random(0)
    drawn = [mix.draw(rng)[1].id for _ in range(4000)]
    assert drawn.count("often") / len(drawn) == pytest.approx(0.75, abs=0.03)


def test_a_changed_input_is_named_too(tmp_path: Path) -> None:
    (tmp_path / "sla.yaml").write_text(WITHIN_60)
    made = harness("load", FRAUD, "--rate", "12/h", "--conversations", "5", "--sla", "sla.yaml",
                   "--out", "D", "-q", cwd=tmp_path)  # fmt: skip
    assert made.returncode in (0, 1), made.stderr
    (tmp_path / "sla.yaml").write_text(WITHIN_60.replace("0.8", "0.5"))
    changed = harness("verify", "D", "--no-replay", cwd=tmp_path)
    assert changed.returncode == 1 and "sla.yaml: changed since the run" in changed.stderr


def test_an_endpoint_file_is_hashed_and_its_secret_never_written(tmp_path: Path) -> None:
    (tmp_path / "bot.yaml").write_text(
        "kind: subprocess\n"
        f"command: [{json.dumps(sys.executable)}, -m, harness, demo-bot, stdio]\n"
        "env:\n  BOT_API_KEY: ${ENV:LOAD_TEST_SECRET}\n"
    )
    env = {**os.environ, "LOAD_TEST_SECRET": "s3cr3t-do-not-write", "PYTHONPATH": str(REPO)}
    made = harness("load", FRAUD, "--bot", "bot.yaml", "--rate", "12/h", "--conversations", "5",
                   "--out", "D", "-q", cwd=tmp_path, env=env)  # fmt: skip
    assert made.returncode == 0, made.stderr
    manifest = json.loads((tmp_path / "D" / "manifest.json").read_text())
    assert manifest["inputs"]["bot.yaml"] == sha256(tmp_path / "bot.yaml")
    for path in (tmp_path / "D").rglob("*"):
        assert not path.is_file() or b"s3cr3t" not in path.read_bytes(), path


def test_a_profile_drives_the_arrivals(tmp_path: Path) -> None:
    (tmp_path / "profile.yaml").write_text(
        "blocks:\n  - {at: 0h, rate: 0/h}\n  - {at: 6h, rate: 60/h, ramp: 1h}\n"
    )
    made = harness("load", FRAUD, "--profile", "profile.yaml", "--conversations", "30",
                   "--agents", "10", "--out", "D", "-q", cwd=tmp_path)  # fmt: skip
    assert made.returncode == 0, made.stderr
    arrived = [e["metrics"]["arrived_at"] for e in entries(tmp_path / "D")]
    assert min(arrived) > 6 * 3600  # nobody before the ramp begins
    written = json.loads((tmp_path / "D" / "results.json").read_text())["run"]["load"]
    assert written["profile"]["blocks"][1]["rate"] == pytest.approx(60 / 3600)


def slow_native_app(delay: float) -> web.Application:
    """The careful reference bot over HTTP, `delay` wall seconds slow on every answer."""
    bot = reference_bot("careful")

    async def answer(request: web.Request) -> web.Response:
        body = await request.json()
        await asyncio.sleep(delay)
        return web.json_response(bot(body))

    app = web.Application()
    app.router.add_post("/", answer)
    return app


def test_live_a_slow_bot_never_slows_the_arrivals(tmp_path: Path) -> None:
    """Open model: customers arrive on schedule however long the bot takes to answer."""
    speed, rate = 60.0, 1200 / 3600
    # a lag bound a busy test machine keeps: the run's validity is another test's subject
    options = LoadOptions(rate=rate, conversations=10, desk=DeskPlan(agents=10), live=True,
                          speed=speed, max_lag=0.25)  # fmt: skip
    with serving(slow_native_app(0.3)) as url:
        result = load(personas_with([Path(FRAUD)]), replace(options, bot=url), tmp_path / "out")
    assert result.sla["live"]["valid"], result.sla["live"]
    schedule = list(arrival_times(random.Random(derive_seed(0, "load", "arrivals")), rate,
                                  until=None, count=10))  # fmt: skip
    found = entries(tmp_path / "out")
    # under a fifth of a wall second late, where one answer of the bot takes 0.3 s
    for entry, due in zip(found, schedule, strict=True):
        assert entry["metrics"]["arrived_at"] == pytest.approx(due, abs=0.2 * speed)
    events = [json.loads(line) for line in (tmp_path / "out" / found[0]["transcript"])
              .read_text().splitlines()[1:]]  # fmt: skip
    sent = next(e["t"] for e in events if e["kind"] == "customer_message")
    answered = next(e["t"] for e in events if e["kind"] == "bot_message")
    assert answered - sent >= 0.3 * speed * 0.9  # the bot's real time, in simulated seconds


def test_live_a_harness_that_cannot_keep_time_makes_the_run_invalid(tmp_path: Path) -> None:
    done = harness("load", FRAUD, "--rate", "3600/h", "--conversations", "5", "--live",
                   "--speed", "100", "--max-lag", "0.000000001", "--agents", "10", "--out", "D",
                   cwd=tmp_path)  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "INVALID: the harness could not keep time" in done.stdout
    live = json.loads((tmp_path / "D" / "sla.json").read_text())["live"]
    assert live["valid"] is False and live["lag_seconds"]["p99"] > 0
    assert json.loads((tmp_path / "D" / "manifest.json").read_text())["mode"] == "live"
    checked = harness("verify", "D", cwd=tmp_path)
    assert checked.returncode == 0 and "replay: none" in checked.stdout


def test_the_example_files_in_the_readme_load() -> None:
    for model, name in ((Sla, "sla.yaml"), (DeskPlan, "desk.yaml"), (Profile, "profile.yaml")):
        assert load_file(model, REPO / "examples" / "load" / name)
