"""report.html as written: what it holds, what it leaves out, and its errors. (What a browser
makes of it is in test_report_browser.py.)"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import hostile
import pytest
from harness_cli import harness
from hypothesis import given
from hypothesis import strategies as st

from harness.errors import ConfigError
from harness.report.figures import histogram, verdict_grid
from harness.report.html import (
    INLINE_TRANSCRIPTS,
    LISTED_FAILURES,
    embed_json,
    read_results,
    render_report,
    write_report,
)
from harness.report.html import _hash as csp_hash

SCENARIO = "banking.balance"  # the deflector fails it (escalation.on_request), careful passes


class Page(HTMLParser):
    """The parts of a page the tests look at: its scripts, its CSP and its text."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.policy = ""
        self.text: list[str] = []
        self.tags: list[str] = []
        self._script: dict[str, str | None] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        found = dict(attrs)
        if tag == "script":
            self._script = found
        if tag == "meta" and found.get("http-equiv") == "Content-Security-Policy":
            self.policy = found.get("content") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self.scripts.append((self._script, data))
        else:
            self.text.append(data)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """C: the careful bot; D: the deflector, which fails; both over SCENARIO."""
    here = tmp_path_factory.mktemp("runs")
    for name, bot in (("C", "demo:careful"), ("D", "demo:deflector")):
        harness("run", "--bot", bot, "--scenario", SCENARIO, "--out", name, "-q", cwd=here)
    return here


def test_every_run_writes_a_report_with_its_failing_conversations(runs: Path) -> None:
    results = read_results(runs / "D")
    failing = [e for e in results["conversations"] if e["verdict"] != "pass"]
    page = (runs / "D" / "report.html").read_text(encoding="utf-8")
    assert failing
    for entry in failing:
        assert f'data-conversation="{entry["conversation_id"]}"' in page
    assert "escalation.on_request" in page


def test_the_policy_allows_exactly_the_embedded_scripts(runs: Path) -> None:
    page = Page((runs / "D" / "report.html").read_text(encoding="utf-8"))
    policy = dict(p.strip().split(" ", 1) for p in page.policy.split(";"))
    assert policy["default-src"] == "'none'"
    assert "unsafe" not in page.policy and "http" not in page.policy
    code = [text for attrs, text in page.scripts if attrs.get("type") is None]
    assert len(code) == 2  # Chart.js and the report's own
    assert policy["script-src"].split() == [csp_hash(text) for text in code]
    data = [text for attrs, text in page.scripts if attrs.get("type") == "application/json"]
    assert len(data) == 1 and json.loads(data[0])["outcomes"]


def test_the_same_results_give_the_same_page(runs: Path) -> None:
    assert render_report(runs / "D") == render_report(runs / "D")


def test_report_with_a_baseline_shows_what_changed(runs: Path) -> None:
    done = harness("report", "D", "--baseline", "C", "-o", "diff.html", cwd=runs)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "report: diff.html"
    page = (runs / "diff.html").read_text(encoding="utf-8")
    failing = [e for e in read_results(runs / "D")["conversations"] if e["verdict"] != "pass"]
    assert f"{len(failing)} newly failing, 0 fixed" in page
    assert page.count('<td class="v-pass">pass</td><td class="v-fail">fail</td>') == len(failing)
    back = render_report(runs / "C", baseline=runs / "D")
    assert f"0 newly failing, {len(failing)} fixed" in back
    assert "Changes since the baseline" not in render_report(runs / "D")
    assert "true resolution rate" in page and "more than noise" in page  # run.compare's KPIs


def test_transcript_links_lead_from_the_report_to_the_run(runs: Path, tmp_path: Path) -> None:
    elsewhere = write_report(runs / "D", tmp_path / "deep" / "r.html")
    page = elsewhere.read_text(encoding="utf-8")
    data = json.loads(re.search(r'id="report-data">(.*?)</script>', page, re.S)[1])  # type: ignore[index]
    assert all(c["events"] for c in data["conversations"].values())  # read from the run


@given(st.recursive(st.text() | st.integers() | st.none(),
                    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner)))  # fmt: skip
def test_embedded_json_cannot_end_its_script_and_reads_back_the_same(data: object) -> None:
    embedded = str(embed_json(data))
    assert not set(embedded) & {"<", ">", "&", "\u2028", "\u2029"}
    assert json.loads(embedded) == data


