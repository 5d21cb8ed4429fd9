"""From rows to transcripts: gathering conversations from a stream, reading messages, and
the false-resolution rule across contacts."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from harness.audit.build import Gatherer
from harness.audit.checking import Link, conclude, false_resolution, pending
from harness.audit.importer import import_files
from harness.audit.mapping import Mapping
from harness.audit.pseudonym import iban_ok
from harness.audit.readers import Bad, Message, _jsonl_rows, parse_time, read_rows
from harness.audit.reading import Reader
from harness.model.transcript import Event, Transcript

MAPPING = Mapping.model_validate(
    {
        "format": "csv",
        "conversation": "conv_id",
        "customer": "user_id",
        "time": "ts",
        "role": "speaker",
        "roles": {"customer": ["user"], "bot": ["bot"], "agent": ["agent"]},
        "text": "message",
        "channel": "channel",
    }
)
HEADER = "conv_id,user_id,ts,speaker,message,channel\n"


def message(conversation: str, time: float) -> Message:
    return Message("f:1", conversation, "c", time, "customer", "hi", "chat")


def test_a_conversation_is_handed_back_once_the_rows_move_a_day_past_it() -> None:
    gatherer = Gatherer(idle=86400)
    assert list(gatherer.add(message("a", 0))) == []
    assert list(gatherer.add(message("b", 100))) == []
    done = list(gatherer.add(message("c", 86401)))
    assert [[m.conversation for m in group] for group in done] == [["a"]]  # type: ignore[union-attr]
    again = list(gatherer.add(message("a", 86402)))
    assert len(again) == 1 and isinstance(again[0], Bad) and "already" in again[0].problem
    assert sorted(g[0].conversation for g in gatherer.rest()) == ["b", "c"]


def test_interleaved_rows_and_files_make_whole_conversations(tmp_path: Path) -> None:
    (tmp_path / "one.csv").write_text(
        HEADER + "a,u1,2024-05-01T10:00:00Z,user,My order number is 88812345,chat\n"
        "b,u2,2024-05-01T10:00:01Z,user,hello,chat\n"
        "a,u1,2024-05-01T10:00:02Z,bot,Could you give me your order number?,chat\n"
    )
    (tmp_path / "two.csv").write_text(
        HEADER + "b,u2,1714557603,bot,Hi there.,voice\n"
        "a,u1,2024-05-01T10:00:09+00:00,user,Speak to a human please,chat\n"
    )
    summary = import_files(
        [tmp_path / "one.csv", tmp_path / "two.csv"],
        MAPPING,
        tmp_path / "o",
        salt=b"s",
        errors=io.StringIO(),
    )
    assert summary.conversations == 2 and summary.bad_rows == 0
    a = Transcript.from_jsonl((tmp_path / "o" / "transcripts" / "a.jsonl").read_text())
    assert [(e.t, e.turn, e.kind) for e in a.events] == [
        (0.0, 1, "customer_message"),
        (2.0, 1, "bot_message"),
        (9.0, 2, "customer_message"),
        (9.0, 2, "end"),
    ]
    assert a.events[0].data["facts"] == {"order_number": a.facts["order_number"]}
    assert a.events[1].data["asks"] == ["order_number"]
    assert a.events[2].data["asks_human"] is True
    assert a.started == "2024-05-01T10:00:00+00:00"
    b = Transcript.from_jsonl((tmp_path / "o" / "transcripts" / "b.jsonl").read_text())
    assert [e.kind for e in b.events] == [
        "customer_message",
        "channel_switch",
        "bot_message",
        "end",
    ]


def test_labelled_facts_are_named_by_the_lexicon_or_their_label() -> None:
    reader = Reader()
    said = reader.customer("Policy number: POL-203168, booking REF-835875, my claim no is C12345")
    assert said["facts"] == {
        "policy_number": "POL-203168",
        "booking_reference": "REF-835875",
        "claim_id": "C12345",
    }
    assert reader.bot("Could you confirm your booking reference again?")["asks"] == [
        "booking_reference"
    ]
    assert "asks" not in reader.bot("Your booking reference is on its way.")


def claimed() -> Transcript:
    t = Transcript("x", "", "", 0, "c", started="2024-05-01T10:00:00+00:00")
    t.events.append(
        Event(
            5.0, 1, "chat", 1, "bot_message", "That has been resolved.", {"claims_resolution": True}
        )
    )
    return t


def concluded(t: Transcript, link: Link) -> dict[str, Any]:
    """The false-resolution verdict once the customer's next contact is known."""
    verdicts = [false_resolution(t)]
    entry = {
        "checks": [v.to_dict() for v in verdicts],
        "verdict": "pass",
        "metrics": {"outcome": "contained_unresolved"},
    }
    conclude(entry, pending(t, None, verdicts), link)
    verdict: dict[str, Any] = entry["checks"][0]
    return verdict


def test_a_claim_followed_by_a_contact_within_seven_days_is_a_false_resolution() -> None:
    t = claimed()
    begun = 1714557600.0
    soon = concluded(t, Link(1, "y", begun + 5 + 6 * 86400))
    assert soon["verdict"] == "fail" and "came back 6.0 days later (y)" in soon["message"]
    assert concluded(t, Link(1, "y", begun + 5 + 8 * 86400))["verdict"] == "pass"
    assert concluded(t, Link())["verdict"] == "pass"


def test_a_fake_iban_is_an_iban() -> None:
    from harness.audit.pseudonym import Pseudonymiser

    fake = Pseudonymiser(b"s").text("GB82 WEST 1234 5698 7654 32", "c")
    assert fake != "GB82 WEST 1234 5698 7654 32" and iban_ok(fake)


