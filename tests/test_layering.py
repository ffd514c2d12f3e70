"""The house's shape, held by a test: imports run one way and never in a loop.

Layers, lowest first: `models/` holds the tables; the domain packages (escalations, bulletins,
intake, the network file, privacy, the audience of notices and surveys, notices, surveys) hold the
use cases; `reporting/` reads across the domains; `simulation/` plays them; `handlers/` speaks
Slack; `mail/` writes e-mail; `bot/` wires processes, the CLI and the web. An arrow may only point
down (or sideways where the table says so), and nothing below `handlers/` may know Slack, Flask or
Bolt. A new top-level package must be given its place here before its first import, so the
direction is a decision someone wrote down, not an accident.

The walk reads every `import` statement in every file (inside functions too: a lazy import is still
an arrow), so a loop cannot hide behind one.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# package → the packages of ours it may import (itself always allowed).
DOMAINS = {
    "models",
    "audience",
    "escalations",
    "bulletins",
    "intake",
    "network_file",
    "notices",
    "surveys",
    "privacy",
}

ALLOWED: dict[str, set[str]] = {
    "models": set(),
    # Who a notice or survey reaches, chosen from the registry of organisations and their services.
    "audience": {"models"},
    "escalations": {"models"},
    "bulletins": {"models", "escalations"},
    "network_file": {"models", "escalations"},
    "intake": {"models", "escalations", "bulletins"},
    "notices": {"models", "escalations", "audience"},
    "surveys": {"models", "escalations", "intake", "audience"},
    "privacy": {"models", "escalations", "bulletins", "intake", "notices", "surveys"},
    "reporting": {
        "models",
        "audience",
        "escalations",
        "bulletins",
        "intake",
        "network_file",
        "notices",
        "surveys",
        "privacy",
    },
    "simulation": {*DOMAINS, "reporting"},
    "handlers": {*DOMAINS, "reporting"},
    # E-mail bodies (plain text and HTML) for people outside Slack: beside handlers/, never knowing Slack.
    "mail": {*DOMAINS, "reporting"},
    "bot": {*DOMAINS, "reporting", "simulation", "handlers", "mail"},
    # Alembic's env reads the database URL from the settings when the CLI gave none.
    "migrations": {"models", "bot"},
}

# Packages that must not know the chat or the web: everything below handlers/.
SLACK_AND_WEB = {"slack_bolt", "slack_sdk", "flask", "werkzeug"}
UNAWARE = {
    "models",
    "audience",
    "notices",
    "surveys",
    "mail",
    "escalations",
    "bulletins",
    "intake",
    "network_file",
    "privacy",
    "reporting",
    "simulation",
}

NOT_PACKAGES = {"tests", "benchmarks", "tools", "network", "slack", "build", "dist"}


def _packages() -> list[str]:
    """Top-level directories of ours that hold Python (the installable packages)."""
    return sorted(
        p.name
        for p in ROOT.iterdir()
        if p.is_dir() and not p.name.startswith(".") and p.name not in NOT_PACKAGES and any(p.rglob("*.py"))
    )


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module name) for every import in the file, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    here = _module_name(path).split(".")
    if path.name != "__init__.py":
        here = here[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - (node.level - 1)]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            # `from pkg import submodule` is an arrow to the submodule when it is one.
            for alias in node.names:
                candidate = f"{module}.{alias.name}"
                if _file_of(candidate) is not None:
                    found.append((node.lineno, candidate))
    return found


def _file_of(module: str) -> Path | None:
    base = ROOT.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _files() -> list[Path]:
    return sorted(f for package in _packages() for f in (ROOT / package).rglob("*.py"))


def test_every_package_has_a_declared_place():
    undeclared = [p for p in _packages() if p not in ALLOWED]
    assert not undeclared, f"give these packages a place in ALLOWED (what they may import): {undeclared}"


def test_imports_point_down():
    ours = set(ALLOWED)
    wrong = []
    for path in _files():
        package = path.relative_to(ROOT).parts[0]
        for line, module in _imports(path):
            top = module.split(".")[0]
            where = f"{path.relative_to(ROOT)}:{line} imports {module}"
            if top in ours and top != package and top not in ALLOWED.get(package, set()):
                wrong.append(where)
            if package in UNAWARE and top in SLACK_AND_WEB:
                wrong.append(where + " (the domain must not know Slack or the web)")
    assert not wrong, "imports against the layers:\n" + "\n".join(wrong)


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for path in _files():
        name = _module_name(path)
        graph[name]
        for _, module in _imports(path):
            target = _file_of(module)
            if target is not None and target != path and target.name != "__init__.py":
                graph[name].add(_module_name(target))
    return graph


def _loops(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    loops = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    loops.append(sorted(component))
    return loops


def test_no_import_loops():
    loops = _loops(_graph())
    described = "\n".join(" <-> ".join(component) for component in loops)
    assert not loops, "modules that import each other in a loop:\n" + described


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": {"b"}, "b": {"a"}}, [["a", "b"]]),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
        ({"a": {"b"}, "b": set()}, []),
    ],
)
def test_the_loop_finder_finds_loops(graph, expected):
    assert _loops(graph) == expected
