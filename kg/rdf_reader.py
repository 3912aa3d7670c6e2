"""Reading an exported graph (graph.ttl / .nt / .jsonld / .rdf) back into a LinkedGraph, with pyoxigraph.

The inverse of kg.export.rdf: papers, entities, links, every mention, result and entity-relation
statement come back, so a graph loaded from disk answers the same questions as one just built.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pyoxigraph

from kg.export.rdf import ENTITY_RELATION_PROPERTIES, KG_NS as KG, RDF_FORMATS, RELATION_PROPERTIES, RES_NS as RES
from kg.linking import LinkedGraph
from kg.output_folder import OutputFolder
from kg.model import Entity, EntityRelation, Link, Measurement, Mention, Paper, Result, Source

_FORMATS = {".ttl": pyoxigraph.RdfFormat.TURTLE, ".nt": pyoxigraph.RdfFormat.N_TRIPLES,
            ".jsonld": pyoxigraph.RdfFormat.JSON_LD, ".rdf": pyoxigraph.RdfFormat.RDF_XML}
_CLASS_TYPES = {"Method": "method", "Dataset": "dataset", "Architecture": "architecture", "Task": "task"}
_PROPERTY_RELATIONS = {str(iri): relation for relation, iri in RELATION_PROPERTIES.items()}
_ENTITY_RELATIONS = {str(iri): relation for relation, iri in ENTITY_RELATION_PROPERTIES.items()}
_PREFIXES = f"""PREFIX kg: <{KG}> PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX schema: <http://schema.org/>
"""


def find_graph_file(data: str | Path) -> Path:
    """The graph file of an exports directory (the one its build wrote, else graph.ttl first), or the file itself."""
    path = Path(data)
    if path.is_file():
        if path.suffix not in _FORMATS:
            raise FileNotFoundError(f"{path} is not an RDF graph file (expected one of "
                                    f"{', '.join(RDF_FORMATS.values())}, or an exports folder)")
        return path
    manifest = OutputFolder(path).current_manifest_path()
    if manifest is not None:
        try:
            built = path / RDF_FORMATS[json.loads(manifest.read_text("utf-8"))["rdf_format"]]
        except (OSError, ValueError, KeyError, TypeError):
            built = None
        if built is not None and built.is_file():
            return built
    for filename in RDF_FORMATS.values():
        if (path / filename).is_file():
            return path / filename
    raise FileNotFoundError(f"no graph.ttl, graph.nt, graph.jsonld or graph.rdf in {path} (run `kg build` first)")


class GraphReadError(ValueError):
    """An RDF file that cannot be read: its name and what the parser said, in one line."""


def unreadable(graph_file: Path, error: Exception) -> GraphReadError:
    first_line = next((line.strip() for line in str(error).splitlines() if line.strip()), type(error).__name__)
    return GraphReadError(f"{graph_file} is not readable as {graph_file.suffix.lstrip('.')} RDF ({first_line}); "
                          "rebuild it with kg build")


def load_store(data: str | Path, store: pyoxigraph.Store | None = None) -> pyoxigraph.Store:
    graph_file = find_graph_file(data)
    store = store if store is not None else pyoxigraph.Store()
    try:
        store.bulk_load(path=str(graph_file), format=_FORMATS[graph_file.suffix])
    except (SyntaxError, ValueError) as error:
        raise unreadable(graph_file, error) from None
    return store


def _local(iri: pyoxigraph.NamedNode, kind: str) -> str:
    return iri.value.removeprefix(f"{RES}{kind}/")


def _rows(store: pyoxigraph.Store, query: str):
    return store.query(_PREFIXES + query)


def _value(term) -> str | None:
    return None if term is None else term.value


def from_store(store: pyoxigraph.Store) -> LinkedGraph:
    authors, sources = defaultdict(list), defaultdict(list)
    for row in _rows(store, "SELECT ?p ?a WHERE { ?p a kg:Paper ; dcterms:creator ?a }"):
        authors[_local(row["p"], "paper")].append(row["a"].value)
    for row in _rows(store, "SELECT ?p ?s WHERE { ?p a kg:Paper ; dcterms:source ?s }"):
        path, _, line = row["s"].value.rpartition(":")
        sources[_local(row["p"], "paper")].append(Source(path, int(line) if line.isdigit() else 0))
    papers = []
    for row in _rows(store, """SELECT ?p ?id ?title ?abstract ?url ?date WHERE {
            ?p a kg:Paper ; dcterms:identifier ?id ; dcterms:title ?title ; dcterms:abstract ?abstract .
            OPTIONAL { ?p schema:url ?url } OPTIONAL { ?p dcterms:date ?date } } ORDER BY ?id"""):
        paper_id = row["id"].value
        papers.append(Paper(paper_id, row["title"].value, row["abstract"].value, _value(row["url"]),
                            _value(row["date"]), tuple(sorted(authors[paper_id])),
                            sources=tuple(sorted(sources[paper_id], key=lambda s: (s.path, s.line)))))

    aliases = defaultdict(list)
    for row in _rows(store, "SELECT ?e ?alias WHERE { ?e skos:altLabel ?alias }"):
        aliases[_local(row["e"], "entity")].append(row["alias"].value)
    entities = {}
    for row in _rows(store, """SELECT ?e ?class ?label ?origin ?broader ?variant WHERE {
            ?e a ?class ; rdfs:label ?label . VALUES ?class { kg:Method kg:Dataset kg:Architecture kg:Task }
            OPTIONAL { ?e kg:origin ?origin } OPTIONAL { ?e skos:broader ?broader }
            OPTIONAL { ?e kg:variantOf ?variant } } ORDER BY ?e"""):
        entity_id = _local(row["e"], "entity")
        entities[entity_id] = Entity(
            entity_id, row["label"].value, _CLASS_TYPES[row["class"].value.rsplit("#", 1)[1]],
            tuple(sorted(aliases[entity_id])),
            broader=_local(row["broader"], "entity") if row["broader"] else None,
            variant_of=_local(row["variant"], "entity") if row["variant"] else None,
            source=_value(row["origin"]) or "extracted")

    mentions = defaultdict(list)
    for row in _rows(store, """SELECT ?p ?e ?prop ?start ?end ?text ?sentence ?extractor ?confidence ?cue WHERE {
            ?m a kg:Mention ; kg:inPaper ?p ; kg:denotes ?e ; kg:supports ?prop ; kg:startChar ?start ;
               kg:endChar ?end ; kg:surfaceText ?text ; kg:sentence ?sentence ; kg:extractor ?extractor ;
               kg:confidence ?confidence . OPTIONAL { ?m kg:cue ?cue } }"""):
        paper_id, entity_id = _local(row["p"], "paper"), _local(row["e"], "entity")
        mentions[(paper_id, entity_id)].append(Mention(
            paper_id, int(row["start"].value), int(row["end"].value), row["text"].value,
            entities[entity_id].type, row["extractor"].value, float(row["confidence"].value),
            row["sentence"].value, _PROPERTY_RELATIONS[row["prop"].value], _value(row["cue"])))
    links = []
    for row in _rows(store, """SELECT ?p ?prop ?e WHERE { ?p ?prop ?e .
            VALUES ?prop { kg:proposes kg:uses kg:evaluatesOn kg:addresses } } ORDER BY ?p ?e"""):
        paper_id, entity_id = _local(row["p"], "paper"), _local(row["e"], "entity")
        links.append(Link(paper_id, entity_id, _PROPERTY_RELATIONS[row["prop"].value],
                          tuple(sorted(mentions[(paper_id, entity_id)], key=lambda m: m.start))))
    by_paper = defaultdict(list)
    for link in links:
        by_paper[link.paper_id].extend((link.entity_id, m) for m in link.mentions)
    mentions_by_paper = {pid: sorted(items, key=lambda item: item[1].start) for pid, items in by_paper.items()}
    return LinkedGraph(papers, entities, links, mentions_by_paper, _results(store), _entity_relations(store),
                       _measurements(store))


def _span(mention: pyoxigraph.NamedNode | None) -> tuple[int, int] | None:
    """res:mention/<paper>/<start>-<end> → (start, end)."""
    if mention is None:
        return None
    start, _, end = mention.value.rsplit("/", 1)[1].partition("-")
    return int(start), int(end)


def _results(store: pyoxigraph.Store) -> list[Result]:
    results = []
    for row in _rows(store, """SELECT ?p ?metric ?value ?unit ?dataset ?dm ?method ?mm ?start ?end ?text ?sentence
            ?confidence ?own WHERE { ?r a kg:Result ; kg:reportedIn ?p ; kg:metric ?metric ; kg:value ?value ;
                kg:startChar ?start ; kg:endChar ?end ; kg:surfaceText ?text ; kg:sentence ?sentence ;
                kg:confidence ?confidence . OPTIONAL { ?r kg:unit ?unit } OPTIONAL { ?r kg:ownResult ?own }
                OPTIONAL { ?r kg:onDataset ?dataset ; kg:datasetMention ?dm }
                OPTIONAL { ?r kg:achievedBy ?method ; kg:methodMention ?mm } }"""):
        results.append(Result(
            _local(row["p"], "paper"), row["metric"].value, row["value"].value, _value(row["unit"]) or "",
            int(row["start"].value), int(row["end"].value), row["text"].value, row["sentence"].value,
            _span(row["dm"]), _span(row["mm"]), _local(row["dataset"], "entity") if row["dataset"] else None,
            _local(row["method"], "entity") if row["method"] else None, float(row["confidence"].value),
            row["own"] is None or row["own"].value == "true"))
    return sorted(results, key=lambda r: (r.paper_id, r.start))


def _measurements(store: pyoxigraph.Store) -> list[Measurement]:
    measured = []
    for row in _rows(store, """SELECT ?class ?p ?quantity ?value ?unit ?method ?mm ?start ?end ?text ?sentence WHERE {
            VALUES ?class { kg:Cost kg:Setting } ?m a ?class ; kg:reportedIn ?p ; kg:quantity ?quantity ;
                kg:value ?value ; kg:startChar ?start ; kg:endChar ?end ; kg:surfaceText ?text ; kg:sentence ?sentence .
                OPTIONAL { ?m kg:unit ?unit } OPTIONAL { ?m kg:achievedBy ?method ; kg:methodMention ?mm } }"""):
        measured.append(Measurement(
            _local(row["p"], "paper"), "cost" if row["class"].value.endswith("Cost") else "setting",
            row["quantity"].value, row["value"].value, _value(row["unit"]) or "", int(row["start"].value),
            int(row["end"].value), row["text"].value, row["sentence"].value, _span(row["mm"]),
            _local(row["method"], "entity") if row["method"] else None))
    return sorted(measured, key=lambda m: (m.paper_id, m.start))


def _entity_relations(store: pyoxigraph.Store) -> list[EntityRelation]:
    relations = []
    for row in _rows(store, """SELECT ?p ?source ?sm ?prop ?target ?tm ?sentence ?cue ?confidence WHERE {
            ?s a kg:Statement ; kg:statedIn ?p ; kg:subjectEntity ?source ; kg:objectEntity ?target ;
               kg:subjectMention ?sm ; kg:objectMention ?tm ; kg:statesRelation ?prop ; kg:sentence ?sentence ;
               kg:cue ?cue ; kg:confidence ?confidence }"""):
        relations.append(EntityRelation(
            _local(row["p"], "paper"), _ENTITY_RELATIONS[row["prop"].value], _span(row["sm"]), _span(row["tm"]),
            row["sentence"].value, row["cue"].value, float(row["confidence"].value),
            _local(row["source"], "entity"), _local(row["target"], "entity")))
    return sorted(relations, key=lambda r: (r.paper_id, r.source_id, r.relation, r.target_id))


def read_graph(data: str | Path) -> LinkedGraph:
    return from_store(load_store(data))
