"""`paperkg_method_phrases`: method names headed by a method noun — "progressive distillation", "classifier
guidance", "entropy minimization", "adversarial finetuning" (heads: data/method_phrases.json; modifier rules are the
task phrases', data/task_phrases.json)."""

from __future__ import annotations

from spacy.language import Language

from extractors.headed_phrases import HeadedPhraseDetector
from extractors.resources import load_json
from extractors.spans import METHOD_GROUP


@Language.factory("paperkg_method_phrases")
def make_method_phrase_detector(nlp: Language, name: str) -> HeadedPhraseDetector:
    return HeadedPhraseDetector("method", METHOD_GROUP, load_json("method_phrases.json"), load_json("task_phrases.json"))
