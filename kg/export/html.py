"""The interactive HTML graph: one self-contained file (vis-network from pyvis, inline) that opens offline.

pyvis's own templates load Bootstrap from a CDN even in `in_line` mode, so the page is rendered from
kg/export/templates/graph.html with pyvis's bundled vis-network script and style inlined, and the graph data
embedded as JSON with `<`, `>` and `&` escaped: no input string can close the script or inject markup.
Tooltips are plain-text strings, which vis-network renders as text. Positions are computed here with a
seeded layout and physics is off, so the page opens already laid out.
"""

from __future__ import annotations

import json
import random
from importlib import resources
from pathlib import Path

import igraph
import networkx as nx
import numpy as np
from jinja2 import Environment, select_autoescape
from markupsafe import Markup
from pyvis.network import Network

from kg.export.atomic import atomic_write

KIND_COLORS = {"paper": "#9aa5b1", "method": "#4e79a7", "dataset": "#59a14f", "architecture": "#e15759",
               "task": "#f28e2b"}
LINK_RELATIONS = ("proposes", "evaluates_on", "addresses", "uses")
HIERARCHY_RELATIONS = ("variant_of", "broader")
EDGE_DASHES = {"uses": False, "proposes": False, "evaluates_on": [6, 4], "addresses": [2, 4],
               "variant_of": [10, 4], "broader": [10, 4]}
DEFAULT_MAX_NODES = 2000
LAYOUT_SEED = 7
_SCALE = 2500


def _vis_network_assets() -> tuple[str, str]:
    lib = resources.files("pyvis").joinpath("lib", "vis-9.1.2")
    return lib.joinpath("vis-network.min.js").read_text("utf-8"), lib.joinpath("vis-network.css").read_text("utf-8")


def _safe_json(value) -> str:
    return (json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
            .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def select_nodes(graph: nx.MultiDiGraph, max_nodes: int) -> list[str]:
    """Every node when they fit; otherwise the most connected ones (ties by id), so the view stays usable."""
    nodes = sorted(graph.nodes)
    if len(nodes) <= max_nodes:
        return nodes
    links = {node: 0 for node in nodes}
    for source, target, relation in graph.edges(keys=True):
        if relation in LINK_RELATIONS:
            links[source] += 1
            links[target] += 1
    return sorted(sorted(nodes, key=lambda n: (-links[n], n))[:max_nodes])


def _layout(nodes: list[str], edges: list[tuple[str, str, str]]) -> dict[str, tuple[float, float]]:
    """Seeded Fruchterman-Reingold in igraph's C core (networkx's takes ~7 s for 1,500 nodes; this ~1 s).
    igraph draws from the generator set here, so the same graph always gets the same positions."""
    if not nodes:
        return {}
    index = {node: i for i, node in enumerate(nodes)}
    pairs = sorted({tuple(sorted((index[s], index[t]))) for s, t, _ in edges if s != t})
    start = np.random.default_rng(LAYOUT_SEED).uniform(-1, 1, (len(nodes), 2)).tolist()
    igraph.set_random_number_generator(random.Random(LAYOUT_SEED))
    try:
        coords = np.array(igraph.Graph(n=len(nodes), edges=pairs)
                          .layout_fruchterman_reingold(seed=start, niter=300, grid="grid").coords)
    finally:
        igraph.set_random_number_generator(random)
    coords -= coords.mean(axis=0)
    coords /= max(1e-9, float(np.abs(coords).max()))
    return {node: (round(float(x) * _SCALE, 1), round(float(y) * _SCALE, 1)) for node, (x, y) in zip(nodes, coords)}


def _tooltip(data: dict) -> str:
    if data["kind"] == "paper":
        return f"{data['title']}\n(paper)"
    aliases = data.get("aliases") or ()
    lines = [f"{data['label']}", f"{data['kind']} · {data.get('papers', 0)} papers"]
    if aliases:
        lines.append("also: " + ", ".join(aliases[:8]))
    return "\n".join(lines)


def build_network(graph: nx.MultiDiGraph, max_nodes: int = DEFAULT_MAX_NODES) -> tuple[Network, str]:
    kept = select_nodes(graph, max_nodes)
    kept_set = set(kept)
    edges = [(source, target, relation) for source, target, relation in sorted(graph.edges(keys=True))
             if relation in LINK_RELATIONS + HIERARCHY_RELATIONS and source in kept_set and target in kept_set]
    positions = _layout(kept, edges)
    network = Network(height="100%", width="100%", directed=True, cdn_resources="in_line")
    for node in kept:
        data = graph.nodes[node]
        kind = data["kind"]
        label = data["label"] if kind != "paper" else ""
        size = 6 if kind == "paper" else 8 + min(30, 3 * data.get("papers", 0) ** 0.5 * 2)
        x, y = positions[node]
        network.add_node(node, label=label, title=_tooltip(data), color=KIND_COLORS[kind], shape="dot", size=size,
                         x=x, y=y, kind=kind, physics=False)
    for source, target, relation in edges:
        network.add_edge(source, target, title=relation.replace("_", " "), dashes=EDGE_DASHES[relation],
                         relation=relation, arrows="to", color={"opacity": 0.35})
    left_out = graph.number_of_nodes() - len(kept)
    note = (f"{len(kept)} of {graph.number_of_nodes()} nodes shown; {left_out} less connected nodes left out "
            f"(raise --html-max-nodes to show more)." if left_out else f"{len(kept)} nodes, {len(edges)} links.")
    return network, note


def render_html(graph: nx.MultiDiGraph, max_nodes: int = DEFAULT_MAX_NODES, title: str = "paperkg") -> str:
    network, note = build_network(graph, max_nodes)
    options = {"physics": {"enabled": False}, "interaction": {"hover": True, "tooltipDelay": 120},
               "nodes": {"font": {"size": 14}}, "edges": {"smooth": False}}
    counts = {kind: 0 for kind in KIND_COLORS}
    for node in network.nodes:
        counts[node["kind"]] += 1
    vis_js, vis_css = _vis_network_assets()
    template = Environment(autoescape=select_autoescape(default=True)).from_string(
        resources.files("kg").joinpath("export/templates/graph.html").read_text("utf-8"))
    return template.render(
        title=title, note=note,
        kinds=[{"name": k, "color": c, "count": counts[k]} for k, c in KIND_COLORS.items()],
        data_json=Markup(_safe_json({"nodes": network.nodes, "edges": network.edges, "options": options})),
        vis_js=Markup(vis_js), vis_css=Markup(vis_css))


def write_html(graph: nx.MultiDiGraph, out_dir: Path, max_nodes: int = DEFAULT_MAX_NODES) -> Path:
    path = out_dir / "graph.html"
    html = render_html(graph, max_nodes)
    with atomic_write(path) as handle:
        handle.write(html)
    return path
