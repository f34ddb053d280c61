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


def test_busy_rows_time_quiet_and_loaded_and_stop_their_processes(monkeypatch):
    started = []
    real = lanes.subprocess.Popen

    def popen(*args, **kwargs):
        started.append(real(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(lanes.subprocess, "Popen", popen)
    table = lanes.busy_rows(sizes=[(34, None)], calls=20, processes=1)
    assert [row["nodes"] for row in table] == [34] and len(started) == 1
    assert all(value > 0 for value in table[0].values())
    assert started[0].poll() is not None  # the busy loop was stopped
