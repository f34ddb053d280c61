"""The ``graphmax peaks`` subcommand (graph and image peaks, ``--plot``)."""

from __future__ import annotations

import argparse
import os

from ._cli_common import _add_dask, _column, _emit, _graph_formats, _int_at_least, _radius, _read_graph_and_values, \
    _weight_column

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
