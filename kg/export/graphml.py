"""GraphML export readable by networkx, igraph and Gephi.

GraphML holds no None, list or dict values: tuples become '; '-joined strings, None values are dropped, and
the Mention, Result and EntityRelation records are left to the RDF and mentions.jsonl. Every attribute keeps one type on
every node or edge that has it, and no attribute is called `id` (igraph would drop the node ids).
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx

from kg.export.atomic import atomic_write
from kg.text import without_xml_illegal

_DROPPED = {"mentions", "statements", "results"}  # records: in the RDF and mentions.jsonl


def _encode(value):
    if isinstance(value, tuple | list | set | frozenset):
        return "; ".join(without_xml_illegal(str(v)) for v in value)
    if isinstance(value, str):
        return without_xml_illegal(value)
    return value


def graphml_ready(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    clean = nx.MultiDiGraph()
    for node, data in graph.nodes(data=True):
        clean.add_node(node, **{k: _encode(v) for k, v in data.items() if v is not None and k not in _DROPPED})
    for source, target, key, data in graph.edges(keys=True, data=True):
        clean.add_edge(source, target, key=key,
                       **{k: _encode(v) for k, v in data.items() if v is not None and k not in _DROPPED})
    return clean


def write_graphml(graph: nx.MultiDiGraph, out_dir: Path) -> Path:
    path = out_dir / "graph.graphml"
    with atomic_write(path, "wb") as handle:
        nx.write_graphml(graphml_ready(graph), handle, encoding="utf-8", prettyprint=True)
    return path
