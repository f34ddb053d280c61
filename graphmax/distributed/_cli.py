"""The ``--dask`` form of ``graphmax maxima`` and ``graphmax peaks``.

`add_dask_options` declares the options on a subcommand's parser (without
importing Dask); `run_dask` runs the subcommand on Dask when ``--dask`` was
given: GRAPH is then a Parquet edge table (path or glob), VALUES a Parquet
node table, and the result a folder of Parquet parts written under a
temporary name and renamed into place.
"""

from __future__ import annotations

import argparse
import os
import shutil
import uuid
from pathlib import Path

_ROWS_PER_PART = 1_000_000

# Options of the in-memory subcommands that the Dask path does not take, with the reason.
_REFUSED = {
    "maxima": (("radius", None, "--radius"), ("minima", False, "--minima"), ("directed", False, "--directed"),
               ("weight_column", None, "--weight-column"), ("graph_format", None, "--graph-format"),
               ("format", None, "--format")),
    "peaks": (("radius", None, "--radius"), ("min_distance_radius", None, "--min-distance-radius"),
              ("min_prominence", None, "--min-prominence"), ("image", None, "--image"), ("plot", None, "--plot"),
              ("exclude_border", None, "--exclude-border"), ("by", "value", "--by"), ("directed", False, "--directed"),
              ("weight_column", None, "--weight-column"), ("graph_format", None, "--graph-format"),
              ("format", None, "--format")),
}


def add_dask_options(parser, command):
    """Declare ``--dask`` and its options on the `command` ("maxima" or "peaks") subparser."""
    from ..cli import _int_at_least  # the command line's own integer type

    group = parser.add_argument_group(
        "on Dask (graphs larger than memory; needs graphmax[dist])",
        "With --dask, GRAPH is a Parquet edge table (path or glob, columns --edge-columns) and VALUES a "
        "Parquet node table (columns --node-column and --column, default 'node' and 'value'); "
        + ("--labels names a column of VALUES; " if command == "peaks" else "")
        + "-o names the output folder of Parquet parts (required).",
    )
    group.add_argument("--dask", action=_DaskFlag, help="run on Dask (graphmax.distributed)")
    group.add_argument("--workers", type=_int_at_least(1), default=None, metavar="N",
                       help="worker processes of the LocalCluster started for the run (default: Dask's choice)")
    group.add_argument("--memory-per-worker", default=None, metavar="SIZE",
                       help="memory limit of each worker, e.g. 2GB (default: Dask's share of the RAM)")
    group.add_argument("--scheduler", default=None, metavar="ADDRESS",
                       help="run on an existing Dask cluster (tcp://host:8786) instead of a LocalCluster")
    group.add_argument("--edge-columns", default="src,dst", metavar="SRC,DST",
                       help="source and target columns of GRAPH (default: %(default)s)")
    group.add_argument("--node-column", default="node", metavar="C",
                       help="node id column of VALUES (default: %(default)s)")


class _DaskFlag(argparse.Action):
    """``--dask``: sets ``dask=True`` and takes the output checks over (-o is a folder of
    Parquet parts that a rerun replaces, which the file checks of the in-memory form refuse)."""

    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, default=False, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        namespace.dask = True
        namespace.output_files = ()


def run_dask(args, command):
    """Run ``graphmax <command> --dask``; returns the exit status (0)."""
    _check_args(args, command)
    source, target = _edge_columns(args.edge_columns)
    value = "value" if args.column is None else str(args.column)
    common = dict(source=source, target=target, node=args.node_column, value=value,
                  workers=args.workers, memory_per_worker=args.memory_per_worker)
    out = Path(args.output)
    client = None
    if args.scheduler is not None:
        from distributed import Client

        client = Client(args.scheduler)
    try:
        common["client"] = client
        if command == "maxima":
            frame = _maxima_frame(args, common)
        else:
            frame = _peaks_frame(args, common)
    finally:
        if client is not None:
            client.close()
    write_parquet_folder(out, frame)
    return 0


def _check_args(args, command):
    for attribute, default, option in _REFUSED[command]:
        if getattr(args, attribute, default) != default:
            raise ValueError(f"{option} is not available with --dask")
    if args.output is None or args.output == "-":
        raise ValueError("--dask writes a folder of Parquet parts: name it with -o OUT")
    if args.graph is None or args.values is None:
        raise ValueError("--dask needs GRAPH (Parquet edges) and VALUES (Parquet node table)")
    out = Path(args.output).resolve()
    for given in (args.graph, args.values):
        base = Path(given.split("*")[0]).resolve()  # a glob: its fixed leading part
        if out == base or out in base.parents or base in out.parents:
            raise ValueError(f"-o {args.output!r} overlaps the input {given!r}; write the result elsewhere")
    if out.exists() and not _is_result_folder(out):
        raise ValueError(f"-o {args.output!r} exists and is not a folder of Parquet parts; pick another name")


def _edge_columns(text):
    names = [c.strip() for c in text.split(",")]
    if len(names) != 2 or not all(names):
        raise ValueError(f"--edge-columns must be two column names SRC,DST, got {text!r}")
    return names


def _maxima_frame(args, common):
    from . import _maxima

    result = _maxima.local_maxima(args.graph, args.values, mode=args.mode, hops=args.hops,
                                  direction=args.direction, min_neighbors=args.min_neighbors,
                                  nan_policy=args.nan_policy, **common)
    frame = result.compute_frame(progress=True, values=True)
    return frame if args.all else frame.loc[frame["is_max"], ["node", "value"]].reset_index(drop=True)


def _peaks_frame(args, common):
    from . import _peaks

    peaks = _peaks.find_peaks(
        args.graph, args.values, labels=args.labels, threshold_abs=args.threshold_abs,
        threshold_rel=args.threshold_rel, min_distance=args.min_distance, num_peaks=args.num_peaks,
        num_peaks_per_label=args.num_peaks_per_label, hops=args.hops, direction=args.direction, **common,
    ).compute(progress=True)
    frame = peaks.to_pandas()
    if "name" in frame:
        frame = frame.drop(columns="node").rename(columns={"name": "node"})
    return frame


def _is_result_folder(path):
    return path.is_dir() and all(p.name.startswith("part-") and p.suffix == ".parquet" for p in path.iterdir())


def write_parquet_folder(out, frame):
    """Write `frame` as ``out/part-NNNNN.parquet`` atomically: into a temporary folder
    beside `out`, renamed into place (a previous result folder is replaced)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.{uuid.uuid4().hex}.tmp"
    tmp.mkdir()
    try:
        starts = range(0, max(len(frame), 1), _ROWS_PER_PART)
        for i, start in enumerate(starts):
            frame.iloc[start:start + _ROWS_PER_PART].to_parquet(tmp / f"part-{i:05d}.parquet", index=False)
        if out.exists():
            old = out.parent / f".{out.name}.{uuid.uuid4().hex}.old"
            os.replace(out, old)
            os.replace(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
