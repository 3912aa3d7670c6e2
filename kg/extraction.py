"""Running the spaCy pipeline over papers: Paper → PaperExtraction (mentions, results, entity relations), paper ids
filled in."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kg.model import EntityRelation, Measurement, Mention, Paper, Result, evolve

if TYPE_CHECKING:  # (spaCy is imported where extraction runs, not by the readers of a build that import this)
    from spacy.language import Language


@dataclass
class PaperExtraction:
    paper: Paper
    mentions: list[Mention]
    results: list[Result]
    relations: list[EntityRelation]
    measurements: list[Measurement] = field(default_factory=list)


def extract(papers: Iterable[Paper], nlp: Language, batch_size: int = 64,
            on_paper: Callable[[], None] | None = None) -> Iterator[PaperExtraction]:
    """Mentions, reported results and entity–entity relations for each paper, in order. Offsets index
    `paper.text` (title, blank line, abstract)."""
    from extractors.spans import extension_value, keep_paper_id

    papers = list(papers)
    docs = (keep_paper_id(nlp.make_doc(paper.text), paper.id) for paper in papers)  # the components stamp the id
    for paper, doc in zip(papers, nlp.pipe(docs, batch_size=batch_size), strict=True):
        mentions = _of_paper(extension_value(doc, "kg_mentions"), paper.id)
        results = _of_paper(extension_value(doc, "kg_results"), paper.id)
        relations = _of_paper(extension_value(doc, "kg_entity_relations"), paper.id)
        measurements = _of_paper(extension_value(doc, "kg_measurements"), paper.id)
        if on_paper is not None:
            on_paper()
        yield PaperExtraction(paper, mentions, results, relations, measurements)


def _of_paper(records: list | None, paper_id: str) -> list:
    """A component's records, with the paper's id (a component that does not read it from the doc left it empty)."""
    records = records or []
    if all(record.paper_id == paper_id for record in records):
        return records
    return [evolve(record, paper_id=paper_id) for record in records]
