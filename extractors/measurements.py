"""`paperkg_measurements`: the costs and settings a paper states, kept apart from its results (data:
data/measurements.json).

"5.7M parameters", "12.3 GFLOPs", "26 ms", "155 FPS", "3.1× faster", "trained in 8 GPU days" are costs; "NFE=2",
"a guidance scale of 1.5", "256×256", "a batch size of 256" are settings. Each keeps its quantity, value, unit and
the model the sentence credits, found as for results. Runs after `paperkg_relations` (which marks the paper's own
model) and beside `paperkg_results`, which leaves these numbers out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc

from extractors.batching import BatchwiseComponent
from extractors.resources import load_json
from extractors.results import CLAUSE_START, canonical_number, credited_model
from extractors.spans import doc_paper_id, doc_text, extension_value, sentence_at, sentence_bounds, set_extension_value
from kg.model import Measurement, Mention

_MODEL_TYPES = ("method", "architecture")
# the verbs after which a model's costs and settings follow: reporting ones, and having, needing, running
_STATING_VERB = re.compile(r"\b(?:has|have|had|requir\w*|needs?|runs?|contain\w*|takes?|costs?|operat\w*|"
                           r"achiev\w*|obtain\w*|reach\w*|attain\w*|deliver\w*|is|are|was|were)\b", re.IGNORECASE)
_SCALES = {"thousand": "K", "million": "M", "billion": "B", "trillion": "T"}


_NUMBER = re.compile(r"\d(?<![\w.,\-]\d)\d*(?:,\d{3})*(?:\.\d+)?")  # (the look-behind after the first digit:
_BEFORE_WINDOW = 60                                                       # `re` skips to digits)


@dataclass(frozen=True)
class _Quantity:
    name: str
    kind: str
    unit: str
    case_sensitive: bool
    before: re.Pattern[str] | None  # must end right before the number
    after: re.Pattern[str] | None  # must match right after it
    value: re.Pattern[str] | None  # the number itself


def _without_scale(pattern: str) -> str:
    return pattern.replace("(?P<scale>", "(?:")


class MeasurementExtractor(BatchwiseComponent):
    def __init__(self, config: dict | None = None):
        config = config or load_json("measurements.json")
        self.quantities = [_Quantity(
            q["name"], q["kind"], q["unit"], bool(q.get("case_sensitive")),
            re.compile(f"(?:{q['before']})$") if q.get("before") else None,
            re.compile(q["after"]) if q.get("after") else None,
            re.compile(q["value"]) if q.get("value") else None) for q in config["quantities"]]
        # one pattern for every "after" (lower case, then as written) and one for every "before": most numbers fit
        # none, and one match each tells; the quantities are tried one by one only for a number that fits some
        def any_of(sources: list[str], suffix: str = "") -> re.Pattern[str] | None:
            return re.compile("|".join(f"(?:{_without_scale(s)})" for s in sources) + suffix) if sources else None
        quantities = config["quantities"]
        self.any_after_lower = any_of([q["after"] for q in quantities
                                       if q.get("after") and not q.get("case_sensitive")])
        self.any_after_exact = any_of([q["after"] for q in quantities if q.get("after") and q.get("case_sensitive")])
        self.any_before = re.compile(f"(?:{'|'.join(_without_scale(q['before']) for q in quantities if q.get('before'))})$")

    def measurements(self, text: str, bounds: list[tuple[int, int]]) -> list[tuple[int, int, re.Match, str,
                                                                                _Quantity]]:
        """(start, end, the number, scale as written, quantity) of every measurement in a text, one per number;
        `bounds`: its sentences, which a measurement does not cross."""
        lowered = None
        found = []
        for number in _NUMBER.finditer(text):
            if lowered is None:
                lowered = text.lower()
                if len(lowered) != len(text):  # a letter whose lower case is longer ("İ"): kept, so offsets hold
                    lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
            start, end = number.span()
            sentence_start, sentence_end = sentence_at(bounds, start)
            window = max(sentence_start, start - _BEFORE_WINDOW)
            if not ((self.any_after_lower and self.any_after_lower.match(lowered, end, sentence_end))
                    or (self.any_after_exact and self.any_after_exact.match(text, end, sentence_end))
                    or self.any_before.search(lowered, window, start)):
                continue  # (most numbers)
            for quantity in self.quantities:
                searched = text if quantity.case_sensitive else lowered
                if quantity.value and not quantity.value.fullmatch(number.group()):
                    continue
                before = quantity.before.search(searched, window, start) if quantity.before else None
                after = quantity.after.match(searched, end, sentence_end) if quantity.after else None
                if (quantity.before and before is None) or (quantity.after and after is None):
                    continue
                scale = text[after.start("scale"):after.end("scale")] if after and after.groupdict().get(
                    "scale") else ""
                found.append((before.start() if before else start, after.end() if after else end, number, scale,
                              quantity))
                break
        return found

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
        bounds = sentence_bounds(doc)
        for start, end, number, scale, quantity in self.measurements(text, bounds):
            value = canonical_number(number.group())
            unit = _SCALES.get(scale.lower(), scale) + quantity.unit if scale else quantity.unit
            if (quantity.name, value, unit) in seen:
                continue
            seen.add((quantity.name, value, unit))
            sentence_start, sentence_end = sentence_at(bounds, start)
            models = [m for m in mentions if sentence_start <= m.start and m.end <= sentence_end
                      and m.type in _MODEL_TYPES]
            method = self._credited(text, sentence_start, number.start() - sentence_start, models, own)
            measured.append(Measurement(
                paper_id=paper_id, kind=quantity.kind, quantity=quantity.name, value=value, unit=unit,
                start=start, end=end, text=text[start:end], sentence=text[sentence_start:sentence_end].strip(),
                method_span=(method.start, method.end) if method else None))
        set_extension_value(doc, "kg_measurements", measured)
        return doc


@Language.factory("paperkg_measurements")
def make_measurement_extractor(nlp: Language, name: str) -> MeasurementExtractor:
    return MeasurementExtractor()
