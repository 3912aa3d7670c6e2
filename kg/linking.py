"""Linking: mentions → canonical entities and paper→entity links.

- A catalog mention is its catalog entry.
- A name whose normalised form is a catalog name is that entry ("Vision Transformers" = ViT).
- A size or version of a catalog family is a variant of it ("ResNet-50" variant-of ResNet, "ViT-B/16" of ViT,
  "YOLOv8" of YOLO).
- Any other name is an extracted entity keyed by its normalised form, so "PixelFlow" in two papers is one node;
  an abbreviation defined in a paper joins its long and short forms (label: long form, alias: short form).
- An extracted task phrase is narrower than the longest catalog task it ends with
  ("class-conditional image generation" broader "image generation").
An extracted entity's type is the confidence-weighted vote of its mentions across the corpus; when any mention
was typed by a strong cue ("the X dataset", "X, a novel backbone"), only those vote, so many weak guesses (a
name ending in "Net") cannot outvote one definition.
A name no context typed in its own paper (type "") is linked only when the same name is an entity typed
elsewhere in the corpus ("ImageNet 256×256" here, "the ImageNet dataset" there); otherwise it is dropped.
Each paper–entity link takes the strongest relation among its mentions (kg.model.RELATIONS order).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from kg.catalog import Catalog, CatalogEntry
from kg.extraction import PaperExtraction
from kg.model import (ENTITY_TYPES, RELATIONS, STRONG_TYPE_CUE, Entity, EntityRelation, Link, Measurement, Mention,
                      Paper, Result, evolve)
from kg.names import is_acronym, normalise_name, slugify

MODEL_TYPES = ("method", "architecture")
CORPUS_TYPED_CONFIDENCE = 0.5
CORPUS_TYPED_CUE = "typed by its mentions in other papers"


@dataclass
class LinkedPaper:
    """One paper after linking: what every exporter writes for it."""

    paper: Paper
    links: list[Link]  # one per entity, in the order the paper first mentions them
    mentions: list[tuple[str, Mention]]  # every linked mention in text order, with its entity id
    results: list[Result]  # reported results, dataset and method entity ids filled in where a mention names them
    entity_relations: list[EntityRelation]  # evaluated_on / applied_to read from its sentences, one per pair
    measurements: list[Measurement] = field(default_factory=list)  # costs and settings, method ids filled in


@dataclass
class LinkedGraph:
    """The whole linked corpus in memory (the Python API's graph); builds of any size stream LinkedPapers."""

    papers: list[Paper]
    entities: dict[str, Entity]
    links: list[Link]
    # every paper's mentions in text order, each with the id of the entity it was linked to
    mentions_by_paper: dict[str, list[tuple[str, Mention]]] = field(default_factory=dict)
    # reported results, with the dataset and method entity ids filled in where a mention names them
    results: list[Result] = field(default_factory=list)
    # entity → entity relations read from sentences (evaluated_on, applied_to), one per paper and pair
    entity_relations: list[EntityRelation] = field(default_factory=list)
    # costs and settings the papers state, with the method entity ids filled in
    measurements: list[Measurement] = field(default_factory=list)

    @classmethod
    def collect(cls, entities: dict[str, Entity], linked_papers: Iterable[LinkedPaper]) -> LinkedGraph:
        graph = cls([], entities, [])
        for item in linked_papers:
            graph.papers.append(item.paper)
            graph.links.extend(item.links)
            graph.mentions_by_paper[item.paper.id] = item.mentions
            graph.results.extend(item.results)
            graph.entity_relations.extend(item.entity_relations)
            graph.measurements.extend(item.measurements)
        return graph

    def per_paper(self) -> Iterator[LinkedPaper]:
        """The graph again as one LinkedPaper per paper, in paper order."""
        links, results, relations, measured = defaultdict(list), defaultdict(list), defaultdict(list), defaultdict(list)
        for found in self.links:
            links[found.paper_id].append(found)
        for result in self.results:
            results[result.paper_id].append(result)
        for relation in self.entity_relations:
            relations[relation.paper_id].append(relation)
        for measurement in self.measurements:
            measured[measurement.paper_id].append(measurement)
        for paper in self.papers:
            yield LinkedPaper(paper, links[paper.id], self.mentions_by_paper.get(paper.id, []), results[paper.id],
                              relations[paper.id], measured[paper.id])


class NameObservation(NamedTuple):
    """One typed mention as pass one counts it."""

    entity_id: str
    family_id: str | None  # the catalog family of a size or version ("ResNet-50" → ResNet)
    extracted_key: str | None  # the normalised name a non-catalog id was made from
    text: str
    long_form: str | None
    type: str
    confidence: float


class Linker:
    """Two passes. `observe` every paper's extraction (corpus-wide names, surfaces and type votes: one small
    entry per entity), then `entities()` settles each entity once, then `link_paper` each extraction again (from
    memory or from a spool on disk), so no stage needs every mention of the corpus at once."""

    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        self._surfaces: dict[str, Counter] = defaultdict(Counter)
        self._long_forms: dict[str, Counter] = defaultdict(Counter)
        self._types: dict[str, Counter] = defaultdict(Counter)
        self._strong_types: dict[str, Counter] = defaultdict(Counter)
        self._variant_of: dict[str, str] = {}
        self._extracted_ids: dict[str, str] = {}
        self._entities: dict[str, Entity] | None = None

    def _resolve(self, mention: Mention) -> tuple[str, str | None, str | None]:
        """The entity id of a mention, the catalog family it is a size or version of (if it is one), and for a
        name the catalog does not know, the normalised key its id was made from."""
        if mention.key.startswith("catalog:"):
            return mention.key.removeprefix("catalog:"), None, None
        key = normalise_name(mention.key) if mention.key else normalise_name(mention.long_form or mention.text)
        entry = self.catalog.lookup_key(key)
        if entry is not None:  # generic concepts too: they are nodes already, as broader ancestors
            return entry.id, None, None
        if mention.type != "task" and mention.extractor != "abbreviation":
            family = self.catalog.variant_family(mention.text)
            if family is not None:
                variant_id = slugify(normalise_name(mention.text))
                if variant_id in self.catalog:
                    variant_id += "-variant"
                return variant_id, family.id, None
        if key not in self._extracted_ids:
            candidate = slugify(key)
            self._extracted_ids[key] = candidate + "-x" if candidate in self.catalog else candidate
        return self._extracted_ids[key], None, key

    def entity_id(self, mention: Mention) -> str:
        entity_id, family_id, _ = self._resolve(mention)
        if family_id is not None:
            self._variant_of[entity_id] = family_id
        return entity_id

    def observations(self, extraction: PaperExtraction) -> list[NameObservation]:
        """What pass one counts of a paper: one small record per typed mention. Needs only the catalog, so
        workers compute it beside the extraction and the client never unpickles the extraction itself."""
        found = []
        for mention in extraction.mentions:
            if mention.type:
                entity_id, family_id, extracted_key = self._resolve(mention)
                found.append(NameObservation(entity_id, family_id, extracted_key, mention.text, mention.long_form,
                                             mention.type, mention.confidence))
        return found

    def count(self, observations: Iterable[NameObservation | tuple]) -> None:
        """Pass one: add a paper's (or a batch's) observations to the corpus-wide counts (NameObservations, or
        tuples of their fields, as workers send them)."""
        if self._entities is not None:
            raise RuntimeError("entities are settled: observe every paper before linking any")
        for entity_id, family_id, extracted_key, text, long_form, kind, confidence in observations:
            if family_id is not None:
                self._variant_of[entity_id] = family_id
            if extracted_key is not None:  # known as an extracted name, for `_typed_from_corpus`
                self._extracted_ids[extracted_key] = entity_id
            self._surfaces[entity_id][text] += 1
            if long_form:
                self._long_forms[entity_id][long_form] += 1
            self._types[entity_id][kind] += confidence
            if confidence >= STRONG_TYPE_CUE:
                self._strong_types[entity_id][kind] += confidence

    def observe(self, extraction: PaperExtraction) -> None:
        """Pass one: count the names, surfaces and type votes of a paper's typed mentions."""
        self.count(self.observations(extraction))

    def _extracted_entity(self, entity_id: str) -> Entity:
        surfaces = self._surfaces[entity_id]
        votes = self._strong_types[entity_id] or self._types[entity_id]
        kind = max(ENTITY_TYPES, key=lambda t: (votes.get(t, 0.0), -ENTITY_TYPES.index(t)))
        # long forms are read from the short-form mentions; the long-form mention itself is a surface too
        long_forms = self._long_forms[entity_id]
        ranked = sorted(surfaces.items(), key=lambda item: (-item[1], -len(item[0]), item[0]))
        label = ranked[0][0]
        if long_forms:
            label = sorted(long_forms.items(), key=lambda item: (-item[1], item[0]))[0][0]
        if kind == "task" and not any(is_acronym(w) for w in label.split()):
            label = label.lower()
        aliases = tuple(sorted({s for s in surfaces} - {label}))
        broader = self._task_broader(label) if kind == "task" else None
        variant_of = self._variant_of.get(entity_id)
        if variant_of:
            kind = self.catalog.entries[variant_of].type
        return Entity(entity_id, label, kind, aliases, broader=broader, variant_of=variant_of, source="extracted")

    def _task_broader(self, phrase: str) -> str | None:
        words = phrase.split()
        for start in range(1, len(words)):
            entry = self.catalog.lookup(" ".join(words[start:]))
            if entry is not None and entry.type == "task":
                return entry.id
        return None

    def _catalog_entity(self, entry: CatalogEntry) -> Entity:
        seen = set(self._surfaces.get(entry.id, ()))
        aliases = tuple(sorted((set(entry.aliases) | seen) - {entry.label}))
        return Entity(entry.id, entry.label, entry.type, aliases, broader=entry.broader,
                      variant_of=entry.variant_of, source="catalog")

    def entities(self) -> dict[str, Entity]:
        """Settle every observed entity (label, aliases, type, hierarchy) and its catalog ancestors, by id."""
        if self._entities is not None:
            return self._entities
        entities: dict[str, Entity] = {}
        for entity_id in sorted(self._surfaces):
            entry = self.catalog.entries.get(entity_id)
            entities[entity_id] = self._catalog_entity(entry) if entry else self._extracted_entity(entity_id)
        # the catalog ancestors of every linked entity, so hierarchy edges have both ends
        pending = [e.broader or "" for e in entities.values()] + [e.variant_of or "" for e in entities.values()]
        while pending:
            ancestor = pending.pop()
            if ancestor and ancestor not in entities and ancestor in self.catalog:
                entities[ancestor] = self._catalog_entity(self.catalog.entries[ancestor])
                pending += [entities[ancestor].broader or "", entities[ancestor].variant_of or ""]
        self._entities = dict(sorted(entities.items()))
        return self._entities

    def _typed_from_corpus(self, mention: Mention) -> tuple[str, Mention] | None:
        """An untyped name that is an extracted entity typed elsewhere in the corpus, with that entity's type."""
        entity_id = self._extracted_ids.get(normalise_name(mention.key or mention.text))
        entity = self._entities.get(entity_id) if entity_id else None
        if entity is None:
            return None
        relation = "addresses" if entity.type == "task" and mention.relation != "proposes" else _relation_for(
            entity.type, mention.relation)
        return entity_id, evolve(mention, type=entity.type, confidence=CORPUS_TYPED_CONFIDENCE, relation=relation,
                                  cue=mention.cue if relation == "proposes" else CORPUS_TYPED_CUE)

    def link_paper(self, extraction: PaperExtraction) -> LinkedPaper:
        """Pass two: a paper's mentions, results and relations as links to the settled entities."""
        entities = self.entities()
        paper = extraction.paper
        mentions: list[tuple[str, Mention]] = []
        untyped = []
        for mention in extraction.mentions:
            if mention.type:
                entity_id = self.entity_id(mention)
                relation = _relation_for(entities[entity_id].type, mention.relation)
                mentions.append((entity_id, mention if relation == mention.relation else evolve(mention,
                                                                                                relation=relation)))
            else:
                untyped.append(mention)
        typed_here = [typed for typed in map(self._typed_from_corpus, untyped) if typed is not None]
        by_entity: dict[str, list[Mention]] = {}
        for entity_id, mention in mentions + typed_here:
            by_entity.setdefault(entity_id, []).append(mention)
        if typed_here:
            mentions = sorted(mentions + typed_here, key=lambda item: (item[1].start, item[1].end))
            for found in by_entity.values():
                found.sort(key=lambda m: (m.start, m.end))
        links = []
        for entity_id, found in by_entity.items():
            relation = next(r for r in RELATIONS if any(m.relation == r for m in found))
            links.append(Link(paper.id, entity_id, relation, tuple(found)))
        by_span = {(m.start, m.end): entity_id for entity_id, m in mentions}
        return LinkedPaper(paper, links, mentions, self._linked_results(extraction.results, by_span, entities),
                           self._linked_relations(extraction.relations, by_span, entities),
                           self._linked_measurements(extraction.measurements, by_span, entities))

    @staticmethod
    def _linked_relations(relations: Iterable[EntityRelation], by_span: dict[tuple[int, int], str],
                          entities: dict[str, Entity]) -> list[EntityRelation]:
        """Entity relations between linked entities whose (corpus-wide) types fit the relation; the first evidence
        per pair and relation."""
        linked: dict[tuple[str, str, str, str], EntityRelation] = {}
        for relation in relations:
            source = by_span.get(relation.source_span)
            target = by_span.get(relation.target_span)
            if not source or not target or source == target:
                continue
            target_type = "dataset" if relation.relation == "evaluated_on" else "task"
            if entities[source].type in MODEL_TYPES and entities[target].type == target_type:
                linked.setdefault((relation.paper_id, source, relation.relation, target),
                                  evolve(relation, source_id=source, target_id=target))
        return [linked[key] for key in sorted(linked)]  # (paper, source, relation, target) order

    @staticmethod
    def _linked_measurements(measurements: Iterable[Measurement], by_span: dict[tuple[int, int], str],
                             entities: dict[str, Entity]) -> list[Measurement]:
        """Each cost or setting with the entity id of the model its sentence credits (a method or architecture)."""
        linked = []
        for measurement in measurements:
            method = by_span.get(measurement.method_span) if measurement.method_span else None
            method = method if method and entities[method].type in MODEL_TYPES else None
            linked.append(evolve(measurement, method_id=method,
                                  method_span=measurement.method_span if method else None))
        return sorted(linked, key=lambda m: m.start)

    @staticmethod
    def _linked_results(results: Iterable[Result], by_span: dict[tuple[int, int], str],
                        entities: dict[str, Entity]) -> list[Result]:
        """Each result with the entity ids of the mentions that name its dataset and method (when their
        corpus-wide types are a dataset and a method or architecture)."""
        linked = []
        for result in results:
            dataset = by_span.get(result.dataset_span) if result.dataset_span else None
            method = by_span.get(result.method_span) if result.method_span else None
            dataset = dataset if dataset and entities[dataset].type == "dataset" else None
            method = method if method and entities[method].type in MODEL_TYPES else None
            linked.append(evolve(result, dataset_id=dataset, method_id=method,
                                  dataset_span=result.dataset_span if dataset else None,
                                  method_span=result.method_span if method else None))
        return sorted(linked, key=lambda r: r.start)


def link(extracted: Iterable[PaperExtraction], catalog: Catalog) -> LinkedGraph:
    """Link extractions held in memory (both passes over the same list)."""
    extracted = list(extracted)
    linker = Linker(catalog)
    for item in extracted:
        linker.observe(item)
    return LinkedGraph.collect(linker.entities(), (linker.link_paper(item) for item in extracted))


def _relation_for(entity_type: str, relation: str) -> str:
    """A mention's relation as its entity's settled type allows it: a paper evaluates on data sets and addresses
    tasks; a name typed otherwise here than in the corpus is one the paper uses."""
    if (relation == "evaluates_on" and entity_type != "dataset") or (relation == "addresses" and entity_type != "task"):
        return "uses"
    return relation
