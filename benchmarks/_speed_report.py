"""The speed suite's report: the headline ratios, the text and Markdown tables, the plots, the JSON."""

from __future__ import annotations

import math
from pathlib import Path


from ._common import atomic_write, write_json
from ._machine import quiet_warning

__all__ = ["headline", "peaks_headline", "render_text", "render_markdown", "write_plots", "write_json"]


def _method(case: dict | None, key: str) -> dict | None:
    if not case:
        return None
    found = [m for m in case.get("methods", []) if m["key"] == key and m["best_s"]]
    return found[0] if found else None


def _ratio_row(metric: str, method: dict | None, target: float | None, *, at_most: bool = False) -> dict:
    if method is None or method["ratio"] is None:
        return {"metric": metric, "value": "not measured", "target": _target(target, at_most), "met": None}
    ratio = method["ratio"]
    met = None if target is None else (ratio <= target if at_most else ratio >= target)
    return {"metric": metric, "value": f"{ratio:.2f}x", "target": _target(target, at_most), "met": met}


def _between_row(metric: str, slow: dict | None, fast: dict | None, target: float | None = None) -> dict:
    """The ratio of two methods of one case, neither of them the baseline (at least `target`, if given)."""
    if slow is None or fast is None or not slow.get("best_s") or not fast.get("best_s"):
        return {"metric": metric, "value": "not measured", "target": _target(target, False), "met": None}
    ratio = slow["best_s"] / fast["best_s"]
    return {"metric": metric, "value": f"{ratio:.2f}x ({_ms(fast['best_s'])} against {_ms(slow['best_s'])})",
            "target": _target(target, False), "met": None if target is None else ratio >= target}


def _target(target: float | None, at_most: bool) -> str:
    if target is None:
        return ""
    return f"{'<=' if at_most else '>='} {target:g}x"


def headline(cases: list[dict]) -> list[dict]:
    """The issue's targets, each with the number measured in this run."""
    graphs = [c for c in cases if c["section"] == "graph"]
    head = next((c for c in graphs if c["case"]["headline"]), None)
    if head is None:
        return _small_graph_rows(graphs)
    rows = []
    base = _method(head, "graphmax")
    rows.append({
        "metric": f"graphmax 1-hop strict, {head['name']} ({head['edges']:,} edges), prepared",
        "value": f"{_ms(base['best_s'])} ({_rate(base['rate_per_s'], 'Medges/s')}); streaming limit "
                 f"{_ms(head['stream']['best_s'])} ({_rate(head['stream']['rate_per_s'], 'Medges/s')}), "
                 f"graphmax takes {base['stream_multiple']:.1f}x that",
        "target": "", "met": None,
    })
    rows.append(_ratio_row("PyG scatter / graphmax", _method(head, "pyg"), 10))
    rows.append(_ratio_row("GraphBLAS mxv / graphmax", _method(head, "graphblas"), 4))
    rows.append(_ratio_row("numpy reduceat / graphmax", _method(head, "numpy"), 10))
    rows.extend(_networkx_rows(graphs, base))
    rows.append(_ratio_row("from raw scipy CSR / prepared", _method(head, "graphmax-raw"), 2, at_most=True))
    rows.append(_ratio_row("from raw scipy CSR, float32 data / prepared", _method(head, "graphmax-raw-f32"), 2,
                           at_most=True))
    rows.append(_ratio_row("as_graph(csr), symmetry not known / prepared", _method(head, "graphmax-unknown"), None))
    rows.append(_between_row("PyG scatter / graphmax, both from the same edge_index (one call, nothing prepared)",
                             _method(head, "pyg"), _method(head, "graphmax-edge-index")))
    rows.append(_ratio_row("plateau / strict (random values)", _method(head, "graphmax-plateau"), 2, at_most=True))
    rows.append(_ratio_row("default call (plateau) from raw scipy CSR / prepared strict",
                           _method(head, "graphmax-raw-plateau"), None))
    for other in graphs:
        if other is not head and _same_graph(other, head):
            if other["case"]["hops"] > 1:
                rows.append(_hops_row(other))
            elif other["case"]["values"] == "levels":
                rows.append(_ratio_row(f"scipy plateau peer / graphmax plateau, {other['name']}",
                                       _method(other, "scipy-plateau"), None))
    for image in cases:
        if image["section"] == "image" and image["case"]["mode"] == "plateau" and image.get("methods"):
            rows.append(_ratio_row(f"skimage local_maxima / graphmax, {image['name']}", _method(image, "skimage"), 3))
    rows += _small_graph_rows(graphs)
    rows += _out_of_cache_rows(graphs)
    rows += _memory_rows(graphs)
    rows += _cold_rows([c for c in cases if c["section"] == "cold start"])
    return rows


