"""benchmarks/lanes.py: the harness runs and restores what it changes (timings are not checked)."""

from benchmarks import lanes
from graphmax import _maxima, _threading


def test_rows_time_both_sides_and_restore_the_thresholds():
    small, serial = _maxima.SMALL_EDGES, _threading.SERIAL_BELOW
    table = lanes.rows(sizes=[(34, None), (60, 4)])
    assert [row["nodes"] for row in table] == [34, 60]
    assert all(value > 0 for row in table for value in row.values())
    assert (_maxima.SMALL_EDGES, _threading.SERIAL_BELOW) == (small, serial)
    assert "| nodes |" in lanes.format_rows(table)
