"""Where extraction runs: in this process, in local worker processes (`--workers N`), or on an existing Dask
distributed cluster (`--dask ADDRESS`). Every way gives the same results in corpus order (`map_batches`), so what
comes after (linking, graph, exports) is one code path and the outputs are byte-identical.

Papers travel in batches; at most a few batches per worker are in flight, so memory stays flat however long the
input is. Each worker process builds the spaCy pipeline once (cached per process) and returns plain data, not
spaCy Docs (shipping Docs back costs more than extracting them). For a streamed build a worker returns each batch
already pickled for the build state, with the linker's pass-one observations beside it (`spool_batch`), so the
client process, which also reads the corpus and writes the spool, does not unpickle and re-pickle every mention.
"""

from __future__ import annotations

import dataclasses
import gc
import mmap
import os
import pickle
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice
from typing import TypeVar

from spacy.language import Language

from extractors import build_pipeline
from kg.catalog import Catalog
from kg.extraction import PaperExtraction, extract
from kg.linking import Linker
from kg.model import Paper
from kg.processes import QUIET_FORK, follow_parent, remove_orphaned_directories
from kg.spool import encode_frame

T = TypeVar("T")
# Papers per batch: small enough that the workers' last batches end close together, large enough that the components'
# data stays in the processor's caches over a batch (the sizes measured: bench/HISTORY.md).
BATCH_SIZE = 64
IN_FLIGHT_PER_WORKER = 3
RESULTS_PREFIX = "paperkg-results-"  # + the pid of the build, so a killed build's folder can be told and removed


@dataclass(frozen=True)
class PipelineSettings:
    """What a worker needs to build the same pipeline as the client."""

    spacy_model: str | None = None
    exclude_catalog_ids: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        return {"spacy_model": self.spacy_model, "exclude_catalog_ids": list(self.exclude_catalog_ids)}


# A build makes millions of short-lived objects beside a few large long-lived ones (pipeline, catalog, linker
# counts); at CPython's default first threshold (700 allocations) the cyclic collector walks the long-lived ones
# over and over (bench/HISTORY.md). Raised while a build runs (forked workers inherit it) and while a Dask worker runs a
# batch, restored after.
_BUILD_GC_THRESHOLDS = (50_000, 50, 100)


@contextmanager
def fewer_collections() -> Iterator[None]:
    previous = gc.get_threshold()
    gc.set_threshold(*_BUILD_GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*previous)


@lru_cache(maxsize=2)
def pipeline(settings: PipelineSettings) -> Language:
    """The pipeline for these settings, built once per process."""
    return build_pipeline(settings.spacy_model, exclude_catalog_ids=settings.exclude_catalog_ids)


def extract_batch(papers: list[Paper], settings: PipelineSettings) -> list[PaperExtraction]:
    """The unit of work shipped to a worker by the in-memory build."""
    return list(extract(papers, pipeline(settings), batch_size=len(papers) or 1))


@dataclass(frozen=True)
class SpooledBatch:
    """A batch extracted for a streamed build: the frame the build state stores (the pickled extractions) and
    the linker's pass-one observations of it, so the client only counts and appends bytes: it neither unpickles
    the extractions nor pickles them again. `seconds`: where the batch's own time went (extract, link, spool)."""

    frame: bytes | memoryview  # a view of the mapped result file when a local worker sent it
    observations: list[tuple]  # NameObservation's fields as plain tuples: unpickled ~5x faster than named tuples
    papers: int
    seconds: dict[str, float]


def pipeline_catalog(settings: PipelineSettings) -> Catalog:
    """The catalog the pipeline for these settings matches against (with any held-out entries removed)."""
    return pipeline(settings).get_pipe("paperkg_catalog_matcher").catalog


@lru_cache(maxsize=2)
def observer(settings: PipelineSettings) -> Linker:
    """A linker over the pipeline's catalog, for the observations of pass one (per process)."""
    return Linker(pipeline_catalog(settings))


def spool_batch(papers: list[Paper], settings: PipelineSettings) -> SpooledBatch:
    """The unit of work shipped to a worker by the streamed build."""
    started = time.perf_counter()
    extracted = extract_batch(papers, settings)
    extracted_at = time.perf_counter()
    linker = observer(settings)
    observations = [tuple(found) for item in extracted for found in linker.observations(item)]
    observed_at = time.perf_counter()
    frame = encode_frame(extracted)
    seconds = {"extract": extracted_at - started, "link": observed_at - extracted_at,
               "spool": time.perf_counter() - observed_at}
    return SpooledBatch(frame, observations, len(extracted), seconds)