def _out_of_cache_rows(graphs: list[dict]) -> list[dict]:
    """The headline's columns on a graph far larger than the last-level cache (issue 17)."""
    rows = []
    for case in graphs:
        if not case["case"].get("out_of_cache"):
            continue
        base = _method(case, "graphmax")
        if base and base.get("best_s"):
            rows.append({
                "metric": f"out of cache: graphmax 1-hop strict, {case['name']} ({case['edges']:,} edges), prepared",
                "value": f"{_ms(base['best_s'])} ({_rate(base['rate_per_s'], 'Medges/s')}); streaming limit "
                         f"{_ms(case['stream']['best_s'])}, graphmax takes {base['stream_multiple']:.1f}x that",
                "target": "", "met": None,
            })
        for key, label in (("pyg", "PyG scatter"), ("graphblas", "GraphBLAS mxv"), ("numpy", "numpy reduceat"),
                           ("graphmax-raw", "from raw scipy CSR")):
            rows.append(_ratio_row(f"out of cache: {label} / graphmax, {case['name']}", _method(case, key), None))
    return rows


def _small_graph_rows(graphs: list[dict]) -> list[dict]:
    """One call on a small prepared graph: PyG's scatter at least 3x graphmax's time, and graphmax
    within 3x of the numpy reduceat expression (issue 17)."""
    rows = []
    for case in graphs:
        if case["case"]["family"] == "batch":
            rows.append(_between_row(f"PyG scatter / graphmax on the PyG Batch: {case['name']}",
                                     _method(case, "pyg"), _method(case, "graphmax-batch"), 5))
        if case["case"]["family"] == "karate":
            base = _method(case, "graphmax")
            rows.append(_ratio_row(f"PyG scatter / graphmax, small graph: {case['name']}", _method(case, "pyg"), 3))
            numpy = _method(case, "numpy")
            if base and numpy and base.get("best_s") and numpy.get("best_s"):
                ratio = base["best_s"] / numpy["best_s"]
                rows.append({"metric": f"graphmax / numpy reduceat, small graph: {case['name']}",
                             "value": _x(ratio), "target": "<= 3x", "met": ratio <= 3})
    return rows


def peaks_headline(results: list[dict]) -> list[dict]:
    """Issue 5's target: grid.find_peaks at least 10x faster than peak_local_max (min_distance=1)."""
    rows = []
    for r in results:
        if r["peer_s"] is not None and r["case"].endswith("min_distance=1"):
            rows.append({"metric": f"peak_local_max / grid.find_peaks, {r['case']}", "value": f"{r['speedup']:.2f}x",
                         "target": ">= 10x", "met": r["speedup"] >= 10})
    return rows


def _same_graph(a: dict, b: dict) -> bool:
    return all(a["case"][k] == b["case"][k] for k in ("family", "n", "degree"))


def _networkx_rows(graphs: list[dict], base: dict) -> list[dict]:
    """Per-edge rate ratios against both networkx loops: the plain one (the
    issue's target, PERF-NOTES' loop) and the stronger early-exit one."""
    rows = []
    for key, what in (("networkx-max", "plain loop (max of neighbours)"), ("networkx", "early-exit loop (all)")):
        metric = f"networkx {what}: graphmax headline rate / networkx rate (per edge)"
        case = next((c for c in graphs if _method(c, key)), None)
        if case is None:
            rows.append({"metric": metric, "value": "not measured", "target": "~300x", "met": None})
            continue
        nx_rate = _method(case, key)["rate_per_s"]
        same = _method(case, key)["ratio"]
        per_edge = base["rate_per_s"] / nx_rate
        rows.append({
            "metric": metric,
            "value": f"{per_edge:.0f}x ({_rate(nx_rate, 'Medges/s')} on {case['name']}; {same:.0f}x on that same graph)",
            "target": "~300x", "met": per_edge >= 300,
        })
    return rows


