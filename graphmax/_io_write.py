"""Writing files atomically: result tables (csv/tsv/json) and bytes, each to a
temporary file beside its target, renamed over it once complete; the check
that an output names no input; the stop that Ctrl-C sets.

Re-exported by `graphmax.io`, where these names are documented to live.
"""

from __future__ import annotations

import contextlib
import csv
import itertools
import json
import math
import os
import stat
import tempfile
import threading

import numpy as np

RESULT_FORMATS = ("csv", "tsv", "json")
_RESULT_EXTENSIONS = {".csv": "csv", ".tsv": "tsv", ".json": "json"}


def _extension(path):
    """Lower-case extension, looking through a trailing ``.gz``."""
    root, ext = os.path.splitext(path.lower())
    if ext == ".gz":
        ext = os.path.splitext(root)[1]
    return ext

# -- results ---------------------------------------------------------------------
def dump_result(columns, file, *, format="csv"):
    """Write a table of equal-length `columns` (``{name: values}``) to an open text `file`.

    ``"csv"``/``"tsv"``: a header row, then one row per entry (bools as
    ``True``/``False``, floats in shortest round-trip form, ``nan``/``inf``).
    ``"json"``: a list of records ``[{"node": ..., "value": ..., ...}, ...]``
    (the ``orient="records"`` of pandas); JSON has no NaN or infinity, so
    they are written as the strings ``"nan"``, ``"inf"`` and ``"-inf"``
    (distinguishable, and ``float()`` reads them back).

    Floats are written in the shortest form that reads back to the same
    value of their own precision: a float32 column keeps float32's digits
    (``0.1``, not ``0.10000000149011612``).
    """
    if format not in RESULT_FORMATS:
        raise ValueError(f"`format` must be one of {RESULT_FORMATS}, got {format!r}")
    names, lists = _result_columns(columns)
    if format == "json":
        _write_json(file, names, lists)
    else:
        _write_csv(file, names, lists, "," if format == "csv" else "\t")


def _result_columns(columns):
    names = list(columns)
    if not names:
        raise ValueError("`columns` must name at least one column")
    lists = []
    for name in names:
        col = columns[name]
        if isinstance(col, np.ndarray) and col.dtype.kind == "f" and col.dtype.itemsize < 8:
            col = [float(str(v)) for v in col]  # float32's shortest digits, not float64's of the same value
        col = col.tolist() if isinstance(col, np.ndarray) else list(col)
        lists.append([c.item() if isinstance(c, np.generic) else c for c in col])
    lengths = {name: len(col) for name, col in zip(names, lists)}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"result columns must have equal lengths, got {lengths}")
    return names, lists


_CHUNK_ROWS = 16384


def _write_csv(file, names, lists, delimiter):
    writer = csv.writer(file, delimiter=delimiter, lineterminator="\n")
    writer.writerow(names)
    rows = zip(*lists)
    while chunk := list(itertools.islice(rows, _CHUNK_ROWS)):
        _raise_if_stopping()
        writer.writerows(chunk)


def _json_safe(v):
    return str(v) if isinstance(v, float) and not math.isfinite(v) else v  # "nan", "inf", "-inf"


def _write_json(file, names, lists):
    records = [dict(zip(names, map(_json_safe, row))) for row in zip(*lists)]
    text = json.dumps(records, allow_nan=False, default=str) + "\n"
    for start in range(0, len(text), 1 << 20):
        _raise_if_stopping()
        file.write(text[start:start + (1 << 20)])


def write_result(path, columns, *, format=None, inputs=()):
    """Write a result table to `path` atomically (see `dump_result` for the layout).

    Parameters
    ----------
    path : str or os.PathLike
    columns : mapping of str to sequence
        Equal-length columns, e.g. ``{"node": labels, "value": x, "is_max": mask}``.
    format : {"csv", "tsv", "json"}, optional
        Default: from the extension of `path`.
    inputs : iterable of paths
        Files this result was computed from; `path` may not be any of them
        (compared after resolving links).

    Notes
    -----
    The table is written to a temporary file in the same directory, flushed
    to disk, then renamed over `path` (`os.replace`): readers see the old file
    or the whole new one, never a part. On any failure the temporary file is
    removed and an existing `path` is left untouched.
    """
    try:
        path = os.fspath(path)
    except TypeError:
        raise TypeError(f"`path` must be a str or os.PathLike, got {type(path).__name__}") from None
    if format is None:
        ext = _extension(path)
        if ext not in _RESULT_EXTENSIONS:
            raise ValueError(
                f"cannot tell the output format from the extension {ext!r} of {path!r}; "
                f"use one of {sorted(_RESULT_EXTENSIONS)} or pass `format`"
            )
        format = _RESULT_EXTENSIONS[ext]
    elif format not in RESULT_FORMATS:
        raise ValueError(f"`format` must be one of {RESULT_FORMATS}, got {format!r}")
    check_output_path(path, inputs=inputs)
    names, lists = _result_columns(columns)  # validate before touching the disk
    table = dict(zip(names, lists))

    def write(f):
        dump_result(table, f, format=format)

    _atomic_write(path, write, text=True)


