"""Timing a case: contenders, their masks checked against graphmax's, interleaved best-of-R samples."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from ._common import loops_for, time_once

__all__ = ["PeerMismatch", "Contender", "best_time", "measure", "annotate"]


class PeerMismatch(AssertionError):
    """A method that claims graphmax's semantics returned a different mask."""


@dataclass
class Contender:
    """One timed method of a case.

    ``call`` is None when the method is skipped (``note`` says why). The
    first contender of a case is graphmax: the baseline every mask is checked
    against and every ratio is taken to.
    """

    key: str
    label: str
    role: str  # "graphmax", "variant" (graphmax another way) or "peer"
    call: Callable[[], Any] | None
    matches: str = ""
    compare: bool = True
    note: str = ""
    prepare_s: float | None = None


def best_time(call: Callable[[], Any], repeat: int, min_sample_s: float = 0.0) -> float:
    """Best of `repeat` timed samples after one warm-up call, in seconds per
    call; a sample loops the call to last at least `min_sample_s` (`loops_for`)."""
    call()
    loops = loops_for(call, min_sample_s)
    return min(time_once(call, loops) for _ in range(repeat))


def _check_same(case_name: str, contender: Contender, mask: Any, reference: np.ndarray) -> None:
    mask = np.asarray(mask)
    if mask.shape != reference.shape:
        raise PeerMismatch(
            f"{case_name}: {contender.label} returned shape {mask.shape}, graphmax {reference.shape}"
        )
    differ = np.flatnonzero(mask.astype(bool).ravel() != reference.ravel())
    if differ.size:
        raise PeerMismatch(
            f"{case_name}: {contender.label} (claims {contender.matches}) disagrees with graphmax "
            f"on {differ.size} of {reference.size} entries, first at flat index {differ[:5].tolist()}"
        )


def measure(case_name: str, contenders: list[Contender], repeat: int, min_sample_s: float = 0.0) -> list[dict]:
    """Warm up and check every contender against the first, then time them all interleaved.

    Each of the `repeat` rounds takes one sample of every contender; a sample
    of a call shorter than `min_sample_s` loops it back to back (`loops_for`,
    sized once after the warm-up) and counts the mean. Returns one record per
    contender (in order): status, loops per sample, times per call and notes.

    Raises
    ------
    PeerMismatch
        A contender with ``compare=True`` returned a different mask.
    """
    baseline, others = contenders[0], contenders[1:]
    reference = np.asarray(baseline.call())
    status = {baseline.key: "baseline"}
    for contender in others:
        if contender.call is None:
            status[contender.key] = "skipped"
            continue
        mask = contender.call()  # warm-up, and the answer to check
        if contender.compare:
            _check_same(case_name, contender, mask, reference)
            status[contender.key] = "agrees"
        else:
            status[contender.key] = "not compared"
    active = [c for c in contenders if c.call is not None]
    loops = {c.key: loops_for(c.call, min_sample_s) for c in active}
    times: dict[str, list[float]] = {c.key: [] for c in active}
    for _ in range(repeat):
        for contender in active:
            times[contender.key].append(time_once(contender.call, loops[contender.key]))
    return [
        {
            "key": c.key,
            "label": c.label,
            "role": c.role,
            "matches": c.matches,
            "status": status[c.key],
            "note": c.note,
            "prepare_s": c.prepare_s,
            "loops": loops.get(c.key),
            "times_s": times.get(c.key, []),
            "best_s": min(times[c.key]) if c.key in times else None,
        }
        for c in contenders
    ]


def annotate(records: list[dict], amount: int, stream_s: float) -> None:
    """Add rate (`amount` per second), ratio to graphmax and multiple of the streaming time."""
    base = records[0]["best_s"]
    for record in records:
        best = record["best_s"]
        record["rate_per_s"] = amount / best if best else None
        record["ratio"] = best / base if best and base else None
        record["stream_multiple"] = best / stream_s if best and stream_s else None
