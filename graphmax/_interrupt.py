"""Ctrl-C inside a compiled kernel raises KeyboardInterrupt, as everywhere else in Python.

When SIGINT arrives while a numba kernel runs, Python's handler runs as the
kernel's result is handed back, and CPython reports the KeyboardInterrupt it
raised as ``SystemError: CPUDispatcher(...) returned a result with an
exception set`` (the KeyboardInterrupt is the last of its causes). Code that
catches KeyboardInterrupt to stop cleanly would miss it. `interruptible`
wraps graphmax's public functions: such a SystemError leaves them as the
KeyboardInterrupt it carries. Nothing is half-built: a function's result (and
a graph's cached view) is only stored after its kernels have returned.
"""

from __future__ import annotations

import functools

__all__ = ["interruptible", "raise_carried_interrupt"]


def _carried_interrupt(error: BaseException) -> KeyboardInterrupt | None:
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, KeyboardInterrupt):
            return error
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return None


def raise_carried_interrupt(error: BaseException) -> None:
    """Raise the KeyboardInterrupt `error` carries, if any; return otherwise."""
    interrupt = _carried_interrupt(error)
    if interrupt is not None:
        raise KeyboardInterrupt(*interrupt.args) from None


def interruptible(func):
    """`func`, with a SystemError that carries a KeyboardInterrupt raised as that KeyboardInterrupt."""

    @functools.wraps(func)
    def call(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except SystemError as error:
            raise_carried_interrupt(error)
            raise

    return call
