"""``graphmax peaks``: graphs and images, every option against the library, and its errors."""

import csv
import io
import json
import pathlib

import numpy as np
import pytest

import graphmax.io as gio
from graphmax import grid
from graphmax._peaks import find_peaks
from graphmax.cli import main

DATA = pathlib.Path(__file__).resolve().parents[1] / "examples" / "data"
KARATE_EDGES = str(DATA / "karate_edges.csv")
KARATE_VALUES = str(DATA / "karate_values.csv")
TRAIL_EDGES = str(DATA / "weighted_edges.tsv")
TRAIL_VALUES = str(DATA / "weighted_values.tsv")
PNG = b"\x89PNG\r\n\x1a\n"


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def karate():
    graph = gio.read_graph(KARATE_EDGES)
    return graph, gio.read_values(KARATE_VALUES, names=range(graph.n))


# -- graphs -----------------------------------------------------------------------------------------
def test_graph_peaks_default(capsys):
    code, out, err = run(capsys, "peaks", KARATE_EDGES, KARATE_VALUES)
    assert code == 0 and err == ""
    graph, x = karate()
    p = find_peaks(graph, x, return_prominence=True)
    got = rows(out)
    assert list(got[0]) == ["node", "value", "plateau_size", "prominence", "saddle", "parent"]
    assert [int(r["node"]) for r in got] == p.nodes.tolist()
    assert [float(r["prominence"]) for r in got] == pytest.approx(p.prominence.tolist(), rel=1e-14)
    assert got[0]["prominence"] == "0.484849"  # 0.515152 - 0.030303, not 0.48484900000000003
    assert [r["saddle"] for r in got] == ["" if s < 0 else str(s) for s in p.saddle]


@pytest.mark.parametrize(
    "options, kwargs",
    [
        (["--min-distance", "2"], {"min_distance": 2}),
        (["--min-prominence", "0.1"], {"min_prominence": 0.1}),
        (["--threshold-abs", "0.3", "--threshold-rel", "0.2"], {"threshold_abs": 0.3, "threshold_rel": 0.2}),
        (["--num-peaks", "1"], {"num_peaks": 1}),
        (["--hops", "2"], {"hops": 2}),
        (["--direction", "out", "--directed"], {"direction": "out"}),
    ],
)
def test_graph_options_match_the_library(capsys, options, kwargs):
    code, out, _ = run(capsys, "peaks", KARATE_EDGES, KARATE_VALUES, *options)
    assert code == 0
    graph = gio.read_graph(KARATE_EDGES, directed=True if "--directed" in options else None)
    x = gio.read_values(KARATE_VALUES, names=range(graph.n))
    want = find_peaks(graph, x, return_prominence=True, **kwargs)
    assert [int(r["node"]) for r in rows(out)] == want.nodes.tolist()


def test_weighted_graph_radius_options(capsys):
    code, out, _ = run(capsys, "peaks", TRAIL_EDGES, TRAIL_VALUES, "--min-distance-radius", "5",
                       "--weight-column", "km")
    assert code == 0
    graph = gio.read_graph(TRAIL_EDGES, weight_column="km")
    x = gio.read_values(TRAIL_VALUES, names=graph.names)
    want = find_peaks(graph, x, min_distance_radius=5.0)
    assert [r["node"] for r in rows(out)] == [str(graph.names[i]) for i in want.nodes]


def test_graph_labels_file(tmp_path, capsys):
    labels = tmp_path / "labels.csv"
    labels.write_text("\n".join(["1"] * 17 + ["2"] * 17) + "\n")
    code, out, _ = run(capsys, "peaks", KARATE_EDGES, KARATE_VALUES, "--labels", labels,
                       "--num-peaks-per-label", "1")
    assert code == 0
    graph, x = karate()
    want = find_peaks(graph, x, labels=np.repeat([1, 2], 17), num_peaks_per_label=1)
    got = rows(out)
    assert [int(r["node"]) for r in got] == want.nodes.tolist()
    assert [int(r["label"]) for r in got] == want.labels.tolist()