def _hops_row(case: dict) -> dict:
    base = _method(case, "graphmax")
    fastest = min((m for m in case["methods"] if m["role"] == "peer" and m["best_s"]),
                  key=lambda m: m["best_s"], default=None)
    peer = f"; fastest peer {fastest['key']} {fastest['ratio']:.2f}x" if fastest else ""
    fresh = _method(case, "graphmax-fresh")
    fresh_text = f"; fresh Graph {fresh['ratio']:.2f}x" if fresh else ""
    memory = case.get("memory")
    mem_text = f"; peak numpy memory {_mib(memory[0]['tracemalloc_peak_bytes'])}" if memory else ""
    return {"metric": f"graphmax {case['name']}", "value": f"{_ms(base['best_s'])}{peer}{fresh_text}{mem_text}",
            "target": "no power graph materialised", "met": None}


def _memory_rows(graphs: list[dict]) -> list[dict]:
    rows = []
    for case in graphs:
        if not case["case"]["headline"]:
            continue
        for memory in case.get("memory", []):
            rss = memory["rss_peak_delta_bytes"]
            rows.append({
                "metric": f"peak extra memory, {memory['call']}, {case['name']}",
                "value": f"tracemalloc {_mib(memory['tracemalloc_peak_bytes'])}, resident set "
                         f"{'n/a' if rss is None else _mib(rss)}; one int array of E "
                         f"({memory['index_dtype']}) = {_mib(memory['int_array_of_E_bytes'])}",
                "target": "<= ~ one int array of E + O(n)", "met": None,
            })
    return rows


def _cold_rows(colds: list[dict]) -> list[dict]:
    rows = []
    for cold in colds:
        s = cold["steps"]
        extra = lambda step: _ms(s[f"{step}_first_s"] - s[f"{step}_warm_s"])  # noqa: E731
        rows.append({
            "metric": f"{cold['name']}: import, then what each first call costs over a warm one",
            "value": f"import {_ms(s['import_s'])}; karate +{extra('karate')}, as_graph +{extra('as_graph')}, "
                     f"strict +{extra('local_maxima_strict')}, plateau +{extra('local_maxima_plateau')}, "
                     f"hops=2 +{extra('local_maxima_hops2')}, grid +{extra('grid_local_maxima')}",
            "target": "reported", "met": None,
        })
        if cold["case"]["cache"] == "empty":
            first = s["import_s"] + s["karate_first_s"]
            rows.append({
                "metric": "first use on a fresh install (empty numba cache): import graphmax, then "
                          "local_maxima(nx.karate_club_graph(), x)",
                "value": f"{_ms(first)} (import {_ms(s['import_s'])}, call {_ms(s['karate_first_s'])})",
                "target": "<= 5 s", "met": first <= 5.0,
            })
        walls = cold.get("warmup")
        if walls:
            jobs = max(walls, key=int)
            rows.append({
                "metric": "graphmax warmup, empty numba cache (whole process)",
                "value": f"{_ms(walls[jobs])} with --jobs {jobs}"
                         + (f" (--jobs 1: {_ms(walls['1'])}, {walls['1'] / walls[jobs]:.2f}x)" if jobs != "1" else ""),
                "target": "<= 60 s", "met": walls[jobs] <= 60.0,
            })
    return rows


def _ms(seconds: float | None) -> str:
    if seconds is None:
        return ""
    return f"{seconds * 1e3:.3g} ms" if seconds < 1 else f"{seconds:.3g} s"


def _rate(per_s: float | None, unit: str) -> str:
    return "" if per_s is None else f"{per_s / 1e6:,.1f} {unit}"


