"""GraphML export readable by networkx, igraph and Gephi, streamed.

networkx can only write a graph it holds whole, so the file is written here element by element (each written as
lxml would serialise it, with its escapes) into the file's hidden temporary copy: the header (attribute keys) first,
then each paper node and its link edges as the paper is linked, and at `finish` the entity nodes (their paper counts
are known only at the end) and the entity-to-entity edges (variant_of, broader, evaluated_on, applied_to,
co_occurs_with). GraphML sets no order among a graph's nodes and edges (an edge may name a node declared after it;
networkx and igraph read it so, as tested), so nothing written is copied again (a 1M build's GraphML is ~2.9 GB).
GraphML holds no None, list or dict values: tuples become '; '-joined strings, None values are dropped, and the
Mention, Result and EntityRelation records are left to the RDF and mentions.jsonl. Every attribute keeps one type
on every node or edge that has it, and no attribute is called `id` (igraph would drop the node ids). Edge ids are
the relation names, as networkx writes a MultiDiGraph's edge keys.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from lxml import etree

from kg.export.atomic import AtomicFile, StreamedExport
from kg.graph import (
    CoOccurrences,
    GraphAggregates,
    entity_attributes,
    entity_node,
    hierarchy_edges,
    link_attributes,
    paper_attributes,
    paper_node,
)
from kg.linking import LinkedGraph, LinkedPaper
from kg.text import without_xml_illegal

# (domain, name, GraphML type): every attribute either kind of element can carry, in file order
KEYS = (
    ("node", "kind", "string"), ("node", "label", "string"), ("node", "title", "string"),
    ("node", "abstract", "string"), ("node", "url", "string"), ("node", "date", "string"),
    ("node", "authors", "string"), ("node", "sources", "string"), ("node", "aliases", "string"),
    ("node", "source", "string"), ("node", "papers", "long"),
    ("edge", "relation", "string"), ("edge", "evidence", "long"), ("edge", "confidence", "double"),
    ("edge", "weight", "long"), ("edge", "papers", "long"),
)
_KEY_IDS = {(domain, name): f"d{i}" for i, (domain, name, _) in enumerate(KEYS)}


def _text(value) -> str:
    if isinstance(value, tuple | list):
        return "; ".join(without_xml_illegal(str(v)) for v in value)
    if isinstance(value, float):
        return repr(value)
    return without_xml_illegal(str(value))


_HEADER = (b"<?xml version='1.0' encoding='utf-8'?>\n"
           b'<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
           b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
           b'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
           b'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n')
_GRAPH_START, _FOOTER = b'<graph edgedefault="directed">\n', b"</graph>\n</graphml>\n"


# What lxml escapes (measured over every character XML can hold): in text & < > and CR; in attributes also the
# quote, tab and LF. Elements are written as text here, byte for byte as lxml's `tostring(pretty_print=True)` of
# them (tests/test_build_e2e.py compares the two): with an lxml element per node and edge this export took
# 129 µs a paper, now 72.
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_ATTRIBUTE_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;", '"': "&quot;",
                                    "\t": "&#9;", "\n": "&#10;"})
_TEXT_SPECIAL = re.compile("[&<>\r]")
_ATTRIBUTE_SPECIAL = re.compile("[&<>\r\"\t\n]")


def _escaped_text(text: str) -> str:
    return text.translate(_TEXT_ESCAPES) if _TEXT_SPECIAL.search(text) else text


def _escaped_attribute(text: str) -> str:
    return text.translate(_ATTRIBUTE_ESCAPES) if _ATTRIBUTE_SPECIAL.search(text) else text


def _element(tag: str, attributes: dict, data: dict, domain: str) -> bytes:
    """One element, unqualified: inside the <graphml> root it is in the GraphML default namespace."""
    start = f"<{tag}" + "".join(f' {name}="{_escaped_attribute(value)}"' for name, value in attributes.items())
    children = [f'  <data key="{key}">{_escaped_text(_text(value))}</data>\n'
                for key, value in ((_KEY_IDS.get((domain, name)), value) for name, value in data.items())
                if key is not None and value is not None]  # records (mentions, results) and absent values left out
    if not children:
        return f"{start}/>\n".encode("utf-8")
    return f"{start}>\n{''.join(children)}</{tag}>\n".encode("utf-8")


def _node(node_id: str, data: dict) -> bytes:
    return _element("node", {"id": node_id}, data, "node")


def _edge(source: str, target: str, relation: str, data: dict) -> bytes:
    return _element("edge", {"source": source, "target": target, "id": relation}, data, "edge")


# A link edge as `_edge` writes it from `link_attributes` (relation, evidence, confidence; the mentions are left out),
# filled into one template: a paper has ~8 links, and `_edge`'s generic walk was most of this export's time.
_LINK_EDGE = ('<edge source="{}" target="{}" id="{}">\n  <data key="%s">{}</data>\n  <data key="%s">{}</data>\n'
              '  <data key="%s">{}</data>\n</edge>\n') % (_KEY_IDS[("edge", "relation")], _KEY_IDS[("edge", "evidence")],
                                                       _KEY_IDS[("edge", "confidence")])


@lru_cache(maxsize=100_000)
def _entity_node_attribute(entity_id: str) -> str:
    return _escaped_attribute(entity_node(entity_id))


@lru_cache(maxsize=64)
def _relation_texts(relation: str) -> tuple[str, str]:
    return _escaped_attribute(relation), _escaped_text(relation)


def _link_edge(paper_node_id: str, paper_node_attribute: str, link) -> str:
    if not isinstance(link.confidence, float):  # (not what the linker makes; the generic writer handles anything)
        return _edge(paper_node_id, entity_node(link.entity_id), link.relation, link_attributes(link)).decode("utf-8")
    relation_attribute, relation_text = _relation_texts(link.relation)
    return _LINK_EDGE.format(paper_node_attribute, _entity_node_attribute(link.entity_id), relation_attribute,
                             relation_text, len(link.mentions), repr(link.confidence))


def encode_paper(item: LinkedPaper) -> bytes:
    """A paper's node and its link edges."""
    node = paper_node(item.paper.id)
    node_attribute = _escaped_attribute(node)
    return _node(node, paper_attributes(item.paper)) + "".join(
        [_link_edge(node, node_attribute, link) for link in item.links]).encode("utf-8")


