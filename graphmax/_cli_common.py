"""What the ``graphmax`` subcommands share: the parser class and its error line,
the option types, the ``--dask`` hook, reading the graph and values files,
refusing outputs that name an input, and writing the result table.

`graphmax.cli` re-exports these names (graphmax.distributed._cli imports
`_int_at_least` from there).
"""

from __future__ import annotations

import argparse
import math
import os
import sys

PROG = "graphmax"

class _Parser(argparse.ArgumentParser):
    """argparse with graphmax's error line (``graphmax: error: ...``, exit status 2)."""

    def error(self, message):
        self.print_usage(sys.stderr)
        self.exit(2, f"{PROG}: error: {message}\n")


def _int_at_least(minimum):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer >= {minimum}, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected an integer >= {minimum}, got {value}")
        return value

    parse.__name__ = f"integer >= {minimum}"
    return parse


def _radius(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}") from None
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"expected a finite number >= 0, got {text!r}")
    return value


def _column(text):
    """A column given on the command line: a 0-based index if it is all digits, else a name."""
    return int(text) if text.isdigit() else text


def _weight_column(text):
    return False if text.lower() == "none" else _column(text)


def _add_dask(parser, command):
    """The ``--dask`` options (graphmax.distributed._cli; declaring them imports no Dask)."""
    from .distributed._cli import add_dask_options

    add_dask_options(parser, command)


def _graph_formats():
    from .io import GRAPH_FORMATS

    return set(GRAPH_FORMATS.values())


def _read_graph_and_values(args):
    """The graph file, its node labels (names, else ids) and one channel of values from the values
    file (matched by node id; see `graphmax.io.values_for_graph`): nodes only the values file names
    are added to the graph as isolated nodes."""
    from .io import read_graph, values_for_graph

    graph = read_graph(args.graph, format=args.graph_format, directed=True if args.directed else None,
                       weight_column=args.weight_column)
    if graph.num_edges == 0:
        raise ValueError(
            f"graph file {args.graph!r} has no edges (an empty file, only a header row, or only self-loops); "
            "expected one 'source,target' row per edge"
        )
    graph, labels, values = values_for_graph(graph, args.values, column=args.column)
    if values.ndim != 1:
        raise ValueError(
            f"values file {args.values!r} has {values.shape[1]} channels (shape {values.shape}); "
            "pick one with --column"
        )
    return graph, labels, values


def _emit(args, columns, dump_result, write_result, picture=None):
    """Write `columns` to ``-o`` (atomically, format from the extension) or stdout,
    then the rendered `picture` (bytes) to ``--plot``.

    Everything that can fail before the disk is touched (reading, computing,
    rendering the picture) has happened already, so a failure leaves no file
    written; if writing the picture fails after the table was written, the
    message says both.
    """
    from .io import write_bytes

    if args.output is None or args.output == "-":
        dump_result(columns, sys.stdout, format=args.format or "csv")
        sys.stdout.flush()
    else:
        write_result(args.output, columns, format=args.format, inputs=_input_paths(args))
    if picture is None:
        return
    try:
        write_bytes(args.plot, picture, inputs=_input_paths(args))
    except OSError as exc:
        written = "" if args.output in (None, "-") else f"wrote {args.output!r}, but "
        raise OSError(f"{written}could not write `--plot` {args.plot!r}: {_message(exc)}") from None


def _input_paths(args):
    """Every file this command reads (the subcommand's ``input_files`` roles that were given)."""
    return tuple(p for p in (getattr(args, role, None) for role in getattr(args, "input_files", ())) if p)


def _check_targets(args):
    """Refuse, before anything is read or computed, any output that names an input
    file (directly, through ``..``, a symbolic or a hard link), the same file as
    another output, a folder, or a file in a missing folder."""
    from .io import check_output_path

    flags = {"output": "-o", "plot": "--plot"}
    targets = {}
    for dest in getattr(args, "output_files", ()):
        path = getattr(args, dest, None)
        if path is None or (dest == "output" and path == "-"):
            continue
        check_output_path(path, inputs=_input_paths(args), option=flags[dest])
        key = os.path.realpath(path)
        if key in targets:
            raise ValueError(f"`{targets[key]}` and `{flags[dest]}` name the same file {path!r}; give two files")
        targets[key] = flags[dest]


def _message(exc):
    """One-line text of an error; OS errors as 'file: reason'."""
    if isinstance(exc, OSError) and exc.strerror and exc.filename:
        return f"{exc.filename}: {exc.strerror}"
    return str(exc) or type(exc).__name__
