"""The interactive HTML graph: one self-contained file (vis-network from pyvis, inline) that opens offline.

pyvis's own templates load Bootstrap from a CDN even in `in_line` mode, so the page is rendered from
kg/export/templates/graph.html with pyvis's bundled vis-network script and style inlined, and the graph data
embedded as JSON with `<`, `>` and `&` escaped: no input string can close the script or inject markup.
Tooltips are plain-text strings, which vis-network renders as text. Positions are computed here with a
seeded layout and physics is off, so the page opens already laid out.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from importlib import resources
from operator import itemgetter
from pathlib import Path

import networkx as nx
import orjson
from jinja2 import Environment, select_autoescape
from markupsafe import Markup
from pyvis.network import Network

from kg.export.atomic import atomic_write
from kg.export.html_budget import DEFAULT_MAX_NODES
from kg.export.layout import lay_out

KINDS = {  # colour and vis-network shape per node kind (the legend shows both)
    "paper": ("#9aa5b1", "square"), "method": ("#4e79a7", "dot"), "dataset": ("#59a14f", "diamond"),
    "architecture": ("#e15759", "triangle"), "task": ("#f28e2b", "star"),
}
LINK_RELATIONS = ("proposes", "evaluates_on", "addresses", "uses")
_LINK_RELATIONS = frozenset(LINK_RELATIONS)
HIERARCHY_RELATIONS = ("variant_of", "broader")
_DRAWN_RELATIONS = frozenset(LINK_RELATIONS + HIERARCHY_RELATIONS)
EDGE_STYLES = {  # dashes, width, colour
    "proposes": (False, 2.5, "#243b53"), "evaluates_on": ([6, 4], 1.2, "#59a14f"), "addresses": ([2, 4], 1.2, "#f28e2b"),
    "uses": (False, 0.8, "#9fb3c8"), "variant_of": ([10, 4], 1.5, "#e15759"), "broader": ([10, 4], 1.0, "#829ab1"),
}
COOCCURRING_SHOWN = 8


def _vis_network_assets() -> tuple[str, str]:
    lib = resources.files("pyvis").joinpath("lib", "vis-9.1.2")
    return lib.joinpath("vis-network.min.js").read_text("utf-8"), lib.joinpath("vis-network.css").read_text("utf-8")


def _safe_json(value) -> str:
    """Compact JSON with sorted keys that can sit inside a <script> element (orjson: the page's data of a full view
    is ~7 MB, which the standard library's encoder took twice as long to write)."""
    return (orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode("utf-8")
            .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _json_object(members: dict[str, str]) -> str:
    """The JSON object of members already encoded by `_safe_json`: what `_safe_json` gives for the whole object."""
    return "{" + ",".join(f"{_safe_json(key)}:{members[key]}" for key in sorted(members)) + "}"


def _links(graph: nx.MultiDiGraph, node: str) -> int:
    """A paper's links, or the number of papers linking an entity (its `papers`, which a view graph holding only
    some of the papers still carries whole)."""
    data = graph.nodes[node]
    if data["kind"] != "paper":
        return data.get("papers", 0)
    return sum(1 for by_relation in graph._succ[node].values() for relation in by_relation
               if relation in _LINK_RELATIONS)


def select_nodes(graph: nx.MultiDiGraph, max_nodes: int) -> list[str]:
    """Every node when they fit; otherwise the most connected ones (ties by id), so the view stays usable."""
    nodes = sorted(graph.nodes)
    if len(nodes) <= max_nodes:
        return nodes
    links = {node: _links(graph, node) for node in nodes}
    return sorted(sorted(nodes, key=lambda n: (-links[n], n))[:max_nodes])


def _tooltip(data: dict) -> str:
    if data["kind"] == "paper":
        return f"{data['title']}\n(paper)"
    aliases = data.get("aliases") or ()
    lines = [f"{data['label']}", f"{data['kind']} · {data.get('papers', 0)} papers"]
    if aliases:
        lines.append("also: " + ", ".join(aliases[:8]))
    return "\n".join(lines)


class _SidePanel:
    """What the side panel shows for each node. (The adjacency is read from networkx's own dicts, `_node`, `_succ`
    and `_pred`: neighbour → relation → edge data; its node, edge and adjacency views cost more than the rest of the
    page's data together. Co-occurrence partners are summed once for the whole graph.)"""

    def __init__(self, graph: nx.MultiDiGraph):
        self.graph, self.nodes = graph, graph._node
        self.sort_labels: dict[str, str] = {}
        self.together: dict[str, dict[str, int]] = {}
        for first, neighbours in graph._succ.items():
            for second, by_relation in neighbours.items():
                edge = by_relation.get("co_occurs_with")
                if edge is not None:
                    weight = edge["weight"]
                    for one, other in ((first, second), (second, first)):
                        partners = self.together.setdefault(one, {})
                        partners[other] = partners.get(other, 0) + weight

    def _sort_label(self, node: str) -> str:
        label = self.sort_labels.get(node)
        if label is None:
            label = self.sort_labels[node] = self.nodes[node]["label"].lower()
        return label

    def details(self, node: str) -> dict:
        data = self.nodes[node]
        if data["kind"] == "paper":
            mentions, links = [], []
            for target, by_relation in self.graph._succ[node].items():
                for relation, edge in by_relation.items():
                    if relation in _LINK_RELATIONS:
                        links.append([target, relation])
                        kind = self.nodes[target]["kind"]
                        mentions.extend([m.start, m.end, kind, target] for m in edge.get("mentions", ()))
            return {"kind": "paper", "name": data["title"], "text": f"{data['title']}\n\n{data['abstract']}",
                    "url": data.get("url"), "mentions": sorted(mentions), "links": sorted(links, key=itemgetter(0)),
                    "aliases": [], "papers": 0}
        links = sorted(([source, relation] for source, by_relation in self.graph._pred[node].items()
                        for relation in by_relation if relation in _LINK_RELATIONS),
                       key=lambda link: self._sort_label(link[0]))
        cooccurring = sorted(self.together.get(node, {}).items(), key=lambda item: (-item[1], item[0]))
        return {"kind": data["kind"], "name": data["label"], "aliases": list(data.get("aliases") or ()),
                "papers": data.get("papers", 0), "links": links,
                "cooccurring": [list(c) for c in cooccurring[:COOCCURRING_SHOWN]]}


def _view(graph: nx.MultiDiGraph, max_nodes: int) -> tuple[list[str], list[tuple[str, str, str]]]:
    """The nodes the page shows (sorted) and the edges it draws between them."""
    kept = select_nodes(graph, max_nodes)
    kept_set = set(kept)
    edges = sorted((source, target, relation) for source in kept for target, by_relation in graph._succ[source].items()
                   if target in kept_set for relation in by_relation if relation in _DRAWN_RELATIONS)
    return kept, edges


def layout_positions(graph: nx.MultiDiGraph, max_nodes: int = DEFAULT_MAX_NODES) -> dict[str, tuple[float, float]]:
    """Where the page draws each node it shows."""
    return lay_out(*_view(graph, max_nodes))


@dataclass
class PageData:
    """Everything the page shows but the positions: the vis-network nodes (no x, y yet) and edges, the side panel's
    data, the note on what the view left out."""

    network: Network
    extra: dict
    note: str
    kept: list[str]
    edges: list[tuple[str, str, str]]
    encoded: dict[str, str] = field(default_factory=dict)

    def encode(self) -> None:
        """The page's data that does not depend on the positions, as JSON (most of it: the side panel's), so a build
        with workers writes it while the layout is computed elsewhere."""
        for key, value in {**self.extra, "edges": self.network.edges}.items():
            if key not in self.encoded:
                self.encoded[key] = _safe_json(value)

    @classmethod
    def of(cls, graph: nx.MultiDiGraph, max_nodes: int = DEFAULT_MAX_NODES) -> PageData:
        kept, edges = _view(graph, max_nodes)
        kept_set = set(kept)
        network = Network(height="100%", width="100%", directed=True, cdn_resources="in_line")
        details = {}
        panel = _SidePanel(graph)
        for node in kept:
            data = graph.nodes[node]
            kind = data["kind"]
            color, shape = KINDS[kind]
            papers = data.get("papers", 0)
            network.add_node(node, label=data["label"], title=_tooltip(data), color=color, shape=shape,
                             value=1 if kind == "paper" else 1 + papers, kind=kind, papers=papers, physics=False)
            details[node] = panel.details(node)
        for vis_node in network.nodes:
            if vis_node["kind"] == "paper":
                del vis_node["label"]  # titles would bury the map; they are in the tooltip and the panel
        # appended as `Network.add_edge` would make them: it checks that both ends exist by scanning the node list
        # for each edge (a quarter of a second for a full view), and `edges` only joins nodes kept above
        for source, target, relation in edges:
            dashes, width, color = EDGE_STYLES[relation]
            network.edges.append({"title": relation.replace("_", " "), "dashes": dashes, "width": width,
                                  "relation": relation, "arrows": "to", "color": {"color": color, "opacity": 0.45},
                                  "from": source, "to": target})
        referenced = {item[0] for d in details.values() for item in d["links"] + d.get("cooccurring", [])}
        names = {node: graph.nodes[node]["label"] for node in sorted(referenced - kept_set)}
        # a view graph of a streamed build holds some papers only; it carries the whole graph's node counts
        totals = Counter(graph.graph.get("node_totals") or Counter(data["kind"] for _, data in graph.nodes(data=True)))
        left_out = totals - Counter(graph.nodes[n]["kind"] for n in kept)
        note = (f"{len(kept)} of {sum(totals.values())} nodes in this view; left out, as least connected: "
                + ", ".join(f"{count} {kind}" for kind, count in sorted(left_out.items()))
                + " (raise --html-max-nodes, or use kg html --focus)" if left_out
                else f"{len(kept)} nodes, {len(edges)} links")
        return cls(network, {"details": details, "names": names}, note, kept, edges)

    def layout(self) -> dict[str, tuple[float, float]]:
        return lay_out(self.kept, self.edges)


def build_network(graph: nx.MultiDiGraph, max_nodes: int = DEFAULT_MAX_NODES) -> tuple[Network, dict, str]:
    """The vis-network data of the page, laid out."""
    page = PageData.of(graph, max_nodes)
    _place(page.network, page.layout())
    return page.network, page.extra, page.note


def _place(network: Network, positions: dict[str, tuple[float, float]]) -> None:
    for vis_node in network.nodes:
        vis_node["x"], vis_node["y"] = positions[vis_node["id"]]


def render_html(graph: nx.MultiDiGraph, max_nodes: int = DEFAULT_MAX_NODES, title: str = "paperkg") -> str:
    page = PageData.of(graph, max_nodes)
    return render_page(page, page.layout(), title)


def render_page(page: PageData, positions: dict[str, tuple[float, float]], title: str = "paperkg") -> str:
    """The page of `page`'s data drawn at `positions` (from `layout_positions` of the same graph)."""
    network, note = page.network, page.note
    _place(network, positions)
    options = {"physics": {"enabled": False}, "interaction": {"hover": True, "tooltipDelay": 150},
               "nodes": {"borderWidth": 1, "scaling": {"min": 5, "max": 34, "label": {
                   "enabled": True, "min": 11, "max": 30, "drawThreshold": 9, "maxVisible": 30}}},
               "edges": {"smooth": False}}
    counts = Counter(node["kind"] for node in network.nodes)
    kinds = {kind: {"color": color, "shape": shape} for kind, (color, shape) in KINDS.items()}
    vis_js, vis_css = _vis_network_assets()
    environment = Environment(autoescape=select_autoescape(default=True))
    templates = resources.files("kg").joinpath("export/templates")
    template = environment.from_string(templates.joinpath("graph.html").read_text("utf-8"))
    legend = [{"name": k, "color": c, "shape": s, "count": counts.get(k, 0)} for k, (c, s) in KINDS.items()]
    css = environment.from_string(templates.joinpath("explorer.css").read_text("utf-8")).render(kinds=legend)
    max_papers = max((node["papers"] for node in network.nodes if node["kind"] != "paper"), default=0)
    page.encode()
    payload = {**page.encoded, "nodes": _safe_json(network.nodes), "options": _safe_json(options),
               "kinds": _safe_json(kinds)}
    return template.render(
        title=title, note=note, kinds=legend, shown=len(network.nodes), max_papers=max_papers,
        data_json=Markup(_json_object(payload)), vis_js=Markup(vis_js), vis_css=Markup(vis_css),
        explorer_css=Markup(css), explorer_js=Markup(templates.joinpath("explorer.js").read_text("utf-8")))


def write_html_file(graph: nx.MultiDiGraph, path: Path, max_nodes: int = DEFAULT_MAX_NODES,
                    title: str = "paperkg", html: str | None = None) -> Path:
    """The page of `graph` written atomically to `path` (`html`: the page already rendered, e.g. by `render_page`
    with a layout computed in another process)."""
    html = render_html(graph, max_nodes, title) if html is None else html
    with atomic_write(path) as handle:
        handle.write(html)
    return path


def write_html(graph: nx.MultiDiGraph, out_dir: Path, max_nodes: int = DEFAULT_MAX_NODES,
               html: str | None = None) -> Path:
    return write_html_file(graph, out_dir / "graph.html", max_nodes, html=html)
