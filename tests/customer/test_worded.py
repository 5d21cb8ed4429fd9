"""A language-model customer (`--customer`, `--customer-replay`; customer.worded and
adapters.customer_model), against a scripted OpenAI-compatible server on 127.0.0.1: the
model's words reach the bot, every call is recorded and replays with no network, and a model
that invents a fact, refuses, answers badly or too late spoils only its own conversations,
which end as `error` with cause "customer simulator", their checks not judged."""

from __future__ import annotations

import asyncio
import json
import os
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from harness_cli import harness

from harness import Customer, bundled_dir, load_pack
from harness.bots.serve import serving
from harness.customer.policy import Say
from harness.customer.worded import WordedCustomer
from harness.model.transcript import Transcript

PACK = load_pack([bundled_dir("personas"), bundled_dir("scenarios")])
SCENARIOS = ("--scenario", "banking.fraud-dispute", "--scenario", "banking.balance",
             "--persona", "calm-precise", "--persona", "terse-mobile")  # fmt: skip
INVENTED = "99887766"
RETRY = "That message cannot be sent"
AUTHORIZATION = web.AppKey("authorization", list[str | None])  # what each call was sent


def draft(messages: list[dict[str, str]]) -> str:
    """The policy's own words for the message, as the prompt gives them."""
    return messages[1]["content"].split("In other words than these: ", 1)[1]


async def complete(request: web.Request) -> web.Response:
    """Answers as the `model` asked for says: the script of each behaviour."""
    body = await request.json()
    request.app[AUTHORIZATION].append(request.headers.get("Authorization"))
    messages, model = body["messages"], body["model"]
    retried = messages[-1]["content"].startswith(RETRY)
    text: str | None = "Well, " + draft(messages)
    if model == "invents" or (model == "invents-once" and not retried):
        text = f"{text} My account number is {INVENTED}."
    elif model == "malformed":
        return web.json_response({"id": "x", "object": "chat.completion"})
    elif model == "refuses":
        text = None
    elif model == "slow":
        await asyncio.sleep(2)
    message = {"role": "assistant", "content": text,
               "refusal": "I can't help with that." if text is None else None}  # fmt: skip
    return web.json_response({"object": "chat.completion", "choices": [{"message": message}]})


@pytest.fixture
def model() -> Iterator[tuple[str, web.Application]]:
    app = web.Application()
    app[AUTHORIZATION] = []
    app.router.add_post("/v1/chat/completions", complete)
    with serving(app) as url:
        yield url + "v1", app


def endpoint(folder: Path, url: str, name: str) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(f"kind: openai\nurl: {url}\nmodel: {name}\ntimeout: 0.5\n"
                    "headers: {Authorization: 'Bearer ${ENV:CUSTOMER_MODEL_KEY}'}\n")  # fmt: skip
    return path


def run(folder: Path, *args: str) -> tuple[int, dict[str, Any]]:
    env = {**os.environ, "CUSTOMER_MODEL_KEY": "sk-secret-4242"}
    done = harness("run", "--bot", "demo:careful", *SCENARIOS, *args, cwd=folder, env=env)
    assert done.returncode in (0, 1), done.stderr
    out = Path(args[args.index("--out") + 1])
    return done.returncode, json.loads((folder / out / "results.json").read_text())


def said(folder: Path) -> dict[str, list[tuple[str, str]]]:
    """Each transcript's events as (kind, text), times aside."""
    found = {}
    for path in sorted((folder / "transcripts").glob("*.jsonl")):
        events = [json.loads(line) for line in path.read_text().splitlines()[1:]]
        found[path.name] = [(e["kind"], e.get("text", "")) for e in events]
    return found


def test_the_models_words_reach_the_bot_and_replay_with_no_network(
    tmp_path: Path, model: tuple[str, web.Application]
) -> None:
    url, app = model
    status, results = run(tmp_path, "--customer", str(endpoint(tmp_path, url, "rewords")),
                          "--out", "D")  # fmt: skip
    assert status == 0 and results["summary"]["pass"] == len(results["conversations"]) == 4
    played = said(tmp_path / "D")
    customer = [text for events in played.values() for kind, text in events
                if kind == "customer_message"]  # fmt: skip
    assert customer and all(text.startswith("Well, ") for text in customer)
    cassette = (tmp_path / "D" / "customer-cassette.jsonl").read_text()
    assert len(cassette.splitlines()) == len(customer)
    assert app[AUTHORIZATION][0] == "Bearer sk-secret-4242"  # sent, never recorded:
    assert "sk-secret-4242" not in cassette and "Authorization" not in cassette
    # the server is gone: the cassette alone plays the same conversations
    status, again = run(tmp_path, "--customer-replay", "D/customer-cassette.jsonl",
                        "--out", "E")  # fmt: skip
    assert status == 0 and said(tmp_path / "E") == played
    assert [c["verdict"] for c in again["conversations"]] == ["pass"] * 4


def test_a_call_missing_from_the_cassette_is_an_error_naming_it(
    tmp_path: Path, model: tuple[str, web.Application]
) -> None:
    url, _ = model
    run(tmp_path, "--customer", str(endpoint(tmp_path, url, "rewords")), "--out", "D")
    _, results = run(tmp_path, "--customer-replay", "D/customer-cassette.jsonl",
                     "--seed", "1", "--out", "E")  # other facts: other prompts  # fmt: skip
    for c in results["conversations"]:
        assert c["verdict"] == "error" and c["error"].startswith("customer simulator: call ")
        assert c["error"].endswith(" is not in the cassette D/customer-cassette.jsonl")


