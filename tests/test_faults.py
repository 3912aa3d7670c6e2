"""Faults, with real processes: `kg build` killed (SIGKILL, SIGINT) at points of a build and an update, two writers
at once, each state file damaged, workers whose parent is killed, and `kg serve` driven with federated, update and
runaway queries. After each, the output folder holds exactly the previous build or exactly the new one."""

from __future__ import annotations

import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

EXPORTS = ("graph.ttl", "graph.graphml", "graph.html", "mentions.jsonl")
KG = [sys.executable, "-m", "kg.cli"]


# ---------------------------------------------------------------- helpers

def run_kg(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([*KG, *args], capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def start_kg(*args: str) -> subprocess.Popen:
    return subprocess.Popen([*KG, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            stdin=subprocess.DEVNULL, start_new_session=True)


def exports(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in EXPORTS}


def paper_ids(out: Path) -> set[str]:
    return {json.loads(line)["id"] for line in (out / "mentions.jsonl").read_text("utf-8").splitlines()}


def wait_for(condition, timeout: float = 120, process: subprocess.Popen | None = None) -> bool:
    """Poll `condition` until it holds; False if `process` ended first or time ran out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        if process is not None and process.poll() is not None:
            return condition()
        time.sleep(0.002)
    return False


def state(out: Path) -> Path:
    return out / ".paperkg"


def current(out: Path) -> str:
    return os.readlink(state(out) / "current")


def new_generation(out: Path, published: str):
    """True once a generation other than the published one exists."""
    def seen() -> bool:
        folder = state(out) / "generations"
        return folder.is_dir() and any(f"generations/{g.name}" != published for g in folder.iterdir())
    return seen


def new_file_in_generation(out: Path, published: str, pattern: str):
    def seen() -> bool:
        folder = state(out) / "generations"
        return folder.is_dir() and any(f"generations/{g.name}" != published and any(g.glob(pattern))
                                       for g in folder.iterdir())
    return seen


def new_segment(out: Path, before: set[str]):
    def seen() -> bool:
        folder = state(out) / "segments"
        return folder.is_dir() and any(p.name not in before and not p.name.startswith(".") for p in folder.iterdir())
    return seen


def leftovers(out: Path) -> list[str]:
    """Generations other than the current one, segments no manifest names, temporary files."""
    published = current(out)
    manifest = json.loads((state(out) / "current" / "manifest.json").read_text())
    named = {entry["name"] for entry in manifest.get("segments", [])}
    found = [g.name for g in (state(out) / "generations").iterdir() if f"generations/{g.name}" != published]
    found += [s.name for s in (state(out) / "segments").iterdir() if s.name not in named]
    found += [p.name for p in out.rglob("*.tmp")]
    return found


@pytest.fixture(scope="module")
def listings(seed_files) -> list[Path]:
    return [seed_files[0], seed_files[1]]


@pytest.fixture(scope="module")
def references(listings, tmp_path_factory) -> dict[str, dict[str, bytes]]:
    """The two builds a stopped run may leave: the first listing alone ("old") and both, by update ("new")."""
    folder = tmp_path_factory.mktemp("references")
    assert run_kg("build", str(listings[0]), "--out", str(folder), "-q").returncode == 0
    old = exports(folder)
    assert run_kg("build", "--update", str(folder), str(listings[1]), "-q").returncode == 0
    return {"old": old, "new": exports(folder)}


def outcome(out: Path, references: dict[str, dict[str, bytes]]) -> str:
    found = exports(out)
    matches = [name for name, files in references.items() if files == found]
    assert matches, "the folder holds a mix of two builds"
    return matches[0]


# ---------------------------------------------------------------- killed builds

KILL_POINTS = ("generation", "segment written", "exports written", "html written")


@pytest.mark.parametrize("point", KILL_POINTS)
def test_an_update_killed_at_any_point_leaves_the_old_build_and_the_next_update_completes_it(
        point, listings, references, tmp_path):
    out = tmp_path / "out"
    assert run_kg("build", str(listings[0]), "--out", str(out), "-q").returncode == 0
    published = current(out)
    segments = {p.name for p in (state(out) / "segments").iterdir()}
    condition = {"generation": new_generation(out, published),
                 "segment written": new_segment(out, segments),
                 "exports written": new_file_in_generation(out, published, ".graph.ttl.*.tmp"),
                 "html written": new_file_in_generation(out, published, "graph.html")}[point]
    process = start_kg("build", "--update", str(out), str(listings[1]), "-q")
    reached = wait_for(condition, process=process)
    process.kill()
    process.wait()
    assert reached, f"the update ended before {point}: {process.stderr.read()}"
    assert outcome(out, references) in ("old", "new")
    again = run_kg("build", "--update", str(out), str(listings[1]), "-q")
    assert again.returncode == 0, again.stderr
    assert exports(out) == references["new"]
    assert leftovers(out) == []


@pytest.mark.parametrize("point", ("segment written", "exports written"))
def test_a_fresh_build_killed_over_an_updated_folder_brings_no_old_paper_back(point, listings, seed_files, tmp_path):
    """A fresh build is killed after writing its own segment: the folder keeps the updated build, and an update
    after that has exactly the updated build's papers and the new ones."""
    out = tmp_path / "out"
    run_kg("build", str(listings[0]), "--out", str(out), "-q")
    run_kg("build", "--update", str(out), str(listings[1]), "-q")
    updated = paper_ids(out)
    published = current(out)
    segments = {p.name for p in (state(out) / "segments").iterdir()}
    condition = {"segment written": new_segment(out, segments),
                 "exports written": new_file_in_generation(out, published, ".graph.ttl.*.tmp")}[point]
    process = start_kg("build", str(seed_files[4]), "--out", str(out), "-q")
    assert wait_for(condition, process=process)
    process.kill()
    process.wait()
    assert paper_ids(out) == updated
    assert run_kg("build", "--update", str(out), str(seed_files[3]), "-q").returncode == 0
    alone = tmp_path / "alone"
    run_kg("build", str(seed_files[3]), "--out", str(alone), "-q")
    assert paper_ids(out) == updated | paper_ids(alone)


@pytest.mark.parametrize("delay", (0.0, 0.2, 0.5, 1.0, 1.5))
def test_ctrl_c_during_a_build_with_workers_leaves_one_build_and_no_traceback(delay, listings, references, tmp_path):
    """Ctrl-C `delay` seconds after the build has started its generation."""
    out = tmp_path / "out"
    run_kg("build", str(listings[0]), "--out", str(out), "-q")
    process = start_kg("build", *map(str, listings), "--out", str(out), "--workers", "2", "-q")
    assert wait_for(new_generation(out, current(out)), process=process)
    time.sleep(delay)
    os.killpg(process.pid, signal.SIGINT)  # as Ctrl-C does: the whole process group
    _, stderr = process.communicate(timeout=120)
    assert "Traceback" not in stderr
    # a build of both listings at once writes the same files as the update ("new")
    assert outcome(out, references) in ("old", "new")
    assert run_kg("build", str(listings[0]), "--out", str(out), "-q").returncode == 0
    assert leftovers(out) == []


def _children(pid: int) -> set[int]:
    found = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found |= {int(child) for child in (task / "children").read_text().split()}
    return found


def test_workers_die_with_their_parent(seed_files, tmp_path):
    process = start_kg("build", *map(str, seed_files), "--out", str(tmp_path / "out"), "--workers", "2", "-q")
    assert wait_for(lambda: len(_children(process.pid)) >= 2, process=process), process.stderr.read()
    workers = _children(process.pid)
    process.kill()
    process.wait()
    assert wait_for(lambda: not any(Path(f"/proc/{pid}").exists() for pid in workers), timeout=10), \
        "a worker outlived the build it worked for"


# ---------------------------------------------------------------- two writers

def test_a_second_writer_is_refused_with_the_first_ones_pid(seed_files, listings, references, tmp_path):
    out = tmp_path / "out"
    run_kg("build", str(listings[0]), "--out", str(out), "-q")
    first = start_kg("build", "--update", str(out), str(listings[1]), "-q")
    lock = state(out) / "lock"
    assert wait_for(lambda: lock.read_text().strip() == str(first.pid), process=first)
    first.send_signal(signal.SIGSTOP)  # held mid-build, lock and all, while the others try
    try:
        for second in (run_kg("build", "--update", str(out), str(seed_files[2]), "-q"),
                       run_kg("build", str(seed_files[2]), "--out", str(out), "-q")):
            assert second.returncode == 2
            assert f"is being written by pid {first.pid}" in second.stderr
            assert "Traceback" not in second.stderr and len(second.stderr.strip().splitlines()) == 1
    finally:
        first.send_signal(signal.SIGCONT)
    assert first.wait(timeout=300) == 0
    assert exports(out) == references["new"]


def test_a_lock_left_by_a_killed_writer_is_taken_over(listings, references, tmp_path):
    out = tmp_path / "out"
    run_kg("build", str(listings[0]), "--out", str(out), "-q")
    process = start_kg("build", "--update", str(out), str(listings[1]), "-q")
    assert wait_for(lambda: (state(out) / "lock").read_text().strip() == str(process.pid), process=process)
    process.kill()
    process.wait()
    again = run_kg("build", "--update", str(out), str(listings[1]), "-q")
    assert again.returncode == 0, again.stderr
    assert exports(out) == references["new"]


# ---------------------------------------------------------------- damaged state

def _segment(out: Path) -> Path:
    return next((state(out) / "segments").iterdir())


def _manifest(out: Path) -> Path:
    return state(out) / "current" / "manifest.json"


def _damage(kind: str, out: Path) -> Path:
    """Damage one state file; returns the file the error must name."""
    if kind == "truncated segment":
        segment = _segment(out)
        segment.write_bytes(segment.read_bytes()[:-100])
        return segment
    if kind == "corrupted segment":
        segment = _segment(out)
        data = bytearray(segment.read_bytes())
        data[len(data) // 2:len(data) // 2 + 64] = bytes(64)
        segment.write_bytes(bytes(data))
        return segment
    if kind == "deleted segment":
        segment = _segment(out)
        segment.unlink()
        return segment
    manifest = _manifest(out)
    data = json.loads(manifest.read_text())
    if kind == "manifest missing a key":
        del data["segments"]
        manifest.write_text(json.dumps(data))
    elif kind == "list manifest":
        manifest.write_text(json.dumps([data]))
    elif kind == "manifest not JSON":
        manifest.write_text("{ this is not json")
    else:
        duplicates = manifest.parent / "duplicates.pickle"
        duplicates.write_bytes(b"" if kind == "empty duplicates" else duplicates.read_bytes()[:-10])
        return duplicates.resolve()
    return manifest.resolve()


@pytest.mark.parametrize("kind", ("truncated segment", "corrupted segment", "deleted segment",
                                  "manifest missing a key", "list manifest", "manifest not JSON",
                                  "truncated duplicates", "empty duplicates"))
def test_damaged_state_is_named_with_a_remedy_and_loses_nothing(kind, listings, tmp_path):
    out = tmp_path / "out"
    run_kg("build", str(listings[0]), "--out", str(out), "-q")
    before = exports(out)
    named = _damage(kind, out)
    result = run_kg("build", "--update", str(out), str(listings[1]), "-q")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert named.name in lines[0] and "rebuild without --update" in lines[0], lines[0]
    assert exports(out) == before


def test_the_fingerprint_covers_the_extraction_code(tmp_path):
    from kg.spool import extraction_sources, fingerprint

    copies = []
    for name, root, pattern in extraction_sources():
        copy = tmp_path / name
        if root.is_file():
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(root, copy)
        else:
            shutil.copytree(root, copy, ignore=shutil.ignore_patterns("__pycache__"), dirs_exist_ok=True)
        copies.append((name, copy, pattern))
    settings = {"spacy_model": None, "exclude_catalog_ids": []}
    assert fingerprint(settings, copies) == fingerprint(settings)
    for module in (tmp_path / "extractors" / "results.py", tmp_path / "kg" / "extraction.py"):
        original = module.read_text()
        module.write_text(original + "\n# a change\n")
        assert fingerprint(settings, copies) != fingerprint(settings), module
        module.write_text(original)
    assert fingerprint(settings, copies) == fingerprint(settings)


# ---------------------------------------------------------------- formats and odd arguments

def test_a_build_in_another_rdf_format_leaves_no_stale_graph_to_read(listings, tmp_path):
    out = tmp_path / "out"
    run_kg("build", str(listings[0]), "--out", str(out), "-q")
    assert run_kg("build", *map(str, listings), "--out", str(out), "--rdf-format", "nt", "-q").returncode == 0
    assert not (out / "graph.ttl").exists() and (out / "graph.nt").is_file()
    count = run_kg("sparql", "SELECT (COUNT(?p) AS ?n) WHERE { ?p a <https://w3id.org/paperkg/ontology#Paper> }",
                   "--data", str(out), "-f", "csv")
    assert count.stdout.splitlines()[1] == "115"


def test_odd_arguments_get_one_clear_line(listings, tmp_path):
    jsonl = tmp_path / "x.jsonl"
    jsonl.write_text(json.dumps({"title": "A paper", "abstract": "We propose a model for things. " * 5}) + "\n")
    for args, expected in ((["build", str(jsonl), "--out", str(jsonl)], "is a file"),
                           (["validate", str(jsonl)], "not an RDF graph file"),
                           (["build", "--update", str(tmp_path), "--out", str(tmp_path), str(jsonl)], "not both"),
                           (["html", "--data", str(tmp_path), "--focus", "x", "--hops", "-1"], "--hops")):
        result = run_kg(*args)
        assert result.returncode == 2, (args, result.stderr)
        assert expected in result.stderr + result.stdout and "Traceback" not in result.stderr, result.stderr


def test_a_folder_holding_its_own_build_is_not_read_back(listings, tmp_path):
    shutil.copy(listings[0], tmp_path / listings[0].name)
    first = run_kg("build", str(tmp_path), "--out", str(tmp_path / "exports"), "-q")
    assert first.returncode == 0
    again = run_kg("build", str(tmp_path), "--out", str(tmp_path / "exports"))
    assert again.returncode == 0 and "skipped" not in again.stderr, again.stderr
    assert "input files          │ 1" in again.stdout.replace("┃", "│")


def test_one_file_named_two_ways_is_one_source(listings, tmp_path, monkeypatch):
    from kg.corpus import expand_inputs

    monkeypatch.chdir(tmp_path)
    shutil.copy(listings[0], "listing.txt")
    assert expand_inputs(["listing.txt"]) == expand_inputs([str(tmp_path / "listing.txt")]) == [Path("listing.txt")]


# ---------------------------------------------------------------- the endpoint

class _Counting(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_POST(self):
        _Counting.hits.append(self.path)
        body = b'{"head":{"vars":["s"]},"results":{"bindings":[]}}'
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST

    def log_message(self, *args):
        pass


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Endpoint:
    def __init__(self, data: Path, store: Path, *options: str):
        self.port = _free_port()
        self.process = start_kg("serve", str(data), "--port", str(self.port), "--store", str(store), *options)
        self.url = f"http://127.0.0.1:{self.port}/query"
        deadline = time.monotonic() + 90
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("kg serve did not start: " + self.process.stderr.read())
                time.sleep(0.1)

    def ask(self, query: str, accept: str = "application/sparql-results+json", timeout: float = 60):
        request = urllib.request.Request(self.url, data=urllib.parse.urlencode({"query": query}).encode(),
                                         headers={"Accept": accept})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def query_processes(self) -> set[int]:
        return _children(self.process.pid)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module")
def data(seeds_exports):
    return seeds_exports[1]


def test_the_endpoint_makes_no_outbound_request_unless_allowed(data, tmp_path):
    remote = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Counting)
    threading.Thread(target=remote.serve_forever, daemon=True).start()
    target = f"http://127.0.0.1:{remote.server_address[1]}/sparql"
    _Counting.hits = []
    try:
        endpoint = Endpoint(data, tmp_path / "store")
        try:
            for query in (f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}",
                          f"select * where {{ service silent <{target}> {{ ?s ?p ?o }} }}",
                          "SELECT * WHERE { \\u0053ERVICE <" + target + "> { ?s ?p ?o } }",
                          "SELECT * WHERE { BIND(<" + target + "> AS ?x) SERVICE ?x { ?s ?p ?o } }"):
                status, body = endpoint.ask(query)
                assert status == 403, (query, body)
            assert _Counting.hits == []
            assert endpoint.ask('SELECT ?s WHERE { ?s ?p "SERVICE <x>" } LIMIT 1')[0] == 200
        finally:
            endpoint.stop()
        allowed = Endpoint(data, tmp_path / "store", "--allow-service", target)
        try:
            status, _ = allowed.ask(f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}")
            assert status == 200 and len(_Counting.hits) == 1
        finally:
            allowed.stop()
    finally:
        remote.shutdown()


def test_a_runaway_query_is_stopped_and_its_process_freed(data, tmp_path):
    endpoint = Endpoint(data, tmp_path / "store", "--timeout", "2", "--max-concurrent", "1")
    try:
        before = endpoint.query_processes()
        started = time.monotonic()
        status, body = endpoint.ask(RUNAWAY)
        assert status == 503 and "limit" in body
        assert time.monotonic() - started < 10
        assert not any(Path(f"/proc/{pid}").exists() for pid in before), "the runaway query's process still runs"
        assert wait_for(lambda: len(endpoint.query_processes()) == 1, timeout=30)
        status, body = endpoint.ask("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        assert status == 200 and int(json.loads(body)["results"]["bindings"][0]["n"]["value"]) > 1000
    finally:
        endpoint.stop()


def test_queries_beyond_the_concurrency_cap_are_refused_not_queued_forever(data, tmp_path):
    endpoint = Endpoint(data, tmp_path / "store", "--timeout", "8", "--max-concurrent", "1")
    try:
        runaway = threading.Thread(target=endpoint.ask, args=(RUNAWAY,))
        runaway.start()
        time.sleep(0.5)
        status, body = endpoint.ask("ASK { ?s ?p ?o }")
        assert status == 503 and "busy" in body
        runaway.join()
    finally:
        endpoint.stop()


def test_results_beyond_the_size_cap_are_refused(data, tmp_path):
    endpoint = Endpoint(data, tmp_path / "store", "--max-result-mb", "0.05")
    try:
        status, body = endpoint.ask("SELECT * WHERE { ?s ?p ?o }")
        assert status == 413 and "LIMIT" in body
        status, body = endpoint.ask("SELECT * WHERE { ?s ?p ?o } LIMIT 5", accept="text/csv")
        assert status == 200 and len(body.splitlines()) == 6
    finally:
        endpoint.stop()


def test_updates_are_refused(data, tmp_path):
    endpoint = Endpoint(data, tmp_path / "store")
    try:
        for path, body, kind in (("/update", "update=INSERT DATA { <urn:a> <urn:b> <urn:c> }",
                                  "application/x-www-form-urlencoded"),
                                 ("/query", "update=INSERT DATA { <urn:a> <urn:b> <urn:c> }",
                                  "application/x-www-form-urlencoded"),
                                 ("/query", "INSERT DATA { <urn:a> <urn:b> <urn:c> }", "application/sparql-update")):
            request = urllib.request.Request(endpoint.url.replace("/query", path), data=body.encode(),
                                             headers={"Content-Type": kind})
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(request, timeout=30)
            assert refused.value.code == 403
        assert endpoint.ask("ASK { <urn:a> <urn:b> <urn:c> }")[1].count("false") == 1
    finally:
        endpoint.stop()


def test_the_query_processes_end_with_the_server(data, tmp_path):
    endpoint = Endpoint(data, tmp_path / "store", "--max-concurrent", "2")
    processes = endpoint.query_processes()
    assert len(processes) == 2
    endpoint.process.kill()
    endpoint.process.wait()
    assert wait_for(lambda: not any(Path(f"/proc/{pid}").exists() for pid in processes), timeout=10)


def test_store_only_replaces_a_store_it_made(data, tmp_path):
    build = tmp_path / "build"
    shutil.copytree(data, build, symlinks=True)
    before = sorted(p.relative_to(build) for p in build.rglob("*"))
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "notes.txt").write_text("mine")
    for store in (build, notes, build / ".paperkg"):
        result = run_kg("serve", str(build), "--port", str(_free_port()), "--store", str(store))
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert sorted(p.relative_to(build) for p in build.rglob("*")) == before
    assert (notes / "notes.txt").read_text() == "mine"
    for _ in range(2):  # a store it made is replaced on the next start
        endpoint = Endpoint(build, tmp_path / "store")
        try:
            assert endpoint.ask("ASK { ?s ?p ?o }")[0] == 200
        finally:
            endpoint.stop()


def test_binding_beyond_loopback_is_warned_about(data, tmp_path):
    port = _free_port()
    process = start_kg("serve", str(data), "--port", str(port), "--store", str(tmp_path / "store"),
                       "--host", "0.0.0.0")
    try:
        lines = []
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not any("warning" in line for line in lines):
            line = process.stderr.readline()
            if not line:
                break
            lines.append(line)
        assert any("warning" in line and "no authentication" in line for line in lines), lines
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_a_busy_port_is_one_clear_line(data, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = run_kg("serve", str(data), "--port", str(taken.getsockname()[1]), "--store",
                        str(tmp_path / "store"))
    assert result.returncode == 2 and "cannot serve" in result.stderr and "Traceback" not in result.stderr


def test_a_build_reports_each_bad_record_by_line_and_keeps_every_good_one(tmp_path):
    abstract = "We propose a vision transformer that improves accuracy on ImageNet by a large margin. " * 2
    records = [{"title": "The first good paper", "abstract": abstract},
               {"title": "An abstract of five megabytes", "abstract": "word " * 1_000_000},
               {"title": "A number for an abstract", "abstract": 12345},
               {"id": "2101.00001", "title": "An arXiv record", "abstract": abstract, "update_date": "2021-01-01",
                "categories": "cs.LG", "authors_parsed": [["X", None, ""]]}]
    lines = [json.dumps(record) for record in records]
    lines.insert(2, '{"title": "A lone \\ud800 surrogate", "abstract": "' + abstract + '"}')
    corpus = tmp_path / "mixed.jsonl"
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_kg("build", str(corpus), "--out", str(tmp_path / "out"))
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    skipped = [line for line in result.stderr.splitlines() if line.startswith("skipped")]
    assert [line.split()[1] for line in skipped] == [f"{corpus}:{n}:" for n in (2, 3, 4)]
    assert len(paper_ids(tmp_path / "out")) == 2  # the first good paper and the arXiv record
