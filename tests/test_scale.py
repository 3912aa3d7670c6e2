"""Streamed builds at any scale: local worker processes, a Dask cluster and incremental updates all give the same
files as one process building everything at once; the HTML view keeps to its node budget."""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg.builder import build, build_directory, write_exports
from kg.cli import app
from kg.executors import worker_count
from kg.spool import BuildState, StateError

EXPORTS = ("graph.ttl", "graph.graphml", "graph.html", "mentions.jsonl")


def _exports(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in EXPORTS}


@pytest.fixture(scope="module")
def two_listings(seed_files) -> list[Path]:
    """Two daily-papers listings that share ten papers (so merging across sources is exercised)."""
    return [seed_files[0], seed_files[1]]


@pytest.fixture(scope="module")
def one_process_build(two_listings, tmp_path_factory) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("one-process")
    return out, build_directory(two_listings, out)


def test_streamed_build_writes_what_the_in_memory_graph_writes(two_listings, one_process_build, tmp_path):
    out, summary = one_process_build
    result = build(two_listings)
    write_exports(result, tmp_path)
    assert _exports(tmp_path) == _exports(out)
    assert summary.aggregates.papers == len(result.linked.papers) == 115
    assert sum(summary.aggregates.links_per_relation.values()) == len(result.linked.links)


def test_two_local_workers_give_byte_identical_exports(two_listings, one_process_build, tmp_path):
    out, _ = one_process_build
    build_directory(two_listings, tmp_path, workers=2)
    assert _exports(tmp_path) == _exports(out)


def test_workers_zero_builds_with_one_process_per_core(two_listings, one_process_build, tmp_path):
    cores = len(os.sched_getaffinity(0))
    assert worker_count(0) == cores and worker_count(3) == 3
    result = CliRunner().invoke(app, ["build", *map(str, two_listings), "--out", str(tmp_path), "--workers", "0",
                                      "--quiet"])
    assert result.exit_code == 0, result.output
    assert re.search(rf"workers\s+│?\s*{cores} local process", result.output), result.output
    assert _exports(tmp_path) == _exports(one_process_build[0])
    refused = CliRunner().invoke(app, ["build", *map(str, two_listings), "--out", str(tmp_path), "--workers", "-1"])
    assert refused.exit_code == 2 and "--workers" in refused.output


def _leftovers(out: Path) -> list[str]:
    """What a stopped build could leave behind: generations other than the current one, temporary files."""
    state = out / ".paperkg"
    current = os.readlink(state / "current")
    others = [g.name for g in (state / "generations").iterdir() if f"generations/{g.name}" != current]
    return others + [p.name for p in out.rglob("*.tmp")]


def test_a_failure_in_the_side_child_fails_the_build_and_leaves_the_previous_build(two_listings, tmp_path,
                                                                                   monkeypatch):
    """With workers, the RDF, GraphML and mentions files are finished in a forked child beside the HTML layout: its
    error is the build's error, and the folder keeps the previous build, every file of it, and nothing else."""
    from kg.export.graphml import GraphmlWriter

    out = tmp_path / "out"
    build_directory(two_listings[:1], out)
    before = _exports(out)

    def fail(writer, aggregates):
        raise OSError("no space left in the child")

    monkeypatch.setattr(GraphmlWriter, "finish", fail)  # the forked child inherits it
    with pytest.raises(OSError, match="no space left in the child"):
        build_directory(two_listings, out, workers=2)
    assert _exports(out) == before
    assert _leftovers(out) == []


def test_a_failure_in_the_layout_child_fails_the_build_and_leaves_the_previous_build(two_listings, tmp_path,
                                                                                     monkeypatch):
    """With workers, the HTML layout and the streamed files' ends run in two forked children: the layout's error is
    the build's error, the files' child is left to finish rather than stopped half-way, and the folder keeps the
    previous build, with no temporary file."""
    import kg.builder

    from kg.export.graphml import GraphmlWriter

    out = tmp_path / "out"
    build_directory(two_listings[:1], out)
    before = _exports(out)

    def fail(skeleton, max_nodes):
        raise RuntimeError("no layout in the child")

    write_entities = GraphmlWriter._write_entities

    def slow_write(write, aggregates):  # still writing when the layout's error arrives
        time.sleep(1.5)
        write_entities(write, aggregates)

    monkeypatch.setattr(kg.builder, "layout_positions", fail)  # the forked children inherit them
    monkeypatch.setattr(GraphmlWriter, "_write_entities", staticmethod(slow_write))
    with pytest.raises(RuntimeError, match="no layout in the child"):
        build_directory(two_listings, out, workers=2)
    assert _exports(out) == before
    assert _leftovers(out) == []


