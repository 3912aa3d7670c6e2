"""Where the HTML page draws each node: a seeded force-directed layout, the best-linked nodes first.

Fruchterman-Reingold with exact repulsion between all pairs, in igraph's C core (networkx's takes ~7 s for 1,500
nodes; igraph's grid approximation collapses the core of these dense graphs into a blob). Its cost is iterations ×
nodes², so a view of more than `SKELETON_NODES` nodes is laid out in two rounds:

1. the `SKELETON_NODES` best-linked nodes alone, `ITERATIONS` iterations from seeded random positions (a sixteenth
   of the cost of laying out 2,000 nodes so), spread to the size the whole view will take;
2. every other node, the best-linked first, starts beside the middle of its neighbours placed so far, and a short
   round over all nodes, `SETTLE_ITERATIONS` at a lower start temperature, settles them without undoing round one.

`make bench-layout` (`bench/layout.py`) measures its time and readability against one round over all nodes; the
figures are in bench/HISTORY.md. The same graph always gets the same positions.
"""

from __future__ import annotations

import math
import random

import igraph
import numpy as np

SEED = 7
ITERATIONS = 80
SKELETON_NODES = 500
SETTLE_ITERATIONS = 25
SETTLE_TEMPERATURE = 0.3  # × igraph's default start temperature, √nodes / 10: movement allowed in the first step
SCALE = 2500  # the page's coordinates run from -SCALE to SCALE on the wider axis


def lay_out(nodes: list[str], edges: list[tuple[str, str, str]]) -> dict[str, tuple[float, float]]:
    """Positions of `nodes`, linked by `edges` (source, target, relation; direction and relation do not matter)."""
    if not nodes:
        return {}
    index = {node: i for i, node in enumerate(nodes)}
    graph = igraph.Graph(n=len(nodes), edges=sorted({tuple(sorted((index[s], index[t])))
                                                      for s, t, _ in edges if s != t}))
    rng = np.random.default_rng(SEED)
    igraph.set_random_number_generator(random.Random(SEED))
    try:
        if len(nodes) <= SKELETON_NODES:
            start = rng.uniform(-1, 1, (len(nodes), 2)).tolist()
            coords = graph.layout_fruchterman_reingold(seed=start, niter=ITERATIONS, grid="nogrid").coords
        else:
            coords = _two_rounds(graph, rng)
    finally:
        igraph.set_random_number_generator(random)
    return page_positions(nodes, coords)


def page_positions(nodes: list[str], coords) -> dict[str, tuple[float, float]]:
    """A layout's coordinates centred and scaled to the page (±`SCALE` on the wider axis), to 0.1 unit."""
    coords = np.array(coords, dtype=float)
    coords -= coords.mean(axis=0)
    coords /= max(1e-9, float(np.abs(coords).max()))
    return {node: (round(float(x) * SCALE, 1), round(float(y) * SCALE, 1)) for node, (x, y) in zip(nodes, coords)}


def _two_rounds(graph: igraph.Graph, rng: np.random.Generator) -> list[list[float]]:
    size = graph.vcount()
    degrees = np.array(graph.degree())
    by_links = np.argsort(-degrees, kind="stable")  # best-linked first, ties in node order
    skeleton = sorted(by_links[:SKELETON_NODES].tolist())
    start = rng.uniform(-1, 1, (len(skeleton), 2)).tolist()
    placed_skeleton = np.array(graph.induced_subgraph(skeleton).layout_fruchterman_reingold(
        seed=start, niter=ITERATIONS, grid="nogrid").coords)
    placed_skeleton *= math.sqrt(size / len(skeleton))  # a layout's spread grows with √nodes
    positions = np.zeros((size, 2))
    positions[skeleton] = placed_skeleton
    placed = np.zeros(size, dtype=bool)
    placed[skeleton] = True
    extent = float(np.abs(placed_skeleton).max())
    neighbours = graph.get_adjlist()
    for node in by_links[SKELETON_NODES:].tolist():
        around = [other for other in neighbours[node] if placed[other]]
        middle = positions[around].mean(axis=0) if around else rng.uniform(-extent, extent, 2)
        positions[node] = middle + rng.normal(0.0, 1.0, 2)
        placed[node] = True
    return graph.layout_fruchterman_reingold(seed=positions.tolist(), niter=SETTLE_ITERATIONS,
                                             start_temp=SETTLE_TEMPERATURE * math.sqrt(size) / 10,
                                             grid="nogrid").coords
