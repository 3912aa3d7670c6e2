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

import pickle
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain, combinations
from typing import NamedTuple

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


def shipped_link_attributes(relation: str, confidence: float, spans: list[tuple[int, int]]) -> dict:
    """`link_attributes` of a link shipped from a worker as a view candidate: its mentions as `MentionSpan`s."""
    return {"relation": relation, "evidence": len(spans), "confidence": confidence,
            "mentions": tuple(MentionSpan(*span) for span in spans)}


def hierarchy_edges(entities: dict[str, Entity]) -> Iterator[tuple[str, str, str]]:
    """(entity id, relation, entity id) for variant_of and broader, where both ends are in the graph."""
    for entity in entities.values():
        for relation, target in (("variant_of", entity.variant_of), ("broader", entity.broader)):
            if target and target in entities:
                yield entity.id, relation, target


class ShippedView(NamedTuple):
    """A view candidate as a worker process sends it: its links' (entity id, relation), enough to lay the view out
    (`GraphAggregates.view_skeleton`), and, pickled, unpickled only if it makes the view, the paper and what the
    page reads of each link: its confidence and its mentions' (start, end) (`MentionSpan`s in the view graph; whole
    mentions, with their sentences, made 22.5 MB at 10k papers against 8.8, and three times the pickling time)."""

    links: tuple[tuple[str, str], ...]
    pickled: bytes  # (paper, [(confidence, [(start, end), ...]), ...]), one entry per link


class MentionSpan(NamedTuple):
    """Where a mention lies in its paper's text: what the HTML view keeps of a mention of a shipped candidate."""

    start: int
    end: int


@dataclass(frozen=True)
class PaperFacts:
    """What the corpus-wide aggregates need of one linked paper: small, so worker processes can send it back.
    `view` (the paper and its links) comes only for papers that may still make the HTML view; from a worker
    process, as a `ShippedView` (`shipped`)."""

    paper_id: str
    entity_ids: tuple[str, ...]  # sorted
    relations: tuple[str, ...]  # one per link
    statements: tuple[tuple[str, str, str], ...]  # (source, relation, target)
    results: int
    results_with_dataset: int
    baseline_results: int  # results quoted for comparison, not the paper's own
    measurements: int  # costs and settings
    view: tuple[Paper, tuple[Link, ...]] | ShippedView | None

    def shipped(self) -> PaperFacts:
        """These facts with the view pickled, to send from a worker process."""
        if self.view is None or isinstance(self.view, ShippedView):
            return self
        paper, links = self.view
        drawn = [(link.confidence, [(mention.start, mention.end) for mention in link.mentions]) for link in links]
        view = ShippedView(tuple([(link.entity_id, link.relation) for link in links]),
                           pickle.dumps((paper, drawn), protocol=pickle.HIGHEST_PROTOCOL))
        return PaperFacts(self.paper_id, self.entity_ids, self.relations, self.statements, self.results,
                          self.results_with_dataset, self.baseline_results, self.measurements, view)


ViewCutoff = tuple[int, str]  # (-links, paper id): the rank of the view's last candidate; lower ranks better


def paper_facts(item: LinkedPaper, view_cutoff: ViewCutoff | None) -> PaperFacts:
    """The facts of a paper; its view data when it ranks before `view_cutoff` (None: never)."""
    keep_view = view_cutoff is not None and (-len(item.links), item.paper.id) < view_cutoff
    return PaperFacts(item.paper.id, tuple(sorted({link.entity_id for link in item.links})),
                      tuple(link.relation for link in item.links),
                      tuple((r.source_id, r.relation, r.target_id) for r in item.entity_relations),
                      len(item.results), sum(1 for r in item.results if r.dataset_id),
                      sum(1 for r in item.results if not r.own), len(item.measurements),
                      (item.paper, tuple(item.links)) if keep_view else None)