def test_hostile_titles_names_and_replies_stay_text(tmp_path: Path) -> None:
    scenarios, personas = hostile.write_pack(tmp_path)
    done = harness("run", str(scenarios), str(personas), "--bot", "hostile:bot", "--out", "D",
                   "-q", cwd=tmp_path, env=hostile.with_tests_on_path())  # fmt: skip
    assert done.returncode == 1, done.stderr
    html = (tmp_path / "D" / "report.html").read_text(encoding="utf-8")
    page = Page(html)
    text = "".join(page.text)
    for payload in hostile.PAYLOADS:  # titles and names are in the page as text…
        assert payload in text, payload
        markup = re.search(r"[<>&]", payload) is not None
        assert not (markup and payload in html), payload  # …and nowhere as markup
    assert {"img", "svg", "iframe", "object", "video", "form", "input", "base", "link"}.isdisjoint(
        page.tags
    )
    replies = json.loads(next(t for a, t in page.scripts if a.get("type")))
    events = next(iter(replies["conversations"].values()))["events"]
    assert set(hostile.PAYLOADS) <= {e[4] for e in events}


def test_big_runs_list_a_cap_of_failures_and_inline_fewer(tmp_path: Path) -> None:
    entries = [_entry(i, "fail") for i in range(LISTED_FAILURES + 50)]
    _results(tmp_path, entries)
    page = render_report(tmp_path)
    assert page.count('class="open"') == INLINE_TRANSCRIPTS
    assert page.count(">transcript file</a>") == LISTED_FAILURES - INLINE_TRANSCRIPTS
    assert "… and 50 more failing conversations" in page


def test_a_transcript_outside_the_run_folder_is_not_read(tmp_path: Path) -> None:
    (tmp_path / "secret.jsonl").write_text('{"t": 0, "turn": 1, "kind": "bot_message", '
                                           '"channel": "chat", "text": "SECRET"}\n')  # fmt: skip
    run = tmp_path / "run"
    _results(run, [{**_entry(0, "fail"), "transcript": "../secret.jsonl"}])
    assert "SECRET" not in render_report(run)


def test_sla_statements_are_shown_when_the_run_has_them(tmp_path: Path) -> None:
    _results(tmp_path, [_entry(0, "pass")])
    assert "SLA statements" not in render_report(tmp_path)
    statements = [{"statement": "95% of <b>vulnerable</b> reach a human within 60 s",
                   "verdict": "proven", "lower_95": 0.96}]  # fmt: skip
    (tmp_path / "sla.json").write_text(json.dumps({"statements": statements}))
    page = render_report(tmp_path)
    assert '<td class="sla-proven"><bdi>proven</bdi></td>' in page
    assert "95% of &lt;b&gt;vulnerable&lt;/b&gt; reach" in page
    assert '<td class=""><bdi>0.96</bdi></td>' in page


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "results.json: no such file: is "),
        ('{"run": {},\n"conversations": [}', "results.json:2: not valid JSON"),
        ('{"conversations": {}}', "results.json: conversations: expects a list"),
    ],
)
def test_a_folder_that_is_no_run_is_a_one_line_error(
    tmp_path: Path, content: str | None, problem: str
) -> None:
    if content is not None:
        (tmp_path / "results.json").write_text(content)
    with pytest.raises(ConfigError, match=re.escape(problem)):
        read_results(tmp_path)
    done = harness("report", str(tmp_path), cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert len(done.stderr.splitlines()) == 1 and problem in done.stderr


def test_time_to_human_bins_hold_every_value_and_the_last_the_rest() -> None:
    shown = histogram([0.0, 5.0, 59.0, 61.0, 1e6], sla=60.0)
    assert sum(b["y"] for b in shown["bins"]) == 5 and shown["bins"][-1]["y"] == 1
    assert shown["width"] * (len(shown["bins"]) - 1) >= 60.0 * 1.25


def test_the_grid_folds_personas_past_its_width() -> None:
    entries = [{"scenario": "s", "persona": f"p{i:03d}", "verdict": "fail" if i < 45 else "pass"}
               for i in range(100)]  # fmt: skip
    grid = verdict_grid(entries)
    assert len(grid["personas"]) == 40 and grid["folded"] == 60
    folded = grid["rows"][0]["cells"][-1]
    assert folded == {"verdict": "fail", "passed": 55, "total": 60}


def _entry(i: int, verdict: str) -> dict[str, object]:
    return {"conversation_id": f"s--p--{i}", "scenario": "s", "persona": "p", "repeat": i,
            "verdict": verdict, "outcome": "abandoned", "checks": [], "metrics": {},
            "transcript": f"transcripts/s--p--{i}.jsonl"}  # fmt: skip


def _results(folder: Path, entries: list[dict[str, object]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    results = {"run": {"bot": "demo:careful", "seed": 0}, "summary": {}, "conversations": entries}
    (folder / "results.json").write_text(json.dumps(results))
