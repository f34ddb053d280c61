"""What a result ran on: machine, thread counts, package versions, the git state, how busy the CPUs were."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

from graphmax._warmup import usable_cpus

__all__ = ["apply_threads", "machine_info", "cpu_busy_fraction", "quiet_warning", "package_versions", "git_state",
           "numba_threading_layer"]


def apply_threads(threads: int | None) -> dict:
    """Set every library's thread count to `threads` (None: leave defaults); return what they use."""
    import numba

    if threads:
        numba.set_num_threads(threads)
    used: dict[str, Any] = {"requested": threads, "numba": numba.get_num_threads()}
    try:
        import torch

        if threads:
            torch.set_num_threads(threads)
        used["torch"] = torch.get_num_threads()
    except ImportError:
        used["torch"] = None
    try:
        import graphblas as gb

        if threads:
            gb.ss.config["nthreads"] = threads
        used["graphblas"] = gb.ss.config["nthreads"]
    except ImportError:
        used["graphblas"] = None
    return used


def _cpu_model() -> str | None:
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def _memory_total() -> int | None:
    try:
        return _proc_meminfo_kib("MemTotal") * 1024
    except OSError:
        return None


def _proc_meminfo_kib(field_name: str) -> int:
    with open("/proc/meminfo") as info:
        for line in info:
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    raise OSError(f"{field_name} not in /proc/meminfo")


def machine_info() -> dict:
    """CPU, memory, OS and Python of this machine, and its load when the run started."""
    return {
        "cpu_model": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "cpus_usable": usable_cpus(),
        "memory_total_bytes": _memory_total(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "cpu_busy_at_start": cpu_busy_fraction(),
    }


def cpu_busy_fraction(seconds: float = 0.5) -> float | None:
    """Fraction of all CPUs busy over `seconds` while this process waits: other work. None without psutil."""
    try:
        import psutil
    except ImportError:
        return None
    return psutil.cpu_percent(interval=seconds) / 100.0


def quiet_warning(report: dict) -> str | None:
    busy = report["machine"].get("cpu_busy_at_start")
    if busy is not None and busy > 0.2:
        return (f"warning: {busy:.0%} of the CPUs were busy with other work when the run started; "
                "parallel kernels slow down sharply when a core is taken, so timings may be inflated")
    return None


def package_versions() -> dict:
    versions = {}
    for name in _VERSIONED:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def git_state() -> dict | None:
    """Commit and dirtiness of the checkout the benchmark runs from, if it is a git checkout."""
    root = Path(__file__).resolve().parents[1]
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10)
        status = subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return {
        "commit": head.stdout.strip() if head.returncode == 0 else None,
        "dirty": bool(status.stdout.strip()) if status.returncode == 0 else None,
    }


def numba_threading_layer() -> str | None:
    import numba

    try:
        return numba.threading_layer()
    except ValueError:  # no parallel kernel has run yet
        return None


# Packages whose versions go into the report (distribution names).
_VERSIONED = (
    "graphmax", "numpy", "scipy", "numba", "networkx", "torch", "torch-geometric",
    "python-graphblas", "suitesparse-graphblas", "scikit-image", "matplotlib", "tqdm", "psutil",
)
