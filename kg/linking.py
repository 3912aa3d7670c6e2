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
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from kg.catalog import Catalog, CatalogEntry
from kg.model import ENTITY_TYPES, RELATIONS, Entity, Link, Mention, Paper
from kg.names import is_acronym, normalise_name, slugify

STRONG_TYPE_CUE = 0.7  # confidences at or above this come from explicit context, not a name's shape
CORPUS_TYPED_CONFIDENCE = 0.5
CORPUS_TYPED_CUE = "typed by its mentions in other papers"


@dataclass
class LinkedGraph:
    """What linking hands to the graph builder."""

    papers: list[Paper]
    entities: dict[str, Entity]
    links: list[Link]
    # every paper's mentions in text order, each with the id of the entity it was linked to
    mentions_by_paper: dict[str, list[tuple[str, Mention]]] = field(default_factory=dict)


class Linker:
    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        self._surfaces: dict[str, Counter] = defaultdict(Counter)
        self._long_forms: dict[str, Counter] = defaultdict(Counter)
        self._types: dict[str, Counter] = defaultdict(Counter)
        self._strong_types: dict[str, Counter] = defaultdict(Counter)
        self._variant_of: dict[str, str] = {}
        self._extracted_ids: dict[str, str] = {}
        self._links: dict[tuple[str, str], list[Mention]] = {}
        self._paper_mentions: dict[str, list[tuple[str, Mention]]] = {}
        self._untyped: list[Mention] = []

    def entity_id(self, mention: Mention) -> str:
        if mention.key.startswith("catalog:"):
            return mention.key.removeprefix("catalog:")
        key = normalise_name(mention.key) if mention.key else normalise_name(mention.long_form or mention.text)
        entry = self.catalog.lookup_key(key)
        if entry is not None:  # generic concepts too: they are nodes already, as broader ancestors
            return entry.id
        if mention.type != "task" and mention.extractor != "abbreviation":
            family = self.catalog.variant_family(mention.text)
            if family is not None:
                variant_id = slugify(normalise_name(mention.text))
                if variant_id in self.catalog:
                    variant_id += "-variant"
                self._variant_of[variant_id] = family.id
                return variant_id
        if key not in self._extracted_ids:
            candidate = slugify(key)
            self._extracted_ids[key] = candidate + "-x" if candidate in self.catalog else candidate
        return self._extracted_ids[key]

    def add(self, paper: Paper, mentions: Iterable[Mention]) -> None:
        linked = self._paper_mentions.setdefault(paper.id, [])
        for mention in mentions:
            if not mention.type:
                self._untyped.append(mention)
                continue
            entity_id = self.entity_id(mention)
            linked.append((entity_id, mention))
            self._surfaces[entity_id][mention.text] += 1
            if mention.long_form:
                self._long_forms[entity_id][mention.long_form] += 1
            self._types[entity_id][mention.type] += mention.confidence
            if mention.confidence >= STRONG_TYPE_CUE:
                self._strong_types[entity_id][mention.type] += mention.confidence
            self._links.setdefault((paper.id, entity_id), []).append(mention)

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

    def _type_from_corpus(self, entities: dict[str, Entity]) -> None:
        """Link each untyped name that is an extracted entity typed elsewhere, with that entity's type."""
        touched = set()
        for mention in self._untyped:
            entity_id = self._extracted_ids.get(normalise_name(mention.key or mention.text))
            entity = entities.get(entity_id) if entity_id else None
            if entity is None:
                continue
            relation = mention.relation
            if entity.type == "task" and relation != "proposes":
                relation = "addresses"
            elif relation == "evaluates_on" and entity.type != "dataset":
                relation = "uses"
            typed = replace(mention, type=entity.type, confidence=CORPUS_TYPED_CONFIDENCE, relation=relation,
                            cue=mention.cue if relation == "proposes" else CORPUS_TYPED_CUE)
            self._links.setdefault((mention.paper_id, entity_id), []).append(typed)
            self._paper_mentions[mention.paper_id].append((entity_id, typed))
            touched.add(mention.paper_id)
        for paper_id in touched:
            self._paper_mentions[paper_id].sort(key=lambda item: (item[1].start, item[1].end))
        for (paper_id, _), mentions in self._links.items():
            if paper_id in touched:
                mentions.sort(key=lambda m: (m.start, m.end))

    def result(self, papers: list[Paper]) -> LinkedGraph:
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
        entities = dict(sorted(entities.items()))
        self._type_from_corpus(entities)
        links = []
        for (paper_id, entity_id), mentions in self._links.items():
            relation = next(r for r in RELATIONS if any(m.relation == r for m in mentions))
            links.append(Link(paper_id, entity_id, relation, tuple(mentions)))
        return LinkedGraph(papers, entities, links, self._paper_mentions)


def link(papers_with_mentions: Iterable[tuple[Paper, list[Mention]]], catalog: Catalog) -> LinkedGraph:
    linker = Linker(catalog)
    papers = []
    for paper, mentions in papers_with_mentions:
        papers.append(paper)
        linker.add(paper, mentions)
    return linker.result(papers)
