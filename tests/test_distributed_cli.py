"""``graphmax maxima --dask`` / ``graphmax peaks --dask`` (graphmax.distributed._cli)."""

import numpy as np
import pandas as pd
import pytest

import graphmax as gm
from graphmax import cli

pytest.importorskip("distributed")

from graphmax.distributed import _cli as dcli  # noqa: E402

from .test_distributed import random_case  # noqa: E402


def parse(argv):
    """`argv` through graphmax's parser, with the --dask options declared (cli.py's hook may not be there)."""
    parser = cli.build_parser()
    sub = parser._subparsers._group_actions[0].choices[argv[0]]
    if not any("--dask" in a.option_strings for a in sub._actions):
        dcli.add_dask_options(sub, argv[0])
    return parser.parse_args(argv)


@pytest.fixture(scope="module")
def scheduler():
    import distributed

    with distributed.LocalCluster(processes=False, n_workers=1, threads_per_worker=2, dashboard_address=":0") as c:
        yield c.scheduler_address


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dask_cli")
    edges, values, graph = random_case(4, n=50, e=80)
    values = values.assign(region=np.arange(len(values)) % 3)
    (folder / "edges").mkdir()
    for i, chunk in enumerate(np.array_split(np.arange(len(edges)), 3)):
        edges.iloc[chunk].rename(columns={"src": "a", "dst": "b"}).to_parquet(folder / "edges" / f"e{i}.parquet")
    values.to_parquet(folder / "values.parquet")
    return folder, values, graph


def run(argv):
    args = parse(argv)
    return dcli.run_dask(args, argv[0])


def test_maxima_folder(files, scheduler):
    folder, values, graph = files
    out = folder / "maxima.parquet"
    common = [str(folder / "edges" / "*.parquet"), str(folder / "values.parquet"), "--dask",
              "--edge-columns", "a,b", "-o", str(out)]
    assert run(["maxima", *common, "--mode", "nonstrict", "--hops", "2", "--scheduler", scheduler]) == 0
    got = pd.read_parquet(out)
    mask = gm.local_maxima(graph, values["value"].to_numpy(), mode="nonstrict", hops=2)
    assert got.columns.tolist() == ["node", "value"]
    assert got["node"].tolist() == values["node"][mask].tolist()
    assert got["value"].tolist() == values["value"][mask].tolist()
    assert run(["maxima", *common, "--all", "--workers", "1", "--memory-per-worker", "1GB"]) == 0  # own cluster  # replaces the previous result folder
    every = pd.read_parquet(out)
    assert every["is_max"].tolist() == gm.local_maxima(graph, values["value"].to_numpy()).tolist()
    assert sorted(p.name for p in folder.iterdir()) == ["edges", "maxima.parquet", "values.parquet"]


def test_peaks_folder(files, scheduler):
    folder, values, graph = files
    out = folder / "peaks"
    assert run(["peaks", str(folder / "edges"), str(folder / "values.parquet"), "--dask", "--scheduler", scheduler,
                "--edge-columns", "a,b", "--labels", "region", "--min-distance", "1", "-o", str(out)]) == 0
    got = pd.read_parquet(out)
    want = gm.find_peaks(graph, values["value"].to_numpy(), labels=values["region"].to_numpy(), min_distance=1)
    assert got["node"].tolist() == values["node"].to_numpy()[want.nodes].tolist()
    assert got["label"].tolist() == want.labels.tolist()


def test_errors_write_nothing(files, scheduler, tmp_path):
    folder, values, _ = files
    short = values.iloc[5:]
    short.to_parquet(tmp_path / "short.parquet")
    out = tmp_path / "out"
    with pytest.raises(ValueError, match="not in `values`"):
        run(["maxima", str(folder / "edges"), str(tmp_path / "short.parquet"), "--dask", "--scheduler", scheduler,
             "--edge-columns", "a,b", "-o", str(out)])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["short.parquet"]
    with pytest.raises(ValueError, match="--radius is not available with --dask"):
        run(["maxima", "e", "v", "--dask", "--radius", "2", "-o", str(out)])
    with pytest.raises(ValueError, match="-o OUT"):
        run(["maxima", "e", "v", "--dask"])
    with pytest.raises(ValueError, match="exists and is not a folder of Parquet parts"):
        run(["maxima", "e", "v", "--dask", "-o", str(tmp_path / "short.parquet")])
    with pytest.raises(ValueError, match="overlaps the input"):
        run(["maxima", str(folder / "edges" / "*.parquet"), str(folder / "values.parquet"), "--dask",
             "-o", str(folder / "edges")])
    assert parse(["maxima", "e", "v", "--dask", "-o", "x"]).output_files == ()
    assert parse(["maxima", "e", "v", "-o", "x"]).output_files == ("output",)
    with pytest.raises(ValueError, match="--edge-columns must be two column names"):
        run(["maxima", "e", "v", "--dask", "--edge-columns", "a", "-o", str(out)])


def test_refused_options_are_real_options():
    # the refusals read attributes of graphmax's own parsers: a renamed option must not slip through
    for command in ("maxima", "peaks"):
        args = parse([command, "e", "v", "--dask", "-o", "x"])
        for attribute, default, option in dcli._REFUSED[command]:
            assert getattr(args, attribute) == default, (command, option)


def test_graphmax_command(files, scheduler, capsys):
    # through graphmax's own entry point: exit status 0 and the folder; a bad input: status 2, no folder
    folder, values, graph = files
    out = folder / "cli-maxima"
    argv = ["maxima", str(folder / "edges"), str(folder / "values.parquet"), "--dask", "--scheduler", scheduler,
            "--edge-columns", "a,b", "-o", str(out)]
    assert cli.main(argv) == 0
    want = values["node"][gm.local_maxima(graph, values["value"].to_numpy())]
    assert pd.read_parquet(out)["node"].tolist() == want.tolist()
    assert cli.main([*argv[:-1], str(folder / "cli-none"), "--node-column", "nope"]) == 2
    assert "`values` has no column 'nope'" in capsys.readouterr().err
    assert not (folder / "cli-none").exists()
