"""report.html in a real browser: Debian's headless Chromium, driven by Playwright.

Each page is opened from its file with every request that is not that file recorded and
refused, and every console message recorded: the page must load with neither. Skipped only
where /usr/bin/chromium is missing (.ci/run installs it).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import hostile
import pytest
from harness_cli import harness
from playwright.sync_api import Browser, Page, Route, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
MARKUP = "img, svg, iframe, object, video, form, input, details, base, link, math, noscript"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"no {CHROMIUM}: `apt-get install chromium` (as .ci/run does)"
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


@dataclass
class Opened:
    page: Page
    requests: list[str] = field(default_factory=list)  # every request but the file itself
    console: list[str] = field(default_factory=list)

    def text(self, selector: str) -> str:
        return str(self.page.locator(selector).text_content())


def open_report(browser: Browser, path: Path) -> Opened:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    opened = Opened(page)
    url = path.resolve().as_uri()

    def refuse(route: Route) -> None:
        if route.request.url == url:
            route.continue_()
        else:
            opened.requests.append(route.request.url)
            route.abort()

    page.route("**/*", refuse)
    page.on("console", lambda m: opened.console.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: opened.console.append(f"error: {e}"))
    page.goto(url)
    page.wait_for_function("Chart.getChart('time-to-human-chart') !== undefined")
    return opened


def test_a_deflector_run_shows_its_failures_and_their_transcripts(
    browser: Browser, tmp_path: Path
) -> None:
    done = harness("run", "--bot", "demo:deflector", "--scenario", "banking.*", "--out", "D",
                   "-q", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 1, done.stderr
    opened = open_report(browser, tmp_path / "D" / "report.html")
    page = opened.page
    for chart in ("outcome-chart", "time-to-human-chart"):  # drawn by Chart.js
        assert page.evaluate(f"Chart.getChart('{chart}').data.datasets.length") >= 1
    outcomes = page.evaluate("Chart.getChart('outcome-chart').data.datasets[0].data")
    results = json.loads((tmp_path / "D" / "results.json").read_text())
    assert sum(outcomes) == len(results["conversations"])
    assert page.locator("#viewer").is_hidden()
    failing = next(e for e in results["conversations"] if e["verdict"] == "fail")
    page.locator(f'button[data-conversation="{failing["conversation_id"]}"]').click()
    assert page.locator("#viewer").is_visible()
    assert opened.text("#viewer-id") == failing["conversation_id"]
    rows = page.locator("#viewer-events tr")
    transcript = (tmp_path / "D" / failing["transcript"]).read_text().strip().split("\n")
    assert rows.count() == len(transcript) - 1  # every event, the header aside
    evidence = {t for c in failing["checks"] if c["verdict"] == "fail" for t in c["turns"]}
    highlighted = page.locator("#viewer-events tr.evidence td:first-child").all_text_contents()
    assert highlighted and {int(t) for t in highlighted} == evidence
    for check in failing["checks"]:
        if check["verdict"] == "fail":
            assert check["message"] in opened.text("#viewer-checks")
    replay = f"harness replay D {failing['conversation_id']} --bot demo:deflector"
    assert opened.text("#viewer-rerun") == replay
    assert opened.text("#viewer-run").startswith("harness run --bot demo:deflector --seed 0 ")
    page.screenshot(path=tmp_path / "report.png", full_page=True)
    assert (opened.requests, opened.console) == ([], [])


def test_no_payload_of_the_hostile_corpus_runs(browser: Browser, tmp_path: Path) -> None:
    scenarios, personas = hostile.write_pack(tmp_path)
    done = harness("run", str(scenarios), str(personas), "--bot", "hostile:bot", "--out", "D",
                   "-q", cwd=tmp_path, env=hostile.with_tests_on_path())  # fmt: skip
    assert done.returncode == 1, done.stderr
    statements = [{"statement": p, "verdict": "refuted"} for p in hostile.PAYLOADS]
    (tmp_path / "D" / "sla.json").write_text(json.dumps({"statements": statements}))
    assert harness("report", "D", cwd=tmp_path).returncode == 0
    opened = open_report(browser, tmp_path / "D" / "report.html")
    page = opened.page
    for section in ("#matrix", "#grid tbody", "#failing", "#sla"):  # titles, statements
        shown = opened.text(section)
        assert [p for p in hostile.PAYLOADS if p not in shown] == [], section
    for i in hostile.PERSONA_PAYLOADS:  # names
        assert hostile.PAYLOADS[i] in opened.text("#grid thead")
    buttons = page.locator("button.open")
    for n in (0, buttons.count() - 1):  # the first and the last failing conversation
        buttons.nth(n).click()
        events = opened.text("#viewer-events")
        assert [p for p in hostile.PAYLOADS if p not in events] == []
        page.locator("#viewer-events tr").last.hover()
        page.locator("#viewer-copy").click()
    page.screenshot(path=tmp_path / "hostile.png", full_page=True)
    assert page.evaluate("window.__pwned") is None
    assert page.evaluate(f"document.querySelectorAll('{MARKUP}').length") == 0
    assert page.evaluate("document.querySelectorAll('script').length") == 3  # data, Chart.js, ours
    assert (opened.requests, opened.console) == ([], [])
