"""House rules on size stay kept: functions of at most 60 lines of code, modules < 300 lines.

Lines of code exclude blank lines, comment lines and the function's docstring. Every
module under ``src/`` is parsed with :mod:`ast`; nested functions count on their own and
inside their parent.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "napari_defocus_deblur"
MAX_FUNCTION_LINES = 60
MAX_MODULE_LINES = 299
MODULES = sorted(SRC.rglob("*.py"))


def code_lines(lines: list[str], node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines of ``node`` that hold code (not blank, comment or its docstring)."""
    doc: set[int] = set()
    first = node.body[0]
    value = getattr(first, "value", None)
    if (
        isinstance(first, ast.Expr)
        and isinstance(value, ast.Constant)
        and isinstance(value.value, str)
    ):
        doc = set(range(first.lineno, (first.end_lineno or first.lineno) + 1))
    end = node.end_lineno or node.lineno
    return sum(
        1
        for i in range(node.lineno, end + 1)
        if i not in doc and lines[i - 1].strip() and not lines[i - 1].strip().startswith("#")
    )


def test_counting_is_right():
    source = 'def f():\n    """Doc.\n\n    more\n    """\n    # note\n\n    x = 1\n    return x\n'
    node = ast.parse(source).body[0]
    assert code_lines(source.splitlines(), node) == 3  # def, x = 1, return


@pytest.mark.parametrize("module", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_module_and_function_sizes(module):
    text = module.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert len(lines) <= MAX_MODULE_LINES, f"{module.name} has {len(lines)} lines"
    long = [
        f"{node.name} ({n} lines of code)"
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and (n := code_lines(lines, node)) > MAX_FUNCTION_LINES
    ]
    assert not long, f"{module.name}: " + ", ".join(long)