_ANY_PAPER: ViewCutoff = (1, "")  # ranks before every paper's (-links <= 0)


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
        self.pairs = PairCounts(entities)  # co-occurrence weights
        self.statement_papers: Counter = Counter()  # (source, relation, target) → papers stating it
        self.results = 0
        self.papers_with_results = 0
        self.results_with_dataset = 0
        self.baseline_results = 0
        self.measurements = 0
        self._view_size = view_size
        self._view_papers: list[tuple[int, str, tuple[Paper, tuple[Link, ...]] | ShippedView]] = []
        self._view_cutoff: ViewCutoff = _ANY_PAPER  # a paper ranked after it can no longer make the view
        self._co_occurrences: tuple[int, CoOccurrences] | None = None

    def view_cutoff(self) -> ViewCutoff | None:
        """The rank (-links, paper id) a paper must be before to still be a view candidate (None: no view kept): the
        rank of the last of `view_size` candidates once there are that many. Only improves, so a worker deciding
        with an older cutoff sends a superset; ranks are distinct (paper ids are), so ties cannot let extra papers
        through."""
        return self._view_cutoff if self._view_size else None

    def add(self, item: LinkedPaper) -> None:
        self.add_facts(paper_facts(item, self.view_cutoff()))

    def add_batch(self, facts: list[PaperFacts], pair_keys: np.ndarray) -> None:
        """The facts of a batch of papers, their co-occurring pairs already counted into keys
        (`PairCounts.keys_of`, in the worker that encoded the batch)."""
        self._count(facts)
        self.pairs.add(pair_keys)

    def add_facts(self, facts: PaperFacts) -> None:
        """One paper's facts (the in-memory build adds paper by paper)."""
        self._count([facts])
        self.pairs.add_paper(facts.entity_ids)

    def _count(self, facts: list[PaperFacts]) -> None:
        self.papers += len(facts)
        self.papers_with_links += sum(1 for paper in facts if paper.relations)
        # counted for the whole batch at once, in paper order: the same counts, in the same order, as paper by paper
        self.paper_counts.update(chain.from_iterable(paper.entity_ids for paper in facts))
        self.links_per_relation.update(chain.from_iterable(paper.relations for paper in facts))
        self.statement_papers.update(chain.from_iterable(paper.statements for paper in facts))
        self.results += sum(paper.results for paper in facts)
        self.papers_with_results += sum(1 for paper in facts if paper.results)
        self.results_with_dataset += sum(paper.results_with_dataset for paper in facts)
        self.baseline_results += sum(paper.baseline_results for paper in facts)
        self.measurements += sum(paper.measurements for paper in facts)
        for paper in facts:
            if paper.view is not None:
                self._add_view_candidate(paper)

    def _add_view_candidate(self, facts: PaperFacts) -> None:
        if self._view_size and (-len(facts.relations), facts.paper_id) < self._view_cutoff:
            self._view_papers.append((len(facts.relations), facts.paper_id, facts.view))
            # pruned first when there are enough candidates to set a cutoff, then after each quarter of the view
            # more: a tighter cutoff sooner means fewer candidates pickled by the workers
            spare = self._view_size // 4 if self._view_cutoff != _ANY_PAPER else 0
            if len(self._view_papers) >= self._view_size + spare:
                self._prune_view()

    def _prune_view(self) -> None:
        self._view_papers.sort(key=lambda item: (-item[0], item[1]))
        del self._view_papers[self._view_size:]
        if len(self._view_papers) == self._view_size:
            self._view_cutoff = (-self._view_papers[-1][0], self._view_papers[-1][1])

    def co_occurrences(self) -> CoOccurrences:
        """The co-occurrence weights as arrays, for the sorted and per-entity readings the exports make of them
        (made once for the papers added so far)."""
        if self._co_occurrences is None or self._co_occurrences[0] != self.papers:
            self._co_occurrences = (self.papers, CoOccurrences(self.pairs.ids, *self.pairs.counts()))
        return self._co_occurrences[1]

    def entity_relation_edges(self) -> list[tuple[str, str, str, int]]:
        """(source, relation, target, papers stating it), sorted."""
        return [(*key, papers) for key, papers in sorted(self.statement_papers.items())]

    def entity_relation_counts(self) -> Counter:
        counts = Counter({relation: 0 for relation in ENTITY_RELATIONS})
        for (_, relation, _), papers in self.statement_papers.items():
            counts[relation] += papers
        return counts

    def view_skeleton(self) -> nx.MultiDiGraph:
        """The view graph's nodes with only their kind (and an entity's papers), and its link and hierarchy edges:
        what selecting the view's nodes and laying them out read (`kg.export.html.layout_positions`), made without
        unpickling the papers, so a build with workers can start the layout before the view graph is built."""
        self._prune_view()
        graph = nx.MultiDiGraph()
        for entity in self.entities.values():
            graph.add_node(entity_node(entity.id), kind=entity.type, papers=self.paper_counts.get(entity.id, 0))
        for _, paper_id, view in sorted(self._view_papers, key=lambda item: item[1]):
            node = paper_node(paper_id)
            graph.add_node(node, kind="paper")
            links = (view.links if isinstance(view, ShippedView)
                     else ((link.entity_id, link.relation) for link in view[1]))
            for entity_id, relation in links:
                graph.add_edge(node, entity_node(entity_id), key=relation)
        for source, relation, target in hierarchy_edges(self.entities):
            graph.add_edge(entity_node(source), entity_node(target), key=relation)
        return graph

    def view_graph(self) -> nx.MultiDiGraph:
        """What the HTML view can draw: every entity, the candidate papers with their links, hierarchy edges, and
        each entity's strongest co-occurrences. Node selection and the side panel read only these (a link edge of a
        paper shipped from a worker holds its mentions as `MentionSpan`s, all the page reads of them)."""
        self._prune_view()
        graph = nx.MultiDiGraph(node_totals={"paper": self.papers, **Counter(e.type for e in self.entities.values())})
        for entity in self.entities.values():
            graph.add_node(entity_node(entity.id), **entity_attributes(entity, self.paper_counts.get(entity.id, 0)))
        for _, _, view in sorted(self._view_papers, key=lambda item: item[1]):
            if isinstance(view, ShippedView):
                paper, drawn = pickle.loads(view.pickled)
                edges = [(entity_id, relation, shipped_link_attributes(relation, confidence, spans))
                         for (entity_id, relation), (confidence, spans) in zip(view.links, drawn, strict=True)]
            else:
                paper, links = view
                edges = [(link.entity_id, link.relation, link_attributes(link)) for link in links]
            graph.add_node(paper_node(paper.id), **paper_attributes(paper))
            for entity_id, relation, attributes in edges:
                graph.add_edge(paper_node(paper.id), entity_node(entity_id), key=relation, **attributes)
        for source, relation, target in hierarchy_edges(self.entities):
            graph.add_edge(entity_node(source), entity_node(target), key=relation, relation=relation)
        co_occurrences = self.co_occurrences()
        for first, second, weight in co_occurrences.strongest(COOCCURRING_KEPT):
            graph.add_edge(entity_node(first), entity_node(second), key="co_occurs_with", relation="co_occurs_with",
                           weight=weight)
        return graph


