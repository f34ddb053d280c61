"""benchmarks/distributed.py --quick: every contender agrees with the in-memory answer; nothing is written."""

import os

import pytest

pytest.importorskip("distributed")
pytest.importorskip("pyarrow")

from benchmarks import distributed as bench  # noqa: E402


def test_quick_run_checks_and_writes_nothing(tmp_path, capsys):
    results = bench.RESULTS
    before = sorted(os.listdir(results)) if results.exists() else []
    stamps = {name: (results / name).stat().st_mtime_ns for name in before}
    assert bench.main(["--quick", "--workdir", str(tmp_path / "data")]) == 0  # asserts agreement inside
    out = capsys.readouterr().out
    assert "plain Dask pipeline" in out and "M edges/s" in out
    after = sorted(os.listdir(results)) if results.exists() else []
    assert after == before
    assert {name: (results / name).stat().st_mtime_ns for name in after} == stamps
    assert not (tmp_path / "data").exists()  # the generated Parquet is removed


def test_results_folder_rule(tmp_path):
    assert bench.results_folder(None, partial=True, default=bench.RESULTS) is None
    assert bench.results_folder(str(tmp_path), partial=True, default=bench.RESULTS) == tmp_path
