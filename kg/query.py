"""Querying the graph from Python: `kg.build(inputs)` or `kg.load(exports_dir)` → KnowledgeGraph.

Every look-up takes any name of an entity — its label or any alias, in any case or spacing ("ViT",
"vision transformers") — or a paper's id or exact title. Results are small frozen dataclasses of plain values.

    >>> import kg
    >>> graph = kg.load("exports")
    >>> [p.title for p in graph.papers("ADE20K", relation="evaluates_on")][:2]
    >>> graph.cooccurring("ConvNeXt", type="dataset")
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import networkx as nx

from kg.graph import ENTITY_PREFIX, PAPER_PREFIX, build_graph, entity_node, paper_node
from kg.linking import LinkedGraph
from extractors.resources import load_json
from kg.model import ENTITY_RELATIONS, ENTITY_TYPES, RELATIONS
from kg.names import normalise_name


class NotFound(KeyError):
    """No entity or paper has that name."""


@dataclass(frozen=True)
class EntityInfo:
    id: str
    label: str
    type: str
    aliases: tuple[str, ...]
    papers: int  # number of papers linked to it


@dataclass(frozen=True)
class PaperInfo:
    id: str
    title: str
    url: str | None
    date: str | None


@dataclass(frozen=True)
class PaperLink:
    paper: PaperInfo
    relation: str


@dataclass(frozen=True)
class EntityLink:
    entity: EntityInfo
    relation: str


@dataclass(frozen=True)
class Ranked:
    entity: EntityInfo
    score: float


@dataclass(frozen=True)
class Evidence:
    sentence: str
    text: str
    start: int
    end: int
    relation: str
    extractor: str
    confidence: float
    cue: str | None


@dataclass(frozen=True)
class LeaderboardRow:
    metric: str
    value: float
    unit: str
    dataset: EntityInfo | None
    method: EntityInfo | None
    paper: PaperInfo
    text: str
    sentence: str
    own: bool  # the paper's own result (False: a baseline's, quoted for comparison)


@dataclass(frozen=True)
class MeasurementRow:
    kind: str  # "cost" or "setting"
    quantity: str
    value: float
    unit: str
    method: EntityInfo | None
    paper: PaperInfo
    text: str
    sentence: str


@dataclass(frozen=True)
class Related:
    entity: EntityInfo
    relation: str
    papers: int
    sentences: tuple[str, ...]


class KnowledgeGraph:
    """Papers and entities over a networkx MultiDiGraph (see kg.graph for its nodes and edges)."""

    def __init__(self, linked: LinkedGraph):
        self.linked = linked
        self.graph: nx.MultiDiGraph = build_graph(linked)
        self._papers = {paper.id: paper for paper in linked.papers}
        self._titles = {normalise_name(paper.title): paper.id for paper in linked.papers}
        self._names: dict[str, str] = {}
        # on a name clash, the entity linked to more papers wins (then the catalog one, then by id)
        ranked = sorted(linked.entities.values(),
                        key=lambda e: (-self.graph.nodes[entity_node(e.id)]["papers"], e.source != "catalog", e.id))
        for entity in ranked:
            for name in (entity.label, *entity.aliases):
                self._names.setdefault(normalise_name(name), entity.id)
        self._links = {(link.paper_id, link.entity_id): link for link in linked.links}

    @cached_property
    def _link_graph(self) -> nx.Graph:
        """Papers and entities joined by their links only (no co-occurrence or hierarchy edges), undirected."""
        links = nx.Graph()
        links.add_nodes_from(self.graph.nodes)
        links.add_edges_from((s, t) for s, t, k in self.graph.edges(keys=True) if k in RELATIONS)
        return links

    # ------------------------------------------------------------------ look-ups
    def entity(self, name: str) -> EntityInfo:
        """The entity with this label or alias (case, spacing, hyphens and plurals ignored)."""
        entity_id = name if name in self.linked.entities else self._names.get(normalise_name(name))
        if entity_id is None:
            raise NotFound(f"no entity is called {name!r}")
        return self._entity_info(entity_id)

    def paper(self, id_or_title: str) -> PaperInfo:
        paper_id = id_or_title if id_or_title in self._papers else self._titles.get(normalise_name(id_or_title))
        if paper_id is None:
            raise NotFound(f"no paper has id or title {id_or_title!r}")
        paper = self._papers[paper_id]
        return PaperInfo(paper.id, paper.title, paper.url, paper.date)

    def _entity_info(self, entity_id: str) -> EntityInfo:
        entity = self.linked.entities[entity_id]
        return EntityInfo(entity.id, entity.label, entity.type, entity.aliases,
                          self.graph.nodes[entity_node(entity_id)]["papers"])

    # ------------------------------------------------------------------ papers and entities
    def papers(self, entity: str, relation: str | None = None) -> list[PaperLink]:
        """Papers linked to an entity, optionally by one relation; by relation strength, then title."""
        if relation is not None and relation not in RELATIONS:
            raise ValueError(f"relation must be one of {', '.join(RELATIONS)}")
        node = entity_node(self.entity(entity).id)
        found = [PaperLink(self.paper(source.removeprefix(PAPER_PREFIX)), key)
                 for source, _, key in self.graph.in_edges(node, keys=True)
                 if key in RELATIONS and (relation is None or key == relation)]
        return sorted(found, key=lambda link: (RELATIONS.index(link.relation), link.paper.title))

    def entities(self, paper: str, type: str | None = None) -> list[EntityLink]:
        """The entities a paper is linked to, optionally of one type."""
        _check_type(type)
        node = paper_node(self.paper(paper).id)
        found = []
        for _, target, key in self.graph.out_edges(node, keys=True):
            info = self._entity_info(target.removeprefix(ENTITY_PREFIX))
            if type is None or info.type == type:
                found.append(EntityLink(info, key))
        return sorted(found, key=lambda link: (RELATIONS.index(link.relation), link.entity.label.lower()))

    def top(self, type: str | None = None, n: int = 10, by: str = "papers") -> list[Ranked]:
        """The top entities (of a type) by number of papers, or by PageRank over the paper-entity graph."""
        _check_type(type)
        ids = [e.id for e in self.linked.entities.values() if type is None or e.type == type]
        if by == "papers":
            scores = {i: float(self.graph.nodes[entity_node(i)]["papers"]) for i in ids}
        elif by == "pagerank":
            rank = nx.pagerank(self._link_graph)
            scores = {i: rank.get(entity_node(i), 0.0) for i in ids}
        else:
            raise ValueError("by must be 'papers' or 'pagerank'")
        best = sorted(ids, key=lambda i: (-scores[i], self.linked.entities[i].label.lower()))[:n]
        return [Ranked(self._entity_info(i), scores[i]) for i in best]

    def cooccurring(self, entity: str, type: str | None = None, n: int = 10) -> list[tuple[EntityInfo, int]]:
        """Entities that share papers with this one, with the number of shared papers, most first."""
        _check_type(type)
        node = entity_node(self.entity(entity).id)
        counts: Counter = Counter()
        for _, other, key, data in self.graph.out_edges(node, keys=True, data=True):
            if key == "co_occurs_with":
                counts[other] += data["weight"]
        for other, _, key, data in self.graph.in_edges(node, keys=True, data=True):
            if key == "co_occurs_with":
                counts[other] += data["weight"]
        infos = [(self._entity_info(o.removeprefix(ENTITY_PREFIX)), c) for o, c in counts.items()]
        infos = [(info, c) for info, c in infos if type is None or info.type == type]
        return sorted(infos, key=lambda item: (-item[1], item[0].label.lower()))[:n]

    def evidence(self, paper: str, entity: str) -> list[Evidence]:
        """Why is this paper linked to this entity: the mentions, with their sentences."""
        link = self._links.get((self.paper(paper).id, self.entity(entity).id))
        if link is None:
            return []
        return [Evidence(m.sentence, m.text, m.start, m.end, m.relation, m.extractor, m.confidence, m.cue)
                for m in sorted(link.mentions, key=lambda m: m.start)]

    # ------------------------------------------------------------------ results and entity relations
    def measurements(self, quantity: str | None = None, method: str | None = None,
                     kind: str | None = None) -> list[MeasurementRow]:
        """Costs ("parameters", "FLOPs", "latency", ...) and settings ("sampling steps", "resolution", ...) the
        papers state, filtered by quantity (case ignored), method and kind ("cost" or "setting"); smallest first
        when one quantity is asked for, else by quantity and paper."""
        method_id = self.entity(method).id if method else None
        rows = [MeasurementRow(m.kind, m.quantity, float(m.value), m.unit,
                               self._entity_info(m.method_id) if m.method_id else None, self.paper(m.paper_id), m.text,
                               m.sentence)
                for m in self.linked.measurements
                if not ((quantity and m.quantity.lower() != quantity.lower()) or (kind and m.kind != kind)
                        or (method_id and m.method_id != method_id))]
        if quantity:
            return sorted(rows, key=lambda r: (r.unit, r.value, r.paper.title))
        return sorted(rows, key=lambda r: (r.quantity.lower(), r.paper.title, r.value))

    def results(self, dataset: str | None = None, metric: str | None = None, method: str | None = None,
                own: bool | None = None) -> list[LeaderboardRow]:
        """Reported results, like a leaderboard: filtered by dataset, metric (case ignored), method and whether
        they are the papers' own (`own=True`) or baselines' they quote (`own=False`); best first when one metric
        is asked for (lower is better for error-like metrics), else by metric and paper."""
        dataset_id = self.entity(dataset).id if dataset else None
        method_id = self.entity(method).id if method else None
        rows = []
        for result in self.linked.results:
            if ((dataset_id and result.dataset_id != dataset_id) or (method_id and result.method_id != method_id)
                    or (metric and result.metric.lower() != metric.lower()) or (own is not None and result.own != own)):
                continue
            rows.append(LeaderboardRow(
                result.metric, result.number, result.unit,
                self._entity_info(result.dataset_id) if result.dataset_id else None,
                self._entity_info(result.method_id) if result.method_id else None,
                self.paper(result.paper_id), result.text, result.sentence, result.own))
        if metric:
            sign = 1 if _lower_is_better(metric) else -1
            return sorted(rows, key=lambda r: (sign * r.value, r.paper.title))
        return sorted(rows, key=lambda r: (r.metric.lower(), r.paper.title, r.value))

    def related(self, entity: str, relation: str | None = None) -> list[Related]:
        """Entities this one is evaluated on or applied to (or, for a dataset or task, the methods and
        architectures evaluated on or applied to it), with how many papers say so and their sentences."""
        if relation is not None and relation not in ENTITY_RELATIONS:
            raise ValueError(f"relation must be one of {', '.join(ENTITY_RELATIONS)}")
        node = entity_node(self.entity(entity).id)
        found = []
        for edges, other_end in ((self.graph.out_edges(node, keys=True, data=True), 1),
                                 (self.graph.in_edges(node, keys=True, data=True), 0)):
            for edge in edges:
                key, data = edge[2], edge[3]
                if key in ENTITY_RELATIONS and (relation is None or key == relation):
                    other = edge[other_end].removeprefix(ENTITY_PREFIX)
                    found.append(Related(self._entity_info(other), key, data["papers"],
                                         tuple(sorted({s.sentence for s in data["statements"]}))))
        return sorted(found, key=lambda r: (-r.papers, r.entity.label.lower()))

    # ------------------------------------------------------------------ structure
    def connection(self, first: str, second: str) -> list[str]:
        """The shortest chain of papers and entities joining two entities (node labels), [] if none."""
        source, target = entity_node(self.entity(first).id), entity_node(self.entity(second).id)
        try:
            path = nx.shortest_path(self._link_graph, source, target)
        except (nx.NetworkXNoPath, nx.NodeNotFound):
            return []
        return [self.graph.nodes[node]["label"] for node in path]

    def neighbourhood(self, name: str, hops: int = 1) -> nx.MultiDiGraph:
        """The subgraph within `hops` paper/entity links of an entity (co-occurrence edges not followed)."""
        center = entity_node(self.entity(name).id)
        kept = nx.ego_graph(self._link_graph, center, radius=hops).nodes
        return self.graph.subgraph(kept).copy()

    def trend(self, entity: str | None = None, period: str = "year") -> dict[str, int]:
        """Papers per period ('year' or 'month'), of the whole graph or linked to one entity; undated papers
        are left out. What is rising: compare the counts of recent periods."""
        width = {"year": 4, "month": 7}.get(period)
        if width is None:
            raise ValueError("period must be 'year' or 'month'")
        papers: Iterable[PaperInfo] = ([link.paper for link in self.papers(entity)] if entity is not None
                                       else (self.paper(p.id) for p in self.linked.papers))
        counts = Counter(p.date[:width] for p in papers if p.date and len(p.date) >= width)
        return dict(sorted(counts.items()))

    def __repr__(self) -> str:
        kinds = Counter(e.type for e in self.linked.entities.values())
        return (f"KnowledgeGraph({len(self.linked.papers)} papers, "
                + ", ".join(f"{kinds[t]} {t}s" for t in ENTITY_TYPES) + f", {len(self.linked.links)} links)")


@lru_cache(maxsize=1)
def _lower_is_better_metrics() -> frozenset[str]:
    """From extractors/data/metrics.json, where each metric says whether lower is better (FID, error rate)."""
    return frozenset(m["name"].lower() for m in load_json("metrics.json")["metrics"] if m["lower_is_better"])


def _lower_is_better(metric: str) -> bool:
    return metric.lower() in _lower_is_better_metrics()


def _check_type(entity_type: str | None) -> None:
    if entity_type is not None and entity_type not in ENTITY_TYPES:
        raise ValueError(f"type must be one of {', '.join(ENTITY_TYPES)}")


def build(inputs: Iterable[str | Path] | None = None, **options) -> KnowledgeGraph:
    """Build a graph from abstracts in memory (the bundled sample corpus when no input is given)."""
    from kg.builder import build as build_result

    return KnowledgeGraph(build_result(inputs, **options).linked)


def load(exports_dir: str | Path = "exports") -> KnowledgeGraph:
    """Load a graph that `kg build` wrote (its graph.ttl, or another RDF file it wrote)."""
    from kg.rdf_reader import read_graph

    return KnowledgeGraph(read_graph(exports_dir))
