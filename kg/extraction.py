"""Running the spaCy pipeline over papers: Paper → (Paper, [Mention]) with paper ids filled in."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace

from spacy.language import Language

from kg.model import Mention, Paper


def extract(papers: Iterable[Paper], nlp: Language, batch_size: int = 64,
            on_paper: Callable[[], None] | None = None) -> Iterator[tuple[Paper, list[Mention]]]:
    """Mentions for each paper, in order. Offsets index `paper.text` (title, blank line, abstract)."""
    papers = list(papers)
    for paper, doc in zip(papers, nlp.pipe((p.text for p in papers), batch_size=batch_size), strict=True):
        mentions = [replace(m, paper_id=paper.id) for m in doc._.kg_mentions or []]
        if on_paper is not None:
            on_paper()
        yield paper, mentions