def test_jsonl_rows_are_read_by_jsonpath_with_a_handoff_payload(tmp_path: Path) -> None:
    rows = [
        '{"meta": {"id": "j1", "user": {"id": "u-77"}}, "at": 1714550400, "from": {"role": "c"},'
        ' "body": "My email is kim@example.org, I want a human"}',
        "not json",
        '{"meta": {"id": "j1", "user": {"id": "u-77"}}, "at": 1714550410, "from": {"role": "p"},'
        ' "body": "handover", "payload": {"email": "kim@example.org"}}',
        '{"meta": {"id": "j1", "user": {"id": "u-77"}}, "at": 1714550470, "from": {"role": "h"},'
        ' "body": "Hi Kim, I have kim@example.org."}',
    ]
    (tmp_path / "export.jsonl").write_text("\n".join(rows) + "\n")
    mapping = Mapping.model_validate({
        "format": "jsonl", "conversation": "$.meta.id", "customer": "$.meta.user.id",
        "time": "at", "role": "$.from.role", "text": "body",
        "roles": {"customer": ["c"], "bot": ["b"], "agent": ["h"], "system": ["p"]},
        "handoff": {"role": "p", "text": "handover", "context": "payload"},
    })  # fmt: skip
    errors = io.StringIO()
    summary = import_files([tmp_path / "export.jsonl"], mapping, tmp_path / "o", salt=b"s",
                           errors=errors)  # fmt: skip
    assert summary.bad_rows == 1 and "export.jsonl:2: not JSON" in errors.getvalue()
    text = (tmp_path / "o" / "transcripts" / "j1.jsonl").read_text()
    assert "kim@example.org" not in text and "Kim" not in text and "u-77" not in text
    t = Transcript.from_jsonl(text)
    assert [e.kind for e in t.events] == [
        "customer_message", "handoff", "agent_joined", "agent_message", "end"
    ]  # fmt: skip
    fake = t.facts["email"]
    assert t.events[1].data["context"] == {"email": fake} and fake in t.events[3].text
    assert t.events[2].data["wait"] == 60.0


def test_a_line_that_is_not_utf8_is_a_bad_row_and_the_rest_is_read(tmp_path: Path) -> None:
    good = b"a,u,2024-05-01T10:00:00Z,user,hello,chat\n"
    bad = "a,u,2024-05-01T10:00:01Z,user,caf\xe9 cr\xe8me,chat\n".encode("latin-1")
    (tmp_path / "x.csv").write_bytes(HEADER.encode() + good + bad + b"\n" + good * 3)
    (tmp_path / "x.jsonl").write_bytes(b'{"a": 1}\n' + b'"caf\xe9"\n')
    errors = io.StringIO()
    summary = import_files([tmp_path / "x.csv"], MAPPING, tmp_path / "o", salt=b"s",
                           errors=errors)  # fmt: skip
    assert summary.bad_rows == 1 and summary.conversations == 1
    assert "x.csv:3: not UTF-8 (invalid continuation byte)" in errors.getvalue()
    t = Transcript.from_jsonl((tmp_path / "o" / "transcripts" / "a.jsonl").read_text())
    assert len(list(t.of_kind("customer_message"))) == 4
    rows = list(_jsonl_rows(tmp_path / "x.jsonl"))
    assert rows[-1] == (f"{tmp_path / 'x.jsonl'}:2", "not UTF-8 (invalid continuation byte)")


def test_a_later_contact_inside_one_transcript_counts_too() -> None:
    for days, verdict in ((3, "fail"), (8, "pass")):
        t = claimed()
        t.events.append(Event(5.0 + days * 86400, 2, "voice", 2, "customer_message", "Again."))
        assert false_resolution(t).verdict == verdict


ROWS = st.lists(
    st.one_of(
        st.lists(st.text(max_size=12), max_size=8),
        st.tuples(
            st.sampled_from(["a", "b", ""]),
            st.sampled_from(["u1", "u2", ""]),
            st.one_of(
                st.integers(-(10**12), 10**12).map(str),
                st.sampled_from(["2024-05-01T10:00:00Z", "2024-05-08", "nan", "inf", "soon", ""]),
            ),
            st.sampled_from(["user", "bot", "agent", "system", "robot"]),
            st.text(max_size=80)
            | st.sampled_from(
                [
                    "card 4539 1488 0343 6467",
                    "my account number is 12345678",
                    "born 10 March 2004",
                    "That has been resolved.",
                    "human please",
                ]
            ),
            st.sampled_from(["chat", "voice", ""]),
        ).map(list),
    ),
    max_size=8,
)


@given(ROWS)
def test_any_csv_rows_are_read_as_messages_or_bad_rows(rows: list[list[str]]) -> None:
    import csv
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.csv"
        with path.open("w", newline="", encoding="utf-8") as f:
            f.write(HEADER)
            csv.writer(f).writerows(rows)
        for item in read_rows(path, MAPPING):
            assert isinstance(item, Message | Bad)
        summary = import_files([path], MAPPING, Path(tmp) / "o", salt=b"s", errors=io.StringIO())
        assert summary.rows >= summary.bad_rows


@given(st.one_of(st.floats(), st.integers(), st.text(max_size=30)))
def test_a_time_is_a_moment_or_a_value_error(value: object) -> None:
    try:
        seconds = parse_time(value)
    except ValueError:
        return
    assert datetime.fromtimestamp(seconds, UTC).year >= 1
