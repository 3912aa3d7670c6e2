"""The knowledge graph as a networkx MultiDiGraph, and its corpus-wide aggregates for streamed builds.

Nodes: `paper:<id>` (kind "paper") and `entity:<id>` (kind method | dataset | architecture | task), with plain
attributes. Edges, keyed by relation:
- paper → entity: proposes | evaluates_on | addresses | uses, with `evidence` (mention count), `confidence`
  and `mentions` (the supporting kg.model.Mention records);
- entity → entity `co_occurs_with` (lower id → higher id), `weight` = number of papers linking both;
- entity → entity `variant_of` and `broader`, from the catalog and the linker;
- entity → entity `evaluated_on` (method/architecture → dataset) and `applied_to` (→ task), read from sentences,
  with `papers` (how many papers state it) and `evidence` (the kg.model.EntityRelation records).
Reported results are `results` on each paper node (kg.model.Result records; leaderboard queries read them there).

`build_graph` makes the whole graph (the Python API). A streamed build never holds it: `GraphAggregates` keeps
what is corpus-wide and small (paper counts, co-occurrence weights, entity-relation edges, summary counts) and a
bounded candidate set of papers for the HTML view, and `view_graph()` gives the graph the HTML exporter draws.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import combinations
from operator import itemgetter

import networkx as nx
import numpy as np

from kg.linking import LinkedGraph, LinkedPaper
from kg.model import ENTITY_RELATIONS, Entity, EntityRelation, Link, Paper, Result

PAPER_PREFIX = "paper:"
ENTITY_PREFIX = "entity:"
HIERARCHY_RELATIONS = ("variant_of", "broader")
COOCCURRING_KEPT = 8  # per entity in the HTML view: its strongest co-occurring entities (what the panel lists)


def paper_node(paper_id: str) -> str:
    return PAPER_PREFIX + paper_id


def entity_node(entity_id: str) -> str:
    return ENTITY_PREFIX + entity_id


def paper_attributes(paper: Paper, results: Iterable[Result] = ()) -> dict:
    return {"kind": "paper", "label": paper.title, "title": paper.title, "abstract": paper.abstract, "url": paper.url,
            "date": paper.date, "authors": paper.authors, "sources": tuple(str(s) for s in paper.sources),
            "results": tuple(results)}


def entity_attributes(entity: Entity, papers: int) -> dict:
    return {"kind": entity.type, "label": entity.label, "aliases": entity.aliases, "source": entity.source,
            "papers": papers}


def link_attributes(link: Link) -> dict:
    return {"relation": link.relation, "evidence": len(link.mentions), "confidence": link.confidence,
            "mentions": link.mentions}


def hierarchy_edges(entities: dict[str, Entity]) -> Iterator[tuple[str, str, str]]:
    """(entity id, relation, entity id) for variant_of and broader, where both ends are in the graph."""
    for entity in entities.values():
        for relation, target in (("variant_of", entity.variant_of), ("broader", entity.broader)):
            if target and target in entities:
                yield entity.id, relation, target


@dataclass(frozen=True)
class PaperFacts:
    """What the corpus-wide aggregates need of one linked paper: small, so worker processes can send it back.
    `view` (the paper and its links) comes only for papers that may still make the HTML view."""

    paper_id: str
    entity_ids: tuple[str, ...]  # sorted
    relations: tuple[str, ...]  # one per link
    statements: tuple[tuple[str, str, str], ...]  # (source, relation, target)
    results: int
    results_with_dataset: int
    view: tuple[Paper, tuple[Link, ...]] | None


def paper_facts(item: LinkedPaper, view_threshold: int | None) -> PaperFacts:
    """The facts of a paper; its view data when it has at least `view_threshold` links (None: never)."""
    keep_view = view_threshold is not None and len(item.links) >= view_threshold
    return PaperFacts(item.paper.id, tuple(sorted({link.entity_id for link in item.links})),
                      tuple(link.relation for link in item.links),
                      tuple((r.source_id, r.relation, r.target_id) for r in item.entity_relations),
                      len(item.results), sum(1 for r in item.results if r.dataset_id),
                      (item.paper, tuple(item.links)) if keep_view else None)


class GraphAggregates:
    """Corpus-wide facts gathered paper by paper, small enough to hold for a million papers: links per entity,
    co-occurrence weights, papers stating each entity relation, summary counts, and the `view_size` papers with the
    most links (candidates for the HTML view)."""

    def __init__(self, entities: dict[str, Entity], view_size: int = 0):
        self.entities = entities
        self.papers = 0
        self.papers_with_links = 0
        self.paper_counts: Counter = Counter()
        self.links_per_relation: Counter = Counter()
        self.co_occurrence: Counter = Counter()
        self.statement_papers: Counter = Counter()  # (source, relation, target) → papers stating it
        self.results = 0
        self.papers_with_results = 0
        self.results_with_dataset = 0
        self._view_size = view_size
        self._view_papers: list[tuple[int, str, Paper, tuple[Link, ...]]] = []
        self._view_threshold = 0  # a paper with fewer links can no longer make the view
        self._co_occurrences: tuple[int, CoOccurrences] | None = None

    def view_threshold(self) -> int | None:
        """The fewest links a paper needs to still be a view candidate (None: no view kept). Only grows, so a
        worker deciding with an older value sends a superset."""
        return self._view_threshold if self._view_size else None

    def add(self, item: LinkedPaper) -> None:
        self.add_facts(paper_facts(item, self.view_threshold()))

    def add_facts(self, facts: PaperFacts) -> None:
        self.papers += 1
        self.papers_with_links += bool(facts.relations)
        self.paper_counts.update(facts.entity_ids)
        self.links_per_relation.update(facts.relations)
        self.co_occurrence.update(combinations(facts.entity_ids, 2))
        self.statement_papers.update(facts.statements)
        self.results += facts.results
        self.papers_with_results += bool(facts.results)
        self.results_with_dataset += facts.results_with_dataset
        if self._view_size and facts.view is not None and len(facts.relations) >= self._view_threshold:
            self._view_papers.append((len(facts.relations), facts.paper_id, *facts.view))
            if len(self._view_papers) >= 2 * self._view_size:
                self._prune_view()

    def _prune_view(self) -> None:
        self._view_papers.sort(key=lambda item: (-item[0], item[1]))
        del self._view_papers[self._view_size:]
        if len(self._view_papers) == self._view_size:
            self._view_threshold = self._view_papers[-1][0]

    def co_occurrences(self) -> CoOccurrences:
        """The co-occurrence weights as arrays, for the sorted and per-entity readings the exports make of them
        (made once for the papers added so far)."""
        if self._co_occurrences is None or self._co_occurrences[0] != self.papers:
            self._co_occurrences = (self.papers, CoOccurrences(self.co_occurrence))
        return self._co_occurrences[1]

    def entity_relation_edges(self) -> list[tuple[str, str, str, int]]:
        """(source, relation, target, papers stating it), sorted."""
        return [(*key, papers) for key, papers in sorted(self.statement_papers.items())]

    def entity_relation_counts(self) -> Counter:
        counts = Counter({relation: 0 for relation in ENTITY_RELATIONS})
        for (_, relation, _), papers in self.statement_papers.items():
            counts[relation] += papers
        return counts

    def view_graph(self) -> nx.MultiDiGraph:
        """What the HTML view can draw: every entity, the candidate papers with their links, hierarchy edges, and
        each entity's strongest co-occurrences. Node selection and the side panel read only these."""
        self._prune_view()
        graph = nx.MultiDiGraph(node_totals={"paper": self.papers, **Counter(e.type for e in self.entities.values())})
        for entity in self.entities.values():
            graph.add_node(entity_node(entity.id), **entity_attributes(entity, self.paper_counts.get(entity.id, 0)))
        for _, _, paper, links in sorted(self._view_papers, key=lambda item: item[1]):
            graph.add_node(paper_node(paper.id), **paper_attributes(paper))
            for link in links:
                graph.add_edge(paper_node(paper.id), entity_node(link.entity_id), key=link.relation,
                               **link_attributes(link))
        for source, relation, target in hierarchy_edges(self.entities):
            graph.add_edge(entity_node(source), entity_node(target), key=relation, relation=relation)
        co_occurrences = self.co_occurrences()
        for first, second, weight in co_occurrences.strongest(COOCCURRING_KEPT):
            graph.add_edge(entity_node(first), entity_node(second), key="co_occurs_with", relation="co_occurs_with",
                           weight=weight)
        return graph