def worker_count(requested: int) -> int:
    """`requested` local workers, or with 0 one per core this process may run on (its CPU affinity, which
    `taskset` and container CPU sets narrow)."""
    if requested < 0:
        raise ValueError(f"workers must be 0 (one per core) or more, not {requested}")
    return requested or len(os.sched_getaffinity(0))


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


class LocalWorkers:
    """`workers` forked processes (they inherit what this process holds: the pipeline, the linker) working through
    pieces of work in order, each result sent back through a file, not the pool's pipe. A pipe carries a result of
    megabytes 64 KiB at a time, and every chunk is read by the pool's result thread, which waits for this process's
    interpreter lock each time while the main thread counts and writes; through a file it is one write there and one
    read here. The files lie in /dev/shm (memory) where there is one, and go when the pool does."""

    def __init__(self, workers: int):
        self.workers = workers
        self._pool = ProcessPoolExecutor(max_workers=workers, mp_context=QUIET_FORK,
                                         initializer=follow_parent, initargs=(os.getpid(),))
        remove_orphaned_directories(_memory_directory() or tempfile.gettempdir(), RESULTS_PREFIX)
        self._directory = tempfile.TemporaryDirectory(prefix=f"{RESULTS_PREFIX}{os.getpid()}-",
                                                      dir=_memory_directory())

    def __enter__(self) -> LocalWorkers:
        return self

    def __exit__(self, *failure) -> None:
        self._pool.shutdown(wait=True, cancel_futures=failure[0] is not None)
        self._directory.cleanup()

    def map(self, function: Callable, arguments: Iterable[tuple]) -> Iterator:
        """`function(*args)` for each tuple of `arguments` (drawn only when a worker has room for it), in order.
        `function` must be a module-level function (it is sent to the workers by name)."""
        return in_order(lambda args: _ResultFile(self._pool.submit(_call_into_file, function, self._directory.name,
                                                                   args)),
                        arguments, self.workers * IN_FLIGHT_PER_WORKER)


def _memory_directory() -> str | None:
    shared = "/dev/shm"
    return shared if os.path.isdir(shared) and os.access(shared, os.W_OK) else None


# A result's bytes fields at least this long (a batch's spool frame, its encoded exports) travel beside its pickle in
# the result file, not inside it, and come back as read-only views of the file mapped into memory: the worker does not
# copy them into a pickle, and this process neither reads nor unpickles them before writing them out.
_BESIDE_THE_PICKLE = 64 * 1024
_HEADER_LENGTH = 8


def _call_into_file(function: Callable, directory: str, args: tuple) -> str:
    """Run in a worker: the value of `function(*args)` written into a new file of `directory`; returns its path.
    The file holds the value pickled without its long bytes fields, then those fields' bytes one after another."""
    value, beside = _long_bytes_apart(function(*args))
    pickled = pickle.dumps((value, [(name, len(data)) for name, data in beside]), protocol=pickle.HIGHEST_PROTOCOL)
    handle, path = tempfile.mkstemp(dir=directory, suffix=".pickle")
    with open(handle, "wb") as file:
        file.write(len(pickled).to_bytes(_HEADER_LENGTH, "little"))
        file.write(pickled)
        for _, data in beside:
            file.write(data)
    return path


def _long_bytes_apart(value):
    """`value` with each long bytes field of a dataclass emptied, and those fields' (name, bytes)."""
    if not dataclasses.is_dataclass(value) or isinstance(value, type):
        return value, []
    beside = [(field.name, data) for field in dataclasses.fields(value)
              if type(data := getattr(value, field.name)) is bytes and len(data) >= _BESIDE_THE_PICKLE]
    return (dataclasses.replace(value, **{name: b"" for name, _ in beside}) if beside else value), beside


