"""The CLI never writes over a file it was given: every input role of every
subcommand, reached directly, through ``./x/..``, a symlink or a hard link."""

import os
import pathlib
import shutil

import numpy as np
import pytest

from graphmax.cli import build_parser, main

DATA = pathlib.Path(__file__).resolve().parents[1] / "examples" / "data"

# Every file a subcommand reads, by role (the argparse dest), and every file it
# writes. Listed here by hand so that a new input option that the CLI does not
# protect fails `test_the_roles_listed_here_are_the_parsers`.
INPUT_ROLES = {
    "maxima": ("graph", "values"),
    "peaks": ("graph", "values", "labels", "image"),
}
OUTPUT_OPTIONS = {"maxima": ("-o",), "peaks": ("-o", "--plot")}


def _subparsers():
    parser = build_parser()
    (action,) = [a for a in parser._actions if a.dest == "command"]
    return action.choices


def test_the_roles_listed_here_are_the_parsers():
    for name, sub in _subparsers().items():
        declared = tuple(sub.get_default("input_files") or ())
        assert set(declared) == set(INPUT_ROLES.get(name, ())), name


@pytest.fixture()
def inputs(tmp_path):
    """Copies of a graph, values, labels and an image, in a folder of their own."""
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(DATA / "karate_edges.csv", folder / "edges.csv")
    shutil.copy(DATA / "karate_values.csv", folder / "values.csv")
    (folder / "labels.csv").write_text("\n".join(["1"] * 17 + ["2"] * 17) + "\n")
    rng = np.random.default_rng(0)
    np.save(folder / "image.npy", rng.random((12, 12)))
    np.save(folder / "image_labels.npy", np.ones((12, 12), dtype=np.int64))
    return folder


def _argv(command, role, folder):
    """A command line that reads a file in `role`; returns (argv, path of that file)."""
    f = {name: str(folder / name) for name in
         ("edges.csv", "values.csv", "labels.csv", "image.npy", "image_labels.npy")}
    if command == "maxima":
        argv = ["maxima", f["edges.csv"], f["values.csv"]]
        return argv, {"graph": f["edges.csv"], "values": f["values.csv"]}[role]
    if role == "image":
        return ["peaks", "--image", f["image.npy"]], f["image.npy"]
    if role == "labels":
        return ["peaks", f["edges.csv"], f["values.csv"], "--labels", f["labels.csv"]], f["labels.csv"]
    argv = ["peaks", f["edges.csv"], f["values.csv"]]
    return argv, {"graph": f["edges.csv"], "values": f["values.csv"]}[role]


def _aliases(path, tmp_path):
    """The same file reached four ways."""
    path = pathlib.Path(path)
    sub = path.parent / "x"
    sub.mkdir(exist_ok=True)
    link = tmp_path / f"link-{path.name}"
    if not link.exists():
        link.symlink_to(path)
    hard = tmp_path / f"hard-{path.name}"
    if not hard.exists():
        os.link(path, hard)
    return {
        "direct": str(path),
        "dotdot": str(path.parent / "x" / ".." / path.name),
        "symlink": str(link),
        "hardlink": str(hard),
    }


CASES = [
    (command, role, option)
    for command, roles in INPUT_ROLES.items()
    for role in roles
    for option in OUTPUT_OPTIONS[command]
]
CASES.append(("peaks", "image_labels", "-o"))  # --labels with --image


@pytest.mark.parametrize("command, role, option", CASES)
@pytest.mark.parametrize("way", ["direct", "dotdot", "symlink", "hardlink"])
def test_no_output_over_any_input(inputs, tmp_path, capsys, command, role, option, way):
    if role == "image_labels":
        argv = ["peaks", "--image", str(inputs / "image.npy"), "--labels", str(inputs / "image_labels.npy")]
        target = str(inputs / "image_labels.npy")
    else:
        argv, target = _argv(command, role, inputs)
    if option == "--plot":
        pytest.importorskip("matplotlib")
    out = _aliases(target, tmp_path)[way]
    before = {p.name: p.read_bytes() for p in inputs.iterdir() if p.is_file()}
    listing = sorted(os.listdir(inputs))
    code = main([*argv, option, out])
    _, err = capsys.readouterr()
    assert code == 2, err
    assert "refusing to overwrite the input file" in err
    assert {p.name: p.read_bytes() for p in inputs.iterdir() if p.is_file()} == before
    assert sorted(os.listdir(inputs)) == listing  # no temporary file left behind


def test_output_and_plot_must_differ(inputs, tmp_path, capsys):
    pytest.importorskip("matplotlib")
    out = tmp_path / "peaks.csv"
    code = main(["peaks", str(inputs / "edges.csv"), str(inputs / "values.csv"), "-o", str(out),
                 "--plot", str(out)])
    _, err = capsys.readouterr()
    assert code == 2 and "`-o` and `--plot` name the same file" in err
    assert not out.exists()


def test_an_unrelated_output_is_written(inputs, tmp_path, capsys):
    out = tmp_path / "peaks.csv"
    code = main(["peaks", str(inputs / "edges.csv"), str(inputs / "values.csv"),
                 "--labels", str(inputs / "labels.csv"), "-o", str(out)])
    assert code == 0, capsys.readouterr().err
    assert out.read_text().startswith("node,value,")


def test_a_plot_that_cannot_be_drawn_writes_nothing(inputs, tmp_path, capsys):
    pytest.importorskip("matplotlib")
    out = tmp_path / "peaks.csv"
    code = main(["peaks", str(inputs / "edges.csv"), str(inputs / "values.csv"), "-o", str(out),
                 "--plot", str(tmp_path / "peaks.csv2")])
    _, err = capsys.readouterr()
    assert code == 2 and "`--plot`" in err and "picture format" in err
    assert sorted(os.listdir(tmp_path)) == ["in"]


def test_output_into_a_folder_names_it(inputs, tmp_path, capsys):
    code = main(["maxima", str(inputs / "edges.csv"), str(inputs / "values.csv"), "-o", str(tmp_path)])
    _, err = capsys.readouterr()
    assert code == 2 and f"-o {str(tmp_path)!r} is a folder; expected a file name" in err
