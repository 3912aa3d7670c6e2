"""End to end on the seeds: build, then read every export back with real consumers."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pyoxigraph
import pytest
import rdflib
from typer.testing import CliRunner

from kg.builder import build, write_exports
from kg.cli import app

KG = "https://w3id.org/paperkg/ontology#"


@pytest.fixture(scope="module")
def seeds_build(seeds_exports):
    return seeds_exports


def test_sparql_over_turtle_with_pyoxigraph(seeds_build):
    _, out = seeds_build
    store = pyoxigraph.Store()
    store.bulk_load(path=str(out / "graph.ttl"), format=pyoxigraph.RdfFormat.TURTLE)
    papers = list(store.query(f"SELECT (COUNT(?p) AS ?n) WHERE {{ ?p a <{KG}Paper> }}"))[0]["n"].value
    assert int(papers) == 404
    linked = list(store.query(f"""PREFIX kg: <{KG}>
        SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ ?p a kg:Paper ; ?rel ?e . ?e a ?type .
          VALUES ?type {{ kg:Method kg:Dataset kg:Architecture kg:Task }} }}"""))[0]["n"].value
    assert int(linked) >= 0.95 * 404
    types = {row["type"].value.rsplit("#", 1)[1] for row in store.query(
        f"SELECT DISTINCT ?type WHERE {{ ?e a ?type . FILTER(STRSTARTS(STR(?type), '{KG}')) }}")}
    assert {"Paper", "Method", "Dataset", "Architecture", "Task", "Mention"} <= types


def test_turtle_parses_with_rdflib_and_evidence_is_queryable(seeds_build):
    result, out = seeds_build
    graph = rdflib.Graph().parse(out / "graph.ttl", format="turtle")
    vocabulary = rdflib.Graph().parse(Path(__file__).parents[1] / "ontology" / "kg.ttl")
    graph += vocabulary
    rows = list(graph.query(f"""PREFIX kg: <{KG}> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?sentence ?start WHERE {{
          ?paper kg:evaluatesOn ?dataset . ?dataset rdfs:label "ImageNet" .
          ?m a kg:Mention ; kg:inPaper ?paper ; kg:denotes ?dataset ; kg:sentence ?sentence ; kg:startChar ?start .
        }}"""))
    assert rows and all("ImageNet" in str(row.sentence) or "imagenet" in str(row.sentence).lower() for row in rows)
    # links are sub-properties of kg:mentions in the vocabulary
    mentions = list(graph.query(f"""PREFIX kg: <{KG}> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT (COUNT(*) AS ?n) WHERE {{ ?p ?rel ?e . ?rel rdfs:subPropertyOf kg:mentions }}"""))
    assert int(mentions[0][0]) == len(result.linked.links)


def test_graph_has_entities_relations_and_cooccurrence(seeds_build):
    result, _ = seeds_build
    graph = result.graph
    kinds = {data["kind"] for _, data in graph.nodes(data=True)}
    assert kinds == {"paper", "method", "dataset", "architecture", "task"}
    relations = {key for _, _, key in graph.edges(keys=True)}
    assert {"proposes", "evaluates_on", "addresses", "uses", "co_occurs_with", "variant_of", "broader"} <= relations
    weights = [d["weight"] for _, _, k, d in graph.edges(keys=True, data=True) if k == "co_occurs_with"]
    assert max(weights) >= 5
    resnet50 = [n for n, d in graph.nodes(data=True) if d.get("label") == "ResNet-50"]
    assert resnet50 and ("entity:residual-network" in graph.successors(resnet50[0]))


def test_graphml_reads_in_networkx_and_igraph(seeds_build):
    result, out = seeds_build
    read_back = nx.read_graphml(out / "graph.graphml")
    assert read_back.number_of_nodes() == result.graph.number_of_nodes()
    assert read_back.number_of_edges() == result.graph.number_of_edges()
    import igraph

    ig = igraph.Graph.Read_GraphML(str(out / "graph.graphml"))
    assert ig.vcount() == result.graph.number_of_nodes()
    assert ig.ecount() == result.graph.number_of_edges()
    assert set(ig.vs["kind"]) == {"paper", "method", "dataset", "architecture", "task"}
    # the papers' link edges are written as they are linked, before the entity nodes they name (GraphML sets no
    # order): both readers resolve them to the entities declared later, with their attributes
    text = (out / "graph.graphml").read_text(encoding="utf-8")
    assert text.index('<edge source="paper:') < text.index('<node id="entity:')
    linked_kinds = {ig.vs[edge.target]["kind"] for edge in ig.es if ig.vs[edge.source]["kind"] == "paper"}
    assert linked_kinds == {"method", "dataset", "architecture", "task"}
    assert all(read_back.nodes[target].get("label") for source, target in read_back.edges()
               if source.startswith("paper:"))


def test_mentions_jsonl_offsets_point_at_the_text(seeds_build):
    result, out = seeds_build
    texts = {p.id: p.text for p in result.linked.papers}
    lines = (out / "mentions.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 404
    checked = 0
    for line in lines:
        record = json.loads(line)
        for entity in record["entities"]:
            assert entity["type"] in {"method", "dataset", "architecture", "task"}
            assert entity["relation"] in {"proposes", "evaluates_on", "addresses", "uses"}
            for mention in entity["mentions"]:
                assert texts[record["id"]][mention["start"]:mention["end"]] == mention["text"]
                checked += 1
    assert checked > 2000


def test_mentions_lines_are_the_records_in_corpus_order(seeds_build):
    """Each mentions.jsonl line is its paper's record (kg.export.mentions.paper_record) as JSON, UTF-8 unescaped,
    papers in corpus order."""
    from kg.export.mentions import paper_record

    result, out = seeds_build
    raw = (out / "mentions.jsonl").read_bytes()
    lines = raw.decode("utf-8").splitlines()
    papers = list(result.linked.per_paper())
    assert len(lines) == len(papers) == 404
    for line, item in zip(lines, papers, strict=True):
        assert json.loads(line) == json.loads(json.dumps(paper_record(item, result.linked.entities)))
    non_ascii = next(p.title for p in result.linked.papers if not p.title.isascii())
    assert json.dumps(non_ascii, ensure_ascii=False)[1:-1].encode("utf-8") in raw  # written as it is, not \\u-escaped


def test_same_input_gives_byte_identical_outputs(seed_files, seeds_build, tmp_path):
    _, first = seeds_build
    write_exports(build(seed_files), tmp_path)
    for name in ("graph.ttl", "graph.graphml", "graph.html", "mentions.jsonl"):
        assert (tmp_path / name).read_bytes() == (first / name).read_bytes(), name
    assert not list(tmp_path.glob(".*.tmp")), "a temporary file was left behind"


HOSTILE = [
    {"id": "x1", "title": 'Quotes " and \'single\' <img src=x onerror=alert(1)> & </script>',
     "abstract": "We present EvilNet, a network for image classification on ImageNet. It beats \"ResNet\" <b>."},
    {"id": "x2", "title": "Línea\nnueva — 图像分割 的 新方法 \u0000\u000b control",
     "abstract": "我们提出 ZhiNet 模型. We evaluate the ZhiNet model on COCO for semantic segmentation."},
    {"id": "x 3/../<>", "title": "Spaces and > brackets",
     "abstract": "We propose Tab\tNet and the DataX-1M dataset for object detection; results on DataX-1M are strong."},
]


@pytest.mark.parametrize("rdf_format", ["ttl", "nt", "jsonld", "xml"])
def test_hostile_strings_give_valid_outputs(tmp_path, rdf_format):
    source = tmp_path / "hostile.jsonl"
    source.write_text("\n".join(json.dumps(r) for r in HOSTILE) + "\n", encoding="utf-8")
    result = build([source])
    files = write_exports(result, tmp_path / "out", rdf_format=rdf_format)
    rdf_file = files[0]
    parsed = rdflib.Graph().parse(rdf_file, format={"ttl": "turtle", "nt": "nt", "jsonld": "json-ld",
                                                    "xml": "xml"}[rdf_format])
    titles = {str(o) for o in parsed.objects(None, rdflib.URIRef("http://purl.org/dc/terms/title"))}
    assert HOSTILE[0]["title"] in titles
    assert any("图像分割" in t for t in titles)
    for subject in parsed.subjects():
        if isinstance(subject, rdflib.URIRef):
            assert all(ch not in str(subject) for ch in ' <>"\n')
    if rdf_format == "ttl":
        store = pyoxigraph.Store()
        store.bulk_load(path=str(rdf_file), format=pyoxigraph.RdfFormat.TURTLE)
        assert len(store) == len(parsed)
    assert nx.read_graphml(tmp_path / "out" / "graph.graphml").number_of_nodes() == result.graph.number_of_nodes()
    html = (tmp_path / "out" / "graph.html").read_text(encoding="utf-8")
    assert "<img src=x" not in html and "</script><" not in html.split('id="graph-data">')[1].split("</script>")[0]


ESCAPING = [
    {"id": "e1", "title": "Back\\slash, tab\tand \"quotes\" \u007f \ufffe \r\n end",
     "abstract": "We propose QuoteNet \\cite{x}, evaluated on ImageNet with 92.5% top-1 accuracy.\fDone.",
     "url": "http://schema.org/a.b%20c?d=e"},
    {"id": "e2", "title": "Plain", "abstract": "We train ResNet-50 on COCO.", "url": "https://arxiv.org/abs/2401.0001"},
]


@pytest.mark.parametrize("rdf_format", ["ttl", "nt"])
def test_rdf_text_is_what_pyoxigraph_itself_writes(seed_files, tmp_path, rdf_format):
    """The exporter writes RDF text itself (kg.export.rdf_syntax); pyoxigraph, parsing it and writing it again,
    must give the same bytes: same escapes, same prefixed names, same grouping of statements."""
    from kg.export.rdf import PREFIXES

    source = tmp_path / "escaping.jsonl"
    source.write_text("\n".join(json.dumps(r) for r in ESCAPING) + "\n", encoding="utf-8")
    oxigraph_format = {"ttl": pyoxigraph.RdfFormat.TURTLE, "nt": pyoxigraph.RdfFormat.N_TRIPLES}[rdf_format]
    written = {}
    for name, inputs in (("escaping", [source]), ("seeds", seed_files)):
        data = written[name] = write_exports(build(inputs), tmp_path / name, rdf_format=rdf_format)[0].read_bytes()
        triples = list(pyoxigraph.parse(data, format=oxigraph_format))
        again = pyoxigraph.serialize(triples, format=oxigraph_format,
                                     **({"prefixes": PREFIXES} if rdf_format == "ttl" else {}))
        assert data == again, name
    # the escapes were needed (the reader has already turned control characters into spaces)
    for escaped in (b"Back\\\\slash", b"\\\"quotes\\\"", b"QuoteNet \\\\cite"):
        assert escaped in written["escaping"], escaped
    if rdf_format == "ttl":  # a URL in a prefix's namespace is abbreviated (and escaped) as pyoxigraph does it
        assert b"schema:url schema:a.b\\%20c\\?d\\=e" in written["escaping"]


@pytest.mark.parametrize("rdf_format", ["ttl", "nt"])
def test_mention_nodes_written_whole_are_the_triples_written_one_by_one(seeds_exports, rdf_format):
    """A mention node's statements are filled into one template (kg.export.rdf_syntax.BLOCK); for every seed paper
    that gives the text its triples one by one give, and a span linked to two entities merges into one node."""
    from dataclasses import replace

    from kg.export.rdf import PREFIXES, paper_triples, vocabulary

    result, _ = seeds_exports
    V = vocabulary(rdf_format)
    papers = [item for item in result.linked.per_paper() if item.links]
    assert sum(len(link.mentions) for item in papers for link in item.links) > 1000
    for item in papers:
        whole = V.syntax.statements(dict.fromkeys(paper_triples(item, V)))
        assert whole == V.syntax.statements(dict.fromkeys(paper_triples(item, V, whole_nodes=False)))
    item = next(item for item in papers if len(item.links) >= 2)
    first, second = item.links[:2]
    shared = replace(item, links=[first, replace(second, mentions=[*second.mentions, first.mentions[0]])])
    data = V.syntax.statements(dict.fromkeys(paper_triples(shared, V))).encode("utf-8")
    prefixes = "".join(f"@prefix {k}: <{v}> .\n" for k, v in PREFIXES.items()).encode("utf-8")
    oxigraph_format = {"ttl": pyoxigraph.RdfFormat.TURTLE, "nt": pyoxigraph.RdfFormat.N_TRIPLES}[rdf_format]
    triples = list(pyoxigraph.parse(prefixes + data if rdf_format == "ttl" else data, format=oxigraph_format))
    mention = first.mentions[0]
    node = next(t.subject for t in triples if t.subject.value.endswith(f"/{mention.start}-{mention.end}")
                and t.predicate.value.endswith("#denotes"))
    denoted = {t.object.value for t in triples if t.subject == node and t.predicate.value.endswith("#denotes")}
    assert len(denoted) == 2
    assert sum(1 for t in triples if t.subject == node and t.predicate.value.endswith("#startChar")) == 1


def test_literal_escapes_are_pyoxigraphs():
    """Every character the reader lets through, and the ones it does not, quoted as pyoxigraph quotes them."""
    from kg.export.rdf_syntax import quoted

    probe = pyoxigraph.NamedNode("urn:x")
    for code in (*range(0x250), 0x2028, 0xFEFF, 0xFFFD, 0xFFFE, 0xFFFF, 0x1F600, 0x10FFFF):
        text = f"a{chr(code)}b"
        line = pyoxigraph.serialize([pyoxigraph.Triple(probe, probe, pyoxigraph.Literal(text))],
                                    format=pyoxigraph.RdfFormat.N_TRIPLES).decode("utf-8")
        assert line == f"<urn:x> <urn:x> {quoted(text)} .\n", hex(code)


@pytest.mark.parametrize("data", [
    {"kind": "paper", "title": 'A & B <c> "d" \'e\' \r f\tg\nh ]]> 图像', "authors": ("X & Y", "Z<"), "url": None,
     "results": ("records are left out",), "confidence": 0.25, "papers": 3},
    {},
])
def test_graphml_elements_are_what_lxml_writes(data):
    """GraphML elements are written as text (kg.export.graphml); lxml, building the same element, gives the same
    bytes — escapes in text and in attributes included."""
    from lxml import etree

    from kg.export.graphml import _KEY_IDS, _element, _text

    attributes = {"source": 'paper:a&b"c', "target": "entity:x\ty\nz<", "id": "uses"}
    for domain in ("node", "edge"):
        reference = etree.Element(domain, attributes)
        for name, value in data.items():
            if (domain, name) in _KEY_IDS and value is not None:
                etree.SubElement(reference, "data", key=_KEY_IDS[(domain, name)]).text = _text(value)
        assert _element(domain, attributes, data, domain) == etree.tostring(reference, encoding="utf-8",
                                                                            pretty_print=True)


def test_counted_entity_edges_are_what_the_element_writer_writes():
    """The co-occurrence and entity-relation edges come from one template (kg.export.graphml._CountedEdges); each is
    the same bytes `_edge` (checked against lxml above) makes, hostile entity ids included."""
    from kg.export.graphml import _CountedEdges, _edge
    from kg.graph import entity_node

    edges = [("a&b", "co_occurs_with", 'x"y\tz', "weight", 7), ("m<n>", "evaluated_on", "d\r\ne", "papers", 12),
             ("plain", "applied_to", "plain-2", "papers", 1)]
    written = []
    _CountedEdges().write(written.append, edges)
    expected = b"".join(_edge(entity_node(source), entity_node(target), relation,
                              {"relation": relation, attribute: count})
                        for source, relation, target, attribute, count in edges)
    assert b"".join(written) == expected


def test_link_edges_from_the_template_are_what_the_element_writer_writes():
    """Link edges are filled into one template (kg.export.graphml._link_edge): the bytes `_edge` makes from
    `link_attributes`, hostile ids and any confidence included."""
    from kg.export.graphml import _edge, _escaped_attribute, _link_edge
    from kg.graph import entity_node, link_attributes, paper_node
    from kg.model import Link, Mention

    for entity_id, confidences in (('x&y"z\t<w>', [0.8, 0.5]), ("plain", [1e-05]), ("none", []), ("int", [1]),
                                   ("q", [0.1 + 0.2])):
        mentions = tuple(Mention(paper_id='a&b"c', start=i, end=i + 1, text="x", type="method", extractor="catalog",
                                 confidence=c, sentence="s") for i, c in enumerate(confidences))
        link = Link(paper_id='a&b"c', entity_id=entity_id, relation="evaluates_on", mentions=mentions)
        node = paper_node(link.paper_id)
        expected = _edge(node, entity_node(entity_id), link.relation, link_attributes(link))
        assert _link_edge(node, _escaped_attribute(node), link).encode("utf-8") == expected


def test_cli_build_prints_summary_and_reports_bad_records(tmp_path):
    source = tmp_path / "papers.jsonl"
    source.write_text(json.dumps(HOSTILE[0]) + "\n{broken\n", encoding="utf-8")
    outcome = CliRunner().invoke(app, ["build", str(source), "--out", str(tmp_path / "out")])
    assert outcome.exit_code == 0, outcome.output
    assert "papers" in outcome.output and "1 records skipped" in outcome.output
    assert f"{source}:2: broken JSON" in outcome.output
    assert (tmp_path / "out" / "graph.ttl").stat().st_size > 0
    missing = CliRunner().invoke(app, ["build", str(tmp_path / "nope.jsonl")])
    assert missing.exit_code == 2 and "no such file" in missing.output


@pytest.mark.parametrize("rdf_format", ["ttl", "nt", "jsonld", "xml"])
def test_outputs_are_byte_identical_across_processes(seed_files, tmp_path, rdf_format):
    """Python salts string hashes per process: nothing that reaches a file may depend on set or hash order."""
    import os
    import subprocess
    import sys

    outputs = []
    for hash_seed in ("1", "2"):
        out = tmp_path / hash_seed
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        subprocess.run([sys.executable, "-m", "kg.cli", "build", str(seed_files[0]), "--out", str(out),
                        "--rdf-format", rdf_format, "--quiet"], check=True, env=env, capture_output=True)
        outputs.append({p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()})
    assert outputs[0].keys() == outputs[1].keys() and len(outputs[0]) == 4
    for name in outputs[0]:
        assert outputs[0][name] == outputs[1][name], name


def test_spacy_model_option_loads_an_installed_pipeline(tmp_path):
    """--spacy-model takes any pipeline spacy.load accepts (a package name or a path); its own sentence
    boundaries are kept and the paperkg components are added after it."""
    import spacy

    saved = tmp_path / "pipeline"
    custom = spacy.blank("en")
    custom.add_pipe("sentencizer")
    custom.to_disk(saved)
    source = tmp_path / "papers.jsonl"
    source.write_text(json.dumps(HOSTILE[0]) + "\n", encoding="utf-8")
    result = build([source], spacy_model=str(saved))
    labels = {e.label for e in result.linked.entities.values()}
    assert {"EvilNet", "ImageNet", "image classification"} <= labels
    from extractors import build_pipeline

    assert build_pipeline(str(saved)).pipe_names[0] == "sentencizer"
    assert build_pipeline(str(saved)).pipe_names.count("sentencizer") == 1


def test_exports_are_ordinary_readable_files(seeds_build):
    import os
    import stat

    _, out = seeds_build
    umask = os.umask(0)
    os.umask(umask)
    for name in ("graph.ttl", "graph.graphml", "graph.html", "mentions.jsonl"):
        assert stat.S_IMODE((out / name).stat().st_mode) == 0o666 & ~umask, name