class PairCounts:
    """How many papers link each pair of entities, counted as int64 keys in numpy arrays: lower id's rank × number
    of entities + higher id's rank, ranks in id order, so the keys sort as the pairs do. (A Counter of id pairs
    cost ~35 µs a paper in the main process, which every worker's batches pass through.) Keys arrive in batches
    (`keys_of` runs where the batch was encoded) and are merged by sorting, once enough are pending."""

    _MERGE_AT = 4_000_000  # pending keys (32 MB)

    def __init__(self, entity_ids: Iterable[str]):
        self.ids = sorted(entity_ids)
        self._rank = dict(zip(self.ids, range(len(self.ids))))
        self._keys = np.empty(0, dtype=np.int64)
        self._weights = np.empty(0, dtype=np.int64)
        self._pending: list[np.ndarray] = []
        self._pending_keys = 0
        self._paper_keys: list[int] = []  # from `add_paper`

    def keys_of(self, papers: Iterable[tuple[str, ...]]) -> np.ndarray:
        """The keys of every pair of entities of each paper (each paper's entity ids sorted and distinct)."""
        keys: list[int] = []
        for entity_ids in papers:
            keys.extend(self._paper_pairs(entity_ids))
        return np.array(keys, dtype=np.int64)

    def _paper_pairs(self, entity_ids: tuple[str, ...]) -> list[int]:
        count, rank = len(self.ids), self._rank
        try:
            ranks = [rank[entity_id] for entity_id in entity_ids]
        except KeyError as missing:
            raise ValueError(f"entity {missing} is linked but not among the graph's entities") from None
        return [first * count + second for first, second in combinations(ranks, 2)]

    def add(self, keys: np.ndarray) -> None:
        self._pending.append(keys)
        self._pending_keys += len(keys)
        if self._pending_keys >= self._MERGE_AT:
            self._merge()

    def add_paper(self, entity_ids: tuple[str, ...]) -> None:
        """One paper's pairs (the in-memory build adds paper by paper)."""
        self._paper_keys.extend(self._paper_pairs(entity_ids))
        if len(self._paper_keys) >= self._MERGE_AT:
            self._merge()

    def _merge(self) -> None:
        if self._paper_keys:
            self._pending.append(np.array(self._paper_keys, dtype=np.int64))
            self._paper_keys = []
        if not self._pending:
            return
        pending = np.concatenate(self._pending)
        self._pending, self._pending_keys = [], 0
        pending.sort()
        keys, weights = _runs(pending, np.ones(len(pending), dtype=np.int64))
        if len(self._keys):  # two sorted runs: a stable sort merges them in one pass
            keys, weights = np.concatenate([self._keys, keys]), np.concatenate([self._weights, weights])
            order = np.argsort(keys, kind="stable")
            keys, weights = _runs(keys[order], weights[order])
        self._keys, self._weights = keys, weights

    def counts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(lower rank, higher rank, weight) of every pair counted, sorted by pair."""
        self._merge()
        count = max(1, len(self.ids))
        return self._keys // count, self._keys % count, self._weights


def _run_starts(values: np.ndarray) -> np.ndarray:
    """Where each run of equal values of a non-empty sorted array starts."""
    return np.flatnonzero(np.r_[True, values[1:] != values[:-1]])


def _runs(keys: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each distinct key of sorted `keys` once, with the sum of its weights."""
    if not len(keys):
        return keys, weights
    starts = _run_starts(keys)
    return keys[starts], np.add.reduceat(weights, starts)


