"""Where extraction runs: in this process, in local worker processes (`--workers N`), or on an existing Dask
distributed cluster (`--dask ADDRESS`). Every way yields the same PaperExtractions in corpus order, so what comes
after (linking, graph, exports) is one code path and the outputs are byte-identical.

Papers travel in batches; at most a few batches per worker are in flight, so memory stays flat however long the
input is. Each worker process builds the spaCy pipeline once (cached per process) and returns plain dataclasses,
not spaCy Docs (shipping Docs back costs more than extracting them).
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice
from typing import TypeVar

from spacy.language import Language

from extractors import build_pipeline
from kg.extraction import PaperExtraction, extract
from kg.model import Paper

T = TypeVar("T")
BATCH_SIZE = 128
IN_FLIGHT_PER_WORKER = 3


@dataclass(frozen=True)
class PipelineSettings:
    """What a worker needs to build the same pipeline as the client."""

    spacy_model: str | None = None
    exclude_catalog_ids: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        return {"spacy_model": self.spacy_model, "exclude_catalog_ids": list(self.exclude_catalog_ids)}


@lru_cache(maxsize=2)
def pipeline(settings: PipelineSettings) -> Language:
    """The pipeline for these settings, built once per process."""
    return build_pipeline(settings.spacy_model, exclude_catalog_ids=settings.exclude_catalog_ids)


def extract_batch(papers: list[Paper], settings: PipelineSettings) -> list[PaperExtraction]:
    """The unit of work shipped to a worker."""
    return list(extract(papers, pipeline(settings), batch_size=len(papers) or 1))


def _batches(papers: Iterable[Paper], size: int) -> Iterator[list[Paper]]:
    iterator = iter(papers)
    while batch := list(islice(iterator, size)):
        yield batch


def in_order(submit: Callable[[T], Future], work: Iterable[T], in_flight: int) -> Iterator:
    """Submit each piece of work, keep at most `in_flight` pending, yield the results in submission order.
    `submit` returns anything with `.result()`: a concurrent.futures or a Dask future."""
    pending: deque = deque()
    for piece in work:
        pending.append(submit(piece))
        while len(pending) >= in_flight:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def extract_papers(papers: Iterable[Paper], settings: PipelineSettings, workers: int = 1,
                   dask_address: str | None = None, batch_size: int = BATCH_SIZE) -> Iterator[PaperExtraction]:
    """PaperExtractions for the papers, in order, computed here, in `workers` local processes, or on Dask."""
    if dask_address:
        yield from _extract_on_dask(papers, settings, dask_address, batch_size)
        return
    nlp = pipeline(settings)  # built before forking, so local workers inherit it instead of building their own
    if workers <= 1:
        for batch in _batches(papers, batch_size):
            yield from extract(batch, nlp, batch_size=batch_size)
        return
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        for extracted in in_order(lambda batch: pool.submit(extract_batch, batch, settings),
                                  _batches(papers, batch_size), workers * IN_FLIGHT_PER_WORKER):
            yield from extracted


def _extract_on_dask(papers: Iterable[Paper], settings: PipelineSettings, address: str,
                     batch_size: int) -> Iterator[PaperExtraction]:
    from dask.distributed import Client

    with Client(address, set_as_default=False) as client:
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        for extracted in in_order(lambda batch: client.submit(extract_batch, batch, settings, pure=False),
                                  _batches(papers, batch_size), workers * IN_FLIGHT_PER_WORKER):
            yield from extracted
