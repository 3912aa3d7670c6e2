"""`paperkg_catalog_matcher`: tags names from the curated catalog (ontology/catalog/*.tsv).

Two PhraseMatchers with one label per entity type (ids are looked up afterwards, so speed does not fall
with catalog size): phrases case-insensitively (attr LOWER); short all-capital acronyms and names with inner
capitals case-sensitively (attr ORTH: CLIP the model is not "clip" the verb, ComplEx is not "complex"). Each name also matches its plural and its hyphen/space
variants ("pre-training", "pre training", "pretraining").
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from extractors.batching import BatchwiseComponent
from extractors.pattern_keys import pattern_keys
from extractors.resources import Memo, load_json
from extractors.spans import CATALOG_GROUP, doc_text, set_group, word_after
from kg.catalog import Catalog, CatalogEntry, load_catalog
from kg.names import is_acronym

CONFIDENCE_PHRASE = 0.95
CONFIDENCE_ACRONYM = 0.9


def _has_inner_capital(name: str) -> bool:
    return any(c.isupper() for c in name[1:]) and any(c.islower() for c in name)


def _capitalised_word(name: str) -> bool:
    """A one-word name the catalog writes in capitals ("REINFORCE", "PROTEINS") is that name only when written so:
    "Reinforce" in a title is the English verb."""
    return name.isalpha() and name.isupper()


def surface_variants(name: str) -> Iterator[str]:
    """The name, its plural, its forms with hyphens as spaces and as nothing (two words: with a hyphen too), and
    "X-based model" for "X model"."""
    forms = {name}
    if "-" in name:
        forms.add(name.replace("-", " "))
        forms.add(name.replace("-", ""))
    words = name.split()
    if len(words) == 2 and all(word.isalpha() for word in words):
        forms.add("-".join(words))  # "data-augmentation", "teacher-forcing": two-word names hyphenated as modifiers
    if len(words) == 2 and words[1] in ("model", "models") and words[0].isalpha():
        forms.add(f"{words[0]}-based {words[1]}")  # "diffusion-based models" are diffusion models
    for form in list(forms):
        if form[-1:].isalpha() and not form.endswith("s"):
            forms.add(form + ("es" if form.endswith(("x", "ch", "sh")) else "s"))
        if form.endswith("y") and len(form) > 3 and not is_acronym(form):
            forms.add(form[:-1] + "ies")
    return iter(sorted(forms))


class CatalogMatcher(BatchwiseComponent):
    def __init__(self, nlp: Language, catalog: Catalog):
        self.catalog = catalog
        self.phrases = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.acronyms = PhraseMatcher(nlp.vocab, attr="ORTH")
        forms: dict[tuple[str, str], list[str]] = {}  # (entity type, matched attribute) -> surface forms
        seen: set[tuple[str, str]] = set()
        self.derived_forms: dict[str, CatalogEntry] = {}
        # the catalog entry a matched surface names
        self.entry_of = Memo(lambda surface: catalog.lookup(surface) or self.derived_forms.get(surface.lower()))
        self.not_before_task = {word.lower() for word in load_json("task_phrases.json")["catalog_task_not_before"]}
        for entry in catalog.entries.values():
            if entry.generic:
                continue
            for name in entry.names:
                # Acronyms and names with inner capitals are matched as written, and so are their variants:
                # "ALIGNs" must not match "aligns", nor "ComplEx" "complex", nor "MultiPL-E" "multiple".
                acronym = is_acronym(name) or _has_inner_capital(name) or _capitalised_word(name)
                for form in surface_variants(name):
                    key = form if acronym else form.lower()
                    if (entry.type, key) in seen:
                        continue
                    seen.add((entry.type, key))
                    if catalog.lookup(form) is None:  # a derived form the catalog's own lookup does not know
                        self.derived_forms.setdefault(form.lower(), entry)
                    forms.setdefault((entry.type, "ORTH" if acronym else "LOWER"), []).append(form)
        for (entity_type, attribute), patterns in sorted(pattern_keys(nlp, forms).items()):
            (self.acronyms if attribute == "ORTH" else self.phrases).add(entity_type, patterns)

    def __call__(self, doc: Doc) -> Doc:
        spans = []
        text = doc_text(doc)
        for matcher, confidence in ((self.phrases, CONFIDENCE_PHRASE), (self.acronyms, CONFIDENCE_ACRONYM)):
            for match_id, start, end in matcher(doc):
                last = doc[end - 1]
                start_char, end_char = doc[start].idx, last.idx + len(last)
                entry = self.entry_of[text[start_char:end_char]]
                if entry is None or entry.generic:
                    continue
                if not self._word_bounded(text, start_char, end_char):
                    continue
                if entry.type == "task" and word_after(text, end_char) in self.not_before_task:
                    continue  # a task name before "model", "steps", ... ("denoising steps") is not the task
                spans.append((Span(doc, start, end, label=entry.type, kb_id=f"catalog:{entry.id}"), confidence))
        kept = filter_spans([span for span, _ in spans])
        confidence_of = {(s.start, s.end): c for s, c in spans}
        set_group(doc, CATALOG_GROUP, kept, [confidence_of[(s.start, s.end)] for s in kept], [None] * len(kept))
        return doc

    @staticmethod
    def _word_bounded(text: str, start: int, end: int) -> bool:
        """Reject matches glued to a neighbouring word ("ResNet" inside "ResNet-like" is fine,
        "VGG" inside "VGGFace-x" split oddly by the tokenizer is not)."""
        before = text[start - 1] if start > 0 else " "
        after = text[end] if end < len(text) else " "
        return not (before.isalnum() or after.isalnum())


@Language.factory("paperkg_catalog_matcher", default_config={"catalog_dir": None, "exclude_ids": []})
def make_catalog_matcher(nlp: Language, name: str, catalog_dir: str | None, exclude_ids: list[str]) -> CatalogMatcher:
    catalog = load_catalog(Path(catalog_dir) if catalog_dir else None)
    if exclude_ids:
        catalog = catalog.without(exclude_ids)
    return CatalogMatcher(nlp, catalog)
