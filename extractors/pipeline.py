"""The one place the paperkg spaCy pipeline is assembled."""

from __future__ import annotations

import spacy
from spacy.lang.en import English
from spacy.language import Language
from spacy.pipeline import Sentencizer
from spacy.tokens import Doc
from spacy.util import compile_infix_regex, compile_suffix_regex

# Importing the component modules registers their factories with spaCy.
from extractors import (  # noqa: F401
    abbreviations,
    architecture_phrases,
    catalog_matcher,
    entity_relations,
    measurements,
    mention_resolver,
    method_phrases,
    name_detector,
    relations,
    results,
    sentences,
    spans,
    task_phrases,
)
from extractors.spans import keep_text

COMPONENTS = ("paperkg_catalog_matcher", "paperkg_abbreviations", "paperkg_name_detector",
              "paperkg_task_phrases", "paperkg_method_phrases", "paperkg_architecture_phrases",
              "paperkg_mention_resolver", "paperkg_relations",
              "paperkg_results", "paperkg_measurements", "paperkg_entity_relations")


# English tokenisation keeps the period in "LAION-5B." or "ADE20K." (it looks like an abbreviation); names end
# sentences all the time in abstracts, so a final period after a capital or a digit is split off.
FINAL_PERIOD_AFTER_NAME = r"(?<=[A-Z0-9][A-Za-z0-9])\.$"


# Names listed with a vertical bar ("BERT|RoBERTa|XLNet") are separate words, as they are with a slash.
NAME_LIST_BAR = r"(?<=[A-Za-z0-9])\|(?=[A-Za-z0-9])"


class _AbstractEnglishDefaults(English.Defaults):
    suffixes = [*English.Defaults.suffixes, FINAL_PERIOD_AFTER_NAME]
    infixes = [*English.Defaults.infixes, NAME_LIST_BAR]


class AbstractEnglish(English):
    """spaCy's blank English with the suffix and infix above: its tokenizer is made once with them. (Setting `suffix_search` on
    a made tokenizer re-adds its ~2,700 special cases on every pipeline build.)"""

    Defaults = _AbstractEnglishDefaults


def _split_final_period_after_names(nlp: Language) -> None:
    """The suffix and infix above added to a loaded pipeline's tokenizer."""
    suffixes = [*nlp.Defaults.suffixes, FINAL_PERIOD_AFTER_NAME]
    nlp.tokenizer.suffix_search = compile_suffix_regex(suffixes).search
    nlp.tokenizer.infix_finditer = compile_infix_regex([*nlp.Defaults.infixes, NAME_LIST_BAR]).finditer


# spaCy's tokenizer memoises the split of each whitespace-delimited chunk, but only the first 10,000 distinct
# chunks it sees. The catalog matcher tokenises ~20,000 catalog names while building its patterns, which used
# the whole memo up, so every abstract was split by the affix regexes from scratch (several times the bare
# tokeniser's time). A corpus's vocabulary needs a larger memo anyway; ~300 bytes an entry, so this is at most ~60 MiB.
TOKENIZER_CACHE_SIZE = 200_000


class TextKeepingTokenizer:
    """spaCy's tokenizer, also keeping the input string on the doc for the components (`extractors.spans.doc_text`):
    `Doc.text` would join every token again."""

    def __init__(self, tokenizer):
        self.tokenizer = tokenizer

    def __call__(self, text: str) -> Doc:
        return keep_text(self.tokenizer(text), text)

    def __getattr__(self, name: str):
        return getattr(self.tokenizer, name)


def build_pipeline(spacy_model: str | None = None, catalog_dir: str | None = None,
                   exclude_catalog_ids: list[str] | tuple[str, ...] = ()) -> Language:
    """A blank English pipeline (or an installed one, by name), sentence boundaries (its own, else the Sentencizer's
    rule, also ending a sentence at the blank line between title and abstract: `paperkg_sentences`), and the paperkg
    components in data-flow order."""
    if spacy_model:
        nlp = spacy.load(spacy_model, exclude=["ner"])
        _split_final_period_after_names(nlp)
    else:
        nlp = AbstractEnglish()
    nlp.tokenizer.max_cache_size = TOKENIZER_CACHE_SIZE
    nlp.tokenizer = TextKeepingTokenizer(nlp.tokenizer)
    if not any(nlp.has_pipe(name) for name in ("sentencizer", "parser", "senter", "paperkg_sentences")):
        nlp.add_pipe("paperkg_sentences", config={"punct_chars": [*Sentencizer.default_punct_chars, "\n\n"]})
    nlp.add_pipe("paperkg_catalog_matcher",
                 config={"catalog_dir": catalog_dir, "exclude_ids": sorted(exclude_catalog_ids)})
    for component in COMPONENTS[1:]:
        nlp.add_pipe(component)
    return nlp
