"""The ``graphmax`` command line: ``graphmax maxima GRAPH VALUES [options]``.

Each subcommand is a pair of functions, ``_add_<name>(subparsers)`` which
declares its options and ``_run_<name>(args) -> int``; `_SUBCOMMANDS` lists
them, so a new subcommand (``peaks``, ``bench``) is one more pair. Only the
core dependencies are imported (no pandas, torch or matplotlib).
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import sys

__all__ = ["main", "build_parser"]

PROG = "graphmax"

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
    p.set_defaults(run=_run_maxima, input_files=("graph", "values"), output_files=("output",),
                   watch_interrupts=True)
    _add_dask(p, "maxima")


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


def _render(ax, path):
    """The figure of `ax` as the bytes of an image file, its format from the extension of `path`."""
    import io as _io

    suffix = os.path.splitext(path)[1].lower().lstrip(".")
    supported = ax.figure.canvas.get_supported_filetypes()
    if suffix not in supported:
        raise ValueError(
            f"`--plot` {path!r}: cannot tell the picture format from its extension; "
            f"expected one of {', '.join('.' + s for s in sorted(supported))} (e.g. peaks.png)"
        )
    buffer = _io.BytesIO()
    ax.figure.savefig(buffer, format=suffix, dpi=120, bbox_inches="tight")
    return buffer.getvalue()


# -- peaks --------------------------------------------------------------------
_PEAKS_EPILOG = """\
input files:
  GRAPH, VALUES   as for 'graphmax maxima' (edge list, .mtx, .npz, GraphML/GML;
                  .npy or CSV values).
  --image IMG     a .npy array (any number of dimensions), or a PNG/JPEG/TIFF/BMP
                  picture (colour pictures are converted to grey levels, as
                  Pillow's convert("L")). Instead of GRAPH and VALUES.
  --labels FILE   regions: integers per node (same forms as VALUES; 0 is
                  background) or, with --image, a .npy array of the image's shape.

result:
  CSV, one row per peak, highest first (ties: lowest node / row-major first);
  with --by prominence, most prominent first (ties: highest, then lowest node).
  Graphs: node,value,plateau_size,prominence,saddle,parent (saddle and parent
  are nodes, empty for the highest peak of a connected component), plus label
  with --labels. Images: one coordinate column per axis (row,col in 2-D),
  value, plus prominence with --min-prominence. -o writes atomically.

semantics:
  Graphs follow graphmax.find_peaks (--min-distance in hops); images follow
  graphmax.grid.find_peaks, a drop-in for scikit-image's peak_local_max
  (--min-distance in pixels: the peak is the maximum of a (2d+1)-wide box,
  and peaks closer than d to a higher one are dropped).

examples:
  # the 3 most prominent peaks of a signal on a graph, with a picture
  graphmax peaks examples/data/karate_edges.csv examples/data/karate_values.csv \
      --num-peaks 3 --by prominence --plot peaks.png

  # peaks at least 2 hops apart and 0.1 above their saddle, as JSON
  graphmax peaks edges.csv values.csv --min-distance 2 --min-prominence 0.1 -o peaks.json

  # peaks of a picture, 5 pixels apart, above half the maximum
  graphmax peaks --image coins.png --min-distance 5 --threshold-rel 0.5 -o peaks.csv
"""

_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".gif")


def _number(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if value != value:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}")
    return value


def _border(text):
    """--exclude-border: 'true'/'false', one width, or comma-separated widths per axis."""
    lower = text.strip().lower()
    if lower in ("true", "false"):
        return lower == "true"
    try:
        widths = tuple(int(t) for t in lower.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected true, false, a width or comma-separated widths, got {text!r}"
        ) from None
    if any(w < 0 for w in widths):
        raise argparse.ArgumentTypeError(f"expected widths >= 0, got {text!r}")
    return widths[0] if len(widths) == 1 else widths


def _add_peaks(subparsers):
    from .io import RESULT_FORMATS

    p = subparsers.add_parser(
        "peaks",
        help="peaks of node values on a graph (or of an image): spaced, thresholded, by prominence",
        description=(
            "Find the peaks of VALUES on GRAPH (graphmax.find_peaks), or of an image\n"
            "(--image; graphmax.grid.find_peaks, as scikit-image's peak_local_max)."
        ),
        epilog=_PEAKS_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("graph", metavar="GRAPH", nargs="?", help="graph file (see 'input files' below)")
    p.add_argument("values", metavar="VALUES", nargs="?", help="node values file")
    p.add_argument("--image", metavar="IMG", default=None, help="find the peaks of an image instead")

    which = p.add_argument_group("which peaks")
    which.add_argument("--min-distance", type=_int_at_least(0), default=None, metavar="D",
                       help="drop a peak within D of a higher kept one (graphs: hops; images: pixels, "
                            "default 1)")
    which.add_argument("--min-distance-radius", type=_radius, default=None, metavar="R",
                       help="graphs: the same within weighted shortest-path distance R")
    which.add_argument("--threshold-abs", type=_number, default=None, metavar="T",
                       help="keep peaks strictly above T")
    which.add_argument("--threshold-rel", type=_number, default=None, metavar="F",
                       help="keep peaks strictly above F times the maximum value")
    which.add_argument("--min-prominence", type=_number, default=None, metavar="P",
                       help="keep peaks whose prominence (height above their saddle) is at least P")
    which.add_argument("--num-peaks", type=_int_at_least(0), default=None, metavar="N",
                       help="keep the first N peaks in the order of --by: the N highest (default) or, "
                            "with --by prominence, the N most prominent")
    which.add_argument("--num-peaks-per-label", type=_int_at_least(0), default=None, metavar="N",
                       help="keep the first N peaks of each label, in the order of --by")
    which.add_argument("--by", choices=("value", "prominence"), default="value",
                       help="graphs: the order peaks are ranked, kept (--num-peaks, --min-distance) and "
                            "written in: highest value first, or most prominent first (default: %(default)s)")
    which.add_argument("--labels", metavar="FILE", default=None,
                       help="regions, each searched on its own (0: background)")
    which.add_argument("--exclude-border", type=_border, default=None, metavar="W",
                       help="images: no peaks within W pixels of the border (true: the min distance, "
                            "the default; false; or widths per axis as 2,0)")

    graph = p.add_argument_group("graphs: neighbourhood and reading")
    reach = graph.add_mutually_exclusive_group()
    reach.add_argument("--hops", type=_int_at_least(1), default=1, metavar="K",
                       help="a peak is the highest within K hops (default: %(default)s)")
    reach.add_argument("--radius", type=_radius, default=None, metavar="R",
                       help="a peak is the highest within weighted shortest-path distance R")
    graph.add_argument("--direction", choices=("both", "out", "in"), default="both",
                       help="which edges make neighbours (default: %(default)s)")
    graph.add_argument("--directed", action="store_true", help="edge list rows are source -> target only")
    graph.add_argument("--weight-column", type=_weight_column, default=None, metavar="C",
                       help="edge weight column (name or 0-based index; 'none' for unweighted)")
    graph.add_argument("--graph-format", choices=sorted(_graph_formats()), default=None,
                       help="format of GRAPH (default: from its extension)")
    graph.add_argument("--column", type=_column, default=None, metavar="C",
                       help="value column of VALUES (name or 0-based index)")

    output = p.add_argument_group("output")
    output.add_argument("-o", "--output", metavar="OUT", default=None,
                        help="write to OUT (atomically) instead of standard output; '-' is standard output")
    output.add_argument("--format", choices=RESULT_FORMATS, default=None,
                        help="output format (default: from the extension of OUT, else csv)")
    output.add_argument("--plot", metavar="PNG", default=None,
                        help="also draw the peaks into this picture (needs matplotlib)")
    p.set_defaults(run=_run_peaks, input_files=("graph", "values", "labels", "image"),
                   output_files=("output", "plot"), watch_interrupts=True)
    _add_dask(p, "peaks")


def _run_peaks(args):
    if getattr(args, "dask", False):
        from .distributed._cli import run_dask

        return run_dask(args, "peaks")
    if args.image is not None:
        if args.graph is not None or args.values is not None:
            raise ValueError("give either GRAPH VALUES or --image IMG, not both")
        for option, value in (("--min-distance-radius", args.min_distance_radius), ("--radius", args.radius)):
            if value is not None:
                raise ValueError(f"{option} applies to graphs, not to --image")
        if args.hops != 1 or args.direction != "both" or args.directed:
            raise ValueError("--hops, --direction and --directed apply to graphs, not to --image")
        if args.by != "value":
            raise ValueError("--by prominence applies to graphs; for --image, peaks are ranked by value as "
                             "peak_local_max ranks them (filter with --min-prominence)")
        return _run_image_peaks(args)
    if args.graph is None or args.values is None:
        raise ValueError("give GRAPH and VALUES (or --image IMG)")
    if args.exclude_border is not None:
        raise ValueError("--exclude-border applies to --image; use labels for graphs")
    return _run_graph_peaks(args)


def _computed(values):
    """A computed float column (a difference of two values read) to 15 significant digits,
    the precision float64 keeps for decimal input: 0.515152 - 0.030303 is written 0.484849,
    not 0.48484900000000003. Integer columns pass as they are."""
    import numpy as np

    values = np.asarray(values)
    if values.dtype.kind != "f":
        return values
    return [float(f"{v:.15g}") for v in values.tolist()]


def _check_plot_dependency(args):
    if args.plot is None:
        return
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise ValueError("--plot needs matplotlib (pip install matplotlib)") from None


def _new_axes():
    from matplotlib.figure import Figure  # no pyplot: any backend, no display needed

    fig = Figure(figsize=(7, 6))
    return fig.add_subplot()


def _run_graph_peaks(args):
    import numpy as np

    from ._peaks import find_peaks
    from .io import dump_result, values_for_graph, write_result

    graph, names, values = _read_graph_and_values(args)
    labels = None
    if args.labels is not None:
        _, _, labels = values_for_graph(graph, args.labels, role="labels", add_nodes=False)
        if labels.ndim != 1 or labels.dtype.kind not in "biu":
            raise ValueError(f"labels file {args.labels!r} must hold one integer per node")
    _check_plot_dependency(args)
    if args.plot is not None and graph.n > 20000:
        raise ValueError(f"--plot lays the graph out with networkx, too slow for {graph.n} nodes (max 20000)")
    peaks = find_peaks(
        graph, values, labels=labels, threshold_abs=args.threshold_abs, threshold_rel=args.threshold_rel,
        min_prominence=args.min_prominence, min_distance=args.min_distance,
        min_distance_radius=args.min_distance_radius, num_peaks=args.num_peaks,
        num_peaks_per_label=args.num_peaks_per_label, hops=args.hops, radius=args.radius,
        direction=args.direction, order=args.by, return_prominence=True,
    )
    label_of = list(names)

    def node_names(ids):
        return [label_of[i] if i >= 0 else None for i in np.asarray(ids).tolist()]

    columns = {
        "node": node_names(peaks.nodes),
        "value": peaks.values,
        "plateau_size": peaks.plateau_size,
        "prominence": _computed(peaks.prominence),
        "saddle": node_names(peaks.saddle),
        "parent": node_names(peaks.parent),
    }
    if labels is not None:
        columns["label"] = peaks.labels
    picture = None
    if args.plot is not None:
        from .plot import plot_graph_peaks

        ax = plot_graph_peaks(graph, values, peaks, ax=_new_axes())
        ax.set_title(f"{len(peaks)} peaks of {os.path.basename(args.values)}")
        picture = _render(ax, args.plot)
    _emit(args, columns, dump_result, write_result, picture)
    return 0


def _read_image(path):
    """An image file as a numpy array: .npy as stored; pictures as grey levels (uint8/uint16)."""
    import numpy as np

    if not os.path.exists(path):
        raise FileNotFoundError(f"image file not found: {path!r}")
    suffix = os.path.splitext(path.lower())[1]
    if suffix == ".npy":
        from .io import load_npy

        return load_npy(path, f"image file {path!r}")
    if suffix not in _IMAGE_SUFFIXES:
        raise ValueError(f"cannot read image {path!r}: expected .npy or one of {', '.join(_IMAGE_SUFFIXES)}")
    try:
        from PIL import Image
    except ImportError:
        Image = None
    try:
        if Image is not None:
            with Image.open(path) as picture:
                if picture.mode not in ("L", "I;16", "I", "F", "1"):
                    picture = picture.convert("L")
                return np.asarray(picture).copy()
        import matplotlib.image as mpimg

        img = mpimg.imread(path)
    except (OSError, ValueError, SyntaxError) as exc:
        raise ValueError(f"image file {path!r} could not be read: {exc}") from None
    if img.ndim == 3:  # grey levels, ITU-R 601-2 luma as Pillow's convert("L")
        img = img[..., :3] @ np.array([0.299, 0.587, 0.114])
    return img


def _run_image_peaks(args):
    import numpy as np

    from . import grid
    from .io import dump_result, write_result

    image = _read_image(args.image)
    labels = None
    if args.labels is not None:
        labels = _read_image(args.labels)
        if labels.dtype.kind not in "biu" or labels.shape != image.shape:
            raise ValueError(
                f"labels file {args.labels!r} must hold integers of the image's shape {image.shape}, "
                f"got {labels.dtype} {labels.shape}"
            )
    _check_plot_dependency(args)
    if args.plot is not None and image.ndim != 2:
        raise ValueError(f"--plot draws 2-D images only, this one has shape {image.shape}")
    min_distance = 1 if args.min_distance is None else args.min_distance
    coords = grid.find_peaks(
        image, min_distance=min_distance, threshold_abs=args.threshold_abs, threshold_rel=args.threshold_rel,
        exclude_border=True if args.exclude_border is None else args.exclude_border,
        num_peaks=np.inf if args.num_peaks is None else args.num_peaks, labels=labels,
        num_peaks_per_label=np.inf if args.num_peaks_per_label is None else args.num_peaks_per_label,
        min_prominence=args.min_prominence,
    )
    axes = ("row", "col") if image.ndim == 2 else tuple(f"axis{j}" for j in range(image.ndim))
    columns = {name: coords[:, j] for j, name in enumerate(axes)}
    columns["value"] = image[tuple(coords.T)]
    if args.min_prominence is not None:
        columns["prominence"] = _computed(grid.prominence(image, labels=labels)[tuple(coords.T)])
    picture = None
    if args.plot is not None:
        from .plot import plot_image_peaks

        ax = plot_image_peaks(image, coords, ax=_new_axes())
        ax.set_title(f"{len(coords)} peaks of {os.path.basename(args.image)}")
        picture = _render(ax, args.plot)
    _emit(args, columns, dump_result, write_result, picture)
    return 0




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
    p.set_defaults(run=_run_warmup)


def _run_warmup(args):
    import contextlib
    import time

    from ._compiling import reporting
    from ._warmup import warm_up

    start = time.perf_counter()

    def report(step, seconds):
        if not args.quiet:
            print(f"{seconds:8.2f} s  {step}", flush=True)

    def each_kernel(stage, kernel, seconds):  # progress from the first second: one line per compile
        if stage == "start" and not args.quiet:
            print(f"{time.perf_counter() - start:8.2f} s    compiling {kernel} ...", flush=True)

    if not args.quiet:
        print("compiling (or loading from numba's disk cache) the kernels of the common calls", flush=True)
    with reporting(each_kernel) if not args.quiet else contextlib.nullcontext():
        steps = warm_up(progress=report)
    if not args.quiet:
        print(f"{sum(s for _, s in steps):8.2f} s  in all")
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


def _message(exc):
    """One-line text of an error; OS errors as 'file: reason'."""
    if isinstance(exc, OSError) and exc.strerror and exc.filename:
        return f"{exc.filename}: {exc.strerror}"
    return str(exc) or type(exc).__name__


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
