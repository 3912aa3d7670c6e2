"""The builder: corpus → extractors → linking → graph → exports, timed stage by stage.

Two entry points over the same stages:
- `build_directory` (the `kg build` command) streams: papers are extracted in batches (here, in worker processes
  or on Dask) and spooled to the build state on disk while the linker counts names (pass one); then every paper is
  linked against the settled entities and written to every export as it goes (pass two). Only per-entity counts
  and the HTML view's candidates stay in memory, whatever the corpus size. `update=True` adds new inputs to the
  build in `out_dir` without re-extracting its papers.
- `build` (the Python API) keeps everything in memory and gives a networkx graph to query; `write_exports` writes
  it with the same exporters, so the files are the same as `build_directory`'s.
"""

from __future__ import annotations

import pickle
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import networkx as nx

from kg.corpus import DEFAULT_MAX_CHARS, Corpus, PaperStream, iter_records, open_corpus, read_corpus
from kg.executors import (BATCH_SIZE, ForkedCall, LocalWorkers, PipelineSettings, SpooledBatch, fewer_collections,
                          extract_papers, map_batches, pipeline_catalog, spool_batch, worker_count)
from kg.export.batch import EncodedBatch, encode_batch
from kg.export.graphml import GraphmlWriter
from kg.export.html import DEFAULT_MAX_NODES, PageData, layout_positions, render_page, write_html
from kg.export.mentions import MentionsWriter
from kg.export.rdf import RdfWriter
from kg.graph import GraphAggregates, PairCounts, ViewCutoff, build_graph
from kg.linking import LinkedGraph, Linker, link
from kg.model import Entity
from kg.output_folder import OutputFolder
from kg.spool import BuildState, FramePlace, SegmentWriter, fingerprint, frame_places, read_frames

ENCODE_BATCH = 256  # papers per encoded batch when an in-memory graph is written
# How much lower the priority of the child finishing the streamed files is than the build's (Unix `nice`): at the
# same priority it takes processor time from the layout's child, the end's longest path (bench/HISTORY.md).
FILES_NICENESS = 10


@dataclass
class BuildSummary:
    """What a build produced, for the command line summary and the benchmark."""

    corpus: Corpus
    entities: dict[str, Entity]
    aggregates: GraphAggregates
    seconds: dict[str, float] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    papers_extracted: int = 0

    def entities_per_type(self) -> Counter:
        """Entities some paper mentions, per type (not the catalog's broader concepts kept for the hierarchy)."""
        counts = self.aggregates.paper_counts
        return Counter(e.type for e in self.entities.values() if counts.get(e.id, 0))

    def hierarchy_only(self) -> int:
        """Catalog concepts no paper mentions, kept as the broader terms of ones that are mentioned."""
        return sum(1 for e in self.entities if not self.aggregates.paper_counts.get(e, 0))


@dataclass
class BuildResult:
    corpus: Corpus
    linked: LinkedGraph
    graph: nx.MultiDiGraph
    seconds: dict[str, float] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)

    def entities_per_type(self) -> Counter:
        """Entities some paper mentions, per type (not the catalog's broader concepts kept for the hierarchy)."""
        mentioned = {link.entity_id for link in self.linked.links}
        return Counter(e.type for e in self.linked.entities.values() if e.id in mentioned)

    def links_per_relation(self) -> Counter:
        return Counter(link.relation for link in self.linked.links)

    def papers_with_links(self) -> int:
        return len({link.paper_id for link in self.linked.links})


# ---------------------------------------------------------------- in memory (Python API)

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
    settings = PipelineSettings(spacy_model, tuple(sorted(exclude_catalog_ids)))
    catalog = pipeline_catalog(settings)
    if on_start is not None:
        on_start(len(corpus.papers))
    extracted = []
    for item in extract_papers(corpus.papers, settings):
        extracted.append(item)
        if on_paper is not None:
            on_paper()
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
    """Write a graph built in memory, with the streamed build's exporters."""
    entities = result.linked.entities
    summary = BuildSummary(result.corpus, entities, GraphAggregates(entities, view_size=html_max_nodes))
    papers = list(result.linked.per_paper())
    batches = (encode_batch(papers[i:i + ENCODE_BATCH], entities, summary.aggregates.view_cutoff(),
                            RdfWriter.encoding_for(rdf_format), summary.aggregates.pairs)
               for i in range(0, len(papers), ENCODE_BATCH))
    folder = OutputFolder(out_dir)
    with folder.writing():
        generation = folder.new_generation()
        try:
            _export(batches, summary, generation, rdf_format, html_max_nodes)
            BuildState.save(generation, None, (), {}, summary.aggregates.papers, rdf_format)
            folder.publish(generation)
        except BaseException:
            folder.discard(generation)
            raise
    result.files.extend(folder.root / path.name for path in summary.files)
    result.seconds.update({k: v for k, v in summary.seconds.items() if k.startswith("export")})
    return result.files