def _mib(nbytes: float) -> str:
    return f"{nbytes / 2**20:,.1f} MiB"


def _x(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}x"


def _check(method: dict) -> str:
    text = {"baseline": "reference", "agrees": "same mask"}.get(method["status"], method["status"])
    return f"{text}: {method['note']}" if method["note"] else text


def case_rows(cases: list[dict], section: str) -> list[list[str]]:
    """Table rows of one section: a streaming row, then one row per method, for each case."""
    unit = "Medges/s" if section == "graph" else "Mpx/s"
    rows = []
    for case in cases:
        if case["section"] != section:
            continue
        if "methods" not in case:
            rows.append([case["name"], "", "", "", "", "", f"skipped: {case.get('skipped', '')}"])
            continue
        stream = case["stream"]
        rows.append([case["name"], f"stream limit: {stream['label']}", _ms(stream["best_s"]),
                     _rate(stream["rate_per_s"], unit), "", "1.00x", "reference"])
        for method in case["methods"]:
            rows.append(["", method["label"], _ms(method["best_s"]), _rate(method["rate_per_s"], unit)
                         if method["best_s"] else "", _x(method["ratio"]), _x(method["stream_multiple"]),
                         _check(method)])
    return rows


TABLE_HEADER = ["case", "method", "best time", "rate", "x graphmax", "x stream", "check"]


def format_text_table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    line = lambda r: "  ".join(str(v).ljust(w) for v, w in zip(r, widths)).rstrip()  # noqa: E731
    return "\n".join([line(header), line(["-" * w for w in widths])] + [line(r) for r in rows])


