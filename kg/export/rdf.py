"""RDF export following the contract in DESIGN.md (vocabulary: ontology/kg.ttl), streamed.

`encode_papers` turns linked papers into RDF (paper, links, mentions, results, statements) — in the builder's
worker processes when there are some — and `RdfWriter` appends the pieces to a temporary file: Turtle statements
(the prefix lines written once, at the top) or N-Triples, which both concatenate; `finish` adds the entities and
entity-to-entity edges and renames the file into place. JSON-LD and RDF/XML are spooled as N-Triples and converted
in one streaming pyoxigraph pass at the end. Memory stays flat whatever the corpus size, and the output is
byte-identical for the same input (papers in corpus order, entities by id). IRIs are minted from ids (slugs and hashes), never from raw text, so
any title or name gives valid RDF; terms are pyoxigraph objects, never strings glued into RDF syntax.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path

from pyoxigraph import Literal, NamedNode, RdfFormat, Triple, parse, serialize

from kg.export.atomic import AtomicFile, atomic_write
from kg.linking import LinkedGraph, LinkedPaper
from kg.model import Entity, EntityRelation, Result

KG_NS = "https://w3id.org/paperkg/ontology#"
RES_NS = "https://w3id.org/paperkg/resource/"
PREFIXES = {
    "kg": KG_NS, "dcterms": "http://purl.org/dc/terms/", "skos": "http://www.w3.org/2004/02/skos/core#",
    "schema": "http://schema.org/", "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#", "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
}
RDF_FORMATS = {"ttl": "graph.ttl", "nt": "graph.nt", "jsonld": "graph.jsonld", "xml": "graph.rdf"}
_OXIGRAPH_FORMATS = {"ttl": RdfFormat.TURTLE, "nt": RdfFormat.N_TRIPLES, "jsonld": RdfFormat.JSON_LD,
                     "xml": RdfFormat.RDF_XML}
# property IRIs by relation name (kg.model.RELATIONS and ENTITY_RELATIONS)
RELATION_PROPERTIES = {"proposes": KG_NS + "proposes", "uses": KG_NS + "uses", "evaluates_on": KG_NS + "evaluatesOn",
                       "addresses": KG_NS + "addresses"}
ENTITY_RELATION_PROPERTIES = {"evaluated_on": KG_NS + "evaluatedOn", "applied_to": KG_NS + "appliedTo"}
_SAFE_URL = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")


class _Vocabulary:
    """The terms used, made once."""

    def __init__(self):
        def ns(name: str):
            base = PREFIXES[name]
            return lambda local: NamedNode(base + local)

        kg, dcterms, skos, rdfs, xsd = ns("kg"), ns("dcterms"), ns("skos"), ns("rdfs"), ns("xsd")
        self.type = NamedNode(PREFIXES["rdf"] + "type")
        self.label, self.pref_label, self.alt_label = rdfs("label"), skos("prefLabel"), skos("altLabel")
        self.broader, self.variant_of, self.origin = skos("broader"), kg("variantOf"), kg("origin")
        self.title, self.abstract, self.identifier = dcterms("title"), dcterms("abstract"), dcterms("identifier")
        self.date, self.creator, self.source, self.url = dcterms("date"), dcterms("creator"), dcterms("source"), \
            NamedNode(PREFIXES["schema"] + "url")
        self.paper, self.mention, self.result, self.statement = kg("Paper"), kg("Mention"), kg("Result"), kg("Statement")
        self.entity_classes = {"method": kg("Method"), "dataset": kg("Dataset"), "architecture": kg("Architecture"),
                               "task": kg("Task")}
        self.relations = {name: NamedNode(iri) for name, iri in RELATION_PROPERTIES.items()}
        self.entity_relations = {name: NamedNode(iri) for name, iri in ENTITY_RELATION_PROPERTIES.items()}
        for name in ("inPaper", "denotes", "supports", "startChar", "endChar", "surfaceText", "sentence",
                     "extractor", "confidence", "cue", "statedIn", "subjectEntity", "objectEntity", "subjectMention",
                     "objectMention", "statesRelation", "reportedIn", "metric", "value", "unit", "onDataset",
                     "datasetMention", "achievedBy", "methodMention"):
            setattr(self, name, kg(name))
        self.integer, self.decimal = xsd("integer"), xsd("decimal")


V = _Vocabulary()


def paper_iri(paper_id: str) -> NamedNode:
    return NamedNode(f"{RES_NS}paper/{paper_id}")


def entity_iri(entity_id: str) -> NamedNode:
    return NamedNode(f"{RES_NS}entity/{entity_id}")


def mention_iri(paper_id: str, span: tuple[int, int]) -> NamedNode:
    return NamedNode(f"{RES_NS}mention/{paper_id}/{span[0]}-{span[1]}")


def _integer(value: int) -> Literal:
    return Literal(str(value), datatype=V.integer)


def _confidence(value: float) -> Literal:
    return Literal(f"{value:.3f}", datatype=V.decimal)


def _url(url: str) -> NamedNode | Literal:
    if _SAFE_URL.match(url):
        try:
            return NamedNode(url)
        except ValueError:
            pass
    return Literal(url)


def paper_triples(item: LinkedPaper) -> Iterator[Triple]:
    """Everything one paper contributes: its metadata, links, mention nodes, statements and results."""
    paper = item.paper
    node = paper_iri(paper.id)
    yield Triple(node, V.type, V.paper)
    yield Triple(node, V.title, Literal(paper.title))
    yield Triple(node, V.abstract, Literal(paper.abstract))
    yield Triple(node, V.identifier, Literal(paper.id))
    if paper.url:
        yield Triple(node, V.url, _url(paper.url))
    if paper.date:
        yield Triple(node, V.date, Literal(paper.date))
    for author in paper.authors:
        yield Triple(node, V.creator, Literal(author))
    for source in paper.sources:
        yield Triple(node, V.source, Literal(str(source)))
    for link in item.links:
        entity = entity_iri(link.entity_id)
        yield Triple(node, V.relations[link.relation], entity)
        for mention in link.mentions:
            subject = mention_iri(paper.id, (mention.start, mention.end))
            yield Triple(subject, V.type, V.mention)
            yield Triple(subject, V.inPaper, node)
            yield Triple(subject, V.denotes, entity)
            yield Triple(subject, V.supports, V.relations[mention.relation])
            yield Triple(subject, V.startChar, _integer(mention.start))
            yield Triple(subject, V.endChar, _integer(mention.end))
            yield Triple(subject, V.surfaceText, Literal(mention.text))
            yield Triple(subject, V.sentence, Literal(mention.sentence))
            yield Triple(subject, V.extractor, Literal(mention.extractor))
            yield Triple(subject, V.confidence, _confidence(mention.confidence))
            if mention.cue:
                yield Triple(subject, V.cue, Literal(mention.cue))
    for relation in item.entity_relations:
        yield from _statement_triples(relation)
    for result in item.results:
        yield from _result_triples(result)


def _statement_triples(relation: EntityRelation) -> Iterator[Triple]:
    prop = V.entity_relations[relation.relation]
    node = NamedNode(f"{RES_NS}statement/{relation.paper_id}/{relation.relation}/{relation.source_span[0]}-"
                     f"{relation.target_span[0]}")
    yield Triple(node, V.type, V.statement)
    yield Triple(node, V.statedIn, paper_iri(relation.paper_id))
    yield Triple(node, V.subjectEntity, entity_iri(relation.source_id))
    yield Triple(node, V.objectEntity, entity_iri(relation.target_id))
    yield Triple(node, V.subjectMention, mention_iri(relation.paper_id, relation.source_span))
    yield Triple(node, V.objectMention, mention_iri(relation.paper_id, relation.target_span))
    yield Triple(node, V.statesRelation, prop)
    yield Triple(node, V.sentence, Literal(relation.sentence))
    yield Triple(node, V.cue, Literal(relation.cue))
    yield Triple(node, V.confidence, _confidence(relation.confidence))


def _result_triples(result: Result) -> Iterator[Triple]:
    node = NamedNode(f"{RES_NS}result/{result.paper_id}/{result.start}-{result.end}")
    yield Triple(node, V.type, V.result)
    yield Triple(node, V.reportedIn, paper_iri(result.paper_id))
    yield Triple(node, V.metric, Literal(result.metric))
    yield Triple(node, V.value, Literal(result.value, datatype=V.decimal))
    if result.unit:
        yield Triple(node, V.unit, Literal(result.unit))
    if result.dataset_id:
        yield Triple(node, V.onDataset, entity_iri(result.dataset_id))
        yield Triple(node, V.datasetMention, mention_iri(result.paper_id, result.dataset_span))
    if result.method_id:
        yield Triple(node, V.achievedBy, entity_iri(result.method_id))
        yield Triple(node, V.methodMention, mention_iri(result.paper_id, result.method_span))
    yield Triple(node, V.startChar, _integer(result.start))
    yield Triple(node, V.endChar, _integer(result.end))
    yield Triple(node, V.surfaceText, Literal(result.text))
    yield Triple(node, V.sentence, Literal(result.sentence))
    yield Triple(node, V.confidence, _confidence(result.confidence))


def entity_triples(entities: dict[str, Entity]) -> Iterator[Triple]:
    for entity in entities.values():
        node = entity_iri(entity.id)
        yield Triple(node, V.type, V.entity_classes[entity.type])
        yield Triple(node, V.label, Literal(entity.label))
        yield Triple(node, V.pref_label, Literal(entity.label))
        yield Triple(node, V.origin, Literal(entity.source))
        for alias in entity.aliases:
            yield Triple(node, V.alt_label, Literal(alias))
        if entity.broader and entity.broader in entities:
            yield Triple(node, V.broader, entity_iri(entity.broader))
        if entity.variant_of and entity.variant_of in entities:
            yield Triple(node, V.variant_of, entity_iri(entity.variant_of))


def entity_relation_triples(edges: Iterable[tuple[str, str, str]]) -> Iterator[Triple]:
    for source, relation, target in edges:
        yield Triple(entity_iri(source), V.entity_relations[relation], entity_iri(target))


_STREAMED = {"ttl": RdfFormat.TURTLE, "nt": RdfFormat.N_TRIPLES}  # formats whose pieces concatenate


def _encode(triples: list[Triple], rdf_format: str) -> bytes:
    """Triples as N-Triples, or as Turtle statements without the prefix lines (written once, at the top), so
    pieces encoded apart — in worker processes — concatenate into one valid document."""
    if not triples:
        return b""
    if rdf_format != "ttl":
        return serialize(triples, format=RdfFormat.N_TRIPLES)
    data = serialize(triples, format=RdfFormat.TURTLE, prefixes=PREFIXES)
    return data[len(_turtle_prefix_lines()):]


@lru_cache(maxsize=1)
def _turtle_prefix_lines() -> bytes:
    sample = serialize([Triple(V.paper, V.type, V.paper)], format=RdfFormat.TURTLE, prefixes=PREFIXES)
    return b"".join(line for line in sample.splitlines(keepends=True) if line.startswith(b"@prefix "))


def encode_papers(items: Iterable[LinkedPaper], rdf_format: str = "nt") -> bytes:
    """The triples of some linked papers in the streamed form of `rdf_format` (Turtle for ttl, else N-Triples);
    a span linked twice gives one mention node."""
    triples: list[Triple] = []
    for item in items:
        triples.extend(dict.fromkeys(paper_triples(item)))
    return _encode(triples, rdf_format)


class RdfWriter:
    """Turtle and N-Triples are written as they come; JSON-LD and RDF/XML, which cannot be written in pieces, are
    spooled as N-Triples and converted in one streaming pass at the end."""

    def __init__(self, out_dir: Path, rdf_format: str = "ttl"):
        if rdf_format not in RDF_FORMATS:
            raise ValueError(f"unknown RDF format {rdf_format!r}; choose one of {', '.join(RDF_FORMATS)}")
        self.format = rdf_format
        self.path = Path(out_dir) / RDF_FORMATS[rdf_format]
        streamed = rdf_format in _STREAMED
        self._file = AtomicFile(self.path if streamed else self.path.with_name(self.path.name + ".nt"), "wb")
        if rdf_format == "ttl":
            self._file.handle.write(_turtle_prefix_lines())

    @staticmethod
    def encoding_for(rdf_format: str) -> str:
        """The `rdf_format` to give `encode_papers` for a writer of this format."""
        return rdf_format if rdf_format in _STREAMED else "nt"

    @property
    def encoding(self) -> str:
        return self.encoding_for(self.format)

    def add_encoded(self, data: bytes) -> None:
        """Papers' triples from `encode_papers(items, self.encoding)`, in corpus order."""
        self._file.handle.write(data)

    def finish(self, entities: dict[str, Entity], relation_edges: Iterable[tuple[str, str, str]]) -> Path:
        self._file.handle.write(_encode([*entity_triples(entities), *entity_relation_triples(relation_edges)],
                                        self.encoding))
        if self.format in _STREAMED:
            return self._file.commit()
        self._file.handle.flush()
        try:
            with atomic_write(self.path, "wb") as handle:
                triples = parse(path=str(self._file.temporary_path), format=RdfFormat.N_TRIPLES)
                serialize(triples, handle, format=_OXIGRAPH_FORMATS[self.format], prefixes=PREFIXES)
        finally:
            self._file.abort()
        return self.path

    def abort(self) -> None:
        self._file.abort()


def write_rdf(linked: LinkedGraph, out_dir: Path, rdf_format: str = "ttl") -> Path:
    """A graph held in memory, written the same way as a streamed build."""
    writer = RdfWriter(out_dir, rdf_format)
    try:
        writer.add_encoded(encode_papers(linked.per_paper(), writer.encoding))
    except BaseException:
        writer.abort()
        raise
    edges = sorted({(r.source_id, r.relation, r.target_id) for r in linked.entity_relations})
    return writer.finish(linked.entities, edges)

