"""`paperkg_task_phrases`: task phrases headed by a task noun — "class-conditional image generation",
"few-shot object detection", "monocular depth estimation" (heads and modifier rules: data/task_phrases.json)."""

from __future__ import annotations

from spacy.language import Language

from extractors.headed_phrases import HeadedPhraseDetector
from extractors.resources import load_json
from extractors.spans import TASK_GROUP


@Language.factory("paperkg_task_phrases")
def make_task_phrase_detector(nlp: Language, name: str) -> HeadedPhraseDetector:
    config = load_json("task_phrases.json")
    return HeadedPhraseDetector("task", TASK_GROUP, config, config)
