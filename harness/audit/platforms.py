"""Exports read without a mapping: Rasa tracker-store dumps and Botium `.convo.txt` files.

Rasa (`*.json`): a tracker as the tracker store and `GET /conversations/{id}/tracker` give
it, `{"sender_id": …, "events": [...]}`, or a list of them. `user` events are the
customer's (their `parse_data.intent.name` kept as the intent), `bot` events the bot's,
`session_started` begins a new contact of the same customer (the sender), and an `action`
whose name says handoff (`action_handoff`, `action_human_handoff`, `…live_agent…`,
`…transfer…`) is a handoff, with the slots set so far as its context (none set: unknown).

Botium (`*.convo.txt`): the first line names the convo; `#me` blocks are the customer's,
`#bot` blocks the bot's. Lines that are Botium asserters or logic hooks (an upper-case
name such as `INTENT` or `BUTTONS`) are left out of the text. A convo has no clock: its
messages are a second apart. Botium files may also become scenarios (`botium_scenario`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from harness.audit.pseudonym import Pseudonymiser
from harness.audit.readers import Bad, Message, parse_time
from harness.errors import ConfigError

HANDOFF_ACTIONS = re.compile(r"handoff|hand_off|human|live_?agent|transfer", re.IGNORECASE)
_HOOK = re.compile(r"^[A-Z][A-Z0-9_]+(?:\s|$)")


def read_export(path: Path) -> Iterator[Message | Bad]:
    """The messages of one platform export, by its kind (from the file name)."""
    if path.name.endswith(".convo.txt"):
        yield from read_botium(path)
    elif path.suffix == ".json":
        yield from read_rasa(path)
    else:
        yield Bad(
            f"{path}:1",
            "without --map, harness reads Rasa tracker dumps (*.json) and "
            "Botium convos (*.convo.txt); give a mapping file for CSV or JSONL",
        )


def read_rasa(path: Path) -> Iterator[Message | Bad]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        yield Bad(f"{path}:1", f"not a Rasa tracker ({exc})")
        return
    trackers = data if isinstance(data, list) else [data]
    for i, tracker in enumerate(trackers):
        where = f"{path}:1: [{i}]" if isinstance(data, list) else f"{path}:1:"
        if not isinstance(tracker, dict) or not isinstance(tracker.get("events"), list):
            yield Bad(where.rstrip(":"), "a Rasa tracker has 'sender_id' and a list of 'events'")
            continue
        yield from _rasa_events(where, tracker)


def _rasa_events(where: str, tracker: dict[str, Any]) -> Iterator[Message | Bad]:
    sender = str(tracker.get("sender_id") or tracker.get("conversation_id") or "")
    session, slots, started = 1, dict[str, Any](), False
    for n, event in enumerate(tracker["events"]):
        at = f"{where} events[{n}]"
        kind = event.get("event") if isinstance(event, dict) else None
        if kind == "session_started":
            session, slots = (session + 1 if started else session), {}
            continue
        if kind == "slot" and event.get("name"):
            slots[str(event["name"])] = event.get("value")
            continue
        if kind not in ("user", "bot", "action"):
            continue
        try:
            time = parse_time(event["timestamp"])
        except (KeyError, ValueError) as exc:
            yield Bad(at, f"timestamp: {exc}" if isinstance(exc, ValueError) else "no timestamp")
            continue
        message = Message(at, f"{sender}#{session}", sender, time, "bot", "", "chat")
        if kind == "user":
            started = True
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name") or ""
            message.speaker, message.intent = "customer", str(intent)
            message.text = str(event.get("text") or "")
        elif kind == "bot":
            message.text = str(event.get("text") or "")
        elif HANDOFF_ACTIONS.search(str(event.get("name") or "")):
            message.speaker, message.text, message.handoff = "system", str(event["name"]), True
            # Rasa hands the human its tracker; the slots are what the export shows of it,
            # so with none set the payload is unknown rather than empty.
            message.context = {k: v for k, v in slots.items() if v is not None} or None
        else:
            continue
        yield message


def read_botium(path: Path) -> Iterator[Message | Bad]:
    name, blocks = botium_convo(path)
    if not blocks:
        yield Bad(f"{path}:1", "a Botium convo needs #me and #bot blocks")
        return
    for i, (line, speaker, text) in enumerate(blocks):
        yield Message(
            where=f"{path}:{line}",
            conversation=name,
            customer=name,
            time=float(i),
            speaker=speaker,
            text=text,
            channel="chat",
        )


def botium_convo(path: Path) -> tuple[str, list[tuple[int, str, str]]]:
    """A convo's name and its blocks: (line, 'customer' or 'bot', text)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    name = lines[0].strip() if lines else path.name.removesuffix(".convo.txt")
    blocks: list[tuple[int, str, str]] = []
    speaker: str | None = None
    start, text = 0, list[str]()
    for number, raw in enumerate([*lines[1:], "#end"], 2):
        line = raw.strip()
        if line.startswith("#"):
            if speaker and text:
                blocks.append((start, speaker, " ".join(text)))
            who = line[1:].split()[0].lower() if len(line) > 1 else ""
            speaker = {"me": "customer", "bot": "bot"}.get(who)
            start, text = number, []
        elif speaker and line and not _HOOK.match(line):
            text.append(line)
    return name or path.name, blocks


def botium_scenario(path: Path, pseudonymiser: Pseudonymiser) -> dict[str, Any]:
    """A Botium convo as a harness scenario (a migration path): its `#me` blocks become
    scripted steps, its last `#bot` block the goal's evidence. The scenario expects the bot
    to finish the job (no human needed); edit stakes and expectations to suit."""
    name, blocks = botium_convo(path)
    said = [pseudonymiser.text(text, name) for _, who, text in blocks if who == "customer"]
    replies = [text for _, who, text in blocks if who == "bot"]
    if not said or not replies:
        raise ConfigError([f"{path}:1: a convo to import as a scenario needs #me and #bot blocks"])
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60] or "convo"
    braces = str.maketrans({"{": "{{", "}": "}}"})
    return {
        "id": f"botium.{slug}",
        "title": name,
        "description": f"Imported from the Botium convo {path.name}.",
        "domain": "imported",
        "stakes": "low",
        "goal": {
            "intent": slug.replace("-", "_"),
            "utterances": [said[0].translate(braces)],
            "evidence": {"text": [re.escape(replies[-1][:80]).replace("\\ ", " ")]},
        },
        "steps": [{"say": text.translate(braces)} for text in said[1:]],
        "expectations": {"escalation": {"required": False}},
    }
