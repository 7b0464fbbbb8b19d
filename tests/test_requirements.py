"""Every requirement of shared/security.md (R-01 … R-36) is cited by at least one test that
CI runs: the final check issue 8 asks for, kept so that a requirement cannot lose its test.

A citation counts only inside a collected test: a `test_*` function at module level or in a
`Test*` class, or such a class itself (its name, docstring, decorators and body, comments
included). A module docstring or a helper does not count, and neither does a test that is
skipped unconditionally (`@pytest.mark.skip`, or a module-level skip).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

TESTS = Path(__file__).parent
REQUIREMENTS = [f"R-{n:02d}" for n in range(1, 37)]
CITATION = re.compile(r"\bR-(\d{2})\b")


def _is_unconditional_skip(node: ast.expr) -> bool:
    """`pytest.mark.skip` or `pytest.mark.skip(...)`; `skipif` is conditional and allowed."""
    target = node.func if isinstance(node, ast.Call) else node
    return ast.unparse(target) in {"pytest.mark.skip", "mark.skip"}


def _module_is_skipped(tree: ast.Module) -> bool:
    for statement in tree.body:  # top level only: a skip inside an `if` is conditional
        if isinstance(statement, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "pytestmark" for t in statement.targets
        ):
            marks = statement.value
            items = marks.elts if isinstance(marks, ast.List | ast.Tuple) else [marks]
            if any(_is_unconditional_skip(m) for m in items):
                return True
        if (
            isinstance(statement, ast.Expr)
            and isinstance(statement.value, ast.Call)
            and ast.unparse(statement.value.func) == "pytest.skip"
        ):
            return True
    return False


def _collected_tests(tree: ast.Module) -> Iterator[ast.FunctionDef | ast.ClassDef]:
    """The tests pytest collects (default naming), minus those skipped unconditionally."""
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            if any(_is_unconditional_skip(d) for d in node.decorator_list):
                continue
            yield node
        elif (
            isinstance(node, ast.FunctionDef)
            and node.name.startswith("test")
            and not any(_is_unconditional_skip(d) for d in node.decorator_list)
        ):
            yield node


def _citations() -> dict[str, set[str]]:
    """R-NN → the tests (file::name) that cite it."""
    cited: dict[str, set[str]] = {r: set() for r in REQUIREMENTS}
    for path in sorted(TESTS.rglob("test_*.py")):
        if path == Path(__file__):
            continue
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
        if _module_is_skipped(tree):
            continue
        lines = source.splitlines()
        for test in _collected_tests(tree):
            first = min([test.lineno, *(d.lineno for d in test.decorator_list)])
            text = "\n".join(lines[first - 1 : test.end_lineno])
            for number in CITATION.findall(text):
                if f"R-{number}" in cited:
                    cited[f"R-{number}"].add(f"{path.relative_to(TESTS)}::{test.name}")
    return cited


def test_every_requirement_is_cited_inside_a_collected_test():
    missing = [r for r, tests in _citations().items() if not tests]
    assert missing == []


def test_a_citation_outside_a_test_or_in_a_skipped_test_does_not_count(tmp_path):
    """The checker itself: only the test that is collected and not skipped counts."""
    source = '''
"""R-01 in the module docstring."""
import pytest

def helper():
    return "R-02"

@pytest.mark.skip(reason="later")
def test_skipped():
    """R-03"""

@pytest.mark.skipif(True, reason="on PostgreSQL only")
def test_conditional():
    assert True  # R-04

class TestGroup:
    """R-05"""

def test_counted():
    pass  # R-06
'''
    tree = ast.parse(source)
    names = [t.name for t in _collected_tests(tree)]
    assert names == ["test_conditional", "TestGroup", "test_counted"]
    assert not _module_is_skipped(tree)
    skipped = ast.parse('import pytest\npytestmark = [pytest.mark.skip(reason="x")]\n')
    assert _module_is_skipped(skipped)
