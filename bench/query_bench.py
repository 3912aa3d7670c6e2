"""Query latency of rdflib and pyoxigraph over the SPARQL cookbook (docs/queries/*.rq).

Graphs: the seeds build, and synthetic graphs of N papers (default 10,000 and 100,000) drawn deterministically
from the seeds graph's entities with its popularity, relations and mention structure. Each (engine, graph) pair
runs in its own subprocess so its load time and peak memory are its own; an rdflib query that takes longer
than --timeout seconds is stopped and reported as such.

    .venv/bin/python bench/query_bench.py                      # seeds, 10k and 100k papers
    .venv/bin/python bench/query_bench.py --papers 10000 --timeout 60
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph

ROOT = Path(__file__).resolve().parents[1]
QUERIES = sorted((ROOT / "docs" / "queries").glob("*.rq"))
VOCABULARY = ROOT / "ontology" / "kg.ttl"
REPEATS = 3  # median of three runs for queries under a second


# ---------------------------------------------------------------- graphs

def seeds_graph(work: Path) -> Path:
    from kg.builder import build, write_exports

    out = work / "seeds"
    write_exports(build(), out)
    return out / "graph.ttl"


def synthetic_graph(seeds_ttl: Path, papers: int, work: Path) -> Path:
    """N papers linked to seed entities with the seeds' popularity and relations; one mention per link."""
    from kg.export.rdf import KG_NS as KG, RES_NS as RES, RELATION_PROPERTIES

    store = pyoxigraph.Store()
    store.bulk_load(path=str(seeds_ttl), format=pyoxigraph.RdfFormat.TURTLE)
    prefix = "PREFIX kg: <https://w3id.org/paperkg/ontology#> "
    entity_triples = list(store.query(
        prefix + "CONSTRUCT { ?e ?p ?o } WHERE { ?e ?p ?o . ?e a ?c . VALUES ?c { kg:Method kg:Dataset "
        "kg:Architecture kg:Task } }"))
    weights = {}
    for row in store.query(prefix + "SELECT ?e ?rel (COUNT(?p) AS ?n) WHERE { ?p ?rel ?e . VALUES ?rel { "
                           "kg:proposes kg:uses kg:evaluatesOn kg:addresses } } GROUP BY ?e ?rel ORDER BY ?e ?rel"):
        weights[(row["e"].value, row["rel"].value)] = int(row["n"].value)
    choices = sorted(weights)
    counts = [weights[c] for c in choices]
    rng = random.Random(0)
    N = pyoxigraph.NamedNode
    L = pyoxigraph.Literal
    rdf_type = N("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    dc = "http://purl.org/dc/terms/"
    xsd = "http://www.w3.org/2001/XMLSchema#"
    supports = {str(iri): N(str(iri)) for iri in RELATION_PROPERTIES.values()}

    def triples():
        yield from entity_triples
        for i in range(papers):
            paper = N(f"{RES}paper/synthetic-{i:07d}")
            yield pyoxigraph.Triple(paper, rdf_type, N(f"{KG}Paper"))
            yield pyoxigraph.Triple(paper, N(f"{dc}title"), L(f"Synthetic paper {i}"))
            yield pyoxigraph.Triple(paper, N(f"{dc}abstract"), L(f"An abstract of synthetic paper {i}."))
            yield pyoxigraph.Triple(paper, N(f"{dc}identifier"), L(f"synthetic-{i:07d}"))
            yield pyoxigraph.Triple(paper, N(f"{dc}source"), L(f"synthetic:{i + 1}"))
            links = {rng.choices(choices, counts)[0] for _ in range(rng.randint(3, 9))}
            for offset, (entity, relation) in enumerate(sorted(links)):
                yield pyoxigraph.Triple(paper, N(relation), N(entity))
                mention = N(f"{RES}mention/synthetic-{i:07d}/{offset * 10}-{offset * 10 + 5}")
                for predicate, value in (
                        ("type", N(f"{KG}Mention")), ("inPaper", paper), ("denotes", N(entity)),
                        ("supports", supports[relation]), ("startChar", L(str(offset * 10), datatype=N(f"{xsd}integer"))),
                        ("endChar", L(str(offset * 10 + 5), datatype=N(f"{xsd}integer"))),
                        ("surfaceText", L("name")), ("sentence", L(f"Sentence {offset} of paper {i}.")),
                        ("extractor", L("catalog")), ("confidence", L("0.900", datatype=N(f"{xsd}decimal")))):
                    yield pyoxigraph.Triple(mention, rdf_type if predicate == "type" else N(f"{KG}{predicate}"), value)

    path = work / f"synthetic-{papers}.nt"
    pyoxigraph.serialize(triples(), str(path), format=pyoxigraph.RdfFormat.N_TRIPLES)
    return path


# ---------------------------------------------------------------- one engine over one graph (a subprocess)

class QueryTimeout(Exception):
    pass


def _on_alarm(signum, frame):
    raise QueryTimeout


def _peak_rss_mib() -> float:
    """This process's own high-water RSS (ru_maxrss would include the parent's, inherited across fork/exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(engine: str, graph_file: Path, timeout: int) -> dict:
    started = time.perf_counter()
    if engine == "rdflib":
        import rdflib

        graph = rdflib.Graph()
        graph.parse(graph_file, format="turtle" if graph_file.suffix == ".ttl" else "nt")
        graph.parse(VOCABULARY)
        size = len(graph)

        def run(text):
            return len(list(graph.query(text)))
    else:
        store = pyoxigraph.Store()
        fmt = pyoxigraph.RdfFormat.TURTLE if graph_file.suffix == ".ttl" else pyoxigraph.RdfFormat.N_TRIPLES
        store.bulk_load(path=str(graph_file), format=fmt)
        store.bulk_load(path=str(VOCABULARY), format=pyoxigraph.RdfFormat.TURTLE)
        size = len(store)

        def run(text):
            return len(list(store.query(text)))
    load_seconds = time.perf_counter() - started
    signal.signal(signal.SIGALRM, _on_alarm)
    results = {}
    for query in QUERIES:
        text = query.read_text()
        times, rows = [], None
        try:
            for _ in range(REPEATS):
                signal.alarm(timeout)
                began = time.perf_counter()
                rows = run(text)
                times.append(time.perf_counter() - began)
                signal.alarm(0)
                if times[-1] > 1:
                    break  # a slow query is measured once
            results[query.stem] = {"seconds": statistics.median(times), "rows": rows}
        except QueryTimeout:
            results[query.stem] = {"seconds": None, "rows": None}
    peak_mib = _peak_rss_mib()
    return {"triples": size, "load_seconds": load_seconds, "peak_mib": peak_mib, "queries": results}


def run_worker(engine: str, graph_file: Path, timeout: int) -> dict:
    outcome = subprocess.run([sys.executable, __file__, "--worker", engine, str(graph_file), "--timeout", str(timeout)],
                             capture_output=True, text=True)
    if outcome.returncode != 0:
        return {"error": outcome.stderr.strip().splitlines()[-1] if outcome.stderr.strip() else "failed"}
    return json.loads(outcome.stdout)


# ---------------------------------------------------------------- report

def _fmt(seconds: float | None, timeout: int) -> str:
    if seconds is None:
        return f"> {timeout} s"
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def report(graphs: list[tuple[str, dict, dict]], timeout: int) -> str:
    lines = ["| graph | engine | triples | load | peak memory |", "|---|---|---:|---:|---:|"]
    for name, rdflib_result, oxigraph_result in graphs:
        for engine, result in (("rdflib", rdflib_result), ("pyoxigraph", oxigraph_result)):
            if "error" in result:
                lines.append(f"| {name} | {engine} | – | failed: {result['error']} | – |")
                continue
            lines.append(f"| {name} | {engine} | {result['triples']:,} | {result['load_seconds']:.1f} s | "
                         f"{result['peak_mib']:,.0f} MiB |")
    header = "| query | " + " | ".join(f"{name}: rdflib | {name}: pyoxigraph" for name, _, _ in graphs) + " |"
    lines += ["", header, "|---|" + "---:|" * (2 * len(graphs))]
    for query in QUERIES:
        cells = []
        for _, rdflib_result, oxigraph_result in graphs:
            for result in (rdflib_result, oxigraph_result):
                cells.append("–" if "error" in result else _fmt(result["queries"][query.stem]["seconds"], timeout))
        lines.append(f"| {query.stem} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, nargs="*", default=[10_000, 100_000], help="synthetic graph sizes")
    parser.add_argument("--timeout", type=int, default=120, help="seconds an rdflib query may take")
    parser.add_argument("--worker", nargs=2, metavar=("ENGINE", "GRAPH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker[0], Path(args.worker[1]), args.timeout)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        seeds = seeds_graph(work)
        graphs = [("seeds", seeds)] + [(f"{n // 1000}k papers", synthetic_graph(seeds, n, work)) for n in args.papers]
        measured = []
        for name, path in graphs:
            print(f"measuring {name} ...", file=sys.stderr)
            measured.append((name, run_worker("rdflib", path, args.timeout), run_worker("pyoxigraph", path, args.timeout)))
        print(report(measured, args.timeout))


if __name__ == "__main__":
    main()
