"""The ``graphmax`` command line: ``graphmax maxima GRAPH VALUES [options]``.

Each subcommand is a pair of functions, ``_add_<name>(subparsers)`` which
declares its options and ``_run_<name>(args) -> int``; `_SUBCOMMANDS` lists
them, so a new subcommand (``peaks``, ``bench``) is one more pair. ``peaks`` lives
in `graphmax._cli_peaks`; what the subcommands share (option types, reading the
inputs, writing the table) in `graphmax._cli_common`. Only the
core dependencies are imported (no pandas, torch or matplotlib).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys

from ._cli_common import PROG, _add_dask, _check_targets, _column, _emit, _graph_formats, _int_at_least, _message, \
    _Parser, _radius, _read_graph_and_values, _weight_column
from ._cli_peaks import _add_peaks

__all__ = ["main", "build_parser"]

_MAIN_EPILOG = """\
examples:
  graphmax maxima examples/data/karate_edges.csv examples/data/karate_values.csv
  graphmax maxima graph.mtx signal.npy --hops 2 --all -o result.json
  graphmax peaks examples/data/karate_edges.csv examples/data/karate_values.csv --min-prominence 0.1
  graphmax peaks --image picture.png --min-distance 5 --plot peaks.png
  graphmax bench speed --quick
  graphmax warmup          # compile the common kernels now (seconds each on a fresh install)

Run 'graphmax maxima --help', 'graphmax peaks --help' or 'graphmax bench --help' for the options. Exit status: 0 on success,
2 on a usage or input error (the message starts with 'graphmax: error:').
"""

_MAXIMA_EPILOG = """\
input files:
  GRAPH   edge list .csv/.tsv (source,target[,weight]; header optional),
          .txt/.edges (whitespace-separated, '#' comments), Matrix Market
          .mtx, scipy.sparse .npz, .graphml or .gml (also .gz-compressed).
          Node ids other than the integers 0..n-1 are kept as labels.
  VALUES  'node,value' rows (.csv/.tsv/.txt, header optional): matched to the
          graph by node id; ids no edge mentions become isolated nodes.
          Or one value per line (or a .npy array): line i is node id i, for
          integer ids >= 0 (ids 0..m-1 no edge mentions become isolated
          nodes); refused for other ids, which need 'node,value' rows.

result:
  CSV with columns node,value: one row per maximum (minimum with --minima),
  by node id (integer ids), else in the order nodes first appear. --all writes every node with a third column is_max
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
    p.set_defaults(run=_run_maxima, input_files=("graph", "values"), output_files=("output",),
                   watch_interrupts=True)
    _add_dask(p, "maxima")


def _run_maxima(args):
    if getattr(args, "dask", False):
        from .distributed._cli import run_dask

        return run_dask(args, "maxima")
    from . import local_maxima, local_minima
    from .io import dump_result, write_result

    graph, labels, values = _read_graph_and_values(args)
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
    order = _node_order(labels)
    if args.all:
        columns = {"node": [labels[i] for i in order], "value": values[order],
                   "is_min" if args.minima else "is_max": mask[order]}
    else:
        keep = order[mask[order]]
        columns = {"node": [labels[i] for i in keep], "value": values[keep]}
    _emit(args, columns, dump_result, write_result)
    return 0


def _node_order(labels):
    """Output rows: by node id where every id is an integer, else in the graph file's order."""
    import numpy as np

    if all(isinstance(v, int) for v in labels):
        return np.argsort(np.asarray(labels, dtype=np.int64), kind="stable")
    return np.arange(len(labels))


_BENCH_EPILOG = """\
examples:
  graphmax bench speed --quick            # CI-sized speed suite (~20 s); prints, writes no file
  graphmax bench speed --quick --out DIR  # the same, saving its files in DIR
  graphmax bench speed                    # full sizes, writes benchmarks/results/speed.*
  graphmax bench learned --quick          # exact vs GNN vs CNN, small (< 5 min)
  graphmax bench speed --help             # the suite's own options

A quick or partial run (--quick, a subset of cases, capped sizes) never
writes the committed benchmarks/results unless --out names a folder.
The suites live in the repository's benchmarks/ folder (not in the installed
package): run them from a source checkout (pip install -e ".[all]").
"""

_BENCHES = ("speed", "learned")


def _add_bench(subparsers):
    """``graphmax bench SUITE [suite options]``: run a benchmark suite."""
    p = subparsers.add_parser(
        "bench",
        help="run a benchmark suite (speed, learned)",
        description="Run one of graphmax's benchmark suites; every option after SUITE goes to the suite.",
        epilog=_BENCH_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("suite", choices=_BENCHES, help="which suite: speed (vs every peer) or learned (exact vs GNN vs CNN)")
    p.add_argument("suite_args", nargs=argparse.REMAINDER, help="options for the suite (see 'graphmax bench SUITE --help')")
    p.set_defaults(run=_run_bench)


def _run_bench(args):
    import importlib
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    if not (root / "benchmarks" / f"{args.suite}.py").is_file():
        raise OSError(
            f"the benchmark suites live in the repository's benchmarks/ folder, not found next to {root}; "
            "run from a source checkout installed with pip install -e"
        )
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    module = importlib.import_module(f"benchmarks.{args.suite}")
    try:
        return module.main(args.suite_args, prog=f"{PROG} bench {args.suite}")
    except SystemExit as exc:  # the suite's own --help / usage errors
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)