class _ResultFile:
    """A worker's future whose result is the path of a file holding the value: `result` reads it and removes it.
    Fields that travelled beside the pickle are memoryviews of the mapped file (bytes-like, read-only); the mapping
    goes when the last of them does."""

    def __init__(self, future: Future):
        self._future = future

    def result(self):
        path = self._future.result()
        try:
            with open(path, "rb") as file:
                length = int.from_bytes(file.read(_HEADER_LENGTH), "little")
                value, beside = pickle.loads(file.read(length))
                if not beside:
                    return value
                mapped = memoryview(mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ))
        finally:
            os.unlink(path)
        fields, offset = {}, _HEADER_LENGTH + length
        for name, size in beside:
            fields[name] = mapped[offset:offset + size]
            offset += size
        return dataclasses.replace(value, **fields)


class ForkedCall:
    """`function(*args)` run in a forked child process, started at once: the child inherits the arguments from this
    process's memory instead of receiving them pickled (a large view graph takes longer to unpickle than the
    main process's work the child overlaps), and sends the result back pickled through a pipe.
    `niceness` > 0 runs the child at that much lower priority (Unix `nice`)."""

    def __init__(self, function: Callable, *args, niceness: int = 0):
        self._receiver, sender = QUIET_FORK.Pipe(duplex=False)
        self._process = QUIET_FORK.Process(target=_call_and_send, args=(sender, function, args, niceness, os.getpid()),
                                        daemon=True)
        self._process.start()
        sender.close()

    def result(self):
        """The function's value, or its exception raised again here."""
        try:
            succeeded, value = self._receiver.recv()
        except EOFError:
            raise RuntimeError(f"the side process ended without a result (exit code {self._process.exitcode})")
        finally:
            self._receiver.close()
            self._process.join()
        if not succeeded:
            raise value
        return value

    def wait(self) -> None:
        """Let the child end, its value or error dropped (when the caller gives up on a result that a child stopped
        half-way would leave behind as a temporary file)."""
        try:
            self.result()
        except BaseException:  # the caller is failing already, with its own error
            pass

    def cancel(self) -> None:
        """Stop the child (when the caller gives up on the result)."""
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()
        self._receiver.close()


def _call_and_send(sender, function: Callable, args: tuple, niceness: int, parent: int) -> None:
    follow_parent(parent)
    try:
        if niceness:
            os.nice(niceness)  # lower this child's priority: the other processes come first for the processor
        outcome = (True, function(*args))
    except BaseException as error:  # sent back to be raised in the parent
        outcome = (False, error)
    sender.send(outcome)
    sender.close()


def extract_papers(papers: Iterable[Paper], settings: PipelineSettings, workers: int = 1,
                   dask_address: str | None = None, batch_size: int = BATCH_SIZE) -> Iterator[PaperExtraction]:
    """PaperExtractions for the papers, in order, computed here, in `workers` local processes, or on Dask."""
    for extracted in map_batches(extract_batch, papers, settings, workers, dask_address, batch_size):
        yield from extracted


def map_batches(work: Callable[[list[Paper], PipelineSettings], T], papers: Iterable[Paper],
                settings: PipelineSettings, workers: int = 1, dask_address: str | None = None,
                batch_size: int = BATCH_SIZE) -> Iterator[T]:
    """`work(batch, settings)` for each batch of papers, in order: here, in `workers` local processes, or on Dask.
    `work` must be a module-level function (it is shipped to the workers by name)."""
    if dask_address:
        yield from _map_on_dask(work, papers, settings, dask_address, batch_size)
        return
    pipeline(settings)  # built before forking, so local workers inherit it instead of building their own
    if workers <= 1:
        for batch in _batches(papers, batch_size):
            yield work(batch, settings)
        return
    with LocalWorkers(workers) as pool:
        yield from pool.map(work, ((batch, settings) for batch in _batches(papers, batch_size)))


def _map_on_dask(work: Callable[[list[Paper], PipelineSettings], T], papers: Iterable[Paper],
                 settings: PipelineSettings, address: str, batch_size: int) -> Iterator[T]:
    from dask.distributed import Client

    with Client(address, set_as_default=False) as client:
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        yield from in_order(lambda batch: client.submit(_with_fewer_collections, work, batch, settings, pure=False),
                            _batches(papers, batch_size), workers * IN_FLIGHT_PER_WORKER)


def _with_fewer_collections(work: Callable[[list[Paper], PipelineSettings], T], batch: list[Paper],
                            settings: PipelineSettings) -> T:
    """A batch's work on a Dask worker, with the collector settings a local build runs under."""
    with fewer_collections():
        return work(batch, settings)
