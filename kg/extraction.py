"""Running the spaCy pipeline over papers: Paper → PaperExtraction (mentions, results, entity relations), paper ids
filled in."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from spacy.language import Language

from kg.model import EntityRelation, Mention, Paper, Result, evolve


@dataclass
class PaperExtraction:
    paper: Paper
    mentions: list[Mention]
    results: list[Result]
    relations: list[EntityRelation]


def extract(papers: Iterable[Paper], nlp: Language, batch_size: int = 64,
            on_paper: Callable[[], None] | None = None) -> Iterator[PaperExtraction]:
    """Mentions, reported results and entity–entity relations for each paper, in order. Offsets index
    `paper.text` (title, blank line, abstract)."""
    papers = list(papers)
    for paper, doc in zip(papers, nlp.pipe((p.text for p in papers), batch_size=batch_size), strict=True):
        mentions = [evolve(m, paper_id=paper.id) for m in doc._.kg_mentions or []]
        results = [evolve(r, paper_id=paper.id) for r in doc._.kg_results or []]
        relations = [evolve(r, paper_id=paper.id) for r in doc._.kg_entity_relations or []]
        if on_paper is not None:
            on_paper()
        yield PaperExtraction(paper, mentions, results, relations)