def test_graph_json_output_and_plot(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    out_path, plot = tmp_path / "peaks.json", tmp_path / "peaks.png"
    code, out, err = run(capsys, "peaks", KARATE_EDGES, KARATE_VALUES, "-o", out_path, "--plot", plot)
    assert code == 0 and out == "" and err == ""
    records = json.loads(out_path.read_text())
    assert records[0]["saddle"] is None and records[0]["parent"] is None
    assert plot.read_bytes()[:8] == PNG


# -- images -------------------------------------------------------------------------------------------
@pytest.fixture()
def picture(tmp_path):
    rng = np.random.default_rng(0)
    from scipy import ndimage as ndi

    img = (ndi.gaussian_filter(rng.random((60, 80)), 3) * 2000).astype(np.uint16)
    path = tmp_path / "img.npy"
    np.save(path, img)
    return img, path


def test_image_npy(picture, capsys):
    img, path = picture
    code, out, _ = run(capsys, "peaks", "--image", path, "--min-distance", "3", "--threshold-rel", "0.5")
    assert code == 0
    want = grid.find_peaks(img, min_distance=3, threshold_rel=0.5)
    got = rows(out)
    assert list(got[0]) == ["row", "col", "value"]
    assert [[int(r["row"]), int(r["col"])] for r in got] == want.tolist()
    assert [int(r["value"]) for r in got] == img[tuple(want.T)].tolist()


def test_image_options(picture, capsys, tmp_path):
    img, path = picture
    labels = np.zeros(img.shape, dtype=np.int32)
    labels[:, 40:] = 1
    labels[:30, :40] = 2
    np.save(tmp_path / "labels.npy", labels)
    code, out, _ = run(capsys, "peaks", "--image", path, "--exclude-border", "0,4", "--num-peaks", "4",
                       "--labels", tmp_path / "labels.npy", "--min-prominence", "5")
    assert code == 0
    want = grid.find_peaks(img, exclude_border=(0, 4), num_peaks=4, labels=labels, min_prominence=5)
    got = rows(out)
    assert [[int(r["row"]), int(r["col"])] for r in got] == want.tolist()
    assert "prominence" in got[0]
    code, out, _ = run(capsys, "peaks", "--image", path, "--exclude-border", "false", "--num-peaks", "2")
    assert [[int(r["row"]), int(r["col"])] for r in rows(out)] == grid.find_peaks(
        img, exclude_border=False, num_peaks=2).tolist()


def test_image_png_and_plot(tmp_path, capsys):
    pil = pytest.importorskip("PIL.Image")
    pytest.importorskip("matplotlib")
    rgb = np.zeros((30, 40, 3), dtype=np.uint8)
    rgb[10, 12] = [200, 10, 10]
    rgb[20, 30] = [0, 250, 0]
    pil.fromarray(rgb).save(tmp_path / "img.png")
    code, out, _ = run(capsys, "peaks", "--image", tmp_path / "img.png", "--plot", tmp_path / "p.png")
    assert code == 0
    grey = np.asarray(pil.open(tmp_path / "img.png").convert("L"))
    assert [[int(r["row"]), int(r["col"])] for r in rows(out)] == grid.find_peaks(grey).tolist() == [[20, 30], [10, 12]]
    assert (tmp_path / "p.png").read_bytes()[:8] == PNG


def test_image_three_dimensional_columns(tmp_path, capsys):
    img = np.zeros((5, 6, 7))
    img[2, 3, 4] = 1
    np.save(tmp_path / "v.npy", img)
    code, out, _ = run(capsys, "peaks", "--image", tmp_path / "v.npy")
    assert code == 0 and rows(out) == [{"axis0": "2", "axis1": "3", "axis2": "4", "value": "1.0"}]


# -- errors ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "argv, message",
    [
        (["peaks"], "give GRAPH and VALUES (or --image IMG)"),
        (["peaks", KARATE_EDGES], "give GRAPH and VALUES (or --image IMG)"),
        (["peaks", KARATE_EDGES, KARATE_VALUES, "--image", "x.npy"], "give either GRAPH VALUES or --image IMG"),
        (["peaks", "--image", "nope.npy"], "image file not found: 'nope.npy'"),
        (["peaks", "--image", KARATE_VALUES], "cannot read image"),
        (["peaks", KARATE_EDGES, KARATE_VALUES, "--exclude-border", "2"], "--exclude-border applies to --image"),
        (["peaks", KARATE_EDGES, KARATE_VALUES, "--min-distance", "1", "--min-distance-radius", "1"],
         "either `min_distance` or `min_distance_radius`"),
        (["peaks", KARATE_EDGES, KARATE_VALUES, "--plot", "/no/such/dir/p.png"], "--plot '/no/such/dir/p.png': the folder '/no/such/dir' does not exist"),
        (["peaks", KARATE_EDGES, KARATE_VALUES, "--plot", KARATE_VALUES], "refusing to overwrite the input file"),
    ],
)
def test_errors(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.startswith("graphmax: error: ") and message in err
    assert "Traceback" not in err


def test_image_only_options_refused_for_graph_and_back(tmp_path, capsys):
    np.save(tmp_path / "i.npy", np.zeros((4, 4)))
    code, _, err = run(capsys, "peaks", "--image", tmp_path / "i.npy", "--hops", "2")
    assert code == 2 and "--hops, --direction and --directed apply to graphs" in err
    code, _, err = run(capsys, "peaks", "--image", tmp_path / "i.npy", "--min-distance-radius", "2")
    assert code == 2 and "--min-distance-radius applies to graphs" in err
    np.save(tmp_path / "lab.npy", np.zeros((3, 3), dtype=int))
    code, _, err = run(capsys, "peaks", "--image", tmp_path / "i.npy", "--labels", tmp_path / "lab.npy")
    assert code == 2 and "must hold integers of the image's shape (4, 4)" in err


def test_usage_errors(capsys):
    code, _, err = run(capsys, "peaks", KARATE_EDGES, KARATE_VALUES, "--min-distance", "-1")
    assert code == 2 and "expected an integer >= 0" in err
    code, _, err = run(capsys, "peaks", "--image", "x.npy", "--exclude-border", "wide")
    assert code == 2 and "expected true, false, a width" in err
    code, _, err = run(capsys, "peaks", KARATE_EDGES, KARATE_VALUES, "--threshold-abs", "nan")
    assert code == 2 and "expected a number" in err


def test_help(capsys):
    code, out, _ = run(capsys, "peaks", "--help")
    assert code == 0
    for option in ("--image", "--min-distance", "--min-distance-radius", "--threshold-abs", "--threshold-rel",
                   "--min-prominence", "--num-peaks", "--num-peaks-per-label", "--labels", "--exclude-border",
                   "--hops", "--radius", "--direction", "--output", "--format", "--plot"):
        assert option in out
    code, out, _ = run(capsys, "--help")
    assert "graphmax peaks" in out


def test_by_prominence_keeps_the_most_prominent(tmp_path, capsys):
    # A path: peaks at 1 (10, prominence 10), 3 (9.8, 0.3 above its saddle 9.5) and 5 (7, prominence 7).
    (tmp_path / "e.csv").write_text("".join(f"{i},{i + 1}\n" for i in range(6)))
    (tmp_path / "x.csv").write_text("0\n10\n9.5\n9.8\n0\n7\n0\n")
    graph, x = gio.read_graph(tmp_path / "e.csv"), np.array([0, 10, 9.5, 9.8, 0, 7, 0])
    for option, order, want in (([], "value", [1, 3]), (["--by", "prominence"], "prominence", [1, 5])):
        code, out, err = run(capsys, "peaks", tmp_path / "e.csv", tmp_path / "x.csv", "--num-peaks", "2", *option)
        assert code == 0, err
        assert [int(r["node"]) for r in rows(out)] == want
        assert find_peaks(graph, x, num_peaks=2, order=order).nodes.tolist() == want


def test_by_prominence_is_refused_for_images(tmp_path, capsys):
    np.save(tmp_path / "i.npy", np.arange(16.0).reshape(4, 4))
    code, _, err = run(capsys, "peaks", "--image", tmp_path / "i.npy", "--by", "prominence")
    assert code == 2 and "--by prominence applies to graphs" in err
