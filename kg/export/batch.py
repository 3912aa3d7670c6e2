"""One batch of linked papers encoded for every export at once: the RDF, GraphML and mentions.jsonl bytes and
the facts the corpus-wide aggregates need. This is what pass two of a build produces per batch — in worker
processes when there are some — and what the writers and aggregates in the main process consume, in order."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from kg.export import graphml, mentions, rdf
from kg.graph import PairCounts, PaperFacts, ViewCutoff, paper_facts
from kg.linking import LinkedPaper
from kg.model import Entity


@dataclass
class EncodedBatch:
    facts: list[PaperFacts]
    pair_keys: np.ndarray  # the papers' co-occurring entity pairs (kg.graph.PairCounts.keys_of)
    # bytes, or read-only memoryviews of the result file when a local worker sent the batch (kg.executors)
    rdf: bytes | memoryview  # Turtle statements or N-Triples (kg.export.rdf.encode_papers)
    graphml: bytes | memoryview
    mentions: bytes | memoryview
    seconds: dict[str, float] = field(default_factory=dict)  # stage → seconds spent encoding this batch


def encode_batch(items: Iterable[LinkedPaper], entities: dict[str, Entity], view_cutoff: ViewCutoff | None,
                 rdf_encoding: str, pairs: PairCounts, link_seconds: float = 0.0, ship: bool = False) -> EncodedBatch:
    """`ship`: the batch goes to another process (the view data of its facts is pickled, see `PaperFacts.shipped`)."""
    items = list(items)
    clock = [time.perf_counter()]

    def lap() -> float:
        now = time.perf_counter()
        spent, clock[0] = now - clock[0], now
        return spent

    facts = [paper_facts(item, view_cutoff) for item in items]
    pair_keys = pairs.keys_of(paper.entity_ids for paper in facts)
    if ship:
        facts = [paper.shipped() for paper in facts]
    seconds = {"link": link_seconds, "graph": lap()}
    rdf_bytes = rdf.encode_papers(items, rdf_encoding)
    seconds["export rdf"] = lap()
    graphml_bytes = b"".join(graphml.encode_paper(item) for item in items)
    seconds["export graphml"] = lap()
    mentions_bytes = b"".join(mentions.encode_paper(item, entities) for item in items)
    seconds["export mentions"] = lap()
    return EncodedBatch(facts, pair_keys, rdf_bytes, graphml_bytes, mentions_bytes, seconds)
