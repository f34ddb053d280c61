"""The layout of the compiled kernels (docs/decisions.md, "Kernels package: one family per file"):
one package, one family per module, each module short enough to read, each name defined
once, and what several families share kept in `core`. Static checks of the source only."""

import ast
import io
import tokenize
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "graphmax"
KERNELS = PACKAGE / "_kernels"
MAX_CODE_LINES = 600
# The distributed engine's kernels merge partial results; they stay with that engine.
ELSEWHERE = {PACKAGE / "distributed" / "_kernels.py"}


def _modules():
    return sorted(p for p in KERNELS.glob("*.py") if p.name != "__init__.py")


def _code_lines(source):
    """How many lines hold code: not blank, not only a comment, not part of a docstring."""
    tree = ast.parse(source)
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef)) and ast.get_docstring(node, clean=False):
            first = node.body[0]
            docstrings.update(range(first.lineno, first.end_lineno + 1))
    lines = set()
    skip = (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER)
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type not in skip:
            lines.update(range(tok.start[0], tok.end[0] + 1))
    return len(lines - docstrings)


def _top_level_names(tree):
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            yield node.name
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        yield name.id


def _compiles_kernels(tree):
    """Whether a module defines a function under a numba decorator (graphmax's or numba's own)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            for deco in node.decorator_list:
                text = ast.unparse(deco)
                if text in ("_jit", "_pjit", "jit", "parallel_jit") or "njit" in text:
                    return True
    return False


def test_the_kernels_are_one_package():
    assert (KERNELS / "__init__.py").is_file()
    assert len(_modules()) >= 10
    outside = [
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*.py")
        if KERNELS not in p.parents and p not in ELSEWHERE and _compiles_kernels(ast.parse(p.read_text()))
    ]
    assert outside == [], "compiled kernels belong in graphmax/_kernels/"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: p.name)
def test_each_kernel_module_is_short(path):
    assert _code_lines(path.read_text()) <= MAX_CODE_LINES, f"{path.name}: split it by family"


def test_the_line_count_skips_docstrings_and_comments():
    source = 'def f():\n    """Doc\n    string."""\n    # why\n\n    return 1  # here\n'
    assert _code_lines(source) == 2


def test_no_name_is_defined_in_two_kernel_modules():
    where = {}
    for path in _modules():
        for name in _top_level_names(ast.parse(path.read_text())):
            where.setdefault(name, set()).add(path.name)
    twice = {name: sorted(files) for name, files in where.items() if len(files) > 1}
    assert twice == {}


def test_shared_private_pieces_come_from_core_only():
    """A family may use another family's public kernels; private helpers that several
    families need live in `core`."""
    crossing = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module != "core":
                crossing += [f"{path.name}: {node.module}.{a.name}" for a in node.names if a.name.startswith("_")]
    assert crossing == []