class _CountedEdges:
    """Entity-to-entity edges carrying a relation and a count (evaluated_on and applied_to with their papers,
    co_occurs_with with its weight), written as `_edge` writes them but from one template, with the link edges' cache of escaped entity
    node ids: a 10k build has ~130,000 co-occurrence edges, which took a second through `_edge`."""

    _TEMPLATE = ('<edge source="{}" target="{}" id="{}">\n  <data key="%s">{}</data>\n  <data key="{}">{}</data>\n'
                 '</edge>\n') % _KEY_IDS[("edge", "relation")]
    _CHUNK = 10_000

    def write(self, write, edges) -> None:
        """`edges`: (source entity id, relation, target entity id, count attribute, count)."""
        chunk = []
        for source, relation, target, attribute, count in edges:
            relation_attribute, relation_text = _relation_texts(relation)
            chunk.append(self._TEMPLATE.format(_entity_node_attribute(source), _entity_node_attribute(target),
                                               relation_attribute, relation_text, _KEY_IDS[("edge", attribute)],
                                               int(count)))
            if len(chunk) == self._CHUNK:
                write("".join(chunk).encode("utf-8"))
                chunk.clear()
        write("".join(chunk).encode("utf-8"))

    def write_co_occurrences(self, write, co_occurrences: CoOccurrences) -> None:
        """The co_occurs_with edges with their weights, as `write` writes them: ~130,000 at 10k papers, from a
        template holding everything but the two ends and the weight, the ends' escaped ids made once per entity."""
        relation_attribute, relation_text = _relation_texts("co_occurs_with")
        fill = self._TEMPLATE.format("{}", "{}", relation_attribute, relation_text, _KEY_IDS[("edge", "weight")],
                                     "{}").format  # the ends and the weight left to fill in
        names = [_entity_node_attribute(entity_id) for entity_id in co_occurrences.ids]
        first, second, weight = (co_occurrences.first.tolist(), co_occurrences.second.tolist(),
                                 co_occurrences.weight.tolist())
        for start in range(0, len(first), self._CHUNK):
            end = start + self._CHUNK
            write("".join([fill(names[lower], names[higher], papers) for lower, higher, papers
                           in zip(first[start:end], second[start:end], weight[start:end])]).encode("utf-8"))


class GraphmlWriter(StreamedExport):
    """graph.graphml: paper nodes and link edges from `encode_paper` as they come, the entities and their edges at
    the end."""

    def __init__(self, out_dir: Path):
        self.path = Path(out_dir) / "graph.graphml"
        self._file = AtomicFile(self.path, "wb")
        write = self._file.handle.write
        write(_HEADER)
        for (domain, name, kind), key in zip(KEYS, _KEY_IDS.values()):
            write(etree.tostring(etree.Element("key", {"id": key, "for": domain, "attr.name": name,
                                                       "attr.type": kind}), encoding="utf-8") + b"\n")
        write(_GRAPH_START)

    def finish(self, aggregates: GraphAggregates) -> Path:
        try:
            self._write_entities(self._file.handle.write, aggregates)
        except BaseException:
            self._file.abort()
            raise
        return self._file.commit()

    @staticmethod
    def _write_entities(write: Callable[[bytes], object], aggregates: GraphAggregates) -> None:
        entities = aggregates.entities
        for entity in entities.values():
            write(_node(entity_node(entity.id), entity_attributes(entity, aggregates.paper_counts.get(entity.id, 0))))
        for source, relation, target_id in hierarchy_edges(entities):
            write(_edge(entity_node(source), entity_node(target_id), relation, {"relation": relation}))
        counted = _CountedEdges()
        counted.write(write, ((source, relation, target, "papers", papers)
                              for source, relation, target, papers in aggregates.entity_relation_edges()))
        counted.write_co_occurrences(write, aggregates.co_occurrences())
        write(_FOOTER)


def write_graphml(linked: LinkedGraph, out_dir: Path) -> Path:
    """A graph held in memory, written the same way as a streamed build."""
    writer = GraphmlWriter(out_dir)
    aggregates = GraphAggregates(linked.entities)
    for item in linked.per_paper():
        aggregates.add(item)
        writer.add_encoded(encode_paper(item))
    return writer.finish(aggregates)
