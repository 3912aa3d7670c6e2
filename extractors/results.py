"""`paperkg_results`: reported results, like a leaderboard row — metric, value, unit, dataset and method.

"achieves an FID of 1.98 on 256×256 ImageNet", "87.8% ImageNet top-1 accuracy", "VAR (3.3 FID)". Per sentence:
1. metric names (data/metrics.json) and numbers; a number that is a difference, a cost or a setting ("3.1% better",
   "by 2.4%", "5.7M parameters", "NFE=2", "256×256") is not a result (`result_cues` in the same file);
2. a number pairs with the metric right after it ("82.5% accuracy", "0.78 and 0.76 Spearman correlation") or
   right before it ("an FID of 1.98", "top-1 accuracy to date: 85.4%"); an unpaired number continuing a list
   ("FID of 2.97 on X, 4.59 on Y") takes the list's metric;
3. the dataset is a dataset mention inside the phrase ("87.8% ImageNet top-1"), the one a parenthesised result
   follows ("CIFAR10-C (8.5% error)"), the first after the result ("on ImageNet"), else the last before it;
4. the method is the model a parenthesised result follows ("VAR (3.3 FID)"), the named subject of the verb that
   reports it ("BossNet-T achieves"), or the paper's proposed model when the subject is "we", "our method" or "it";
5. a result is the paper's own unless it is quoted for comparison: the old value of "from 27.3 to 28.4" or the
   second of "81.2% vs. 79.0%", a clause that says so ("the previous best of 41.2 AP"), or another model's.
Runs after `paperkg_relations`, whose `proposes` marks say which model is the paper's own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from spacy.language import Language
from spacy.tokens import Doc

from extractors.batching import BatchwiseComponent
from extractors.caseless import CaselessPattern, lowered_for
from extractors.resources import alternation, load_json
from extractors.spans import doc_paper_id, doc_text, extension_value, sentence_bounds, set_extension_value
from kg.model import Mention, Result

_DIGIT = re.compile(r"\d")
# A number not glued to a word, a decimal point, "^", "{", "/" or a backslash before it; thousands may be grouped
# with commas ("3,100"). The test of the character
# before comes after the first digit (two characters back, the second the digit) so that the pattern opens with a
# digit, and `re` skips to the digits instead of trying the look-behind at every position: the same matches, twice as
# fast.
_NUMBER = re.compile(r"(\d(?<![\w.^{/\\]\d)(?:\d{0,2}(?:,\d{3})+(?!\d)|\d*)(?:\.\d+)?)(?:\s*(\\?%|dB)(\+)?)?"
                     r"(?![\w]|\.\d)")
_LIST_GAP = re.compile(r"^[^.;]{0,70}$")
_LIST_JOINER = re.compile(r",|\band\b|\bwhile\b")
_LIST_BREAKER = re.compile(r"\b(?:better|faster|fewer|than|parameters|speed|times)\b", re.IGNORECASE)
_BEFORE_GAP = re.compile(
    r"^\s*[()]?\s*(?:(?:scores?|rate)\s+)?(?:(?:on|in)\s+(?:the\s+)?[A-Z][\w.+-]*\s+(?=from\b))?"
    r"(?:(?:[a-z-]+\s+){0,5}?(?:approaches|reaches|is|was)\s+)?"
    r"(?:(?:(?:improved|increased|raised|boosted|reduced|decreased|lowered|dropped|rose|went)\s+)?"
    r"from\s+\d[\d.,]*\s*(?:\\?%)?\s+to\s*|(?:of|=|:|to|at|to date\s*:)\s*)?"
    r"(?:about|around|approximately|only|just|nearly|over|above|up to|roughly|~)?\s*$")
# after a metric: the number was a difference ("2.5 F1 absolute higher", "a 2.3% mAP boost")
_DIFFERENCE_AFTER_METRIC = re.compile(
    r"\s*(?:absolute|relative|points?)?\s*(?:higher|better|lower|worse|improvements?|gains?|boosts?|increases?|"
    r"decreases?|reductions?|drops?|more|less|fewer)\b", re.IGNORECASE)
_BASELINE_NUMBER = re.compile(r"(?<=\bfrom )\d+(?:\.\d+)?")
_LIST_CONTINUES = re.compile(r"^\s*(?:,|and|or|,\s*and)\s*$")
_RESPECTIVELY = re.compile(r"\brespectively\b", re.IGNORECASE)
_AFTER_GAP = re.compile(
    r"^(?:\s*(?:,|and|or|/|rightarrow|→|->)\s*\d+(?:\.\d+)?\s*(?:\\?%)?)*\s*(?:in\s+|\(\s*)?"
    r"(?:(?:[A-Z][\w.+-]*|\d+[kK]?)\s+){0,3}$")
_REPORTING_VERB = re.compile(r"\b(?:achiev\w*|obtain\w*|reach\w*|yield\w*|attain\w*|get\w*|gets|scor\w*|record\w*|"
                             r"set\w*|report\w*|improv\w*|reduc\w*|deliver\w*|demonstrat\w*|show\w*)\b", re.IGNORECASE)
_FROM_VALUE = re.compile(r"\bfrom\s*$")  # "from 27.3 to 28.4": 27.3 is the baseline's
_TO_VALUE = re.compile(r"\s*(?:\\?%)?\s*to\s+\d")
_VERSUS_VALUE = re.compile(r"\b(?:vs\.?|versus)\s*$")  # "28.4 vs. 27.3"
CLAUSE_START = re.compile(r".*(?:[,;:(]|\b(?:while|whereas|but)\b)", re.DOTALL)
_OWN_SUBJECT = re.compile(r"\b(?:we|our|it|this model|the proposed)\b", re.IGNORECASE)
_PREPOSITION = re.compile(r"\b(?:on|in|for|across|over)\b")
_METHOD_TYPES = ("method", "architecture")


@dataclass(frozen=True)
class _Number:
    start: int
    end: int
    value: str
    unit: str
    compared_with: int = 0  # a baseline's value: -1 the result before it ("28.4 vs. 27.3"), +1 after ("from 27.3 to")


@dataclass(frozen=True)
class _Metric:
    start: int
    end: int
    name: str
    unit: str


class ResultExtractor(BatchwiseComponent):
    def __init__(self, config: dict | None = None):
        config = config or load_json("metrics.json")
        self.metric_of: dict[str, tuple[str, str]] = {}
        exact, folded = [], []
        for metric in config["metrics"]:
            for form in metric["forms"]:
                key = form if _is_case_sensitive(form) else form.lower()
                self.metric_of[key] = (metric["name"], metric["unit"])
                (exact if _is_case_sensitive(form) else folded).append(form)
        edge = r"(?<![\w-]){}(?![\w-]|@)"
        self.exact_forms = re.compile(edge.format(f"(?:{alternation(exact)})"))
        self.folded_forms = re.compile(edge.format(f"(?:{alternation(folded, ignore_case=True)})"), re.IGNORECASE)
        # the same forms searched in lower-cased text, several times faster than IGNORECASE
        self.lower_case_folded_forms = re.compile(edge.format(f"(?:{alternation([f.lower() for f in folded])})"))
        cues = config["result_cues"]
        self.not_after = CaselessPattern(cues["not_a_result_after"])
        self.not_before = CaselessPattern(cues["not_a_result_before"])
        self.difference_after_by = CaselessPattern(cues["difference_after_by"])
        self.baseline_before = CaselessPattern(cues["baseline_before"])

    # -- finding metrics and numbers ------------------------------------------------------------------------
    def metrics(self, sentence: str) -> list[_Metric]:
        found = []
        lowered = sentence.lower()
        same_offsets = len(lowered) == len(sentence)
        folded_search = (self.lower_case_folded_forms, lowered) if same_offsets else (self.folded_forms, sentence)
        for (pattern, searched), fold in (((self.exact_forms, sentence), False), (folded_search, True)):
            for match in pattern.finditer(searched):
                name, unit = self.metric_of[match.group().lower() if fold else match.group()]
                found.append(_Metric(match.start(), match.end(), name, unit))
        chosen: list[_Metric] = []
        for metric in sorted(found, key=lambda m: (-(m.end - m.start), m.start)):
            if all(metric.end <= c.start or metric.start >= c.end for c in chosen):
                chosen.append(metric)
        return sorted(chosen, key=lambda m: m.start)

    def numbers(self, sentence: str, matches: list[re.Match[str]] | None = None) -> list[_Number]:
        """The numbers of a sentence that may be results (`matches`: `_NUMBER`'s, when found already); the cheap
        tests first, the two cue patterns last."""
        found = []
        excluded_end: int | None = None
        lowered = lowered_for(sentence)  # (ASCII: the windows below cut from it are the windows lower-cased)
        for match in _NUMBER.finditer(sentence) if matches is None else matches:
            value, unit = match.group(1), (match.group(2) or "").replace("\\", "")
            if not unit and "." not in value and len(value) == 4 and value[:2] in ("19", "20"):
                continue  # a year
            after = sentence[match.end(): match.end() + 40]
            if after[:1] == "-" and len(after) > 1 and not after[1].isspace():
                continue  # "3-step", "8-bit"
            before_start = max(0, match.start() - 30)
            before = sentence[before_start: match.start()]
            if lowered is None:
                lowered_after = lowered_before = None
            else:
                lowered_after = lowered[match.end(): match.end() + 40]
                lowered_before = lowered[before_start:match.start()]
            if "from" in before and _FROM_VALUE.search(before) and _TO_VALUE.match(after):
                compared_with = 1
            elif ("vs" in before or "versus" in before) and _VERSUS_VALUE.search(before):
                compared_with = -1
            else:
                compared_with = 0
            if compared_with and not self.not_after.match(after, lowered_after):
                found.append(_Number(match.start(), match.end(), canonical_number(value), unit, compared_with))
                excluded_end = None
                continue
            if (self.not_after.match(after, lowered_after) or self.not_before.search(before, lowered_before)
                    or ("by " in before and self.difference_after_by.search(before, lowered_before))
                    or (excluded_end is not None and _LIST_CONTINUES.match(sentence[excluded_end:match.start()]))):
                # "by up to 1.1 and 1.3 BLEU": the later numbers of a list of differences are differences too (a
                # number glued to a name, "ROUGE-1", starts no list)
                excluded_end = match.end() if sentence[match.start() - 1:match.start()] in ("", " ", "(") else None
                continue
            excluded_end = None
            found.append(_Number(match.start(), match.end(), canonical_number(value), unit))
        return found

    # -- pairing ----------------------------------------------------------------------------------------------
    def _pair(self, sentence: str, number: _Number, metrics: list[_Metric]) -> tuple[_Metric, int, int] | None:
        """The metric a number reports, with the evidence span (sentence offsets)."""
        following = next((m for m in metrics if m.start >= number.end), None)
        if following is not None and _AFTER_GAP.match(sentence[number.end:following.start]):
            if _DIFFERENCE_AFTER_METRIC.match(sentence[following.end:following.end + 40]):
                return None
            return following, number.start, following.end
        preceding = next((m for m in reversed(metrics) if m.end <= number.start), None)
        if preceding is not None and _BEFORE_GAP.match(sentence[preceding.end:number.start]):
            return preceding, preceding.start, number.end
        return None

    def _paired(self, sentence: str, numbers: list[_Number], metrics: list[_Metric]):
        """(number, metric, evidence start, evidence end) of each result; a baseline's value ("from 27.3 to") takes
        the metric of the result it is compared with, and its own number as evidence."""
        if not any(number.compared_with for number in numbers):
            return self._results_paired(sentence, numbers, metrics)  # (most sentences)
        paired = self._results_paired(sentence, [n for n in numbers if not n.compared_with], metrics)
        position_of = {number.start: index for index, number in enumerate(numbers)}
        by_position = {position_of[number.start]: (number, metric) for number, metric, _, _ in paired}
        for index, number in enumerate(numbers):
            partner = by_position.get(index + number.compared_with) if number.compared_with else None
            if partner is not None and partner[0].unit == number.unit:
                paired.append((number, partner[1], number.start, number.end))
        return sorted(paired, key=lambda item: item[0].start)

    def _results_paired(self, sentence: str, numbers: list[_Number], metrics: list[_Metric]):
        paired: list[tuple[_Number, _Metric, int, int]] = []
        for number in numbers:
            pair = self._pair(sentence, number, metrics)
            if pair is None and paired:
                last_number, last_metric, _, last_end = paired[-1]
                gap = sentence[max(last_end, last_number.end):number.start]
                plain_gap = _BASELINE_NUMBER.sub("0", gap)  # ", from 1.13 to ": the list goes on past a baseline
                if (number.unit == last_number.unit and _LIST_GAP.match(plain_gap) and _LIST_JOINER.search(gap)
                        and not _LIST_BREAKER.search(gap) and not any(m.start >= last_end and m.end <= number.start
                                                                      for m in metrics)):
                    pair = (last_metric, number.start, number.end)
            if pair is not None:
                paired.append((number, *pair))
        return paired

    # -- dataset and method -----------------------------------------------------------------------------------
    @staticmethod
    def _dataset(text: str, start: int, end: int, datasets: list[Mention], sentence_start: int) -> Mention | None:
        inside = [m for m in datasets if start <= m.start and m.end <= end]
        if inside:
            return inside[0]
        hit = _named_before_parenthesis(text, sentence_start, start, datasets)
        if hit is not None:
            return hit
        after = [m for m in datasets if m.start >= end and m.start - end <= 90 and _PREPOSITION.search(text[end:m.start])]
        if after:
            return after[0]
        before = [m for m in datasets if m.end <= start]
        return before[-1] if before else None

    def _quoted(self, sentence: str, start: int, method: Mention | None, own: Mention | None, offset: int) -> bool:
        """Whether a result is quoted for comparison, not the paper's own: its clause says so ("the previous best
        of 41.2 AP", "professional transcribers reach 5.9%"), or it is credited to another model than the paper's
        ("outperforming VAR (3.3 FID)") when the paper names its own (else a named subject may be the paper's)."""
        clause = CLAUSE_START.match(sentence, 0, start)
        if self.baseline_before.search(sentence[clause.end() if clause else 0:start], None):
            return True
        if method is None or method is own or method.relation == "proposes":
            return False
        before = sentence[max(0, method.start - offset - 6):method.start - offset].lower()
        return own is not None and not before.endswith(("our ", "our"))

    def __call__(self, doc: Doc) -> Doc:
        mentions: list[Mention] = extension_value(doc, "kg_mentions") or []
        text, paper_id = doc_text(doc), doc_paper_id(doc)
        own = next((m for m in mentions if m.relation == "proposes" and m.type in _METHOD_TYPES), None)
        results: list[Result] = []
        seen: set[tuple[str, str, str | None]] = set()  # a title repeating the abstract's result
        for sentence_start, sentence_end in sentence_bounds(doc):
            sentence = text[sentence_start:sentence_end]
            if not has_digit(sentence):
                continue  # most sentences: nothing to read
            matches = list(_NUMBER.finditer(sentence))
            if not matches:
                continue
            metrics = self.metrics(sentence)  # (before the numbers' cue tests: sentences with numbers but no metric
            if not metrics:                   # are common, and those tests cost more than the metric search)
                continue
            numbers = self.numbers(sentence, matches)
            if not numbers:
                continue
            offset = sentence_start
            in_sentence = [m for m in mentions if offset <= m.start and m.end <= sentence_end]
            datasets = [m for m in in_sentence if m.type == "dataset"]
            models = [m for m in in_sentence if m.type in _METHOD_TYPES]
            paired = self._paired(sentence, numbers, metrics)
            stated = [item for item in paired if not item[0].compared_with]
            in_order = _respectively(sentence, stated, datasets, offset)
            dataset_of = {item[0].start: dataset for item, dataset in zip(stated, in_order)} if in_order else {}
            for number, metric, start, end in paired:
                start, end = start + offset, end + offset
                dataset = dataset_of.get(number.start) or self._dataset(text, start, end, datasets, offset)
                method = credited_model(text, number.start + offset, models, own, offset)
                quoted = number.compared_with or self._quoted(sentence, number.start, method, own, offset)
                if quoted and method is own:
                    method = None  # a baseline's value is not the paper's own model's
                key = (metric.name, number.value, dataset.text.lower() if dataset else None)
                if key in seen:
                    continue
                seen.add(key)
                results.append(Result(
                    paper_id=paper_id, metric=metric.name, value=number.value, unit=number.unit, start=start, end=end,
                    text=text[start:end], sentence=sentence.strip(),
                    dataset_span=(dataset.start, dataset.end) if dataset else None,
                    method_span=(method.start, method.end) if method else None, own=not quoted))
        set_extension_value(doc, "kg_results", results)
        return doc


def credited_model(text: str, start: int, models: list[Mention], own: Mention | None, sentence_start: int,
                   verb: re.Pattern[str] = _REPORTING_VERB) -> Mention | None:
    """The model a number at `start` belongs to: the one its parenthesis follows ("VAR (3.3 FID)"), the named subject
    of the verb that reports it ("BossNet-T achieves"), or the paper's own (`own`) when the subject is "we", "our
    method" or "it". `verb`: the verbs that report a number (results: "achieves", "reaches", ...)."""
    hit = _named_before_parenthesis(text, sentence_start, start, models)
    if hit is not None:
        return hit
    verbs = list(verb.finditer(text, sentence_start, start))
    if not verbs:
        return own if _OWN_SUBJECT.search(text, sentence_start, start) else None
    verb_start = verbs[0].start()
    subjects = [m for m in models if m.end <= verb_start]
    if _OWN_SUBJECT.search(text, subjects[-1].end if subjects else sentence_start, verb_start):
        return own
    return subjects[-1] if subjects else None


def has_digit(sentence: str) -> bool:
    """`\\d` anywhere in the sentence: ten `str.find`-like scans for the ASCII digits (each a fast byte scan) before
    the regular expression, which only a sentence with other characters than ASCII needs."""
    for digit in "0123456789":
        if digit in sentence:
            return True
    return not sentence.isascii() and _DIGIT.search(sentence) is not None


def _respectively(sentence: str, paired: list, datasets: list[Mention], offset: int) -> list[Mention] | None:
    """"55.3 and 61.0 on Penn Treebank and WikiText-2, respectively": with "respectively" after them, the results'
    datasets are the datasets named after the last result, in order, when there are as many."""
    if len(paired) < 2 or not _RESPECTIVELY.search(sentence):
        return None
    last_end = max(end for _, _, _, end in paired) + offset
    after = [m for m in datasets if m.start >= last_end]
    return after[:len(paired)] if len(after) >= len(paired) else None


def _named_before_parenthesis(text: str, sentence_start: int, start: int, mentions: list[Mention]) -> Mention | None:
    """The mention right before the parenthesis a result stands in: "CIFAR10-C (8.5% error)", "VAR (3.3 FID)"."""
    head = text[sentence_start:start].rstrip()
    if not head.endswith("("):
        return None
    paren = sentence_start + len(head) - 1
    return next((m for m in mentions if 0 <= paren - m.end <= 1), None)


def canonical_number(number: str) -> str:
    """The canonical xsd:decimal form, so the value reads back from RDF unchanged ("1.70" → "1.7", "3,100" →
    "3100"); the text as written stays in the result's surface text."""
    return format(Decimal(number.replace(",", "")).normalize(), "f")


def _is_case_sensitive(form: str) -> bool:
    """Short capitalised forms are acronyms that an English word could otherwise be ("IS", "AP", "EM", "Dice"); a
    longer form or one of several words matches in any case ("mean IOU", "Bits Per Character")."""
    return " " not in form and len(form) <= 5 and any(c.isupper() for c in form)


@Language.factory("paperkg_results")
def make_result_extractor(nlp: Language, name: str) -> ResultExtractor:
    return ResultExtractor()