# ---------------------------------------------------------------- streamed (kg build)

class _Clock:
    """Seconds per stage, summed over many short intervals."""

    def __init__(self):
        self.seconds: dict[str, float] = defaultdict(float)

    def timed(self, stage: str, iterator: Iterable) -> Iterator:
        """An iterator whose time spent producing items counts for `stage`."""
        iterator = iter(iterator)
        while True:
            started = time.perf_counter()
            try:
                item = next(iterator)
            except StopIteration:
                self.seconds[stage] += time.perf_counter() - started
                return
            self.seconds[stage] += time.perf_counter() - started
            yield item

    def add(self, stage: str, since: float) -> float:
        now = time.perf_counter()
        self.seconds[stage] += now - since
        return now


def build_directory(inputs: Iterable[str | Path] | None, out_dir: str | Path, *, fmt: str | None = None,
                    rdf_format: str = "ttl", spacy_model: str | None = None,
                    html_max_nodes: int = DEFAULT_MAX_NODES, workers: int = 1, dask_address: str | None = None,
                    update: bool = False, batch_size: int = BATCH_SIZE, max_chars: int = DEFAULT_MAX_CHARS,
                    on_paper: Callable[[], None] | None = None) -> BuildSummary:
    """Build (or with `update`, extend) the graph in `out_dir`, streaming; see the module docstring. `workers`: local
    processes (0: one per core, `kg.executors.worker_count`)."""
    with fewer_collections():
        return _build_directory(inputs, out_dir, fmt, rdf_format, spacy_model, html_max_nodes, worker_count(workers),
                                dask_address, update, batch_size, max_chars, on_paper)


def _build_directory(inputs, out_dir, fmt, rdf_format, spacy_model, html_max_nodes, workers, dask_address,
                     update, batch_size, max_chars, on_paper) -> BuildSummary:
    folder = OutputFolder(out_dir)
    with folder.writing():
        return _build_generation(folder, inputs, fmt, rdf_format, spacy_model, html_max_nodes, workers,
                                 dask_address, update, batch_size, max_chars, on_paper)


def _build_generation(folder: OutputFolder, inputs, fmt, rdf_format, spacy_model, html_max_nodes, workers,
                      dask_address, update, batch_size, max_chars, on_paper) -> BuildSummary:
    """One build into a new generation of `folder`, published only once every file of it is written."""
    clock = _Clock()
    settings = PipelineSettings(spacy_model)
    digest = fingerprint(settings.as_dict())
    state = BuildState(folder.root)
    manifest = state.check(digest) if update else None
    corpus, files = open_corpus(inputs, fmt, max_chars)
    stream = PaperStream(corpus, state.duplicates(manifest) if manifest else None)
    catalog = pipeline_catalog(settings)
    linker = Linker(catalog)

    old_segments = state.segments(manifest) if manifest else []
    if manifest:  # an update: the papers already built are known, and their names counted again for typing
        for item in clock.timed("spool", state.read(manifest)):
            stream.known(item.paper)
            linker.observe(item)
    generation = folder.new_generation()
    segment = state.new_segment(generation)
    try:
        papers = clock.timed("read", stream.papers(iter_records(files, corpus, fmt, require_records=True)))
        spooled = map_batches(spool_batch, papers, settings, workers, dask_address, batch_size)
        in_process = workers <= 1 and not dask_address
        papers_extracted = _extract_pass(spooled, linker, segment, clock, on_paper, in_process)
        segment.flush()
        segments = [*old_segments, segment.temporary_path]
        entities = linker.entities()
        summary = BuildSummary(corpus, entities, GraphAggregates(entities, view_size=html_max_nodes),
                               papers_extracted=papers_extracted)
        pass_two = _PassTwo(stream, linker, RdfWriter.encoding_for(rdf_format), summary.aggregates.pairs)
        batches = _link_pass(segments, pass_two, summary.aggregates, workers, clock)
        _export(batches, summary, generation, rdf_format, html_max_nodes, workers)
        records = list(manifest.segments) if manifest else []
        if papers_extracted or not update:
            segment.commit()
            records.append(segment.record())
        else:
            segment.abort()
        state.save(generation, digest, records, stream.duplicates, summary.aggregates.papers, rdf_format)
        folder.publish(generation)
    except BaseException:
        segment.abort()
        folder.discard(generation)  # a segment it committed is no manifest's, and goes with the next clean-up
        raise
    summary.files[:] = [folder.root / path.name for path in summary.files]
    summary.seconds["link"] += clock.seconds["link"]  # pass one's name counting, then pass two's linking
    summary.seconds = {**{k: clock.seconds[k] for k in ("read", "extract", "spool")}, **summary.seconds}
    return summary