def format_markdown_table(header: list[str], rows: list[list[str]]) -> str:
    escape = lambda v: str(v).replace("|", "\\|")  # noqa: E731
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(escape(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _headline_rows(report: dict) -> list[list[str]]:
    met = {True: "yes", False: "NO", None: ""}
    return [[r["metric"], r["value"], r["target"], met[r["met"]]] for r in report["headline"]]


def _cold_start_rows(report: dict) -> list[list[str]]:
    rows = []
    for cold in (c for c in report["cases"] if c["section"] == "cold start"):
        steps = cold["steps"]
        rows.append([cold["name"], "import graphmax", _ms(steps["import_s"]), "", ""])
        for step in (k.removesuffix("_first_s") for k in steps if k.endswith("_first_s")):
            first, warm = steps[f"{step}_first_s"], steps[f"{step}_warm_s"]
            rows.append([cold["name"], step, _ms(first), _ms(warm), _ms(first - warm)])
        rows.append([cold["name"], "whole subprocess (with interpreter start)", _ms(cold["process_wall_s"]), "", ""])
        for jobs, wall in sorted(cold.get("warmup", {}).items()):
            rows.append([cold["name"], f"graphmax warmup --jobs {jobs} (whole process, own empty cache)",
                         _ms(wall), "", ""])
    return rows


COLD_HEADER = ["case", "step", "first call", "warm call (best of next 5)", "first-call extra"]


def _memory_table_rows(report: dict) -> list[list[str]]:
    rows = []
    for case in report["cases"]:
        for m in case.get("memory", []):
            rss = m["rss_peak_delta_bytes"]
            rows.append([case["name"], m["call"], _mib(m["tracemalloc_peak_bytes"]),
                         "n/a" if rss is None else _mib(rss), _mib(m["int_array_of_E_bytes"]),
                         _mib(m["values_bytes"]), m["rss_method"]])
    return rows


MEMORY_HEADER = ["case", "call", "tracemalloc peak", "resident set peak delta", "one int array of E",
                 "one float64 array of n", "resident set method"]


def _loop_note(report: dict) -> str:
    ms = report["settings"].get("min_sample_s", 0) * 1e3
    return f" (a sample loops calls shorter than {ms:g} ms and takes their mean)" if ms > 0 else ""


def render_text(report: dict) -> str:
    """The console report: headline, then every table."""
    parts = [f"graphmax speed benchmark ({'quick' if report['settings']['quick'] else 'full'}), "
             f"best of {report['settings']['repeat']}{_loop_note(report)}; threads {report['threads']}"]
    if quiet_warning(report):
        parts.append(quiet_warning(report))
    if report["headline"]:
        parts += ["", format_text_table(["headline", "measured", "target", "met"], _headline_rows(report))]
    for section in ("graph", "image"):
        rows = case_rows(report["cases"], section)
        if rows:
            parts += ["", format_text_table(TABLE_HEADER, rows)]
    if report.get("peaks"):
        from benchmarks import peaks

        parts += ["", peaks.format_table(report["peaks"])]
    if _memory_table_rows(report):
        parts += ["", format_text_table(MEMORY_HEADER, _memory_table_rows(report))]
    if _cold_start_rows(report):
        parts += ["", format_text_table(COLD_HEADER, _cold_start_rows(report))]
    return "\n".join(parts)


def render_markdown(report: dict) -> str:
    """speed.md: the same tables as the console, with the machine and the command line."""
    machine, threads = report["machine"], report["threads"]
    parts = [
        "# graphmax speed benchmark",
        "",
        f"Command: `{report['command']}`  ",
        f"Run: {report['started']} to {report['finished']}, best of {report['settings']['repeat']} "
        f"samples after a warm-up call{_loop_note(report)}; ratios are `method time / graphmax time` in the same run.  ",
        f"Machine: {machine['cpu_model']}, {machine['cpus_usable']} usable CPUs, "
        f"{_mib(machine['memory_total_bytes'] or 0)} memory, {machine['platform']}, Python {machine['python']}; "
        f"load average at start {machine['load_average']}, "
        f"CPUs busy with other work at start {machine['cpu_busy_at_start']}.  ",
        f"Threads: numba {threads['numba']} ({threads.get('numba_threading_layer')}), torch {threads['torch']}, "
        f"GraphBLAS {threads['graphblas']}; scipy, scikit-image and networkx are single-threaded.  ",
        f"Versions: {', '.join(f'{k} {v}' for k, v in report['versions'].items() if v)}.",
        "",
        "What each case and column means: benchmarks/README.md.",
    ]
    if quiet_warning(report):
        parts += ["", f"**{quiet_warning(report)}**"]
    if report["headline"]:
        parts += ["", "## Headline", ""]
        if report["settings"]["quick"]:
            parts += ["The targets are for the full-size inputs; on `--quick` inputs the ratios mean little.", ""]
        parts += [format_markdown_table(["metric", "measured", "target", "met"], _headline_rows(report))]
    titles = {"graph": "Graphs (rate: stored directed edges per second)",
              "image": "Images (rate: pixels per second)"}
    for section, title in titles.items():
        rows = case_rows(report["cases"], section)
        if rows:
            parts += ["", f"## {title}", "", format_markdown_table(TABLE_HEADER, rows)]
    if report.get("peaks"):
        from benchmarks import peaks

        parts += ["", "## Peaks: grid.find_peaks vs skimage.feature.peak_local_max, and prominence", "",
                  "Coordinates compared (identical) before timing; speedup = peer time / graphmax time.", "",
                  peaks.format_table(report["peaks"])]
    if _memory_table_rows(report):
        parts += ["", "## Peak extra memory", "", format_markdown_table(MEMORY_HEADER, _memory_table_rows(report))]
    if _cold_start_rows(report):
        parts += ["", "## Cold start (fresh interpreter)", "",
                  format_markdown_table(COLD_HEADER, _cold_start_rows(report))]
    plots = [name for name in ("speed_graphs.png", "speed_images.png") if name in report.get("plots", [])]
    if plots:
        parts += ["", "## Plots", ""] + [f"![{name}]({name})" for name in plots]
    return "\n".join(parts) + "\n"


_GRAPH_PLOT_METHODS = ("graphmax", "graphmax-raw", "graphblas", "numpy", "pyg", "networkx", "networkx-max")


def plot_graphs(cases: list[dict], path: Path) -> bool:
    """Time vs edges (log-log), one panel per family, one line per method: 1-hop strict cases.

    Returns False when there is nothing to plot.
    """
    from matplotlib.figure import Figure

    chosen = [c for c in cases if c["section"] == "graph" and c["case"]["hops"] == 1
              and c["case"]["mode"] == "strict" and c["case"]["values"] == "uniform"]
    families = sorted({c["case"]["family"] for c in chosen})
    if not families:
        return False
    fig = Figure(figsize=(5.5 * min(len(families), 2), 4.2 * math.ceil(len(families) / 2)), layout="constrained")
    axes = fig.subplots(math.ceil(len(families) / 2), min(len(families), 2), squeeze=False).ravel()
    for ax, family in zip(axes, families):
        rows = sorted((c for c in chosen if c["case"]["family"] == family), key=lambda c: c["edges"])
        for key in _GRAPH_PLOT_METHODS:
            points = [(c["edges"], _method(c, key)) for c in rows if _method(c, key)]
            if points:
                ax.plot([e for e, _ in points], [m["best_s"] for _, m in points], marker="o",
                        label=points[0][1]["label"], linewidth=2.5 if key == "graphmax" else 1.2)
        ax.plot([c["edges"] for c in rows], [c["stream"]["best_s"] for c in rows], "k--", marker=".",
                label="stream limit: one parallel read of indices")
        ax.set(xscale="log", yscale="log", xlabel="stored directed edges", ylabel="best time (s)",
               title=f"{family}: 1-hop strict maxima")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    for ax in axes[len(families):]:
        ax.set_visible(False)
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=110))
    return True


