"""The ``graphmax`` command line: ``graphmax maxima GRAPH VALUES [options]``.

Each subcommand is a pair of functions, ``_add_<name>(subparsers)`` which
declares its options and ``_run_<name>(args) -> int``; `_SUBCOMMANDS` lists
them, so a new subcommand (``peaks``, ``bench``) is one more pair. Only the
core dependencies are imported (no pandas, torch or matplotlib).
"""

from __future__ import annotations

import argparse
import math
import os
import sys

__all__ = ["main", "build_parser"]

PROG = "graphmax"

_MAIN_EPILOG = """\
examples:
  graphmax maxima examples/data/karate_edges.csv examples/data/karate_values.csv
  graphmax maxima graph.mtx signal.npy --hops 2 --all -o result.json

Run 'graphmax maxima --help' for the options. Exit status: 0 on success,
2 on a usage or input error (the message starts with 'graphmax: error:').
"""

_MAXIMA_EPILOG = """\
input files:
  GRAPH   edge list .csv/.tsv (source,target[,weight]; header optional),
          .txt/.edges (whitespace-separated, '#' comments), Matrix Market
          .mtx, scipy.sparse .npz, .graphml or .gml (also .gz-compressed).
          Node ids other than the integers 0..n-1 are kept as labels.
  VALUES  .npy array, or a .csv/.tsv/.txt table: one value per line in node
          order, or 'node,value' rows matched to the graph's node ids.

result:
  CSV with columns node,value: one row per maximum (minimum with --minima),
  in node order. --all writes every node with a third column is_max
  (is_min). -o writes the file atomically and never over an input file.

examples:
  # maxima of a signal on an edge list, printed as CSV
  graphmax maxima examples/data/karate_edges.csv examples/data/karate_values.csv

  # strict minima over 2-hop neighbourhoods, every node flagged, saved as JSON
  graphmax maxima edges.csv values.csv --minima --mode strict --hops 2 --all -o out.json

  # highest villages within 5 km by trail (weights from the 'km' column)
  graphmax maxima examples/data/weighted_edges.tsv \
      examples/data/weighted_values.tsv --radius 5 --weight-column km

  # directed graph, compare each node with its out-neighbours only
  graphmax maxima links.txt rank.npy --directed --direction out
"""


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