def _extract_pass(spooled: Iterable[SpooledBatch], linker: Linker, segment: SegmentWriter, clock: _Clock,
                  on_paper, in_process: bool) -> int:
    """Pass one: papers read and extracted (here or on workers), their names counted for the linker, spooled to
    the build state. Each batch arrives already pickled for the spool and with its names observed, so this
    process only counts and appends bytes. A batch's own seconds (extract, observe, pickle) are added to the
    stages; with workers they ran beside this process, so extraction's seconds are then the pass's wall time
    less this process's own stages."""
    started = time.perf_counter()
    before = dict(clock.seconds)
    count = 0
    worker_seconds = 0.0
    for batch in spooled:
        now = time.perf_counter()
        linker.count(batch.observations)
        now = clock.add("link", now)
        segment.write_frame(batch.frame, batch.papers)
        clock.add("spool", now)
        for stage in ("link", "spool"):
            clock.seconds[stage] += batch.seconds[stage]
            worker_seconds += batch.seconds[stage]
        count += batch.papers
        if on_paper is not None:
            for _ in range(batch.papers):
                on_paper()
    spent_elsewhere = sum(clock.seconds[k] - before.get(k, 0.0) for k in ("read", "link", "spool"))
    if not in_process:  # the workers' observing and pickling overlapped this process's wall time
        spent_elsewhere -= worker_seconds
    clock.seconds["extract"] += time.perf_counter() - started - spent_elsewhere
    return count


class _PassTwo:
    """Links spooled batches and encodes them for every export. Built in the main process once entities are
    settled; worker processes forked after that inherit it (linker, entities, duplicates) instead of receiving it."""

    def __init__(self, stream: PaperStream, linker: Linker, rdf_encoding: str, pairs: PairCounts):
        self.stream, self.linker, self.entities = stream, linker, linker.entities()
        self.rdf_encoding, self.pairs = rdf_encoding, pairs

    def encode(self, frame: bytes, view_cutoff: ViewCutoff | None, ship: bool = False) -> EncodedBatch:
        started = time.perf_counter()
        linked = []
        for item in pickle.loads(frame):
            final = self.stream.final(item.paper)
            linked.append(self.linker.link_paper(item if final is item.paper else replace(item, paper=final)))
        return encode_batch(linked, self.entities, view_cutoff, self.rdf_encoding, self.pairs,
                            link_seconds=time.perf_counter() - started, ship=ship)


_PASS_TWO: _PassTwo | None = None  # what forked pass-two workers inherit


def _encode_in_worker(place: FramePlace, view_cutoff: ViewCutoff | None) -> EncodedBatch:
    return _PASS_TWO.encode(place.read(), view_cutoff, ship=True)


def _link_pass(segments: list[Path], pass_two: _PassTwo, aggregates: GraphAggregates, workers: int,
               clock: _Clock) -> Iterator[EncodedBatch]:
    """Pass two: every spooled batch linked and encoded, in order — here, or in `workers` forked processes."""
    global _PASS_TWO
    if workers <= 1:
        for frame in clock.timed("spool", (frame for path in segments for frame in read_frames(path))):
            yield pass_two.encode(frame, aggregates.view_cutoff())
        return
    _PASS_TWO = pass_two
    # the workers read their frames from the segments themselves: this process sends only where each one lies
    places = (place for path in segments for place in frame_places(path))
    try:
        with LocalWorkers(workers) as pool:
            yield from pool.map(_encode_in_worker, ((place, aggregates.view_cutoff()) for place in places))
    finally:
        _PASS_TWO = None


def _side_layout(aggregates: GraphAggregates, max_nodes: int) -> tuple[dict[str, tuple[float, float]], float]:
    """Run in a forked child by a build with workers: where the HTML page draws its nodes (from the view's
    skeleton), and the seconds it took."""
    started = time.perf_counter()
    return layout_positions(aggregates.view_skeleton(), max_nodes), time.perf_counter() - started


