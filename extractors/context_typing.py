"""Typing a name the catalog does not know from the words around it (data: data/type_cues.json).

"the MVImgNet dataset" → dataset; "SurgeNetXL, a novel surgical foundation model" → architecture;
"a family of pure ConvNet models dubbed ConvNeXt" → architecture; "pretrained on X", "an FID of 1.98 on X", "X 256×256" → dataset;
"ConTNet" (ends in Net) → architecture, the weakest cue.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from spacy.tokens import Doc, Span

from extractors.caseless import CaselessPattern, lowered_for
from extractors.resources import alternation, load_json
from extractors.spans import doc_text, span_text

_APPOSITION_OPENERS = {"a", "an", "the", "one", "our"}
_COPULAS = {"is", "are", "as"}
_CLAUSE_BREAKERS = {"that", "which", "who", "for", "with", "on", "to", "by", "in", "based", "where", "while", "and", "or"}
_CONNECTORS = {"and", "or", ",", "-", "/", "&"}
_APPOSITION_CLOSERS = {",", ".", ";", ":", "which", "that"}  # what may follow a name set off by a comma
_DASHES = {"-", "–", "—", "--"}
_RESULT_PREPOSITIONS = {"on", "in", "across", "over"}
_TITLE_STOPS = {"for", "with", "via", "in", "on", "using", "through", "by", "from", "to", "towards", "of"}


def _closing_abbreviation(doc: Doc, opening: int) -> int | None:
    """The index of the ")" closing a short parenthesised abbreviation that opens at `opening` ("(AR)"), else None."""
    close = opening + 2
    if close < len(doc) and doc[close].text == ")" and any(c.isupper() for c in doc[opening + 1].text):
        return close
    return None


@dataclass(frozen=True)
class TypeGuess:
    type: str
    cue: str
    confidence: float


class ContextTyper:
    def __init__(self, cues: dict | None = None):
        cues = cues or load_json("type_cues.json")
        self.head_nouns = {word: kind for kind, words in cues["head_nouns"].items() for word in words}
        self.suffixes: dict[str, str] = {}  # suffix → type; the first listed wins
        for kind, items in cues["name_suffixes"].items():
            for suffix in items:
                self.suffixes.setdefault(suffix, kind)
        self.suffix_lengths = sorted({len(suffix) for suffix in self.suffixes}, reverse=True)
        self.naming_verbs = set(cues["naming_verbs"])
        self.head_continuations = set(cues["head_continuations"])
        context_phrases = alternation(cues["dataset_context"], ignore_case=True)
        self.dataset_context = re.compile(rf"(?:{context_phrases})\s+(?:the\s+)?$", re.IGNORECASE)
        # Every context phrase is two or more words, so the text before a name can only match if its last word
        # is a phrase's last word (or "the"): checked first, as the end-anchored alternation is slow to search.
        self.dataset_context_last_words = {phrase.split()[-1].lower() for phrase in cues["dataset_context"]} | {"the"}
        self.dataset_result = [CaselessPattern(p) for p in cues["dataset_result_patterns"]]
        self.dataset_result_last_words = {word.lower() for word in cues["dataset_result_last_words"]}
        self.dataset_following = [CaselessPattern(p) for p in cues["dataset_following_patterns"]]
        self.derived_suffixes = tuple(cues["derived_suffixes"])
        self.negating_prefixes = tuple(prefix.lower() for prefix in cues.get("negating_prefixes", ()))
        metric_forms = [form for metric in load_json("metrics.json")["metrics"] for form in metric["forms"]]
        # "VAR (3.3 FID)": a result in parentheses right after a name (a data set's has "on" before it, read first)
        self.result_in_parentheses = re.compile(rf"\s*\(\s*\d[\d.,]*\s*%?\s*(?:{alternation(metric_forms)})(?![\w-])")

    def head_type(self, word: str) -> str | None:
        return self.head_nouns.get(word.lower())

    def strip_derivation(self, name: str) -> str:
        """'CLIP-based' → 'CLIP'."""
        for suffix in self.derived_suffixes:
            if name.lower().endswith(suffix) and len(name) > len(suffix):
                return name[: -len(suffix)]
        return name

    def strip_negation(self, name: str) -> str:
        """'non-GFlowNet' → 'GFlowNet'."""
        for prefix in self.negating_prefixes:
            if name.lower().startswith(prefix) and len(name) > len(prefix):
                return name[len(prefix):]
        return name

    def guess(self, span: Span, is_name=lambda text: False) -> TypeGuess | None:
        return self.context_guess(span, is_name) or self.suffix_guess(span_text(span))

    def context_guess(self, span: Span, is_name=lambda text: False) -> TypeGuess | None:
        """The type the words around a span give it (not its own ending)."""
        return (self._adjacent_head(span, is_name) or self._apposition(span) or self._naming_verb(span)
                or self._preceding_head(span) or self._set_off_by_dashes(span) or self._dataset_context(span)
                or self._result_in_parentheses(span))

    def title_guess(self, title_rest: str) -> TypeGuess:
        """The type of the name that opens a title ("SC-FEGAN: Face Editing Generative Adversarial Network with
        ..."): the last head noun of the description before a preposition — an English noun phrase ends in its head:
        "Direct Neural Architecture Search on ..." is a search, a method — else a method."""
        guess = TypeGuess("method", "title name", 0.6)
        for word in title_rest.replace("-", " ").split():
            lowered = word.lower().strip(",.;")
            if lowered in _TITLE_STOPS:
                break
            kind = self.head_type(lowered)
            if kind:
                guess = TypeGuess(kind, f"title: {word}", 0.7)
        return guess

    def suffix_guess(self, name: str) -> TypeGuess | None:
        for length in self.suffix_lengths:  # the longest suffix wins
            if len(name) > length and (kind := self.suffixes.get(name[-length:])):
                return TypeGuess(kind, f"name ends in {name[-length:]}", 0.6)
        return None

    def _adjacent_head(self, span: Span, is_name) -> TypeGuess | None:
        doc: Doc = span.doc
        i = span.end
        while i < len(doc) and i < span.end + 6:
            token = doc[i]
            kind = self.head_type(token.text)
            if kind and not (i + 1 < len(doc) and doc[i + 1].lower_ in self.head_continuations):
                return TypeGuess(kind, doc[span.start: i + 1].text, 0.85)
            if kind:
                return None  # "the X search space", "the X training set": the noun only modifies another
            if token.text.lower() in _CONNECTORS or is_name(token.text):
                i += 1
                continue
            break
        return None

    def _apposition(self, span: Span) -> TypeGuess | None:
        doc = span.doc
        i = span.end
        if i + 1 >= len(doc):
            return None
        if doc[i].text not in {",", "("} and doc[i].lower_ not in _COPULAS:
            return None
        if doc[i + 1].lower_ not in _APPOSITION_OPENERS:
            return None
        j, limit = i + 2, min(len(doc), i + 12)
        found = None  # the last head noun of the definition's noun phrase: "a model compression method" is a method
        while j < limit:
            token = doc[j]
            if token.text == "(" and (close := _closing_abbreviation(doc, j)):
                j, limit = close + 1, min(len(doc), limit + close + 1 - j)  # "a 1D autoregressive (AR) ... method"
                continue
            if token.is_punct and token.text not in {"-", "/"}:
                break
            if token.lower_ in _CLAUSE_BREAKERS and not (j > 0 and doc[j - 1].text == "-"):
                break  # ("flow-based" is one word split by the tokenizer, not a clause)
            if found and token.lower_ == "of":
                break  # "a dataset of transformer models" is a dataset
            kind = self.head_type(token.text)
            if kind:  # a definition ("X, a novel foundation model") outranks a passing "the X dataset"
                found = TypeGuess(kind, doc[span.start: j + 1].text, 0.9)
            j += 1
        return found

    def _naming_verb(self, span: Span) -> TypeGuess | None:
        doc = span.doc
        if span.start == 0 or doc[span.start - 1].lower_ not in self.naming_verbs:
            return None
        for j in range(span.start - 2, max(-1, span.start - 14), -1):
            token = doc[j]
            if token.text in {".", ";", ":"} or token.is_sent_start:
                break
            kind = self.head_type(token.text)
            if kind:
                return TypeGuess(kind, doc[j: span.end].text, 0.8)
        return None

    def _preceding_head(self, span: Span) -> TypeGuess | None:
        """A head noun just before the name: "the previous flow-based model SiT", "the benchmark MMLU" (not an -ing
        head: "sampling ODE" is a thing sampled, not a method called ODE), before the name in parentheses ("a unified
        diffusion-based framework (SemFlow)") or set off by commas ("a new dataset, ImageNet++, which")."""
        doc = span.doc
        start = span.start
        following = doc[span.end].text.lower() if span.end < len(doc) else "."
        if start >= 2 and doc[start - 1].text == "(" and following == ")":
            start -= 1
        elif start >= 2 and doc[start - 1].text == "," and following in _APPOSITION_CLOSERS:
            start -= 1  # "we create a new dataset, ImageNet++, which ..."
        if start == 0:
            return None
        token = doc[start - 1]
        kind = self.head_type(token.text) if token.is_lower and not token.text.endswith("ing") else None
        return TypeGuess(kind, doc[start - 1: span.end + (start < span.start)].text, 0.8) if kind else None

    def _set_off_by_dashes(self, span: Span) -> TypeGuess | None:
        """A name set off by dashes after a noun phrase names it: "a large-scale dataset of diverse graphs of neural
        architectures - DeepNets-1M -" is a dataset (the head of the phrase the last article opens, not the last noun
        before the dash)."""
        doc = span.doc
        if span.start < 3 or span.end >= len(doc) or doc[span.start - 1].text not in _DASHES \
                or doc[span.end].text not in _DASHES:
            return None
        for j in range(span.start - 2, max(-1, span.start - 20), -1):
            token = doc[j]
            if token.is_punct and token.text not in {"-", "/"}:
                return None
            if token.lower_ in _APPOSITION_OPENERS:
                for k in range(j + 1, span.start - 1):
                    if doc[k].lower_ in _CLAUSE_BREAKERS or doc[k].lower_ == "of":
                        break
                    kind = self.head_type(doc[k].text)
                    if kind and not (k + 1 < len(doc) and doc[k + 1].lower_ in self.head_continuations):
                        return TypeGuess(kind, doc[j: span.end + 1].text, 0.8)
                return None
        return None

    def _result_in_parentheses(self, span: Span) -> TypeGuess | None:
        """A name with a result in parentheses after it is a model compared by it ("outperforming VAR (3.3 FID)"), or
        the data set the result is on when a preposition comes before it ("robust on CIFAR10-C (8.5% error)")."""
        text = doc_text(span.doc)
        if not text.startswith("(", span.end_char) and not text.startswith(" (", span.end_char):
            return None
        match = self.result_in_parentheses.match(text, span.end_char)
        if match is None:
            return None
        on_it = span.start > 0 and span.doc[span.start - 1].lower_ in _RESULT_PREPOSITIONS  # "on CIFAR10-C (8.5% error)"
        return TypeGuess("dataset" if on_it else "architecture", span_text(span) + match.group(), 0.7)

    def may_report_result_on(self, before: str, words: list[str] | None = None) -> bool:
        """Whether the text before a name can match a `dataset_result` pattern: it ends in whitespace after one of
        their last words or a number ("an FID of 1.98 on ", "87.8% on 256×256 "). `words`: `before.split()`."""
        words = before.split() if words is None else words
        if not words or not before[-1:].isspace():
            return False
        last = words[-1]
        return last[-1].isdigit() or last.lower() in self.dataset_result_last_words

    def _dataset_context(self, span: Span) -> TypeGuess | None:
        doc = span.doc
        # the few tokens before, cut from the text (not the whole text, and cheaper than Span.text_with_ws)
        before = doc_text(doc)[doc[max(0, span.start - 8)].idx: span.start_char] if span.start else ""
        words = before.split()
        in_context = bool(words) and words[-1].lower() in self.dataset_context_last_words
        match = in_context and self.dataset_context.search(before)
        if not match and self.may_report_result_on(before, words):
            lowered = lowered_for(before)
            match = next((m for m in (p.search(before, lowered) for p in self.dataset_result) if m), None)
        if match:
            return TypeGuess("dataset", before[match.start():] + span_text(span), 0.75)
        # the next four tokens with their whitespace, and the whitespace after the span: the text from the span's
        # end to the end of the fourth token after it (cut from the text; a Span of them cost more)
        text = doc_text(doc)
        if span.end + 4 <= len(doc):
            fourth = doc[span.end + 3]
            after = text[span.end_char:fourth.idx + len(fourth.text_with_ws)]
        else:
            after = text[span.end_char:]
        lowered = lowered_for(after)
        following = next((m for m in (p.search(after, lowered) for p in self.dataset_following) if m), None)
        if following:
            return TypeGuess("dataset", span_text(span) + after[:following.end()], 0.75)
        return None