class CoOccurrences:
    """Co-occurrence weights ((lower id, higher id) → papers) as numpy arrays of id ranks: a 10k build has ~130,000
    pairs, and sorting or ranking them as tuples of strings took most of a second."""

    def __init__(self, weights: dict[tuple[str, str], int]):
        firsts, seconds = list(map(itemgetter(0), weights)), list(map(itemgetter(1), weights))
        self.ids = sorted(set(firsts) | set(seconds))  # rank order is string order
        rank = dict(zip(self.ids, range(len(self.ids)))).__getitem__
        self.first = np.fromiter(map(rank, firsts), dtype=np.int64, count=len(firsts))
        self.second = np.fromiter(map(rank, seconds), dtype=np.int64, count=len(seconds))
        self.weight = np.fromiter(weights.values(), dtype=np.int64, count=len(firsts))

    def _pairs(self, order: np.ndarray) -> Iterator[tuple[str, str, int]]:
        ids = self.ids
        for first, second, weight in zip(self.first[order].tolist(), self.second[order].tolist(),
                                         self.weight[order].tolist()):
            yield ids[first], ids[second], weight

    def sorted(self) -> Iterator[tuple[str, str, int]]:
        """(first id, second id, weight) ordered by the pair."""
        return self._pairs(np.lexsort((self.second, self.first)))

    def strongest(self, per_entity: int) -> Iterator[tuple[str, str, int]]:
        """The pairs that are among the `per_entity` heaviest of either of their entities (ties: the partner
        with the lower id first), ordered by the pair."""
        if not len(self.first):
            return iter(())
        entity = np.concatenate((self.first, self.second))
        partner = np.concatenate((self.second, self.first))
        weight = np.concatenate((self.weight, self.weight))
        order = np.lexsort((partner, -weight, entity))  # by entity, then heaviest, then partner
        grouped = entity[order]
        starts = np.flatnonzero(np.r_[True, grouped[1:] != grouped[:-1]])
        place = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
        chosen = np.unique(order[place < per_entity] % len(self.first))  # back to pair indices, each once
        return self._pairs(chosen[np.lexsort((self.second[chosen], self.first[chosen]))])