def write_bytes(path, data, *, inputs=()):
    """Write `data` (bytes) to `path` atomically, never over one of `inputs` (see `write_result`)."""
    check_output_path(path, inputs=inputs)
    _atomic_write(path, lambda f: f.write(data), text=False)


# Atomic writes and interrupts. A write holds `_write_lock` from the temporary
# file's creation to its rename or removal. The command line's interrupt
# watcher (cli._exit_130_on_interrupt) calls `stop_writes`: it sets
# `_stopping`, which a write in progress notices between chunks (it then
# removes its temporary file), and takes the lock, so the process exits with
# every target old or complete and no temporary file left.
_write_lock = threading.Lock()
_stopping = threading.Event()


def _raise_if_stopping():
    if _stopping.is_set():
        raise KeyboardInterrupt


def stop_writes():
    """Stop every atomic write of this process: one in progress is finished (if
    it is renaming) or abandoned with its temporary file removed; later ones
    raise KeyboardInterrupt before touching the disk. Returns once no write is
    in progress. Used by the command line on Ctrl-C, just before it exits."""
    _stopping.set()
    _write_lock.acquire()


@contextlib.contextmanager
def atomic_target(path):
    """Yield a temporary file name beside `path`; on success rename it over `path`.

    On any failure (Ctrl-C included) the temporary file is removed and an
    existing `path` is left as it was. The new file gets the permission bits
    of the file it replaces, else those of a new file under the umask.
    """
    directory = os.path.dirname(os.path.abspath(path))
    with _write_lock:
        _raise_if_stopping()
        mode = _new_file_mode(path)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
        os.close(fd)
        try:
            yield tmp
            _raise_if_stopping()
            os.chmod(tmp, mode)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise


def _atomic_write(path, write, *, text):
    """Call ``write(file)`` on a temporary file beside `path`, flush it to disk, rename it over `path`."""
    with atomic_target(path) as tmp:
        with (open(tmp, "w", encoding="utf-8", newline="") if text else open(tmp, "wb")) as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())


def check_output_path(path, *, inputs=(), option="`path`"):
    """Refuse an output `path` that would overwrite one of `inputs` or cannot be written as a file.

    An input is recognised however it is named: the same path, one through
    ``..`` or a symbolic link (compared after resolving), or a hard link to
    the same file (compared by device and inode). The error names `option`
    (``-o``, ``--plot``, ...) and the target the user gave, never a temporary
    file.
    """
    path = os.fspath(path)
    target = os.path.realpath(path)
    for src in inputs:
        if src is None:
            continue
        src = os.fspath(src)
        same = os.path.realpath(src) == target
        if not same and os.path.exists(path) and os.path.exists(src):
            same = os.path.samefile(path, src)  # hard links
        if same:
            raise ValueError(
                f"refusing to overwrite the input file {src!r} with the output {path!r} ({option}); "
                "write the result to another file"
            )
    if os.path.isdir(path):
        raise ValueError(f"{option} {path!r} is a folder; expected a file name, e.g. {os.path.join(path, 'result.csv')!r}")
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(
            f"{option} {path!r}: the folder {directory!r} does not exist; create it first or write elsewhere"
        )


def _new_file_mode(path):
    """Permission bits for the result: those of the file it replaces, else 0o666 minus the umask.

    (`tempfile.mkstemp` creates files readable by their owner only.)
    """
    with contextlib.suppress(OSError):
        return stat.S_IMODE(os.stat(path).st_mode)
    return 0o666 & ~_umask()


def _umask():
    # Reading the umask via os.umask means setting it; /proc avoids that race on Linux.
    with contextlib.suppress(OSError, ValueError, IndexError):
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
