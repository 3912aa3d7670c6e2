"""The builder: corpus → extractors → linking → graph → exports, timed stage by stage."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx

from extractors import build_pipeline
from kg.corpus import Corpus, read_corpus
from kg.export.graphml import write_graphml
from kg.export.html import DEFAULT_MAX_NODES, write_html
from kg.export.mentions import write_mentions
from kg.export.rdf import write_rdf
from kg.extraction import extract
from kg.graph import build_graph
from kg.linking import LinkedGraph, link


@dataclass
class BuildResult:
    corpus: Corpus
    linked: LinkedGraph
    graph: nx.MultiDiGraph
    seconds: dict[str, float] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)

    def entities_per_type(self) -> Counter:
        return Counter(e.type for e in self.linked.entities.values())

    def links_per_relation(self) -> Counter:
        return Counter(link.relation for link in self.linked.links)

    def papers_with_links(self) -> int:
        return len({link.paper_id for link in self.linked.links})


def build(inputs: Iterable[str | Path] | None = None, fmt: str | None = None, spacy_model: str | None = None,
          exclude_catalog_ids: Iterable[str] = (), on_start: Callable[[int], None] | None = None,
          on_paper: Callable[[], None] | None = None) -> BuildResult:
    """Read, extract, link and build the graph in memory (no files written)."""
    started = time.perf_counter()
    corpus = read_corpus(inputs, fmt)
    read_seconds = time.perf_counter() - started
    result = build_corpus(corpus, spacy_model, exclude_catalog_ids, on_start, on_paper)
    result.seconds = {"read": read_seconds, **result.seconds}
    return result


def build_corpus(corpus: Corpus, spacy_model: str | None = None, exclude_catalog_ids: Iterable[str] = (),
                 on_start: Callable[[int], None] | None = None,
                 on_paper: Callable[[], None] | None = None) -> BuildResult:
    """Extract, link and build the graph of papers already read."""
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    nlp = build_pipeline(spacy_model, exclude_catalog_ids=tuple(exclude_catalog_ids))
    catalog = nlp.get_pipe("paperkg_catalog_matcher").catalog
    if on_start is not None:
        on_start(len(corpus.papers))
    extracted = list(extract(corpus.papers, nlp, on_paper=on_paper))
    seconds["extract"] = time.perf_counter() - started

    started = time.perf_counter()
    linked = link(extracted, catalog)
    seconds["link"] = time.perf_counter() - started

    started = time.perf_counter()
    graph = build_graph(linked)
    seconds["graph"] = time.perf_counter() - started
    return BuildResult(corpus, linked, graph, seconds)


def write_exports(result: BuildResult, out_dir: str | Path, rdf_format: str = "ttl",
                  html_max_nodes: int = DEFAULT_MAX_NODES) -> list[Path]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    writers = (
        ("rdf", lambda: write_rdf(result.linked, out, rdf_format)),
        ("graphml", lambda: write_graphml(result.graph, out)),
        ("html", lambda: write_html(result.graph, out, html_max_nodes)),
        ("mentions", lambda: write_mentions(result.linked, out)),
    )
    for name, write in writers:
        started = time.perf_counter()
        result.files.append(write())
        result.seconds[f"export {name}"] = time.perf_counter() - started
    return result.files