def test_a_model_that_invents_an_account_number_spoils_only_its_conversations(
    tmp_path: Path, model: tuple[str, web.Application]
) -> None:
    url, _ = model
    status, results = run(tmp_path, "--customer", str(endpoint(tmp_path, url, "invents")),
                          "--out", "D")  # fmt: skip
    assert status == 1
    for c in results["conversations"]:
        assert (c["verdict"], c["outcome"]) == ("error", "error")
        assert c["error"].startswith("customer simulator: message ")
        assert f"it states '{INVENTED}', which the customer does not hold" in c["error"]
        assert {v["verdict"] for v in c["checks"]} == {"skip"}  # the bot is not judged
    assert results["summary"]["fail"] == 0
    cassette = (tmp_path / "D" / "customer-cassette.jsonl").read_text().splitlines()
    assert len(cassette) == 2 * len(results["conversations"])  # asked again once, with why
    retry = json.loads(cassette[1])["request"]["messages"][-1]["content"]
    assert retry.startswith(RETRY) and INVENTED in retry


def test_a_model_that_invents_once_is_asked_again_and_the_conversation_goes_on(
    tmp_path: Path, model: tuple[str, web.Application]
) -> None:
    url, _ = model
    status, results = run(tmp_path, "--customer", str(endpoint(tmp_path, url, "invents-once")),
                          "--out", "D")  # fmt: skip
    assert status == 0, [c["error"] for c in results["conversations"]]
    assert not any(INVENTED in t for e in said(tmp_path / "D").values() for _, t in e)


@pytest.mark.parametrize(
    ("name", "cause"),
    [
        ("malformed", "the answer has no 'choices'"),
        ("refuses", "retried once: the message is empty"),
        ("slow", "no answer within the timeout of 0.5 s"),
    ],
)
def test_a_model_that_fails_is_the_simulators_error(
    tmp_path: Path, model: tuple[str, web.Application], name: str, cause: str
) -> None:
    url, _ = model
    _, results = run(tmp_path, "--customer", str(endpoint(tmp_path, url, name)), "--out", "D")
    for c in results["conversations"]:
        assert c["verdict"] == "error" and c["error"].startswith("customer simulator: ")
        assert cause in c["error"]


def test_a_bad_customer_option_is_a_one_line_usage_error(tmp_path: Path) -> None:
    (tmp_path / "bot.yaml").write_text("kind: subprocess\ncommand: sh bot.sh\n")
    for args, said_ in [
        (("--customer", "bot.yaml"), "the customer's model needs an endpoint file of kind: openai"),
        (("--customer-replay", "none.jsonl"), "--customer-replay none.jsonl: cannot read it"),
    ]:
        done = harness("run", *args, "--out", "X", cwd=tmp_path)
        assert done.returncode == 2 and said_ in done.stderr and "Traceback" not in done.stderr
        assert not (tmp_path / "X").exists()
    (tmp_path / "bad.jsonl").write_text('{"call": "a"}\n')
    done = harness("run", "--customer-replay", "bad.jsonl", "--out", "X", cwd=tmp_path)
    assert done.returncode == 2 and "bad.jsonl:1: not a cassette line" in done.stderr


# -- the guard, on a customer built by hand ---------------------------------------------


def guarded(facts: dict[str, str]) -> tuple[WordedCustomer, Say]:
    """A worded customer holding `facts`, who said the amount earlier and whose policy now
    means to state the account number."""
    scenario = PACK.scenarios["banking.fraud-dispute"]
    customer = Customer(scenario, PACK.personas["calm-precise"], facts, random.Random(0))
    say = Say("My account number is 12345678, since 2019.", "answer", 1.0, "chat", 1,
              facts={"account_number": "12345678"})  # fmt: skip
    customer.stated.update(["amount", *say.facts])
    worded = WordedCustomer(customer, Transcript("c", scenario.id, "calm-precise", 0, "cu", facts),
                            lambda messages, call: "")  # fmt: skip
    return worded, say


UNHELD = ", which the customer does not hold"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Sure, it's 12345678.", None),
        ("It's 12345678, and the charge was £49.99 on the 3rd.", None),  # said before
        ("Sure, it's 1234 5678.", "it must state the account number as '12345678'"),
        ("It's 12345678; sort code 40-11-62.", f"it states '40-11-62'{UNHELD}"),
        ("It's 12345678, card 4000 1234 5678 9010.", f"it states '4000 1234 5678 9010'{UNHELD}"),
        ("It's 12345678, I'm Ada Lovelace.", "it volunteers the name, which was not asked for"),
        ("It's 12345678; I've banked with you since 2019.", None),  # the policy's own words
        ("It's 12345678; I've banked with you since 2018.", f"it states '2018'{UNHELD}"),
        ("  ", "the message is empty"),
    ],
)
def test_the_guard_lets_through_only_what_the_customer_holds_and_means_to_say(
    text: str, reason: str | None
) -> None:
    worded, say = guarded({"account_number": "12345678", "amount": "£49.99",
                           "name": "Ada Lovelace"})  # fmt: skip
    assert worded.unheld(text, say) == reason
