"""The SPARQL cookbook (docs/queries/*.rq): from the CLI, from Python and against `kg serve`, with the same
answers, checked against the networkx-based Python API; SHACL validation of the exports."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from SPARQLWrapper import JSON, POST, SPARQLWrapper
from typer.testing import CliRunner

import kg
from kg.cli import app

QUERIES = sorted((Path(__file__).parents[1] / "docs" / "queries").glob("*.rq"))


def query_file(prefix: str) -> Path:
    return next(q for q in QUERIES if q.name.startswith(prefix))


@pytest.fixture(scope="module")
def exports(seeds_exports):
    return seeds_exports[1]


@pytest.fixture(scope="module")
def graph(exports):
    return kg.load(exports)


def bindings(json_text: str) -> list[dict]:
    return json.loads(json_text)["results"]["bindings"]


def column(result, name):
    return [row[name] for row in result.rows]


@pytest.fixture(scope="module")
def server(exports, tmp_path_factory):
    """`kg serve` on a free loopback port; stopped at the end."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    store = tmp_path_factory.mktemp("store") / "oxigraph"
    process = subprocess.Popen([sys.executable, "-m", "kg.cli", "serve", str(exports), "--port", str(port),
                                "--store", str(store)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    endpoint = f"http://127.0.0.1:{port}/query"
    deadline = time.monotonic() + 60
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("kg serve did not start: " + process.stdout.read().decode(errors="replace"))
            time.sleep(0.2)
    yield endpoint, port
    process.terminate()
    process.wait(timeout=20)


def ask_server(endpoint: str, query: str) -> list[dict]:
    client = SPARQLWrapper(endpoint)
    client.setQuery(query)
    client.setReturnFormat(JSON)
    return client.query().convert()["results"]["bindings"]


def test_the_cookbook_has_at_least_twelve_documented_queries():
    assert len(QUERIES) >= 12
    for query in QUERIES:
        assert query.read_text().startswith("# "), f"{query.name} needs a comment saying what it answers"


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.stem)
def test_cli_python_and_server_give_the_same_answers(query, exports, server):
    endpoint, _ = server
    python = kg.sparql(f"@{query}", data=exports)
    assert python.rows, f"{query.name} returned nothing on the seeds graph"
    cli = CliRunner().invoke(app, ["sparql", f"@{query}", "--data", str(exports), "--format", "json"])
    assert cli.exit_code == 0, cli.output
    assert bindings(cli.output) == bindings(python.json)
    assert ask_server(endpoint, query.read_text()) == bindings(python.json)
    csv_output = CliRunner().invoke(app, ["sparql", f"@{query}", "--data", str(exports), "--format", "csv"])
    assert len(csv_output.output.strip().splitlines()) == len(python.rows) + 1


def test_papers_evaluating_on_a_dataset(exports, graph):
    result = kg.sparql(f"@{query_file('01')}", data=exports)
    assert sorted(column(result, "title")) == sorted(p.paper.title for p in graph.papers("ImageNet", "evaluates_on"))


def test_papers_using_a_dataset_by_an_alias(exports, graph):
    result = kg.sparql(f"@{query_file('02')}", data=exports)
    relation_names = {"evaluatesOn": "evaluates_on", "uses": "uses", "proposes": "proposes", "addresses": "addresses"}
    found = sorted((row["title"], relation_names[row["relation"]]) for row in result.rows)
    assert found == sorted((p.paper.title, p.relation) for p in graph.papers("COCO"))


def test_most_used_datasets(exports, graph):
    result = kg.sparql(f"@{query_file('03')}", data=exports)
    assert result.rows[0] == {"label": "ImageNet", "papers": graph.entity("ImageNet").papers}
    for row in result.rows:
        assert row["papers"] == graph.entity(row["label"]).papers


def test_architectures_per_task(exports, graph):
    result = kg.sparql(f"@{query_file('04')}", data=exports)
    for row in result.rows:
        task_papers = {p.paper.id for p in graph.papers(row["task"])}
        arch_papers = {p.paper.id for p in graph.papers(row["architecture"])}
        assert row["papers"] == len(task_papers & arch_papers) >= 2
    assert {row["task"] for row in result.rows} >= {"image classification", "image generation"}


def test_datasets_shared_by_two_tasks(exports, graph):
    result = kg.sparql(f"@{query_file('05')}", data=exports)

    def evaluated(task):
        return {link.entity.label for paper in graph.papers(task)
                for link in graph.entities(paper.paper.id, type="dataset") if link.relation == "evaluates_on"}

    assert column(result, "dataset") == sorted(evaluated("image classification") & evaluated("object detection"))
    assert "ImageNet" in column(result, "dataset")


def test_what_a_paper_proposes_and_evaluates_on(exports, graph):
    result = kg.sparql(f"@{query_file('06')}", data=exports)
    expected = sorted((link.relation, link.entity.label) for link in graph.entities("A ConvNet for the 2020s")
                      if link.relation in {"proposes", "evaluates_on"})
    assert sorted((row["relation"], row["label"]) for row in result.rows) == expected
    assert ("proposes", "ConvNeXt") in expected


def test_evidence_for_a_link(exports, graph):
    result = kg.sparql(f"@{query_file('07')}", data=exports)
    evidence = graph.evidence("A ConvNet for the 2020s", "ADE20K")
    assert column(result, "sentence") == [e.sentence for e in evidence]
    assert column(result, "start") == [e.start for e in evidence]


def test_newly_proposed_entities_are_not_from_the_catalog(exports, graph):
    result = kg.sparql(f"@{query_file('08')}", data=exports)
    labels = set(column(result, "label"))
    assert "ConvNeXt" not in labels  # proposed, but curated
    for row in result.rows:
        entity = graph.linked.entities[graph.entity(row["label"]).id]
        assert entity.source == "extracted"
        assert any(p.paper.title == row["title"] and p.relation == "proposes" for p in graph.papers(entity.id))


def test_variants_of_a_family(exports, graph):
    result = kg.sparql(f"@{query_file('09')}", data=exports)
    family = graph.entity("ResNet").id
    variants = {e.label for e in graph.linked.entities.values() if e.variant_of == family}
    assert set(column(result, "variant")) == variants
    assert {"ResNet-50", "ResNeXt"} <= variants


def test_find_an_entity_by_any_name(exports, graph):
    result = kg.sparql(f"@{query_file('10')}", data=exports)
    assert column(result, "label") == [graph.entity("vit").label]


def test_entities_co_occurring_with_one(exports, graph):
    result = kg.sparql(f"@{query_file('11')}", data=exports)
    together = {info.label: count for info, count in graph.cooccurring("Transformer", n=1000)}
    for row in result.rows:
        assert together[row["label"]] == row["papers"]
    assert result.rows[0]["papers"] == max(together.values())


def test_narrower_tasks(exports, graph):
    result = kg.sparql(f"@{query_file('12')}", data=exports)
    root = graph.entity("image generation").id
    entities = graph.linked.entities

    def under(entity_id):
        parent = entities[entity_id].broader
        while parent:
            if parent == root:
                return True
            parent = entities[parent].broader if parent in entities else None
        return False

    assert column(result, "task") == sorted(e.label for e in entities.values() if e.type == "task" and under(e.id))
    assert "class-conditional image generation" in column(result, "task")


def test_links_per_relation(exports, graph):
    result = kg.sparql(f"@{query_file('13')}", data=exports)
    counts = Counter(link.relation for link in graph.linked.links)
    names = {"evaluatesOn": "evaluates_on"}
    assert {names.get(row["relation"], row["relation"]): row["links"] for row in result.rows} == counts


def test_links_to_review(exports, graph):
    result = kg.sparql(f"@{query_file('14')}", data=exports)
    weak = sorted(link.confidence for link in graph.linked.links if link.confidence < 0.6)
    assert sorted(column(result, "best")) == pytest.approx(weak)


def test_the_endpoint_is_read_only_and_on_loopback(server, exports):
    endpoint, port = server
    before = ask_server(endpoint, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    client = SPARQLWrapper(endpoint.replace("/query", "/update"))
    client.setMethod(POST)
    client.setQuery("INSERT DATA { <urn:x> <urn:y> <urn:z> }")
    with pytest.raises(Exception):
        client.query()
    assert ask_server(endpoint, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == before
    assert int(before[0]["n"]["value"]) == len(kg.sparql("SELECT * WHERE { ?s ?p ?o }", data=exports).rows)


def test_ask_and_construct_queries(exports):
    assert kg.sparql('ASK { ?d <http://www.w3.org/2000/01/rdf-schema#label> "ImageNet" }', data=exports).boolean
    constructed = kg.sparql('CONSTRUCT { ?d <urn:name> ?l } WHERE { ?d a <https://w3id.org/paperkg/ontology#Dataset> ;'
                            ' <http://www.w3.org/2000/01/rdf-schema#label> ?l } LIMIT 3', data=exports)
    assert constructed.triples.count("<urn:name>") == 3


def test_bad_queries_and_missing_data_are_clear_errors(exports, tmp_path):
    broken = CliRunner().invoke(app, ["sparql", "SELECT WHERE {", "--data", str(exports)])
    assert broken.exit_code == 2 and "error" in broken.output
    missing = CliRunner().invoke(app, ["sparql", "SELECT * WHERE { ?s ?p ?o }", "--data", str(tmp_path)])
    assert missing.exit_code == 2 and "kg build" in missing.output


def test_exports_conform_to_the_shacl_shapes(exports):
    outcome = CliRunner().invoke(app, ["validate", str(exports)])
    assert outcome.exit_code == 0, outcome.output
    assert "conforms" in outcome.output


def test_the_shapes_catch_a_broken_graph(exports):
    import rdflib

    from kg.validate import validate

    graph = rdflib.Graph().parse(exports / "graph.ttl")
    KG = rdflib.Namespace("https://w3id.org/paperkg/ontology#")
    mention = next(graph.subjects(rdflib.RDF.type, KG.Mention))
    graph.remove((mention, KG.endChar, None))
    graph.add((mention, KG.endChar, rdflib.Literal(0)))
    entity = next(graph.subjects(rdflib.RDF.type, KG.Dataset))
    graph.remove((entity, rdflib.RDFS.label, None))
    conforms, report = validate(graph)
    assert not conforms
    assert "lessThan" in report or "LessThan" in report
    assert "MinCount" in report


def test_every_link_is_backed_by_a_mention_in_rdf(exports):
    """Provenance: no paper-entity link without a kg:Mention that supports exactly that link."""
    unsupported = kg.sparql("""PREFIX kg: <https://w3id.org/paperkg/ontology#>
        SELECT ?paper ?property ?entity WHERE {
          ?paper ?property ?entity . VALUES ?property { kg:proposes kg:uses kg:evaluatesOn kg:addresses }
          FILTER NOT EXISTS { ?m a kg:Mention ; kg:inPaper ?paper ; kg:denotes ?entity ; kg:supports ?property }
        }""", data=exports)
    assert unsupported.rows == []
    links = kg.sparql("""PREFIX kg: <https://w3id.org/paperkg/ontology#>
        SELECT (COUNT(*) AS ?n) WHERE { ?p ?r ?e . VALUES ?r { kg:proposes kg:uses kg:evaluatesOn kg:addresses } }""",
                      data=exports)
    assert links.rows[0]["n"] > 2000


def test_leaderboard_query_matches_the_python_leaderboard(exports, graph):
    result = kg.sparql(f"@{query_file('15')}", data=exports)
    python = graph.results(dataset="ImageNet", metric="FID")
    assert [float(v) for v in column(result, "value")] == [row.value for row in python]
    assert [v == "true" for v in column(result, "own")] == [row.own for row in python]
    assert [float(v) for v in column(result, "value")] == sorted(float(v) for v in column(result, "value"))
    best = python[0]
    assert best.metric == "FID" and best.dataset.label == "ImageNet"
    assert best.text in best.sentence and str(best.value).rstrip("0").rstrip(".") in best.text


def test_models_evaluated_on_a_dataset(exports, graph):
    result = kg.sparql(f"@{query_file('16')}", data=exports)
    expected = {(r.entity.label, r.papers) for r in graph.related("ImageNet", "evaluated_on")}
    assert {(row["model"], int(row["papers"])) for row in result.rows} == expected
    assert all(row["example"] for row in result.rows)


def test_what_a_task_is_tackled_with(exports, graph):
    result = kg.sparql(f"@{query_file('17')}", data=exports)
    pairs = {(row["task"], row["model"]) for row in result.rows}
    entities = graph.linked.entities
    expected = {(entities[r.target_id].label, entities[r.source_id].label)
                for r in graph.linked.entity_relations if r.relation == "applied_to"}
    assert pairs == expected and pairs


def test_the_cookbook_lists_every_query():
    listed = set(re.findall(r"`(\d\d-[a-z0-9-]+)`", (QUERIES[0].parents[1] / "cookbook.md").read_text()))
    assert listed == {q.stem for q in QUERIES}
