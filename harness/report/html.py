"""report.html: the page a person opens after a run, built from results.json and transcripts/.

One file that opens offline: Chart.js (vendored, MIT) and the report's own script are
embedded, and a Content-Security-Policy lets no other script run (each allowed by its
sha256, so the same results give the same page byte for byte) and no request leave the
page. Everything from the run is untrusted (a bot's replies, scenario titles, persona
names): jinja2 escapes it in the page, and the data the script reads travels in a
`<script type="application/json">` block with `<`, `>`, `&`, U+2028 and U+2029 escaped,
read with JSON.parse and shown with textContent.

Big runs stay small: the charts get bins and counts (report.figures), the failing
conversations are listed up to LISTED_FAILURES and carry their transcript inline up to
INLINE_TRANSCRIPTS; the rest link to their file in transcripts/.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from markupsafe import Markup

from harness.errors import ConfigError
from harness.report import figures
from harness.run.compare import ConversationChange, compare
from harness.run.reproduce import replay_command, rerun_command

REPORT_FILE = "report.html"
INLINE_TRANSCRIPTS = 200
LISTED_FAILURES = 1000
TEMPLATES = Path(__file__).parent / "templates"
SPEAKERS = {"customer_message": "customer", "bot_message": "bot", "agent_message": "agent"}

# Inside a JSON string these stand for themselves; escaped, no `</script>` or `<!--` can
# end the block early and the text reads the same after JSON.parse.
_JSON_ESCAPES = (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"),
                 ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))  # fmt: skip


def write_report(folder: Path, path: Path | None = None, *, baseline: Path | None = None) -> Path:
    """Write the report of the run in `folder` to `path` (default `folder/report.html`),
    with what changed since the run in `baseline` when given. Returns where it went."""
    target = path or folder / REPORT_FILE
    page = render_report(folder, baseline=baseline, at=target.parent)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page, encoding="utf-8")
    except OSError as exc:
        raise ConfigError([f"{target}: the report cannot be written ({exc.strerror})"]) from None
    return target


def render_report(folder: Path, *, baseline: Path | None = None, at: Path | None = None) -> str:
    """The page for the run in `folder`; links to transcripts are relative to `at`."""
    results = read_results(folder)
    before = read_results(baseline) if baseline is not None else None
    context = _context(results, folder, at or folder)
    if before is not None and baseline is not None:
        context["diff"] = _diff(before, results, baseline)
    return _template().render(context)


def read_results(folder: Path) -> dict[str, Any]:
    """results.json of a run folder; a missing or broken file is a ConfigError naming it."""
    path = folder / "results.json"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{path}: no such file: is {folder} a run folder?"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{path}: cannot be read ({exc})"]) from None
    try:
        results: dict[str, Any] = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError([f"{path}:{exc.lineno}: not valid JSON: {exc.msg}"]) from None
    entries = results.get("conversations") if isinstance(results, dict) else None
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ConfigError([f"{path}: conversations: expects a list of conversations, "
                           "as harness run writes"])  # fmt: skip
    return results


def embed_json(data: Any) -> Markup:
    """`data` as JSON that is safe inside `<script type="application/json">`."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for char, escaped in _JSON_ESCAPES:
        text = text.replace(char, escaped)
    return Markup(text)


# -- the page's parts --------------------------------------------------------------------


def _context(results: dict[str, Any], folder: Path, at: Path) -> dict[str, Any]:
    run, summary = _mapping(results.get("run")), _mapping(results.get("summary"))
    pack = _mapping(results.get("pack"))
    entries: list[dict[str, Any]] = results["conversations"]
    titles = _labels(pack.get("scenarios"), "title")
    names = _labels(pack.get("personas"), "name")
    failing = [e for e in entries if e.get("verdict") != "pass"]
    listed = failing[:LISTED_FAILURES]
    waits = [m["time_to_human"] for e in entries
             if figures.number((m := _mapping(e.get("metrics"))).get("time_to_human"))]  # fmt: skip
    tth = _mapping(summary.get("time_to_human"))
    sla, within, lower = (tth.get(k) for k in ("sla_seconds", "within_sla", "within_sla_lower_95"))
    data = {
        "outcomes": figures.outcome_counts(entries),
        "time_to_human": {
            **figures.histogram(waits, sla if isinstance(sla, int | float) else 60.0),
            "within": within if figures.number(within) else None,
            "lower": lower if figures.number(lower) else None,
        },
        "conversations": {
            str(e.get("conversation_id")): _viewer(e, folder, run, pack)
            for e in listed[:INLINE_TRANSCRIPTS]
        },
    }
    link = Path(os.path.relpath(folder, at))
    return {
        "run": run,
        "summary": summary,
        "header": _header(run, summary, len(entries)),
        "kpis": figures.kpis(summary),
        "time_to_human": figures.time_to_human(summary),
        "repeats": figures.repeats(summary),
        "sla": _sla_statements(folder),
        "matrix": figures.failure_matrix(entries),
        "grid": figures.verdict_grid(entries),
        "titles": titles,
        "names": names,
        "failing": [_row(e, i < INLINE_TRANSCRIPTS, link) for i, e in enumerate(listed)],
        "unlisted": len(failing) - len(listed),
        "data": embed_json(data),
        "verdict_class": figures.verdict_class,
        "diff": None,
        **_assets(),
    }


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _labels(described: object, key: str) -> dict[str, str]:
    """id → title (or name) from results.json's pack; ids without one are left out."""
    return {str(k): str(v[key]) for k, v in _mapping(described).items()
            if isinstance(v, dict) and v.get(key) is not None}  # fmt: skip


