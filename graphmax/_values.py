"""Validation of node values and lossless conversion to the few dtypes kernels compile for."""

from __future__ import annotations

import numpy as np

_NAN_POLICIES = ("raise", "omit")


def as_values(x, n, *, name="x"):
    """`x` as a numpy array of shape ``(n,)`` or ``(n, c)`` with a real/bool dtype.

    Never copies unless needed and never modifies `x`.
    """
    if type(x).__module__.split(".")[0] == "torch" and hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    try:
        a = np.asarray(x)
    except ValueError as err:
        raise ValueError(f"`{name}` must be a rectangular array, got a ragged sequence ({err})") from None
    if a.dtype.kind == "c":
        raise TypeError(f"`{name}` must be real, got complex dtype {a.dtype}")
    if a.dtype.kind not in "biuf":
        raise TypeError(f"`{name}` must be bool, integer or float, got dtype {a.dtype}")
    if a.ndim not in (1, 2):
        raise ValueError(f"`{name}` must have shape (n,) or (n, c) with n={n}, got shape {a.shape}")
    if a.shape[0] != n:
        raise ValueError(f"`{name}` must have one entry per node (graph has {n} nodes, got {a.shape[0]})")
    return a


def check_nan_policy(nan_policy):
    if nan_policy not in _NAN_POLICIES:
        raise ValueError(f"`nan_policy` must be one of {_NAN_POLICIES}, got {nan_policy!r}")
    return nan_policy


def kernel_values(a, *, reverse=False):
    """A lossless copy/view of 1-D `a` in float64, int64 or uint64 (what kernels compile for).

    With ``reverse=True`` the order is reversed without overflow: floats are
    negated, integers bit-flipped (``~v == -v - 1`` for signed, ``MAX - v``
    for unsigned), bool becomes ``1 - v``.
    """
    kind = a.dtype.kind
    if kind == "f":
        out = a.astype(np.float64, copy=False)
        return -out if reverse else out
    if kind == "b":
        out = a.astype(np.int64)
        return 1 - out if reverse else out
    out = a.astype(np.int64 if kind == "i" else np.uint64, copy=False)
    return ~out if reverse else out