def build_graph(linked: LinkedGraph) -> nx.MultiDiGraph:
    """The whole graph in memory, for queries."""
    graph = nx.MultiDiGraph()
    aggregates = GraphAggregates(linked.entities)
    for item in linked.per_paper():
        aggregates.add(item)
        graph.add_node(paper_node(item.paper.id), **paper_attributes(item.paper, item.results))
    for entity in linked.entities.values():
        graph.add_node(entity_node(entity.id), **entity_attributes(entity, aggregates.paper_counts.get(entity.id, 0)))
    for link in linked.links:
        graph.add_edge(paper_node(link.paper_id), entity_node(link.entity_id), key=link.relation,
                       **link_attributes(link))
    for source, relation, target in hierarchy_edges(linked.entities):
        graph.add_edge(entity_node(source), entity_node(target), key=relation, relation=relation)
    statements: dict[tuple[str, str, str], list[EntityRelation]] = defaultdict(list)
    for relation in linked.entity_relations:
        statements[(relation.source_id, relation.relation, relation.target_id)].append(relation)
    for (source, relation, target), records in sorted(statements.items()):
        graph.add_edge(entity_node(source), entity_node(target), key=relation, relation=relation,
                       papers=len({r.paper_id for r in records}), statements=tuple(records))
    for first, second, weight in aggregates.co_occurrences().sorted():
        graph.add_edge(entity_node(first), entity_node(second), key="co_occurs_with",
                       relation="co_occurs_with", weight=weight)
    return graph