def _label(pack: Mapping[str, Any], kind: str, name: str, key: str) -> str:
    """A scenario's title or a persona's name from results.json's pack; else its id."""
    label = _mapping(_mapping(pack.get(kind)).get(name)).get(key)
    return name if label is None else str(label)


def _header(run: Mapping[str, Any], summary: Mapping[str, Any], n: int) -> list[tuple[str, str]]:
    from harness import __version__

    return [
        ("bot", str(run.get("bot", "–"))),
        ("seed", str(run.get("seed", "–"))),
        ("harness", __version__),
        ("conversations", str(n)),
        *((v, str(summary.get(v, "–"))) for v in figures.VERDICTS),
        ("exit status", str(summary.get("exit_status", "–"))),
        ("started", str(run.get("started", "–"))),
        ("finished", str(run.get("finished", "–"))),
    ]


def _row(entry: Mapping[str, Any], inline: bool, link: Path) -> dict[str, Any]:
    """A failing conversation's row in the list; `link` leads from the page to the run."""
    checks = [str(c.get("name")) for c in entry.get("checks", ()) if c.get("verdict") == "fail"]
    transcript = entry.get("transcript")
    href = quote((link / transcript).as_posix()) if isinstance(transcript, str) else None
    return {**entry, "failing_checks": checks, "inline": inline, "href": href}


def _viewer(entry: Mapping[str, Any], folder: Path, run: Mapping[str, Any],
            pack: Mapping[str, Any]) -> dict[str, Any]:  # fmt: skip
    """What the transcript viewer shows of one failing conversation."""
    failing = [c for c in entry.get("checks", ()) if c.get("verdict") == "fail"]
    turns = sorted({t for c in failing for t in c.get("turns", ()) if isinstance(t, int)})
    scenario, persona = str(entry.get("scenario")), str(entry.get("persona"))
    return {
        "scenario": _label(pack, "scenarios", scenario, "title"),
        "persona": _label(pack, "personas", persona, "name"),
        "verdict": figures.verdict_class(entry.get("verdict")),
        "outcome": str(entry.get("outcome")),
        "error": entry.get("error") if isinstance(entry.get("error"), str) else None,
        "checks": [_check(c) for c in failing],
        "evidence_turns": turns,
        "events": _events(folder, entry.get("transcript")),
        "replay": replay_command(
            str(folder), str(entry.get("conversation_id")), bot=str(run.get("bot"))
        ),
        "rerun": _rerun(entry, run, pack),
    }


def _check(check: Mapping[str, Any]) -> dict[str, Any]:
    turns = [t for t in check.get("turns", ()) if isinstance(t, int)]
    return {"name": str(check.get("name")), "message": str(check.get("message", "")),
            "turns": turns}  # fmt: skip


def _events(folder: Path, transcript: object) -> list[list[Any]] | None:
    """The transcript's events as [turn, channel, speaker, time, text]; None when the file
    is missing, unreadable or outside the run folder."""
    if not isinstance(transcript, str):
        return None
    path = (folder / transcript).resolve()
    if not path.is_relative_to(folder.resolve()):
        return None
    try:
        lines = path.read_text(encoding="utf-8").split("\n")  # not splitlines(): see Transcript
        rows = [json.loads(line) for line in lines if line.strip()]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    events = (row for row in rows if isinstance(row, dict) and row.get("kind") != "transcript")
    return [_event(row) for row in events]