# -- maxima -------------------------------------------------------------------
def _add_maxima(subparsers):
    from .io import RESULT_FORMATS

    p = subparsers.add_parser(
        "maxima",
        help="local maxima (or minima) of node values over a graph",
        description=(
            "Find the nodes of GRAPH whose value in VALUES is a local maximum\n"
            "(no neighbour is higher), as graphmax.local_maxima does."
        ),
        epilog=_MAXIMA_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("graph", metavar="GRAPH", help="graph file (see 'input files' below)")
    p.add_argument("values", metavar="VALUES", help="node values file (see 'input files' below)")

    semantics = p.add_argument_group("what counts as a maximum")
    semantics.add_argument(
        "--mode",
        choices=("plateau", "strict", "nonstrict"),
        default="plateau",
        help="strict: higher than every neighbour; nonstrict: no neighbour higher; "
        "plateau: a connected set of equal values with no higher neighbour, as scikit-image "
        "(default: %(default)s)",
    )
    reach = semantics.add_mutually_exclusive_group()
    reach.add_argument(
        "--hops",
        type=_int_at_least(1),
        default=1,
        metavar="K",
        help="neighbours: every node within K hops (default: %(default)s)",
    )
    reach.add_argument(
        "--radius",
        type=_radius,
        default=None,
        metavar="R",
        help="neighbours: every node within weighted shortest-path distance R (instead of --hops)",
    )
    semantics.add_argument(
        "--direction",
        choices=("both", "out", "in"),
        default="both",
        help="which edges make neighbours: both directions, out-edges or in-edges (default: %(default)s)",
    )
    semantics.add_argument("--minima", action="store_true", help="find local minima instead of maxima")
    semantics.add_argument(
        "--min-neighbors",
        type=_int_at_least(0),
        default=1,
        metavar="M",
        help="a node (plateau) with fewer than M neighbours outside itself is never a maximum; "
        "0 makes isolated nodes maxima (default: %(default)s)",
    )
    semantics.add_argument(
        "--nan-policy",
        choices=("raise", "omit"),
        default="raise",
        help="NaN values: raise an error, or omit those nodes (never maxima, nobody's neighbour) "
        "(default: %(default)s)",
    )

    inputs = p.add_argument_group("reading the inputs")
    inputs.add_argument(
        "--directed",
        action="store_true",
        help="edge list rows are source -> target only (default: an edge list is undirected; "
        "other formats keep their own direction)",
    )
    inputs.add_argument(
        "--weight-column",
        type=_weight_column,
        default=None,
        metavar="C",
        help="edge weight column of an edge list (name or 0-based index; 'none' for unweighted), "
        "or edge attribute of a GraphML/GML file; default: a 'weight' column, else the third of three",
    )
    inputs.add_argument(
        "--graph-format",
        choices=sorted(_graph_formats()),
        default=None,
        help="format of GRAPH (default: from its extension)",
    )
    inputs.add_argument(
        "--column",
        type=_column,
        default=None,
        metavar="C",
        help="value column of VALUES (name or 0-based index), or channel of a 2-D .npy",
    )

    output = p.add_argument_group("output")
    output.add_argument("--all", action="store_true", help="write every node, with a boolean is_max column")
    output.add_argument(
        "-o",
        "--output",
        metavar="OUT",
        default=None,
        help="write to OUT (atomically) instead of standard output; '-' is standard output",
    )
    output.add_argument(
        "--format",
        choices=RESULT_FORMATS,
        default=None,
        help="output format (default: from the extension of OUT, else csv)",
    )
    p.set_defaults(run=_run_maxima)


def _graph_formats():
    from .io import GRAPH_FORMATS

    return set(GRAPH_FORMATS.values())


def _run_maxima(args):
    import numpy as np

    from . import local_maxima, local_minima
    from .io import dump_result, read_graph, read_values, write_result

    graph = read_graph(
        args.graph,
        format=args.graph_format,
        directed=True if args.directed else None,
        weight_column=args.weight_column,
    )
    labels = graph.names if graph.names is not None else range(graph.n)
    values = read_values(args.values, column=args.column, names=labels)
    if values.ndim != 1:
        raise ValueError(
            f"values file {args.values!r} has {values.shape[1]} channels (shape {values.shape}); "
            "pick one with --column"
        )
    find = local_minima if args.minima else local_maxima
    mask = find(
        graph,
        values,
        mode=args.mode,
        hops=args.hops,
        radius=args.radius,
        direction=args.direction,
        min_neighbors=args.min_neighbors,
        nan_policy=args.nan_policy,
    )
    if args.all:
        columns = {"node": list(labels), "value": values, "is_min" if args.minima else "is_max": mask}
    else:
        keep = np.flatnonzero(mask)
        columns = {"node": [labels[i] for i in keep], "value": values[keep]}
    _emit(args, columns, dump_result, write_result)
    return 0


def _emit(args, columns, dump_result, write_result):
    """Write `columns` to ``-o`` (atomically, format from the extension) or stdout."""
    if args.output is None or args.output == "-":
        dump_result(columns, sys.stdout, format=args.format or "csv")
        sys.stdout.flush()
    else:
        write_result(args.output, columns, format=args.format, inputs=(args.graph, args.values))


_SUBCOMMANDS = (_add_maxima,)


# -- entry point --------------------------------------------------------------
def build_parser():
    """The ``graphmax`` argument parser, with one subparser per subcommand."""
    from . import __version__

    parser = _Parser(
        prog=PROG,
        description="Exact local maxima (peaks) of signals over graphs.",
        epilog=_MAIN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for add in _SUBCOMMANDS:
        add(subparsers)
    return parser


def _message(exc):
    """One-line text of an error; OS errors as 'file: reason'."""
    if isinstance(exc, OSError) and exc.strerror and exc.filename:
        return f"{exc.filename}: {exc.strerror}"
    return str(exc) or type(exc).__name__


def main(argv=None):
    """Run the ``graphmax`` command with `argv` (default ``sys.argv[1:]``); return the exit status.

    User errors (bad options, unreadable or malformed files, invalid values)
    print ``graphmax: error: <message>`` to stderr and return 2, without a
    traceback.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    try:
        return args.run(args)
    except (ValueError, TypeError, OSError) as exc:
        if isinstance(exc, BrokenPipeError):  # e.g. `graphmax maxima ... | head`
            _silence_stdout()
            return 1
        print(f"{PROG}: error: {_message(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _silence_stdout():
    # Python would report the broken pipe again when flushing stdout at exit.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


if __name__ == "__main__":
    sys.exit(main())
