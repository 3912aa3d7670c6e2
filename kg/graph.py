"""The knowledge graph as a networkx MultiDiGraph.

Nodes: `paper:<id>` (kind "paper") and `entity:<id>` (kind method | dataset | architecture | task), with plain
attributes. Edges, keyed by relation:
- paper → entity: proposes | evaluates_on | addresses | uses, with `evidence` (mention count), `confidence`
  and `mentions` (the supporting kg.model.Mention records);
- entity → entity `co_occurs_with` (lower id → higher id), `weight` = number of papers linking both;
- entity → entity `variant_of` and `broader`, from the catalog and the linker;
- entity → entity `evaluated_on` (method/architecture → dataset) and `applied_to` (→ task), read from sentences,
  with `papers` (how many papers state it) and `evidence` (the kg.model.EntityRelation records).
Reported results are `results` on each paper node (kg.model.Result records; leaderboard queries read them there).
"""

from __future__ import annotations

from collections import Counter
from itertools import combinations

import networkx as nx

from kg.linking import LinkedGraph

PAPER_PREFIX = "paper:"
ENTITY_PREFIX = "entity:"


def paper_node(paper_id: str) -> str:
    return PAPER_PREFIX + paper_id


def entity_node(entity_id: str) -> str:
    return ENTITY_PREFIX + entity_id


def build_graph(linked: LinkedGraph) -> nx.MultiDiGraph:
    graph = nx.MultiDiGraph()
    paper_counts = Counter(link.entity_id for link in linked.links)
    results_of: dict[str, tuple] = {}
    for result in linked.results:
        results_of[result.paper_id] = (*results_of.get(result.paper_id, ()), result)
    for paper in linked.papers:
        graph.add_node(paper_node(paper.id), kind="paper", label=paper.title, title=paper.title,
                       abstract=paper.abstract, url=paper.url, date=paper.date, authors=paper.authors,
                       sources=tuple(str(s) for s in paper.sources), results=results_of.get(paper.id, ()))
    for entity in linked.entities.values():
        graph.add_node(entity_node(entity.id), kind=entity.type, label=entity.label, aliases=entity.aliases,
                       source=entity.source, papers=paper_counts.get(entity.id, 0))
    for link in linked.links:
        graph.add_edge(paper_node(link.paper_id), entity_node(link.entity_id), key=link.relation,
                       relation=link.relation, evidence=len(link.mentions), confidence=link.confidence,
                       mentions=link.mentions)
    for entity in linked.entities.values():
        for relation, target in (("variant_of", entity.variant_of), ("broader", entity.broader)):
            if target and target in linked.entities:
                graph.add_edge(entity_node(entity.id), entity_node(target), key=relation, relation=relation)
    evidence: dict[tuple[str, str, str], list] = {}
    for relation in linked.entity_relations:
        evidence.setdefault((relation.source_id, relation.relation, relation.target_id), []).append(relation)
    for (source, relation, target), records in sorted(evidence.items()):
        graph.add_edge(entity_node(source), entity_node(target), key=relation, relation=relation,
                       papers=len({r.paper_id for r in records}), statements=tuple(records))
    co_occurrence: Counter = Counter()
    by_paper: dict[str, set[str]] = {}
    for link in linked.links:
        by_paper.setdefault(link.paper_id, set()).add(link.entity_id)
    for entity_ids in by_paper.values():
        co_occurrence.update(combinations(sorted(entity_ids), 2))
    for (first, second), weight in sorted(co_occurrence.items()):
        graph.add_edge(entity_node(first), entity_node(second), key="co_occurs_with",
                       relation="co_occurs_with", weight=weight)
    return graph