def test_dask_cluster_gives_byte_identical_exports(two_listings, one_process_build, tmp_path):
    from dask.distributed import Client, LocalCluster

    out, _ = one_process_build
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        summary = build_directory(two_listings, tmp_path, dask_address=cluster.scheduler_address, batch_size=16)
        with Client(cluster.scheduler_address) as client:  # the work really ran on both workers
            loaded = client.run(lambda: __import__("kg.executors").executors.pipeline.cache_info().currsize)
            # a batch runs under the local build's collector settings; the worker's own are back after it
            from kg.executors import _BUILD_GC_THRESHOLDS, PipelineSettings, _with_fewer_collections

            during = client.submit(_with_fewer_collections, lambda batch, settings: __import__("gc").get_threshold(),
                                   [], PipelineSettings(), pure=False).result()
            after = client.run(lambda: __import__("gc").get_threshold())
    assert during == _BUILD_GC_THRESHOLDS
    assert all(thresholds != _BUILD_GC_THRESHOLDS for thresholds in after.values())
    assert _exports(tmp_path) == _exports(out)
    assert summary.papers_extracted == 115
    assert len(loaded) == 2 and set(loaded.values()) <= {0, 1} and sum(loaded.values()) >= 1, \
        "a worker that ran batches built the pipeline once and kept it"


def test_update_adds_new_papers_only_and_matches_a_full_build(two_listings, one_process_build, tmp_path):
    out, _ = one_process_build
    first = build_directory(two_listings[:1], tmp_path)
    assert first.papers_extracted == 55
    second = build_directory(two_listings[1:], tmp_path, update=True)
    assert second.papers_extracted == 60, "only papers not already in the build are extracted"
    assert second.aggregates.papers == 115
    assert _exports(tmp_path) == _exports(out), "old + new = one build of both"
    merged = [json.loads(line) for line in (tmp_path / "mentions.jsonl").read_text("utf-8").splitlines()]
    both = [r for r in merged if {Path(s.rsplit(":", 1)[0]).name for s in r["sources"]} ==
            {two_listings[0].name, two_listings[1].name}]
    assert len(both) == 10, "a paper already present from another listing is merged, not duplicated"


def test_update_twice_with_the_same_input_changes_nothing(two_listings, tmp_path):
    build_directory(two_listings[:1], tmp_path)
    build_directory(two_listings[1:], tmp_path, update=True)
    before = _exports(tmp_path)
    again = build_directory(two_listings[1:], tmp_path, update=True)
    assert again.papers_extracted == 0
    assert _exports(tmp_path) == before
    assert len(list((tmp_path / ".paperkg" / "segments").iterdir())) == 2
    assert len(list((tmp_path / ".paperkg" / "generations").iterdir())) == 1


def test_update_refuses_a_build_made_with_other_extraction_settings(two_listings, tmp_path):
    build_directory(two_listings[:1], tmp_path)
    manifest_path = tmp_path / ".paperkg" / "current" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["fingerprint"] = "0" * 64
    manifest_path.write_text(json.dumps(manifest))
    before = _exports(tmp_path)
    with pytest.raises(StateError, match="another catalog"):
        build_directory(two_listings[1:], tmp_path, update=True)
    assert _exports(tmp_path) == before
    assert not list(tmp_path.glob(".*.tmp")) and not list((tmp_path / ".paperkg").rglob("*.tmp"))


def test_update_command_names_a_directory_with_no_build(two_listings, tmp_path):
    result = CliRunner().invoke(app, ["build", "--update", str(tmp_path / "nothing"), str(two_listings[0])])
    assert result.exit_code == 2
    assert "no paperkg build to update" in result.output and "nothing" in result.output


