"""The `kg` command as a user meets it, in real processes: one way to name a build folder, `--version`, SPARQL's
common prefixes, and one line (never a traceback) for bad input, unless `--debug` asks for it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def kg(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=300)


@pytest.fixture(scope="module")
def bad_inputs(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("bad")
    (folder / "bad.ttl").write_text("garbage <<\n")
    (folder / "notes.txt").write_text("a,b\n")
    (folder / "papers.csv").write_text("id,title,abstract\n1,A study of things,We study things on ImageNet.\n")
    (folder / "broken.jsonl").write_text('{"id": 1, "title": \n')
    return folder


@pytest.mark.parametrize("args, says", [
    (["validate", "{bad}/bad.ttl"], "bad.ttl is not readable as ttl RDF"),
    (["validate", "--data", "{bad}/bad.ttl"], "bad.ttl is not readable as ttl RDF"),
    (["validate", "{bad}/notes.txt"], "notes.txt is not an RDF graph file"),
    (["duplicates", "{bad}/bad.ttl"], "bad.ttl is not readable as ttl RDF"),
    (["html", "{bad}/bad.ttl"], "bad.ttl is not readable as ttl RDF"),
    (["sparql", "ASK {}", "{bad}/bad.ttl"], "bad.ttl is not readable as ttl RDF"),
    (["sparql", "ASK {}", "{bad}/missing"], "missing"),
    (["build", "{bad}/papers.csv", "--format", "jsonl", "--out", "{bad}/out1"],
     "none of its 2 records could be read as jsonl; it looks like csv (try --format csv)"),
    (["build", "{bad}/broken.jsonl", "--out", "{bad}/out2"], "no record of the 1 input file(s) could be read"),
    (["duplicates", "{bad}/one", "--data", "{bad}/other"], "two build folders given"),
    (["build", "{bad}/papers.csv", "--spacy-model", "en_no_such_pipeline_sm", "--out", "{bad}/out3"],
     "the spaCy pipeline 'en_no_such_pipeline_sm' is not installed"),
])
def test_bad_input_gets_one_line_and_a_failing_exit_code(bad_inputs, args, says):
    done = kg(*(a.replace("{bad}", str(bad_inputs)) for a in args))
    assert done.returncode != 0
    assert "Traceback" not in done.stderr + done.stdout
    assert says in " ".join(done.stderr.split())  # (rich may wrap a long line)


def test_debug_shows_the_traceback_of_an_unexpected_error(tmp_path):
    # a mention of an entity the graph does not define: reading it fails in a way no command expects
    broken = tmp_path / "graph.ttl"
    res = "https://w3id.org/paperkg/resource/"
    broken.write_text(f"""@prefix kg: <https://w3id.org/paperkg/ontology#> .
<{res}mention/p/0-4> a kg:Mention ; kg:inPaper <{res}paper/p> ; kg:denotes <{res}entity/nowhere> ;
    kg:supports kg:uses ; kg:startChar 0 ; kg:endChar 4 ; kg:surfaceText "text" ; kg:sentence "text" ;
    kg:extractor "catalog" ; kg:confidence 0.9 .
""")
    plain, debug = kg("duplicates", broken), kg("--debug", "duplicates", broken)
    assert plain.returncode != 0 and debug.returncode != 0
    assert "Traceback" not in plain.stderr and len(plain.stderr.strip().splitlines()) <= 2
    assert "--debug" in plain.stderr
    assert "Traceback" in debug.stderr


def test_version():
    done = kg("--version")
    assert done.returncode == 0 and done.stdout.startswith("paperkg ")


def test_a_build_folder_is_named_the_same_way_by_every_command(seeds_exports):
    _, out = seeds_exports
    positional, option = kg("duplicates", out), kg("duplicates", "--data", out)
    assert positional.returncode == option.returncode == 0 and positional.stdout == option.stdout
    assert kg("sparql", "ASK { ?s ?p ?o }", out).stdout.strip() == "true"
    assert kg("sparql", "ASK { ?s ?p ?o }", "--data", out).stdout.strip() == "true"


def test_sparql_needs_no_prefix_declarations_for_the_common_vocabularies(seeds_exports):
    _, out = seeds_exports
    done = kg("sparql", "SELECT ?l WHERE { ?d a kg:Dataset ; rdfs:label ?l } ORDER BY ?l LIMIT 3", out, "-f", "csv")
    assert done.returncode == 0, done.stderr
    rows = done.stdout.splitlines()
    assert rows[0] == "l" and len(rows) == 4
    declared = kg("sparql", "PREFIX kg: <https://w3id.org/paperkg/ontology#> SELECT (COUNT(?d) AS ?n) "
                            "WHERE { ?d a kg:Dataset }", out, "-f", "csv")
    assert declared.returncode == 0 and int(declared.stdout.splitlines()[1]) > 0  # its own declaration still works


@pytest.mark.parametrize("module", ["kg.cli", "kg.sparql", "kg.query", "kg"])
def test_reading_a_build_does_not_load_spacy(module):
    # `kg --help`, `kg sparql` and kg.load start fast: spaCy (about a second to import) loads only where extraction runs
    done = subprocess.run([sys.executable, "-c", f"import sys, {module}; print('spacy' in sys.modules)"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "False", done.stderr


def test_the_build_summary_counts_the_entities_papers_mention(tmp_path):
    papers = tmp_path / "papers.jsonl"
    papers.write_text('{"id": "a", "title": "Sharper Flows", "abstract": "We train a ResNet-50 on ImageNet for '
                      'image classification."}\n')
    done = kg("build", papers, "--out", tmp_path / "out")
    assert done.returncode == 0, done.stderr
    line = " ".join(" ".join(done.stdout.split("│")).split())  # the summary table's cells, on one line
    import re
    mentioned = int(re.search(r"entities (\d+):", line).group(1))
    from kg.query import load
    graph = load(tmp_path / "out")
    assert mentioned == len({link.entity_id for link in graph.linked.links}) < len(graph.linked.entities)
    assert "broader catalog concepts no paper mentions" in line
