"""Every module of graphmax/ and benchmarks/ is short enough to read (issue 18: no more than
about 600 lines of code, docstrings and comments aside; counted as in test_kernels_layout)."""

from pathlib import Path

import pytest

from .test_kernels_layout import MAX_CODE_LINES, _code_lines

ROOT = Path(__file__).resolve().parents[1]
MODULES = sorted(p for folder in ("graphmax", "benchmarks") for p in (ROOT / folder).rglob("*.py"))


def test_the_modules_are_found():
    names = {p.relative_to(ROOT).as_posix() for p in MODULES}
    assert {"graphmax/cli.py", "graphmax/io.py", "benchmarks/speed.py"} <= names


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_module_is_too_long(path):
    assert _code_lines(path.read_text()) <= MAX_CODE_LINES, f"{path.name}: split it by family"
