"""RDF export following the contract in DESIGN.md (vocabulary: ontology/kg.ttl), streamed.

`encode_papers` turns linked papers into RDF (paper, links, mentions, results, statements) — in the builder's
worker processes when there are some — and `RdfWriter` appends the pieces to a temporary file: Turtle statements
(the prefix lines written once, at the top) or N-Triples, which both concatenate; `finish` adds the entities and
entity-to-entity edges and renames the file into place. JSON-LD and RDF/XML are spooled as N-Triples and converted
in one streaming pyoxigraph pass at the end. Memory stays flat whatever the corpus size, and the output is
byte-identical for the same input (papers in corpus order, entities by id). IRIs are minted from ids (slugs and
hashes, checked), never from raw text, so any title or name gives valid RDF. Terms are written as text by
kg.export.rdf_syntax — exactly as pyoxigraph would write them, at a fraction of the cost of its objects.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from pyoxigraph import NamedNode, RdfFormat, parse, serialize

from kg.export.atomic import AtomicFile, StreamedExport, atomic_write
from kg.export.rdf_syntax import (BLOCK, SYNTAXES, NTriples, Turtle, block_template, checked_id, quoted,
                                  turtle_prefix_lines)
from kg.model import Entity, EntityRelation, Measurement, Result

if TYPE_CHECKING:  # (only for annotations: the CLI reads RDF_FORMATS without importing linking and spaCy)
    from kg.linking import LinkedGraph, LinkedPaper

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


class Vocabulary:
    """The terms the exporter writes, as text of one syntax (kg.export.rdf_syntax), made once."""

    def __init__(self, syntax: NTriples | Turtle):
        self.syntax = syntax
        iri = syntax.iri

        def ns(name: str):
            base = PREFIXES[name]
            return lambda local: iri(base + local)

        kg, dcterms, skos, rdfs = ns("kg"), ns("dcterms"), ns("skos"), ns("rdfs")
        self.type = syntax.type_predicate
        self.label, self.pref_label, self.alt_label = rdfs("label"), skos("prefLabel"), skos("altLabel")
        self.broader, self.variant_of, self.origin = skos("broader"), kg("variantOf"), kg("origin")
        self.title, self.abstract, self.identifier = dcterms("title"), dcterms("abstract"), dcterms("identifier")
        self.date, self.creator, self.source, self.url = dcterms("date"), dcterms("creator"), dcterms("source"), \
            iri(PREFIXES["schema"] + "url")
        self.paper, self.mention, self.result, self.statement = kg("Paper"), kg("Mention"), kg("Result"), kg("Statement")
        self.entity_classes = {"method": kg("Method"), "dataset": kg("Dataset"), "architecture": kg("Architecture"),
                               "task": kg("Task")}
        self.relations = {name: iri(value) for name, value in RELATION_PROPERTIES.items()}
        self.entity_relations = {name: iri(value) for name, value in ENTITY_RELATION_PROPERTIES.items()}
        self.measurement_classes = {"cost": kg("Cost"), "setting": kg("Setting")}
        for name in ("inPaper", "denotes", "supports", "startChar", "endChar", "surfaceText", "sentence",
                     "extractor", "confidence", "cue", "statedIn", "subjectEntity", "objectEntity", "subjectMention",
                     "objectMention", "statesRelation", "reportedIn", "metric", "value", "unit", "onDataset",
                     "datasetMention", "achievedBy", "methodMention", "ownResult", "quantity"):
            setattr(self, name, kg(name))
        self.integer, self.decimal, self.boolean = syntax.integer, syntax.decimal, syntax.boolean
        self._confidences: dict[float, str] = {}
        self._names: dict[str, str] = {}
        # a mention node's statements, filled in whole (`BLOCK`): objects in this order, then the cue if any
        mention_predicates = [self.type, self.inPaper, self.denotes, self.supports, self.startChar, self.endChar,
                              self.surfaceText, self.sentence, self.extractor, self.confidence]
        self.mention_block = block_template(syntax, mention_predicates)
        self.cued_mention_block = block_template(syntax, [*mention_predicates, self.cue])

    def confidence_value(self, value: float) -> str:
        text = self._confidences.get(value)
        if text is None:  # a few hundred distinct values in any corpus (three decimals); bounded all the same
            if len(self._confidences) >= 10_000:
                self._confidences.clear()
            text = self._confidences[value] = self.decimal(f"{value:.3f}")
        return text

    def name_value(self, name: str) -> str:
        """A literal from a small closed set (extractor names): quoted once."""
        text = self._names.get(name)
        if text is None:
            text = self._names[name] = quoted(name)
        return text

    def url_value(self, url: str) -> str:
        """An IRI when the URL is one, else a plain literal."""
        if _SAFE_URL.match(url):
            try:
                return self.syntax.iri(NamedNode(url).value)
            except ValueError:
                pass
        return quoted(url)


@lru_cache(maxsize=None)
def vocabulary(rdf_format: str) -> Vocabulary:
    """The terms of the streamed form of `rdf_format` (Turtle for ttl, else N-Triples)."""
    return Vocabulary(SYNTAXES[rdf_format if rdf_format in SYNTAXES else "nt"](PREFIXES))


def paper_iri(paper_id: str) -> str:
    return f"<{RES_NS}paper/{checked_id(paper_id)}>"


def entity_iri(entity_id: str) -> str:
    return f"<{RES_NS}entity/{checked_id(entity_id)}>"


def mention_iri(paper_id: str, span: tuple[int, int]) -> str:
    return f"<{RES_NS}mention/{paper_id}/{span[0]}-{span[1]}>"


def paper_triples(item: LinkedPaper, V: Vocabulary,
                  whole_nodes: bool | None = None) -> Iterator[tuple[str, str, str]]:
    """Everything one paper contributes: its metadata, links, mention nodes, statements and results. Each mention
    node comes as one `BLOCK` (`whole_nodes`; by default, when no span of the paper is linked twice) or triple by
    triple."""
    paper = item.paper
    node = paper_iri(paper.id)
    yield node, V.type, V.paper
    yield node, V.title, quoted(paper.title)
    yield node, V.abstract, quoted(paper.abstract)
    yield node, V.identifier, quoted(paper.id)
    if paper.url:
        yield node, V.url, V.url_value(paper.url)
    if paper.date:
        yield node, V.date, quoted(paper.date)
    for author in paper.authors:
        yield node, V.creator, quoted(author)
    for source in paper.sources:
        yield node, V.source, quoted(str(source))
    sentences: dict[str, str] = {}  # mentions of one sentence share its string; quote it once
    spans = [(mention.start, mention.end) for link in item.links for mention in link.mentions]
    # each mention node written whole, unless a span is linked twice (then its triples merge one by one)
    if whole_nodes is None:
        whole_nodes = len(set(spans)) == len(spans)
    for link in item.links:
        entity = entity_iri(link.entity_id)
        yield node, V.relations[link.relation], entity
        for mention in link.mentions:
            subject = mention_iri(paper.id, (mention.start, mention.end))
            sentence = sentences.get(mention.sentence)
            if sentence is None:
                sentence = sentences[mention.sentence] = quoted(mention.sentence)
            if whole_nodes:
                objects = (V.mention, node, entity, V.relations[mention.relation], V.integer(mention.start),
                           V.integer(mention.end), quoted(mention.text), sentence, V.name_value(mention.extractor),
                           V.confidence_value(mention.confidence))
                if mention.cue:
                    yield subject, BLOCK, V.cued_mention_block.format(*objects, quoted(mention.cue), subject=subject)
                else:
                    yield subject, BLOCK, V.mention_block.format(*objects, subject=subject)
                continue
            yield subject, V.type, V.mention
            yield subject, V.inPaper, node
            yield subject, V.denotes, entity
            yield subject, V.supports, V.relations[mention.relation]
            yield subject, V.startChar, V.integer(mention.start)
            yield subject, V.endChar, V.integer(mention.end)
            yield subject, V.surfaceText, quoted(mention.text)
            yield subject, V.sentence, sentence
            yield subject, V.extractor, V.name_value(mention.extractor)
            yield subject, V.confidence, V.confidence_value(mention.confidence)
            if mention.cue:
                yield subject, V.cue, quoted(mention.cue)
    for relation in item.entity_relations:
        yield from _statement_triples(relation, V)
    for result in item.results:
        yield from _result_triples(result, V)
    for measurement in item.measurements:
        yield from _measurement_triples(measurement, V)


def _statement_triples(relation: EntityRelation, V: Vocabulary) -> Iterator[tuple[str, str, str]]:
    prop = V.entity_relations[relation.relation]
    node = (f"<{RES_NS}statement/{relation.paper_id}/{relation.relation}/{relation.source_span[0]}-"
            f"{relation.target_span[0]}>")
    yield node, V.type, V.statement
    yield node, V.statedIn, paper_iri(relation.paper_id)
    yield node, V.subjectEntity, entity_iri(relation.source_id)
    yield node, V.objectEntity, entity_iri(relation.target_id)
    yield node, V.subjectMention, mention_iri(relation.paper_id, relation.source_span)
    yield node, V.objectMention, mention_iri(relation.paper_id, relation.target_span)
    yield node, V.statesRelation, prop
    yield node, V.sentence, quoted(relation.sentence)
    yield node, V.cue, quoted(relation.cue)
    yield node, V.confidence, V.confidence_value(relation.confidence)


def _result_triples(result: Result, V: Vocabulary) -> Iterator[tuple[str, str, str]]:
    node = f"<{RES_NS}result/{result.paper_id}/{result.start}-{result.end}>"
    yield node, V.type, V.result
    yield node, V.metric, quoted(result.metric)
    yield from _stated_number_triples(node, result, V)
    if result.dataset_id:
        yield node, V.onDataset, entity_iri(result.dataset_id)
        yield node, V.datasetMention, mention_iri(result.paper_id, result.dataset_span)
    yield node, V.confidence, V.confidence_value(result.confidence)
    yield node, V.ownResult, V.boolean(result.own)


def _measurement_triples(measurement: Measurement, V: Vocabulary) -> Iterator[tuple[str, str, str]]:
    node = f"<{RES_NS}{measurement.kind}/{measurement.paper_id}/{measurement.start}-{measurement.end}>"
    yield node, V.type, V.measurement_classes[measurement.kind]
    yield node, V.quantity, quoted(measurement.quantity)
    yield from _stated_number_triples(node, measurement, V)


def _stated_number_triples(node: str, stated: Result | Measurement, V: Vocabulary) -> Iterator[tuple[str, str, str]]:
    """What a result and a cost or setting share: the paper, value and unit, the model credited, the evidence."""
    yield node, V.reportedIn, paper_iri(stated.paper_id)
    yield node, V.value, V.decimal(stated.value)
    if stated.unit:
        yield node, V.unit, quoted(stated.unit)
    if stated.method_id:
        yield node, V.achievedBy, entity_iri(stated.method_id)
        yield node, V.methodMention, mention_iri(stated.paper_id, stated.method_span)
    yield node, V.startChar, V.integer(stated.start)
    yield node, V.endChar, V.integer(stated.end)
    yield node, V.surfaceText, quoted(stated.text)
    yield node, V.sentence, quoted(stated.sentence)


def entity_triples(entities: dict[str, Entity], V: Vocabulary) -> Iterator[tuple[str, str, str]]:
    for entity in entities.values():
        node = entity_iri(entity.id)
        label = quoted(entity.label)
        yield node, V.type, V.entity_classes[entity.type]
        yield node, V.label, label
        yield node, V.pref_label, label
        yield node, V.origin, quoted(entity.source)
        for alias in entity.aliases:
            yield node, V.alt_label, quoted(alias)
        if entity.broader and entity.broader in entities:
            yield node, V.broader, entity_iri(entity.broader)
        if entity.variant_of and entity.variant_of in entities:
            yield node, V.variant_of, entity_iri(entity.variant_of)


def entity_relation_triples(edges: Iterable[tuple[str, str, str]], V: Vocabulary) -> Iterator[tuple[str, str, str]]:
    for source, relation, target in edges:
        yield entity_iri(source), V.entity_relations[relation], entity_iri(target)


_STREAMED = {"ttl", "nt"}  # formats whose pieces concatenate


def _encode(triples: Iterable[tuple[str, str, str]], V: Vocabulary) -> bytes:
    """Triples as N-Triples, or as Turtle statements without the prefix lines (written once, at the top), so
    pieces encoded apart — in worker processes — concatenate into one valid document."""
    return V.syntax.statements(triples).encode("utf-8")


def encode_papers(items: Iterable[LinkedPaper], rdf_format: str = "nt") -> bytes:
    """The triples of some linked papers in the streamed form of `rdf_format` (Turtle for ttl, else N-Triples);
    a span linked twice gives one mention node."""
    V = vocabulary(rdf_format)
    triples: list[tuple[str, str, str]] = []
    for item in items:
        triples.extend(dict.fromkeys(paper_triples(item, V)))
    return _encode(triples, V)


class RdfWriter(StreamedExport):
    """Papers' triples from `encode_papers(items, self.encoding)` in corpus order, then the entities' at the end.
    JSON-LD and RDF/XML, which cannot be written in pieces, are spooled as N-Triples and converted in one streaming
    pass at the end."""

    def __init__(self, out_dir: Path, rdf_format: str = "ttl"):
        if rdf_format not in RDF_FORMATS:
            raise ValueError(f"unknown RDF format {rdf_format!r}; choose one of {', '.join(RDF_FORMATS)}")
        self.format = rdf_format
        self.path = Path(out_dir) / RDF_FORMATS[rdf_format]
        streamed = rdf_format in _STREAMED
        self._file = AtomicFile(self.path if streamed else self.path.with_name(self.path.name + ".nt"), "wb")
        if rdf_format == "ttl":
            self._file.handle.write(turtle_prefix_lines(PREFIXES))

    @staticmethod
    def encoding_for(rdf_format: str) -> str:
        """The `rdf_format` to give `encode_papers` for a writer of this format."""
        return rdf_format if rdf_format in _STREAMED else "nt"

    @property
    def encoding(self) -> str:
        return self.encoding_for(self.format)

    def finish(self, entities: dict[str, Entity], relation_edges: Iterable[tuple[str, str, str]]) -> Path:
        V = vocabulary(self.encoding)
        self._file.handle.write(_encode([*entity_triples(entities, V), *entity_relation_triples(relation_edges, V)], V))
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

