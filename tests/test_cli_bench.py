"""`graphmax bench SUITE ...` forwards to the suites in benchmarks/."""

import pytest

from graphmax.cli import main


def test_bench_forwards_help(capsys):
    assert main(["bench", "speed", "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: graphmax bench speed")


def test_bench_forwards_usage_errors(capsys):
    assert main(["bench", "speed", "--repeat", "zero"]) == 2
    assert "graphmax bench speed" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["bench"], ["bench", "nope"]])
def test_bench_needs_a_known_suite(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "graphmax: error" in err and "suite" in err
