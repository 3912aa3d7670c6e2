"""`paperkg_architecture_phrases`: architecture names headed by a network noun — "convolutional neural networks",
"vision transformer", "variational autoencoder", "graph neural networks" — and a network noun capitalised inside an
abstract's sentence ("Transformers"). Heads and stop words: data/architecture_phrases.json; modifier rules are the
task phrases', data/task_phrases.json. Catalog names it finds link to the catalog; umbrella terms ("neural
networks") are dropped by the resolver."""

from __future__ import annotations

from spacy.language import Language

from extractors.headed_phrases import HeadedPhraseDetector
from extractors.resources import load_json
from extractors.spans import ARCHITECTURE_GROUP


@Language.factory("paperkg_architecture_phrases")
def make_architecture_phrase_detector(nlp: Language, name: str) -> HeadedPhraseDetector:
    return HeadedPhraseDetector("architecture", ARCHITECTURE_GROUP, load_json("architecture_phrases.json"),
                                load_json("task_phrases.json"))