class CoOccurrences:
    """Co-occurrence weights as numpy arrays of id ranks, sorted by pair: a 10k build has ~130,000 pairs, and
    sorting or ranking them as tuples of strings took most of a second."""

    def __init__(self, ids: list[str], first: np.ndarray, second: np.ndarray, weight: np.ndarray):
        self.ids, self.first, self.second, self.weight = ids, first, second, weight

    @classmethod
    def of(cls, weights: dict[tuple[str, str], int]) -> CoOccurrences:
        """From weights by (lower id, higher id)."""
        ids = sorted({entity_id for pair in weights for entity_id in pair})
        rank, count = {entity_id: index for index, entity_id in enumerate(ids)}, max(1, len(ids))
        keys = np.array([rank[first] * count + rank[second] for first, second in weights], dtype=np.int64)
        order = np.argsort(keys)
        keys, papers = keys[order], np.array(list(weights.values()), dtype=np.int64)[order]
        return cls(ids, keys // count, keys % count, papers)

    def _pairs(self, chosen: np.ndarray | None = None) -> Iterator[tuple[str, str, int]]:
        ids = self.ids
        first, second, weight = ((self.first, self.second, self.weight) if chosen is None else
                                 (self.first[chosen], self.second[chosen], self.weight[chosen]))
        for lower, higher, papers in zip(first.tolist(), second.tolist(), weight.tolist()):
            yield ids[lower], ids[higher], papers

    def sorted(self) -> Iterator[tuple[str, str, int]]:
        """(first id, second id, weight) ordered by the pair."""
        return self._pairs()

    def strongest(self, per_entity: int) -> Iterator[tuple[str, str, int]]:
        """The pairs that are among the `per_entity` heaviest of either of their entities (ties: the partner
        with the lower id first), ordered by the pair."""
        if not len(self.first):
            return iter(())
        entity = np.concatenate((self.first, self.second))
        partner = np.concatenate((self.second, self.first))
        weight = np.concatenate((self.weight, self.weight))
        order = np.lexsort((partner, -weight, entity))  # by entity, then heaviest, then partner
        starts = _run_starts(entity[order])
        place = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
        return self._pairs(np.unique(order[place < per_entity] % len(self.first)))  # pair indices, each once, in order


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