def test_fresh_build_replaces_an_older_state(two_listings, tmp_path):
    build_directory(two_listings[:1], tmp_path)
    build_directory(two_listings[1:], tmp_path, update=True)
    build_directory(two_listings[1:], tmp_path)  # not an update: starts over
    assert BuildState(tmp_path).manifest().papers == 70
    segments = [p.name for p in (tmp_path / ".paperkg" / "segments").iterdir()]
    assert segments == [entry["name"] for entry in BuildState(tmp_path).manifest().segments]
    assert len(segments) == 1


def test_html_view_keeps_its_budget_and_counts_the_whole_graph(two_listings, tmp_path):
    summary = build_directory(two_listings, tmp_path, html_max_nodes=60)
    html = (tmp_path / "graph.html").read_text("utf-8")
    data = json.loads(html.split('id="graph-data">')[1].split("</script>")[0])
    assert len(data["nodes"]) == 60
    total = summary.aggregates.papers + len(summary.entities)
    assert f"60 of {total} nodes in this view" in html
    shown = {n["id"]: n for n in data["nodes"]}
    most_linked = max(summary.aggregates.paper_counts.items(), key=lambda item: (item[1], item[0]))
    assert shown[f"entity:{most_linked[0]}"]["papers"] == most_linked[1], "entity sizes count every paper"
    left_out = re.search(r"left out, as least connected: ([^(]*)\(", html).group(1)
    assert sum(int(n) for n in re.findall(r"(\d+) \w+", left_out)) == total - 60


def test_a_build_restores_the_garbage_collector_thresholds(two_listings, tmp_path):
    import gc

    before = gc.get_threshold()
    build_directory(two_listings[:1], tmp_path)
    assert gc.get_threshold() == before


def test_pass_one_observations_count_what_observing_the_extraction_counts(two_listings):
    from kg.executors import PipelineSettings, extract_batch, observer
    from kg.linking import Linker

    settings = PipelineSettings()
    papers = list(build(two_listings[:1]).linked.papers)[:40]
    extracted = extract_batch(papers, settings)
    catalog = observer(settings).catalog
    direct, counted = Linker(catalog), Linker(catalog)
    for item in extracted:
        direct.observe(item)
    counted.count([found for item in extracted for found in observer(settings).observations(item)])
    assert direct.entities() == counted.entities()
    assert any(entity.variant_of for entity in counted.entities().values())


def _pid_and_size(graph) -> tuple[int, int]:
    import os

    return os.getpid(), graph.number_of_nodes()


def _fail(message: str):
    raise ValueError(message)


def test_forked_call_inherits_its_arguments_and_sends_back_its_result_or_error():
    """The HTML page of a build with workers is rendered by `ForkedCall`: a child process that takes its arguments
    from the parent's memory (a graph here) and returns the value, or raises the child's exception here."""
    import os
    import time

    import networkx as nx

    from kg.executors import ForkedCall

    graph = nx.path_graph(500)
    child, size = ForkedCall(_pid_and_size, graph).result()
    assert child != os.getpid() and size == 500
    assert ForkedCall(os.nice, 0).result() == os.nice(0)  # the child runs at this process's priority
    assert ForkedCall(os.nice, 0, niceness=5).result() == min(19, os.nice(0) + 5)  # or, asked, at a lower one
    with pytest.raises(ValueError, match="in the child"):
        ForkedCall(_fail, "in the child").result()
    slow = ForkedCall(time.sleep, 60)
    started = time.perf_counter()
    slow.cancel()
    assert time.perf_counter() - started < 10 and not slow._process.is_alive()


def test_local_workers_give_results_in_order_through_files_they_remove(tmp_path):
    """`LocalWorkers` runs each piece in a forked worker and hands the results back in submission order, through
    files that are gone once read; a worker's error is raised here, and no result file outlives the pool."""
    import os

    from kg.executors import LocalWorkers

    with LocalWorkers(2) as pool:
        directory = Path(pool._directory.name)
        results = list(pool.map(_pid_and_square, ((n,) for n in range(40))))
        assert not any(directory.iterdir())
    assert [square for _, square in results] == [n * n for n in range(40)]
    assert os.getpid() not in {pid for pid, _ in results}
    assert not directory.exists()
    with pytest.raises(ValueError, match="piece 7"):
        with LocalWorkers(2) as pool:
            directory = Path(pool._directory.name)
            for _ in pool.map(_fail_at_seven, ((n,) for n in range(20))):
                pass
    assert not directory.exists()


