"""The compile notice and the per-kernel progress of `graphmax warmup` (issue 17, cold start)."""

import io
import os
import subprocess
import sys
import textwrap
import time
import types

import pytest

from graphmax import _compiling


def _event(module, name="kernel"):
    func = types.FunctionType((lambda: None).__code__, {}, name)
    func.__module__, func.__qualname__ = module, name
    return types.SimpleNamespace(data={"dispatcher": types.SimpleNamespace(py_func=func)})


@pytest.fixture()
def listener(monkeypatch):
    monkeypatch.setattr(_compiling, "NOTICE_AFTER_S", 0.05)
    monkeypatch.delenv("GRAPHMAX_COMPILE_NOTICE", raising=False)
    return _compiling._CompileListener(package="fakepkg", stream=io.StringIO())


def test_a_long_compile_prints_the_notice_once(listener):
    for _ in range(2):
        listener.on_start(_event("fakepkg._kernels"))
        time.sleep(0.2)
        listener.on_end(_event("fakepkg._kernels"))
    assert listener.stream.getvalue() == _compiling.NOTICE


def test_short_compiles_add_up(listener):
    for _ in range(2):
        listener.on_start(_event("fakepkg.sub"))
        time.sleep(0.02)
        listener.on_end(_event("fakepkg.sub"))
    if listener.compiled_s >= 0.05:
        pytest.skip("the machine is too busy for 20 ms sleeps")
    assert listener.stream.getvalue() == ""  # about 0.04 s so far; each timer was cancelled
    listener.on_start(_event("fakepkg.sub"))  # the third one crosses 0.05 s in all
    time.sleep(0.1)
    listener.on_end(_event("fakepkg.sub"))
    assert listener.stream.getvalue() == _compiling.NOTICE


def test_other_packages_and_the_switch_are_respected(listener, monkeypatch):
    listener.on_start(_event("someone_else"))
    time.sleep(0.1)
    listener.on_end(_event("someone_else"))
    monkeypatch.setenv("GRAPHMAX_COMPILE_NOTICE", "0")
    listener.on_start(_event("fakepkg"))
    time.sleep(0.1)
    listener.on_end(_event("fakepkg"))
    assert listener.stream.getvalue() == "" and listener.compiled_s > 0.05


def test_reporters_see_each_compile_and_silence_the_notice(listener):
    seen = []
    listener.reporters.append(lambda *args: seen.append(args))
    listener.on_start(_event("fakepkg", "scan"))
    time.sleep(0.1)
    listener.on_end(_event("fakepkg", "scan"))
    assert [s[:2] for s in seen] == [("start", "scan"), ("end", "scan")] and seen[1][2] >= 0.1
    assert listener.stream.getvalue() == ""


def test_a_real_first_call_with_an_empty_cache(tmp_path):
    """Real kernels, compiled in a process whose numba cache is empty."""
    code = textwrap.dedent(
        """
        import numpy as np
        import graphmax as gm
        from graphmax import _compiling

        _compiling.NOTICE_AFTER_S = 0.0
        seen = []
        with _compiling.reporting(lambda *event: seen.append(event)):
            gm.grid.local_maxima(np.arange(12.0).reshape(3, 4))
        assert seen and seen[0][0] == "start" and seen[-1][0] == "end", seen
        gm.grid.local_maxima(np.arange(12).reshape(3, 4))  # int64: compiles again, the notice once
        gm.grid.local_maxima(np.arange(12, dtype=np.int32).reshape(3, 4))
        """
    )
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path), PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    env.pop("GRAPHMAX_COMPILE_NOTICE", None)
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stderr.count(_compiling.NOTICE) == 1, done.stderr
