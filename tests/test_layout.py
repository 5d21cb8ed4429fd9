"""The package layout shows the flow: imports point down, rooms stay small, the root is a hall."""

from __future__ import annotations

import ast
from pathlib import Path

import harness

PACKAGE = Path(harness.__file__).parent
MAX_LINES = 450
MAX_ROOT_MODULES = 9


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, known: set[str]) -> set[str]:
    """The harness modules `path` imports when it runs, lazily or not; imports made only for
    the type checker (under `if TYPE_CHECKING:`) are left out, since they never run."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = {
        id(n)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for n in ast.walk(node)
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name in known)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in known else node.module)
    return {m for m in found if m in known}


def graph() -> dict[str, set[str]]:
    paths = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    known = set(paths)
    return {name: imports(path, known) - {name} for name, path in paths.items()}


def cycle(edges: dict[str, set[str]]) -> list[str]:
    """One import circle, as the modules around it; [] when there is none."""
    state: dict[str, int] = {}  # 1 on the path, 2 done
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return []

    for start in sorted(edges):
        if start not in state and (found := visit(start)):
            return found
    return []


def test_the_import_graph_has_no_circle() -> None:
    assert cycle(graph()) == []


def test_the_circle_finder_finds_a_circle() -> None:
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]


def test_the_graph_sees_lazy_imports_and_not_type_checking_ones() -> None:
    edges = graph()
    # adapters.open_bot imports the reference bots inside a function; it counts
    assert "harness.bots" in edges["harness.adapters"]
    # the callback adapter names its endpoint model for the type checker alone
    assert "harness.adapters.callback.config" not in edges["harness.adapters.callback.adapter"]


def test_arrows_point_down() -> None:
    """model <- customer/checks <- conversation <- drivers <- run <- cli/plugin/report."""
    below = {
        "harness.model": set(),
        "harness.checks": {"harness.model"},
        "harness.customer": {"harness.model"},
        "harness.conversation": {"harness.model", "harness.customer", "harness.errors"},
    }
    for name, targets in graph().items():
        for layer, allowed in below.items():
            if name == layer or name.startswith(layer + "."):
                outside = {t for t in targets if not t.startswith((layer, *allowed))}
                assert not outside, f"{name} imports {sorted(outside)}"
    for name, targets in graph().items():
        if name.startswith("harness.adapters"):
            assert not any(t.startswith(("harness.checks", "harness.run")) for t in targets)


def test_rooms_stay_small_and_the_root_is_a_hall() -> None:
    big = {
        str(p.relative_to(PACKAGE)): n
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert big == {}
    root = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(root) <= MAX_ROOT_MODULES, root
    assert not [name for name in root if "serve" in name or name in ("platforms.py", "stdio.py")]