def test_local_workers_send_long_bytes_fields_beside_the_pickle():
    """A worker's dataclass result comes back equal, its long bytes fields as read-only views of the result file
    mapped into memory (not copied through a pickle), still readable once the file is gone; short ones stay bytes."""
    from kg.executors import LocalWorkers

    with LocalWorkers(2) as pool:
        directory = Path(pool._directory.name)
        results = list(pool.map(_parts, ((n,) for n in range(6))))
        assert not any(directory.iterdir())
    for n, result in enumerate(results):
        expected = _parts(n)
        assert result.label == expected.label and result.short == expected.short
        assert isinstance(result.short, bytes)
        assert isinstance(result.long, memoryview) and result.long.readonly
        assert bytes(result.long) == expected.long and len(result.long) == len(expected.long)
        assert bytes(result.longer) == expected.longer


@dataclass(frozen=True)
class _Parts:
    label: str
    long: bytes
    short: bytes
    longer: bytes


def _parts(n: int) -> _Parts:
    return _Parts(f"piece {n}", bytes([n]) * (100_000 + n), b"short %d" % n, bytes(range(256)) * (1_000 + n))


def _pid_and_square(n: int) -> tuple[int, int]:
    import os

    return os.getpid(), n * n


def _fail_at_seven(n: int) -> int:
    if n == 7:
        raise ValueError(f"piece {n}")
    return n


def test_frame_places_find_every_frame_and_name_a_truncated_segment(tmp_path):
    """Pass two's workers read their frames by place: the places give the frames `read_frames` gives, in order;
    a segment cut short is refused with its name."""
    from kg.spool import FramePlace, SegmentWriter, frame_places, read_frames

    path = tmp_path / "segment.pickle"
    writer = SegmentWriter(path)
    frames = [bytes([n]) * (n * 1000 + 1) for n in range(5)]
    for frame in frames:
        writer.write_frame(frame, 1)
    writer.commit()
    places = list(frame_places(path))
    assert all(isinstance(place, FramePlace) for place in places)
    assert [place.read() for place in places] == list(read_frames(path)) == frames
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(StateError, match="segment.pickle: truncated"):
        list(frame_places(path))


def _strongest_by_sorting(weights: dict[tuple[str, str], int], per_entity: int) -> list[tuple[str, str, int]]:
    """What `CoOccurrences.strongest` must give, the plain way: each entity's partners sorted heaviest first (ties:
    lower id), the first `per_entity` kept, every kept pair once, by pair."""
    partners: dict[str, list[tuple[int, str]]] = {}
    for (first, second), weight in weights.items():
        partners.setdefault(first, []).append((-weight, second))
        partners.setdefault(second, []).append((-weight, first))
    kept = {tuple(sorted((entity, other))) for entity, ranked in partners.items()
            for _, other in sorted(ranked)[:per_entity]}
    return [(first, second, weights[(first, second)]) for first, second in sorted(kept)]


def test_co_occurrence_arrays_sort_and_rank_pairs_as_the_plain_definitions_do():
    """The GraphML export writes co-occurrences sorted by pair and the HTML view keeps each entity's strongest; both
    read them from id-rank arrays (`kg.graph.CoOccurrences`), checked here against sorting the pairs themselves."""
    import random

    from kg.graph import CoOccurrences

    generator = random.Random(11)
    names = [f"e{n}" for n in range(12)] + ["a-b", "Z", "é"]  # ids whose string order is not their numbering
    for _ in range(300):
        weights: dict[tuple[str, str], int] = {}
        for _ in range(generator.randint(0, 40)):
            pair = tuple(sorted(generator.sample(names, 2)))
            weights[pair] = weights.get(pair, 0) + generator.randint(1, 3)
        arrays = CoOccurrences.of(weights)
        assert list(arrays.sorted()) == [(a, b, w) for (a, b), w in sorted(weights.items())]
        for per_entity in (1, 2, 8):
            assert list(arrays.strongest(per_entity)) == _strongest_by_sorting(weights, per_entity)