def _finish_files(aggregates: GraphAggregates, rdf: RdfWriter, graphml: GraphmlWriter,
                  mentions: MentionsWriter) -> tuple[list[Path], dict[str, float]]:
    """The streamed files finished (RDF, GraphML, mentions: each committed whole), and each one's seconds. Run in a
    forked child by a build with workers, else in the build's own process."""
    files, seconds = [], {}
    for stage, finish in (("export rdf", lambda: rdf.finish(aggregates.entities,
                                                           [edge[:3] for edge in aggregates.entity_relation_edges()])),
                          ("export graphml", lambda: graphml.finish(aggregates)),
                          ("export mentions", mentions.finish)):
        started = time.perf_counter()
        files.append(finish())
        seconds[stage] = time.perf_counter() - started
    return files, seconds


def _export(batches: Iterable[EncodedBatch], summary: BuildSummary, out: Path, rdf_format: str,
            html_max_nodes: int, workers: int = 1) -> None:
    """Write every export from one ordered stream of encoded batches; each file appears atomically at the end.
    Stage seconds are those spent encoding (in workers, when there are some) plus writing here."""
    out.mkdir(parents=True, exist_ok=True)
    aggregates = summary.aggregates
    seconds: dict[str, float] = defaultdict(float)
    rdf, graphml, mentions = RdfWriter(out, rdf_format), GraphmlWriter(out), MentionsWriter(out)
    writers = (rdf, graphml, mentions)
    try:
        for batch in batches:
            for stage, spent in batch.seconds.items():
                seconds[stage] += spent
            started = time.perf_counter()
            aggregates.add_batch(batch.facts, batch.pair_keys)
            now = time.perf_counter()
            seconds["graph"] += now - started
            for stage, writer, data in (("export rdf", rdf, batch.rdf), ("export graphml", graphml, batch.graphml),
                                        ("export mentions", mentions, batch.mentions)):
                writer.add_encoded(data)
                started, now = now, time.perf_counter()
                seconds[stage] += now - started
        # with workers, the HTML layout (from the view's skeleton) and the streamed files are finished in two forked
        # children while this process builds the view graph and the page
        layout_side = files_side = None
        try:
            if workers > 1:
                for writer in writers:
                    writer.flush()  # what is written so far on disk: the child's copy of each write buffer is empty
                layout_side = ForkedCall(_side_layout, aggregates, html_max_nodes)
                # the layout is the end's longest path: the files' child yields the processor to it and to this process
                files_side = ForkedCall(_finish_files, aggregates, rdf, graphml, mentions, niceness=FILES_NICENESS)
            started = time.perf_counter()
            view = aggregates.view_graph()
            seconds["graph"] += time.perf_counter() - started
            started = time.perf_counter()
            html, layout_seconds = None, 0.0
            if layout_side is not None:
                page = PageData.of(view, html_max_nodes)
                page.encode()
                waited = time.perf_counter()
                positions, layout_seconds = layout_side.result()
                started += time.perf_counter() - waited  # (the child's seconds are counted instead)
                html = render_page(page, positions)
            rendered = time.perf_counter()
            if files_side is not None:
                files, finish_seconds = files_side.result()
                for writer in writers:
                    writer.release()  # the child finished and committed the file: only the handle is left here
            else:
                files, finish_seconds = _finish_files(aggregates, rdf, graphml, mentions)
            started += time.perf_counter() - rendered  # (the files' own seconds are counted instead)
            html_file = write_html(view, out, html_max_nodes, html=html)  # the page last: a failure before leaves none
            seconds["export html"] += (time.perf_counter() - started) + layout_seconds  # the layout's, wherever it ran
        except BaseException:
            if layout_side is not None:
                layout_side.cancel()  # it writes nothing
            if files_side is not None:
                files_side.wait()  # stopped half-way, it would leave temporary files
            raise
        for stage, spent in finish_seconds.items():
            seconds[stage] += spent
        files.insert(2, html_file)  # graph.ttl, graph.graphml, graph.html, mentions.jsonl
    except BaseException:
        for writer in writers:
            writer.abort()
        raise
    summary.files.extend(files)
    summary.seconds.update({k: seconds[k] for k in ("link", "graph", "export rdf", "export graphml", "export html",
                                                    "export mentions")})
