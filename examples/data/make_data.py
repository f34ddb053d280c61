"""Regenerate the small example data files next to this script (deterministic).

    python examples/data/make_data.py

- ``karate_edges.csv``: Zachary's karate club (``networkx.karate_club_graph``),
  78 undirected edges, header ``source,target``, nodes 0..33.
- ``karate_values.csv``: header ``node,value``; each member's degree
  centrality (degree / 33) rounded to 6 decimals. Its local maxima include the
  two club leaders, nodes 0 and 33.
- ``weighted_edges.tsv``: a tiny trail map, header ``source target km``
  (tab-separated), village names as node labels, trail lengths in km.
- ``weighted_values.tsv``: header ``node elevation``, each village's
  elevation in metres -- try ``--radius 5 --weight-column km``.
"""

import csv
import pathlib

import networkx as nx

HERE = pathlib.Path(__file__).resolve().parent

TRAILS = [  # (from, to, km)
    ("ashford", "birchwood", 2.5),
    ("birchwood", "cedarfell", 4.0),
    ("cedarfell", "dunmore", 1.5),
    ("dunmore", "elmstead", 6.0),
    ("elmstead", "fernhill", 3.0),
    ("fernhill", "greystone", 2.0),
    ("greystone", "elmstead", 4.5),
    ("ashford", "cedarfell", 5.5),
]
ELEVATION_M = {
    "ashford": 320,
    "birchwood": 410,
    "cedarfell": 655,
    "dunmore": 590,
    "elmstead": 280,
    "fernhill": 515,
    "greystone": 470,
}


def _write(name, header, rows, delimiter=","):
    with open(HERE / name, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, delimiter=delimiter, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def main():
    G = nx.karate_club_graph()
    _write("karate_edges.csv", ["source", "target"], sorted(G.edges()))
    centrality = nx.degree_centrality(G)
    _write("karate_values.csv", ["node", "value"], [(v, round(centrality[v], 6)) for v in G.nodes])
    _write("weighted_edges.tsv", ["source", "target", "km"], TRAILS, delimiter="\t")
    _write("weighted_values.tsv", ["node", "elevation"], ELEVATION_M.items(), delimiter="\t")


if __name__ == "__main__":
    main()