def test_pair_counts_merge_batches_and_single_papers_into_the_weights_of_every_pair(monkeypatch):
    """Co-occurrence weights are counted as integer keys, in batches from the workers and paper by paper in memory,
    merged whenever enough are pending: the same weights as counting every pair of every paper."""
    import random
    from collections import Counter
    from itertools import combinations

    from kg.graph import PairCounts

    monkeypatch.setattr(PairCounts, "_MERGE_AT", 7)  # merge often
    generator = random.Random(5)
    ids = ["method:b", "dataset:a", "task:zz", "method:a-1", "x", "é", "architecture:q"]
    pairs, expected = PairCounts(ids), Counter()
    for _ in range(60):
        papers = [tuple(sorted(generator.sample(ids, generator.randint(0, 5)))) for _ in range(generator.randint(0, 4))]
        for paper in papers:
            expected.update(combinations(paper, 2))
        if generator.random() < 0.5:
            pairs.add(pairs.keys_of(papers))
        else:
            for paper in papers:
                pairs.add_paper(paper)
    first, second, weight = pairs.counts()
    counted = {(pairs.ids[a], pairs.ids[b]): w for a, b, w in zip(first.tolist(), second.tolist(), weight.tolist())}
    assert counted == dict(expected) and list(counted) == sorted(expected)
    with pytest.raises(ValueError, match="not among the graph's entities"):
        pairs.keys_of([("dataset:a", "unknown")])


@pytest.fixture(scope="module")
def two_listings_linked(two_listings):
    return build(two_listings).linked


def test_a_view_shipped_from_workers_draws_the_same_page(two_listings_linked):
    """Workers ship a view candidate's links with their mentions cut to (start, end), all the page reads of them:
    the page's data (nodes, edges, the side panel with each paper's highlighted mentions) is the same as from the
    whole mentions."""
    from kg.export.html import PageData
    from kg.graph import GraphAggregates, MentionSpan, paper_facts

    pages = []
    for shipped in (False, True):
        aggregates = GraphAggregates(two_listings_linked.entities, view_size=60)
        for item in two_listings_linked.per_paper():
            facts = paper_facts(item, aggregates.view_cutoff())
            aggregates.add_facts(facts.shipped() if shipped else facts)
        view = aggregates.view_graph()
        spans = [m for _, _, data in view.edges(data=True) for m in data.get("mentions", ())]
        assert spans and all(isinstance(m, MentionSpan) == shipped for m in spans)
        page = PageData.of(view, 150)
        page.encode()
        pages.append((page.network.nodes, page.network.edges, page.encoded, page.note))
    assert pages[0] == pages[1]
    highlighted = [d["mentions"] for d in json.loads(pages[1][2]["details"]).values() if d["kind"] == "paper"]
    assert highlighted and all(highlighted)


@pytest.mark.parametrize("shipped", [False, True], ids=["in-process", "from-workers"])
def test_view_skeleton_selects_and_lays_out_what_the_view_graph_shows(two_listings_linked, shipped):
    """With workers, the HTML layout starts from the view's skeleton (kinds, paper counts, link and hierarchy edges)
    before the view graph is built: it must choose the same nodes and edges to draw, under a budget that leaves most
    papers out, whether the view data came from this process or pickled from a worker."""
    from kg.export.html import _view
    from kg.graph import GraphAggregates, ShippedView, paper_facts

    linked = two_listings_linked
    aggregates = GraphAggregates(linked.entities, view_size=60)
    for item in linked.per_paper():
        facts = paper_facts(item, aggregates.view_cutoff())
        aggregates.add_facts(facts.shipped() if shipped else facts)
    if shipped:
        assert any(isinstance(view, ShippedView) for _, _, view in aggregates._view_papers)
    skeleton, view = aggregates.view_skeleton(), aggregates.view_graph()
    papers_in_view = sum(1 for _, data in view.nodes(data=True) if data["kind"] == "paper")
    assert 0 < papers_in_view < len(linked.papers)
    for budget in (40, 150, 10_000):
        kept, edges = _view(skeleton, budget)
        assert (kept, edges) == _view(view, budget) and edges
