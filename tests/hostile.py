"""Hostile content for the report: payloads that would run, load, restyle or mislead if the
page ever treated text from a run as markup, and a bot and a pack that carry them.

A payload that ran sets `window.__pwned` (or its parent's) to its number; a payload that
reached the network asks for a host under `.invalid`. The report must show each as text.

`bot` speaks the native protocol (`--bot hostile:bot` with tests/ on the path): every reply
holds the whole corpus. `write_pack` writes scenarios titled, and personas named, with
payloads.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from harness.run import bundled_pack

PAYLOADS = (
    "<script>window.__pwned=1</script>",
    '<img src=x onerror="window.__pwned=2">',
    '<svg onload="window.__pwned=3"><circle r="9"/></svg>',
    '<a href="javascript:window.__pwned=4">click me</a>',
    "</script><script>window.__pwned=5</script>",
    "<!--<script>window.__pwned=6</script>-->",
    '"><script>window.__pwned=7</script>',
    "' onmouseover='window.__pwned=8' x='",
    '<iframe srcdoc="<script>parent.__pwned=9</script>"></iframe>',
    '<body onload="window.__pwned=10">',
    "<style>body{display:none!important}</style>",
    '<div style="position:fixed;inset:0;background:red;z-index:9">covered</div>',
    '<link rel="stylesheet" href="https://evil.invalid/x.css">',
    '<img src="https://evil.invalid/beacon.png">',
    '<meta http-equiv="refresh" content="0;url=javascript:window.__pwned=15">',
    '<base href="https://evil.invalid/">',
    "invoice\u202ecod.exe\u202c and \u2067isolated\u2069 text",
    "{{7*7}} {{ config }} {{ ''.__class__.__mro__ }}",
    "{% for x in range(3) %}loop{% endfor %}{# comment #}",
    "${7*7} #{7*7} <%= 7*7 %>",
    "line\u2028separator\u2029and </script> in JSON",
    "<math><mtext><table><mglyph><style><img src=x onerror=window.__pwned=22>",
    '<details open ontoggle="window.__pwned=23">x</details>',
    "javascript:window.__pwned=24",
    '<object data="javascript:window.__pwned=25"></object>',
    "&lt;script&gt;window.__pwned=26&lt;/script&gt; &amp; &#60;b&#62;",
    '<form action="javascript:window.__pwned=27"><button>go</button></form>',
    '<input autofocus onfocus="window.__pwned=28">',
    '<video><source onerror="window.__pwned=29"></video>',
    '<noscript><p title="</noscript><img src=x onerror=window.__pwned=30>">',
)
BASE_SCENARIO = "banking.balance"  # low stakes: the bot must finish, and this one never does
BASE_PERSONA = "calm-precise"
PERSONA_PAYLOADS = (0, 1, 17)  # the personas' names: a script tag, an onerror, {{7*7}}


def bot(request: dict[str, Any]) -> dict[str, Any]:
    """A bot whose every reply is the corpus, one message each."""
    return {"messages": [{"text": p} for p in PAYLOADS], "handoff": None}


def write_pack(folder: Path) -> tuple[Path, Path]:
    """Scenario files titled with each payload and persona files named with a few; returns
    the scenarios' folder and the personas' folder."""
    pack = bundled_pack()
    scenarios, personas = folder / "scenarios", folder / "personas"
    scenarios.mkdir(parents=True)
    personas.mkdir(parents=True)
    persona_ids = [f"hostile-{i}" for i in PERSONA_PAYLOADS]
    base = pack.scenarios[BASE_SCENARIO].model_dump(mode="json", exclude_defaults=True)
    for i, payload in enumerate(PAYLOADS):
        scenario = {**base, "id": f"hostile.s{i:02d}", "title": payload, "personas": persona_ids}
        _dump(scenarios / f"s{i:02d}.yaml", scenario)
    person = pack.personas[BASE_PERSONA].model_dump(mode="json", exclude_defaults=True)
    for pid, i in zip(persona_ids, PERSONA_PAYLOADS, strict=True):
        _dump(personas / f"{pid}.yaml", {**person, "id": pid, "name": PAYLOADS[i]})
    return scenarios, personas


def _dump(path: Path, data: dict[str, Any]) -> None:
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def with_tests_on_path() -> dict[str, str]:
    """The environment, with tests/ on PYTHONPATH: `--bot hostile:bot` finds its bot."""
    paths = [str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}
