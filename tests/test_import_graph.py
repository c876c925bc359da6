"""The layering stays as docs/architecture.md draws it: no cycles, no Qt in the core.

Every module under ``src/`` is parsed with :mod:`ast` (imports inside functions and
under ``if TYPE_CHECKING:`` count too: an import placed inside a function to dodge a
circle is still a circle). Two graphs are checked: between top-level parts of the
package (sub-packages such as ``io`` or ``inference``, modules such as ``metrics``), and
between modules (``inference.checks``, ``widgets._layout``; a package's ``__init__`` is
the package's own node).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = "napari_defocus_deblur"
SRC = Path(__file__).resolve().parents[1] / "src" / PACKAGE
#: Packages that must run without a GUI.
CORE = ("io", "simulate", "model", "inference", "training", "evaluation", "estimate", "focusmap")
GUI = ("qtpy", "napari", "magicgui", f"{PACKAGE}.widgets")
#: Cycles known and owned elsewhere, each with the reason it is still there. Remove an
#: entry when its cycle is gone (the test then fails if it comes back).
KNOWN_CYCLES: dict[frozenset[str], str] = {}
#: Circles between modules allowed, each with its justification (none today: the five
#: of issue 22 were broken by moving code to where it belongs).
KNOWN_MODULE_CYCLES: dict[frozenset[str], str] = {}


def _part(module: Path) -> str:
    rel = module.relative_to(SRC).parts
    return rel[0] if len(rel) > 1 else rel[0].removesuffix(".py")


def _imports(module: Path, names: bool = False) -> list[tuple[str, int]]:
    """``(absolute module name, line)`` of every import in ``module``; with ``names``,
    ``from a import b`` gives ``a.b`` (a module or a name in ``a``) instead of ``a``."""
    rel = module.relative_to(SRC).with_suffix("").parts
    here = [PACKAGE, *rel[:-1]]  # the package holding the module
    found = []
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = here[: len(here) - node.level + 1] if node.level else []
            name = ".".join([*base, node.module] if node.module else base)
            if names:
                found += [(f"{name}.{alias.name}", node.lineno) for alias in node.names]
                continue
            found.append((name, node.lineno))
            if node.module is None:  # "from . import x": x may be a module
                found += [(f"{name}.{alias.name}", node.lineno) for alias in node.names]
    return found


def _graph() -> dict[str, dict[str, str]]:
    """part -> {imported part: "file:line" of one such import}."""
    edges: dict[str, dict[str, str]] = defaultdict(dict)
    for module in sorted(SRC.rglob("*.py")):
        source = _part(module)
        for name, line in _imports(module):
            parts = name.split(".")
            if parts[0] != PACKAGE or len(parts) < 2 or parts[1] == source:
                continue
            edges[source].setdefault(parts[1], f"{module.relative_to(SRC)}:{line}")
    return edges


def _module_of(path: Path) -> str:
    """``inference.checks`` for ``inference/checks.py``; ``inference`` for its __init__."""
    rel = path.relative_to(SRC).with_suffix("").parts
    return ".".join(rel[:-1] if rel[-1] == "__init__" else rel)


def _module_graph() -> dict[str, dict[str, str]]:
    """module -> {imported module: "file:line" of one such import}.

    ``from a.b import c`` names module ``a.b.c`` when that is a module, else ``a.b``.
    """
    modules = {_module_of(p): p for p in SRC.rglob("*.py")}
    edges: dict[str, dict[str, str]] = defaultdict(dict)
    for name, path in sorted(modules.items()):
        for imported, line in _imports(path, names=True):
            parts = imported.split(".")
            if parts[0] != PACKAGE:
                continue
            target = ".".join(parts[1:])
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                edges[name].setdefault(target, f"{path.relative_to(SRC)}:{line}")
    return edges


def _cycles(edges: dict[str, dict[str, str]]) -> list[frozenset[str]]:
    """Strongly connected components with more than one part (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[frozenset[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in edges.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(frozenset(component))

    for v in list(edges):
        if v not in index:
            visit(v)
    return found


def _unexpected(edges: dict[str, dict[str, str]], known: dict) -> str:
    """One line per cycle of ``edges`` not in ``known``, with the imports that close it."""
    return "\n".join(
        " <-> ".join(sorted(c))
        + ": "
        + "; ".join(f"{a} -> {b} ({edges[a][b]})" for a in sorted(c) for b in edges[a] if b in c)
        for c in _cycles(edges)
        if c not in known
    )


def test_no_circular_package_imports():
    report = _unexpected(_graph(), KNOWN_CYCLES)
    assert not report, "circular imports between packages:\n" + report


def test_no_circular_module_imports():
    """Issue 22: no circle between files either (five were closed by lazy imports)."""
    edges = _module_graph()
    report = _unexpected(edges, KNOWN_MODULE_CYCLES)
    assert not report, "circular imports between modules:\n" + report
    assert set(KNOWN_MODULE_CYCLES) <= set(_cycles(edges))


def test_known_cycles_are_still_real():
    """An entry of KNOWN_CYCLES whose cycle is gone must be removed (so it cannot return)."""
    assert set(KNOWN_CYCLES) <= set(_cycles(_graph()))


@pytest.mark.parametrize("package", CORE)
def test_core_packages_import_no_gui(package):
    bad = [
        f"{module.relative_to(SRC)}:{line} imports {name}"
        for module in sorted((SRC / package).rglob("*.py"))
        for name, line in _imports(module)
        if any(name == g or name.startswith(g + ".") for g in GUI)
    ]
    assert not bad, "\n".join(bad)


def test_the_checker_sees_cycles_and_lazy_imports():
    assert _cycles({"a": {"b": ""}, "b": {"c": ""}, "c": {"a": ""}}) == [frozenset("abc")]
    assert _cycles({"a": {"b": ""}, "b": {}}) == []
    names = {name for name, _ in _imports(SRC / "inference" / "catalogue.py")}
    assert "napari_defocus_deblur.channels" in names  # imported inside a function
    graph = _module_graph()
    assert "inference.entry" in graph["inference.choosing"]  # "from a.b import Name"
    assert "inference.plan" in graph["inference.api"]
