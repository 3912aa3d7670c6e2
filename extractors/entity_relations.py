"""`paperkg_entity_relations`: relations between two entities named in one sentence (cues: data/entity_relation_cues.json).

- applied_to: a method or architecture and a task — "PixelFlow, a model for image generation", "apply diffusion
  models to video prediction", "semantic segmentation with Transformers";
- evaluated_on: a method or architecture and a dataset — every result naming both ("BossNet-T achieves 82.5%
  accuracy on ImageNet"), and "X achieves / outperforms / is evaluated ... on Y".
Two names pair only when no other entity stands between them, so in "A for B and C with D" the relation reaches
the nearest names. Runs after `paperkg_results`.
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc

from extractors.batching import BatchwiseComponent
from extractors.resources import load_json
from extractors.spans import doc_text, extension_value, set_extension_value
from kg.model import EntityRelation, Mention, Result

_MODEL_TYPES = ("method", "architecture")


class EntityRelationExtractor(BatchwiseComponent):
    def __init__(self, cues: dict | None = None):
        cues = cues or load_json("entity_relation_cues.json")
        flags = re.IGNORECASE
        self.model_then_task = re.compile(cues["applied_to_model_then_task"], flags)
        self.task_then_model = re.compile(cues["applied_to_task_then_model"], flags)
        self.verb_before = re.compile(cues["applied_to_verb_before"], flags)
        self.evaluated_between = re.compile(cues["evaluated_on_between"], flags)
        self.max_gap = int(cues["max_gap"])

    def _pairs(self, text: str, mentions: list[Mention]):
        """Consecutive mention pairs (first, second, gap text) within one sentence."""
        for first, second in zip(mentions, mentions[1:], strict=False):
            if first.sentence == second.sentence and 0 <= second.start - first.end <= self.max_gap:
                yield first, second, text[first.end:second.start]

    def relations(self, text: str, mentions: list[Mention], results: list[Result]) -> list[EntityRelation]:
        found: dict[tuple, EntityRelation] = {}

        def add(relation: str, source: Mention, target: Mention, cue: str, confidence: float,
                sentence: str | None = None) -> None:
            key = (relation, source.start, source.end, target.start, target.end)
            found.setdefault(key, EntityRelation(source.paper_id, relation, (source.start, source.end),
                                                 (target.start, target.end), sentence or source.sentence, cue,
                                                 confidence))

        by_span = {(m.start, m.end): m for m in mentions}
        for result in results:
            method, dataset = by_span.get(result.method_span or ()), by_span.get(result.dataset_span or ())
            if method is not None and dataset is not None and method.type in _MODEL_TYPES:
                add("evaluated_on", method, dataset, f"result: {result.text}", 0.8, result.sentence)
        for first, second, gap in self._pairs(text, mentions):
            if first.type in _MODEL_TYPES and second.type == "task" and self.model_then_task.match(gap):
                add("applied_to", first, second, (first.text + gap + second.text).strip(), 0.7)
            elif first.type == "task" and second.type in _MODEL_TYPES and self.task_then_model.match(gap):
                add("applied_to", second, first, (first.text + gap + second.text).strip(), 0.7)
            elif first.type in _MODEL_TYPES and second.type == "dataset" and self.evaluated_between.search(gap):
                add("evaluated_on", first, second, (first.text + gap + second.text).strip(), 0.7)
        return [found[key] for key in sorted(found, key=lambda k: (k[1], k[3], k[0]))]

    def __call__(self, doc: Doc) -> Doc:
        mentions = [m for m in extension_value(doc, "kg_mentions") or [] if m.type]
        relations = self.relations(doc_text(doc), mentions, extension_value(doc, "kg_results") or [])
        set_extension_value(doc, "kg_entity_relations", relations)
        return doc


@Language.factory("paperkg_entity_relations")
def make_entity_relation_extractor(nlp: Language, name: str) -> EntityRelationExtractor:
    return EntityRelationExtractor()
