"""RDF export following the contract in DESIGN.md (vocabulary: ontology/kg.ttl).

IRIs are minted from ids (slugs and hashes), never from raw text, so any title or name gives valid RDF.
Turtle comes out sorted by rdflib and N-Triples lines are sorted here. rdflib's JSON-LD and RDF/XML writers
follow hash order (different bytes in every process), so those two are written by pyoxigraph from the sorted
N-Triples, with the same prefixes: every format is byte-identical across runs.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph
from rdflib import RDF, RDFS, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, SKOS

from kg.export.atomic import atomic_write
from kg.linking import LinkedGraph

KG = Namespace("https://w3id.org/paperkg/ontology#")
RES = Namespace("https://w3id.org/paperkg/resource/")
SCHEMA = Namespace("http://schema.org/")

ENTITY_CLASSES = {"method": KG.Method, "dataset": KG.Dataset, "architecture": KG.Architecture, "task": KG.Task}
RELATION_PROPERTIES = {"proposes": KG.proposes, "uses": KG.uses, "evaluates_on": KG.evaluatesOn,
                       "addresses": KG.addresses}
ENTITY_RELATION_PROPERTIES = {"evaluated_on": KG.evaluatedOn, "applied_to": KG.appliedTo}
RDF_FORMATS = {"ttl": "graph.ttl", "nt": "graph.nt", "jsonld": "graph.jsonld", "xml": "graph.rdf"}
_OXIGRAPH_FORMATS = {"jsonld": pyoxigraph.RdfFormat.JSON_LD, "xml": pyoxigraph.RdfFormat.RDF_XML}
_SAFE_URL = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")


def paper_iri(paper_id: str) -> URIRef:
    return RES[f"paper/{paper_id}"]


def entity_iri(entity_id: str) -> URIRef:
    return RES[f"entity/{entity_id}"]


def mention_iri(paper_id: str, span: tuple[int, int]) -> URIRef:
    return RES[f"mention/{paper_id}/{span[0]}-{span[1]}"]


def to_rdf(linked: LinkedGraph) -> Graph:
    graph = Graph()
    for prefix, namespace in (("kg", KG), ("res", RES), ("dcterms", DCTERMS), ("skos", SKOS),
                              ("schema", SCHEMA), ("rdfs", RDFS), ("xsd", XSD)):
        graph.bind(prefix, namespace)
    add = graph.add
    for paper in linked.papers:
        node = paper_iri(paper.id)
        add((node, RDF.type, KG.Paper))
        add((node, DCTERMS.title, Literal(paper.title)))
        add((node, DCTERMS.abstract, Literal(paper.abstract)))
        add((node, DCTERMS.identifier, Literal(paper.id)))
        if paper.url:
            add((node, SCHEMA.url, URIRef(paper.url) if _SAFE_URL.match(paper.url) else Literal(paper.url)))
        if paper.date:
            add((node, DCTERMS.date, Literal(paper.date)))
        for author in paper.authors:
            add((node, DCTERMS.creator, Literal(author)))
        for source in paper.sources:
            add((node, DCTERMS.source, Literal(str(source))))
    for entity in linked.entities.values():
        node = entity_iri(entity.id)
        add((node, RDF.type, ENTITY_CLASSES[entity.type]))
        add((node, RDFS.label, Literal(entity.label)))
        add((node, SKOS.prefLabel, Literal(entity.label)))
        add((node, KG.origin, Literal(entity.source)))
        for alias in entity.aliases:
            add((node, SKOS.altLabel, Literal(alias)))
        if entity.broader and entity.broader in linked.entities:
            add((node, SKOS.broader, entity_iri(entity.broader)))
        if entity.variant_of and entity.variant_of in linked.entities:
            add((node, KG.variantOf, entity_iri(entity.variant_of)))
    for link in linked.links:
        paper, entity = paper_iri(link.paper_id), entity_iri(link.entity_id)
        prop = RELATION_PROPERTIES[link.relation]
        add((paper, prop, entity))
        for mention in link.mentions:
            node = mention_iri(link.paper_id, (mention.start, mention.end))
            add((node, RDF.type, KG.Mention))
            add((node, KG.inPaper, paper))
            add((node, KG.denotes, entity))
            add((node, KG.supports, RELATION_PROPERTIES[mention.relation]))
            add((node, KG.startChar, Literal(mention.start, datatype=XSD.integer)))
            add((node, KG.endChar, Literal(mention.end, datatype=XSD.integer)))
            add((node, KG.surfaceText, Literal(mention.text)))
            add((node, KG.sentence, Literal(mention.sentence)))
            add((node, KG.extractor, Literal(mention.extractor)))
            add((node, KG.confidence, Literal(f"{mention.confidence:.3f}", datatype=XSD.decimal)))
            if mention.cue:
                add((node, KG.cue, Literal(mention.cue)))
    for relation in linked.entity_relations:
        prop = ENTITY_RELATION_PROPERTIES[relation.relation]
        source, target = entity_iri(relation.source_id), entity_iri(relation.target_id)
        add((source, prop, target))
        node = RES[f"statement/{relation.paper_id}/{relation.relation}/{relation.source_span[0]}-"
                   f"{relation.target_span[0]}"]
        add((node, RDF.type, KG.Statement))
        add((node, KG.statedIn, paper_iri(relation.paper_id)))
        add((node, KG.subjectEntity, source))
        add((node, KG.objectEntity, target))
        add((node, KG.subjectMention, mention_iri(relation.paper_id, relation.source_span)))
        add((node, KG.objectMention, mention_iri(relation.paper_id, relation.target_span)))
        add((node, KG.statesRelation, prop))
        add((node, KG.sentence, Literal(relation.sentence)))
        add((node, KG.cue, Literal(relation.cue)))
        add((node, KG.confidence, Literal(f"{relation.confidence:.3f}", datatype=XSD.decimal)))
    for result in linked.results:
        node = RES[f"result/{result.paper_id}/{result.start}-{result.end}"]
        add((node, RDF.type, KG.Result))
        add((node, KG.reportedIn, paper_iri(result.paper_id)))
        add((node, KG.metric, Literal(result.metric)))
        add((node, KG.value, Literal(result.value, datatype=XSD.decimal)))
        if result.unit:
            add((node, KG.unit, Literal(result.unit)))
        if result.dataset_id:
            add((node, KG.onDataset, entity_iri(result.dataset_id)))
            add((node, KG.datasetMention, mention_iri(result.paper_id, result.dataset_span)))
        if result.method_id:
            add((node, KG.achievedBy, entity_iri(result.method_id)))
            add((node, KG.methodMention, mention_iri(result.paper_id, result.method_span)))
        add((node, KG.startChar, Literal(result.start, datatype=XSD.integer)))
        add((node, KG.endChar, Literal(result.end, datatype=XSD.integer)))
        add((node, KG.surfaceText, Literal(result.text)))
        add((node, KG.sentence, Literal(result.sentence)))
        add((node, KG.confidence, Literal(f"{result.confidence:.3f}", datatype=XSD.decimal)))
    return graph


def prefixes(graph: Graph) -> dict[str, str]:
    return {prefix: str(namespace) for prefix, namespace in graph.namespaces()
            if prefix in {"kg", "res", "dcterms", "skos", "schema", "rdfs", "xsd", "rdf"}}


def serialize(graph: Graph, rdf_format: str) -> bytes:
    if rdf_format not in RDF_FORMATS:
        raise ValueError(f"unknown RDF format {rdf_format!r}; choose one of {', '.join(RDF_FORMATS)}")
    if rdf_format == "ttl":
        return graph.serialize(format="turtle", encoding="utf-8")
    lines = graph.serialize(format="nt", encoding="utf-8").splitlines()
    sorted_nt = b"".join(sorted(line + b"\n" for line in lines if line.strip()))
    if rdf_format == "nt":
        return sorted_nt
    triples = pyoxigraph.parse(sorted_nt, format=pyoxigraph.RdfFormat.N_TRIPLES)
    return pyoxigraph.serialize(triples, format=_OXIGRAPH_FORMATS[rdf_format], prefixes=prefixes(graph))


def write_rdf(linked: LinkedGraph, out_dir: Path, rdf_format: str = "ttl") -> Path:
    data = serialize(to_rdf(linked), rdf_format)
    path = out_dir / RDF_FORMATS[rdf_format]
    with atomic_write(path, "wb") as handle:
        handle.write(data)
    return path
