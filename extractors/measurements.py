"""`paperkg_measurements`: the costs and settings a paper states, kept apart from its results (data:
data/measurements.json).

"5.7M parameters", "12.3 GFLOPs", "26 ms", "155 FPS", "3.1× faster", "trained in 8 GPU days" are costs; "NFE=2",
"a guidance scale of 1.5", "256×256", "a batch size of 256" are settings. Each keeps its quantity, value, unit and
the model the sentence credits, found as for results. Runs after `paperkg_relations` (which marks the paper's own
model) and beside `paperkg_results`, which leaves these numbers out.
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc

from extractors.batching import BatchwiseComponent
from extractors.literal_prefilter import PrefilteredPattern
from extractors.resources import load_json
from extractors.results import CLAUSE_START, canonical_number, credited_model
from extractors.spans import doc_paper_id, doc_text, extension_value, sentence_bounds, set_extension_value
from kg.model import Measurement, Mention

_MODEL_TYPES = ("method", "architecture")
# the verbs after which a model's costs and settings follow: reporting ones, and having, needing, running
_STATING_VERB = re.compile(r"\b(?:has|have|had|requir\w*|needs?|runs?|contain\w*|takes?|costs?|operat\w*|"
                           r"achiev\w*|obtain\w*|reach\w*|attain\w*|deliver\w*|is|are|was|were)\b", re.IGNORECASE)
_SCALES = {"thousand": "K", "million": "M", "billion": "B", "trillion": "T"}


class MeasurementExtractor(BatchwiseComponent):
    def __init__(self, config: dict | None = None):
        config = config or load_json("measurements.json")
        # (pattern, whether it is searched in the lower-cased sentence, name, kind, unit), in the file's order: the
        # first to match a number wins. A case-insensitive pattern is searched lower-cased in a lower-cased sentence,
        # after a test for the words its matches must hold (most sentences with a number hold none).
        self.quantities = []
        for quantity in config["quantities"]:
            source = quantity["pattern"].replace("{number}", config["number"])
            if quantity.get("case_sensitive"):
                pattern, lowered = PrefilteredPattern(re.compile(source)), False
            else:
                pattern, lowered = PrefilteredPattern(re.compile(source.lower().replace("(?p<", "(?P<"))), True
            self.quantities.append((pattern, lowered, quantity["name"], quantity["kind"], quantity["unit"]))

    def measurements(self, sentence: str) -> list[tuple[int, int, re.Match[str], str, str, str]]:
        """(value start, value end, match, quantity, kind, unit) of every measurement in a sentence, one per number."""
        found, taken = [], set()
        lowered = sentence.lower()
        if len(lowered) != len(sentence):  # a letter whose lower case is longer ("İ"): kept, so offsets hold
            lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in sentence)
        for pattern, in_lowered, name, kind, unit in self.quantities:
            for match in pattern.finditer(lowered if in_lowered else sentence):
                at = match.span("value")
                if at in taken:
                    continue
                taken.add(at)
                found.append((*at, match, name, kind, unit))
        return sorted(found, key=lambda item: item[0])

    @staticmethod
    def _credited(text: str, sentence_start: int, value_start: int, models: list[Mention],
                  own: Mention | None) -> Mention | None:
        """The model the number's clause credits ("TinyDet has 5.7M parameters, while ResNet-50 has 25.6M"), else
        the one its sentence credits."""
        clause = CLAUSE_START.match(text, sentence_start, sentence_start + value_start)
        starts = ([clause.end()] if clause else []) + [sentence_start]
        for start in starts:
            method = credited_model(text, sentence_start + value_start, [m for m in models if m.start >= start], own,
                                    start, _STATING_VERB)
            if method is not None:
                return method
        return None

    def __call__(self, doc: Doc) -> Doc:
        mentions: list[Mention] = extension_value(doc, "kg_mentions") or []
        text, paper_id = doc_text(doc), doc_paper_id(doc)
        own = next((m for m in mentions if m.relation == "proposes" and m.type in _MODEL_TYPES), None)
        measured: list[Measurement] = []
        seen: set[tuple[str, str, str]] = set()  # a title repeating the abstract's figure
        for sentence_start, sentence_end in sentence_bounds(doc):
            sentence = text[sentence_start:sentence_end]
            if not any(digit in sentence for digit in "0123456789"):
                continue
            found = self.measurements(sentence)
            if not found:
                continue
            models = [m for m in mentions if sentence_start <= m.start and m.end <= sentence_end
                      and m.type in _MODEL_TYPES]
            for value_start, _, match, name, kind, unit in found:
                scale = sentence[match.start("scale"):match.end("scale")] if match.groupdict().get("scale") else ""
                value = canonical_number(match.group("value"))
                full_unit = _SCALES.get(scale.lower(), scale) + unit if scale else unit
                if (name, value, full_unit) in seen:
                    continue
                seen.add((name, value, full_unit))
                start, end = sentence_start + match.start(), sentence_start + match.end()
                method = self._credited(text, sentence_start, value_start, models, own)
                measured.append(Measurement(
                    paper_id=paper_id, kind=kind, quantity=name, value=value, unit=full_unit, start=start, end=end,
                    text=text[start:end], sentence=sentence.strip(),
                    method_span=(method.start, method.end) if method else None))
        set_extension_value(doc, "kg_measurements", measured)
        return doc


@Language.factory("paperkg_measurements")
def make_measurement_extractor(nlp: Language, name: str) -> MeasurementExtractor:
    return MeasurementExtractor()