def _event(row: Mapping[str, Any]) -> list[Any]:
    kind = str(row.get("kind"))
    text = row.get("text")
    if not text and kind not in SPEAKERS:
        data = {k: v for k, v in _mapping(row.get("data")).items() if k != "raw"}
        text = json.dumps(data, ensure_ascii=False, sort_keys=True) if data else ""
    turn = row.get("turn")
    return [turn if isinstance(turn, int) else None, str(row.get("channel", "")),
            SPEAKERS.get(kind, kind), _clock(row.get("t")), str(text or "")]  # fmt: skip


def _clock(t: object) -> str:
    if not figures.number(t):
        return ""
    minutes, seconds = divmod(int(t), 60)  # type: ignore[call-overload]
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}"


def _rerun(entry: Mapping[str, Any], run: Mapping[str, Any], pack: Mapping[str, Any]) -> str:
    """The `harness run` command that plays this conversation again."""
    scenario, persona = str(entry.get("scenario")), str(entry.get("persona"))
    files = [_mapping(_mapping(pack.get(kind)).get(name)).get("file")
             for kind, name in (("scenarios", scenario), ("personas", persona))]  # fmt: skip
    repeat, seed = entry.get("repeat"), run.get("seed")
    return rerun_command(
        [f for f in files if isinstance(f, str)],
        bot=str(run.get("bot")),
        seed=seed if isinstance(seed, int) else 0,
        scenario=scenario,
        persona=persona,
        repeat=repeat if isinstance(repeat, int) else 0,
    )


def _sla_statements(folder: Path) -> dict[str, Any] | None:
    """sla.json of the run folder, when there is one, as rows of a table: each statement's
    plain fields as columns (nested ones as JSON)."""
    path = folder / "sla.json"
    if not path.is_file():
        return None
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return {"problem": f"sla.json cannot be read: {exc}", "columns": [], "rows": []}
    statements = raw.get("statements", [raw]) if isinstance(raw, dict) else raw
    rows = [s for s in statements if isinstance(s, dict)] if isinstance(statements, list) else []
    columns = list(dict.fromkeys(k for s in rows for k in s))
    shown = [[_plain(s.get(c)) for c in columns] for s in rows]
    return {"problem": None, "columns": columns, "rows": shown}


def _plain(value: object) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _diff(before: dict[str, Any], after: dict[str, Any], baseline: Path) -> dict[str, Any]:
    """The diff section: run.compare's comparison, as the template shows it."""
    comparison = compare(before, after)

    def rows(changes: Iterable[ConversationChange]) -> list[dict[str, Any]]:
        return [{"conversation_id": c.conversation_id, "before": c.verdict_before,
                 "after": c.verdict_after} for c in changes]  # fmt: skip

    kpis = [{"name": k.name.replace("_", " "), "before": _kpi(k.before, k.kind),
             "after": _kpi(k.after, k.kind), "delta": _kpi(k.delta, k.kind, sign=True),
             "interval": "–" if k.low is None or k.high is None
             else f"{_kpi(k.low, k.kind, sign=True)} to {_kpi(k.high, k.kind, sign=True)}",
             "beyond_noise": k.beyond_noise} for k in comparison.kpis]  # fmt: skip
    return {
        "baseline": str(baseline),
        "baseline_run": _mapping(before.get("run")),
        "newly_failing": rows(comparison.of("newly_failing")),
        "fixed": rows(comparison.of("fixed")),
        "changed": rows(
            c for c in comparison.of("still_failing") if c.verdict_before != c.verdict_after
        ),
        "only_now": len(comparison.of("only_in_new")),
        "only_in_baseline": len(comparison.of("only_in_base")),
        "kpis": kpis,
        "notes": list(comparison.notes),
    }


def _kpi(value: float | None, kind: str, *, sign: bool = False) -> str:
    if value is None:
        return "–"
    shown = 100 * value if kind == "rate" else value
    unit = " pp" if sign and kind == "rate" else "%" if kind == "rate" else ""
    return f"{shown:+.1f}{unit}" if sign else f"{shown:.1f}{unit}"


# -- the template and its scripts ---------------------------------------------------------


@cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,  # every value is escaped unless marked safe here
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("report.html")


@cache
def _assets() -> dict[str, Any]:
    """The embedded scripts and style, and the Content-Security-Policy that allows exactly
    them: no other script, style, font, image or connection."""
    scripts = [(TEMPLATES / name).read_text(encoding="utf-8")
               for name in ("vendor/chart.umd.min.js", "report.js")]  # fmt: skip
    style = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    policy = "; ".join([
        "default-src 'none'",
        "script-src " + " ".join(_hash(s) for s in scripts),
        f"style-src {_hash(style)}",
        "base-uri 'none'",
        "form-action 'none'",
    ])  # fmt: skip
    return {"scripts": [Markup(s) for s in scripts], "style": Markup(style), "policy": policy}


def _hash(source: str) -> str:
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"