def _add_warmup(subparsers):
    """``graphmax warmup``: compile (or load from the disk cache) the common kernels now."""
    p = subparsers.add_parser(
        "warmup",
        help="compile the kernels of the common calls now (seconds each on a fresh install)",
        description="Compile, or load from numba's on-disk cache, the kernels of the common calls "
        "(graphs with float64/int64 values in every mode, hops=2, radius, find_peaks; uint8/float64 "
        "images), so that the first real call does not pay for it. Prints the seconds of each step.",
    )
    p.add_argument("--quiet", action="store_true", help="print nothing")
    p.add_argument("--jobs", type=_int_at_least(1), default=None, metavar="N",
                   help="processes that compile at once (default: one per usable CPU, at most one per step)")
    p.set_defaults(run=_run_warmup)


def _run_warmup(args):
    import contextlib
    import time

    from ._compiling import reporting
    from ._warmup import run, usable_cpus

    start = time.perf_counter()
    jobs = args.jobs if args.jobs is not None else usable_cpus()

    def report(step, seconds):
        if not args.quiet:
            print(f"{seconds:8.2f} s  {step}", flush=True)

    def each_kernel(stage, kernel, seconds):  # progress from the first second: one line per compile
        if stage == "start" and not args.quiet:
            print(f"{time.perf_counter() - start:8.2f} s    compiling {kernel} ...", flush=True)

    def child_kernel(kernel):
        each_kernel("start", kernel, 0.0)

    if not args.quiet:
        print("compiling (or loading from numba's disk cache) the kernels of the common calls"
              + (f", {jobs} processes at once" if jobs > 1 else ""), flush=True)
    with reporting(each_kernel) if not args.quiet else contextlib.nullcontext():
        run(report, jobs, child_kernel)
    if not args.quiet:
        print(f"{time.perf_counter() - start:8.2f} s  in all")
    return 0


_SUBCOMMANDS = (_add_maxima, _add_peaks, _add_bench, _add_warmup)


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


_interrupted = None  # the watcher's event, once `_exit_130_on_interrupt` set it up


def console_main():
    """The ``graphmax`` command (and ``python -m graphmax``): `main` with Ctrl-C made safe."""
    code = main(exit_on_interrupt=True)
    if _interrupted is None:
        sys.exit(code)
    # The watcher is set up: leave without the interpreter's shutdown, during
    # which a late Ctrl-C would kill the process by the signal (status -2).
    # Every output file is closed by now; only the standard streams need a flush.
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    if _interrupted.is_set():
        import threading

        threading.Event().wait()  # the watcher is ending the process with status 130
    os._exit(code)


def main(argv=None, *, exit_on_interrupt=False):
    """Run the ``graphmax`` command with `argv` (default ``sys.argv[1:]``); return the exit status.

    User errors (bad options, unreadable or malformed files, invalid values)
    print ``graphmax: error: <message>`` to stderr and return 2, without a
    traceback. Ctrl-C returns 130.

    With `exit_on_interrupt` (the console command), the ``maxima`` and
    ``peaks`` subcommands take Ctrl-C in a watcher thread instead of as a
    KeyboardInterrupt in the main thread, which may be inside a compiled
    kernel (where numba turns it into a SystemError, and the process was seen
    to crash): the watcher stops the writes in progress (each target is left
    old or complete, no temporary file remains) and ends the process with
    status 130.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    if exit_on_interrupt and getattr(args, "watch_interrupts", False) and not getattr(args, "dask", False):
        _exit_130_on_interrupt()  # not with --dask: its worker processes take Ctrl-C themselves
    try:
        _check_targets(args)
        return args.run(args)
    except (ValueError, TypeError, OSError) as exc:
        if isinstance(exc, BrokenPipeError):  # e.g. `graphmax maxima ... | head`
            _silence_stdout()
            return 1
        print(f"{PROG}: error: {_message(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _exit_130_on_interrupt():
    """Take Ctrl-C (SIGINT) in a watcher thread that ends the process with status 130.

    The signal handler only wakes the watcher: it never raises, so no
    KeyboardInterrupt can surface inside a compiled kernel (numba turns one
    into a SystemError, and in a parallel region it could crash the process).
    The watcher stops the writes in progress (`graphmax.io.stop_writes`), then
    exits. Python runs signal handlers in the main thread only, so this is set
    up there or not at all.
    """
    import signal
    import threading

    global _interrupted
    if threading.current_thread() is not threading.main_thread():
        return
    _interrupted = interrupted = threading.Event()
    threading.Thread(target=_exit_when, args=(interrupted,), name="graphmax-interrupt", daemon=True).start()
    signal.signal(signal.SIGINT, lambda signum, frame: interrupted.set())


def _exit_when(interrupted):
    from .io import stop_writes

    interrupted.wait()
    stop_writes()  # returns once no write is in progress: targets old or complete, no temporary file
    with contextlib.suppress(Exception):
        sys.stderr.write(f"{PROG}: interrupted\n")
        sys.stderr.flush()
    os._exit(130)


def _silence_stdout():
    # Python would report the broken pipe again when flushing stdout at exit.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


if __name__ == "__main__":
    sys.exit(main())
