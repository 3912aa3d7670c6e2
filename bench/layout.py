"""Layout benchmark: the HTML page's layout (kg/export/layout.py) against one round of Fruchterman-Reingold over
all nodes, on the view a build would draw: seconds, and how readable the picture is.

    .venv/bin/python bench/layout.py                                   # the bundled sample corpus
    .venv/bin/python bench/layout.py /tmp/paperkg-bench/synthetic-10000.jsonl

Readability, as tests/test_html_browser.py checks it on the seeds' page: a linked pair's mean distance over a random
pair's (lower: linked nodes are drawn together; a random layout gives ~1), and the share of nodes within 8 page units
of another (lower: fewer nodes drawn on top of each other). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import igraph
import numpy as np
from scipy.spatial import cKDTree

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kg.builder import build  # noqa: E402
from kg.export import layout  # noqa: E402
from kg.export.html import DEFAULT_MAX_NODES, _view  # noqa: E402


def one_round(nodes: list[str], edges: list[tuple[str, str, str]], iterations: int) -> dict[str, tuple[float, float]]:
    """Every node at once from seeded random positions (the layout before the skeleton-first one)."""
    index = {node: i for i, node in enumerate(nodes)}
    pairs = sorted({tuple(sorted((index[s], index[t]))) for s, t, _ in edges if s != t})
    start = np.random.default_rng(layout.SEED).uniform(-1, 1, (len(nodes), 2)).tolist()
    igraph.set_random_number_generator(random.Random(layout.SEED))
    coords = igraph.Graph(n=len(nodes), edges=pairs).layout_fruchterman_reingold(
        seed=start, niter=iterations, grid="nogrid").coords
    igraph.set_random_number_generator(random)
    return layout.page_positions(nodes, coords)


def readability(positions: dict[str, tuple[float, float]], edges: list[tuple[str, str, str]]) -> tuple[float, float]:
    ids = sorted(positions)
    index = {node: i for i, node in enumerate(ids)}
    points = np.array([positions[node] for node in ids])
    pairs = np.array([(index[s], index[t]) for s, t, _ in edges if s != t])
    linked = np.linalg.norm(points[pairs[:, 0]] - points[pairs[:, 1]], axis=1).mean()
    rng = np.random.default_rng(0)
    first, second = rng.integers(0, len(ids), 20_000), rng.integers(0, len(ids), 20_000)
    anywhere = np.linalg.norm(points[first] - points[second], axis=1).mean()
    nearest, _ = cKDTree(points).query(points, k=2)
    return float(linked / anywhere), float((nearest[:, 1] < 8).mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("inputs", nargs="*", help="corpus files (default: the bundled sample corpus)")
    parser.add_argument("--max-nodes", type=int, default=DEFAULT_MAX_NODES)
    args = parser.parse_args()
    graph = build(args.inputs or None).graph
    nodes, edges = _view(graph, args.max_nodes)
    links = len({tuple(sorted((s, t))) for s, t, _ in edges if s != t})
    print(f"view: {len(nodes):,} nodes, {links:,} links")
    print("| layout | seconds | linked ÷ random distance | nodes within 8 units of another |")
    print("|---|---|---|---|")
    for name, lay_out in (("skeleton first (kg/export/layout.py)", layout.lay_out),
                          (f"one round, {layout.ITERATIONS} iterations", lambda n, e: one_round(n, e, layout.ITERATIONS)),
                          ("one round, 150 iterations", lambda n, e: one_round(n, e, 150))):
        started = time.perf_counter()
        positions = lay_out(nodes, edges)
        seconds = time.perf_counter() - started
        ratio, crowded = readability(positions, edges)
        print(f"| {name} | {seconds:.2f} | {ratio:.3f} | {100 * crowded:.1f}% |")


if __name__ == "__main__":
    main()