def plot_images(cases: list[dict], path: Path) -> bool:
    """Bar chart of image timings: one panel per mode, one bar per method, log time axis.

    Returns False when there is nothing to plot.
    """
    from matplotlib.figure import Figure

    chosen = [c for c in cases if c["section"] == "image" and c.get("methods")]
    modes = [m for m in ("plateau", "nonstrict", "strict") if any(c["case"]["mode"] == m for c in chosen)]
    if not modes:
        return False
    rows = max(sum(c["case"]["mode"] == mode for c in chosen) for mode in modes)
    fig = Figure(figsize=(5 * len(modes), 0.45 * rows + 2), layout="constrained")
    for ax, mode in zip(fig.subplots(1, len(modes), squeeze=False)[0], modes):
        _image_panel(ax, [c for c in chosen if c["case"]["mode"] == mode], mode)
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=110))
    return True


def _image_panel(ax, cases: list[dict], mode: str) -> None:
    keys = list(dict.fromkeys(m["key"] for c in cases for m in c["methods"] if m["best_s"]))
    labels = {m["key"]: m["label"] for c in cases for m in c["methods"]}
    labels["graphmax"] = f"graphmax grid.local_maxima(mode={mode!r})"
    height = 0.8 / len(keys)
    for i, key in enumerate(keys):
        found = [(row, _method(c, key)) for row, c in enumerate(cases) if _method(c, key)]
        ax.barh([row + i * height for row, _ in found], [m["best_s"] * 1e3 for _, m in found],
                height=height, label=labels[key])
    names = [c["name"].removeprefix("image ").removesuffix(" " + mode) for c in cases]
    ax.set_yticks([row + (len(keys) - 1) * height / 2 for row in range(len(cases))], names, fontsize=7)
    ax.invert_yaxis()
    ax.set(xscale="log", xlabel="best time (ms)", title=f"images, {mode} maxima")
    ax.grid(True, axis="x", which="both", alpha=0.3)
    ax.legend(fontsize=6, loc="upper center", bbox_to_anchor=(0.5, -0.12 if len(cases) > 3 else -0.25))


def write_plots(cases: list[dict], out: Path) -> list[str]:
    """Write the plots that have data; remove an older run's plot that this run has no data for."""
    written = []
    for name, plot in (("speed_graphs.png", plot_graphs), ("speed_images.png", plot_images)):
        if plot(cases, out / name):
            written.append(name)
        else:
            (out / name).unlink(missing_ok=True)
    return written
