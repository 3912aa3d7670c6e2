"""Noun phrases named by their head noun: the shared walk behind the task-phrase and method-phrase components.

"class-conditional image generation" (task head: generation), "progressive distillation" (method head:
distillation): a head noun and up to `max_modifiers` words before it. The walk left stops at stop words, verbs and
adjectives that do not name anything, -ly adverbs, unlisted -ing and -ed words, and words that belong to an entity
of another type ("COCO detection" is a dataset and a bare head). A head alone is not a phrase. Modifier rules are
data (data/task_phrases.json); head nouns are data per type.
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc, Span

from extractors.batching import BatchwiseComponent
from extractors.resources import Memo, alternation, load_json
from extractors.spans import (CATALOG_GROUP, NAME_GROUP, doc_lowered, doc_text, doc_words, group_offsets,
                              joins_word, sentence_bounds, set_group, span_text, word_after)

_MODIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*")
_INVERTED_OBJECT = re.compile(r" of ([a-z]{3,}[^s\W])s\b")  # "generation of images": a plural object noun
_SLASHED_WORD = re.compile(r"(?<![\w/-])([A-Za-z][A-Za-z0-9-]*)/$")  # "image/" before "video generation"
_COORDINATION = re.compile(r"\s+(?:and|or)\s+")
_DIMENSION = re.compile(r"[1-6]D", re.IGNORECASE)


class HeadFinder:
    """Whole-word, case-insensitive occurrences of the head nouns, leftmost first and the longest at a position,
    as a regex alternation would find them; found with `str.find` per head that occurs among the doc's words
    (`doc_words`, shared by the three phrase detectors), several times faster than searching the alternation at
    every position of an abstract."""

    def __init__(self, head_nouns: list[str]):
        self.heads = sorted({head.lower() for head in head_nouns}, key=lambda head: (-len(head), head))
        heads = alternation(self.heads, ignore_case=True)
        self.alternation = re.compile(rf"(?<![\w-])(?:{heads})(?![\w-])", re.IGNORECASE)

    def find(self, doc: Doc) -> list[tuple[int, int]]:
        """(start, end) of each head in the doc's text, in order."""
        text, lowered = doc_text(doc), doc_lowered(doc)
        if len(lowered) != len(text):  # lower-casing changed the length: offsets would not line up
            return [m.span() for m in self.alternation.finditer(text)]
        words = doc_words(doc)
        found = []
        for head in self.heads:
            if head not in words:
                continue
            at = lowered.find(head)
            while at != -1:
                if not joins_word(text, at - 1) and not joins_word(text, at + len(head)):
                    found.append((at, -len(head)))
                at = lowered.find(head, at + 1)
        spans, taken_until = [], 0
        for at, negative_length in sorted(found):
            if at >= taken_until:
                spans.append((at, at - negative_length))
                taken_until = at - negative_length
        return spans


class HeadedPhraseDetector(BatchwiseComponent):
    def __init__(self, label: str, group: str, heads: dict, modifiers: dict | None = None):
        config = modifiers or load_json("task_phrases.json")
        self.label, self.group = label, group
        self.max_modifiers = int(config["max_modifiers"])
        self.family_heads = {h.lower() for h in heads.get("family_heads", [])}
        self.family_modifiers = {w.lower() for w in heads.get("family_modifiers", [])}
        self.standalone_heads = {h.lower() for h in heads.get("standalone_heads", [])}
        self.heads = HeadFinder(heads["head_nouns"])
        # a family head within three words after a family word (found from the family words, which are rare)
        family_heads = alternation(sorted(self.family_heads))
        self.family_head_after = re.compile(rf"(?:[\s-]+[a-z][a-z-]*){{0,2}}?\s+({family_heads})(?![\w-])")
        self.weak_heads = {h.lower() for h in heads["weak_heads"]}
        self.not_before = {w.lower() for w in heads.get("not_before", [])}
        self.inverted_objects = bool(heads.get("inverted_objects", False))
        self.capitalised_head_alone = bool(heads.get("capitalised_head_alone", False))
        self.capitalised_only = bool(heads.get("capitalised_only", False))
        self.stop = {w.lower() for w in config["stop_modifiers"]} | {w.lower() for w in heads.get("stop_modifiers", [])}
        self.ing_modifiers = {w.lower() for w in config["ing_modifiers"]}
        self.ly_modifiers = {w.lower() for w in config["ly_modifiers"]}
        self.ed_modifiers = {w.lower() for w in config["ed_modifiers"]}
        self.is_modifier = Memo(self._is_modifier)  # by word: the same words recur before heads

    def _is_modifier(self, word: str) -> bool:
        lower = word.lower()
        if lower in self.stop or lower.endswith("ly") and len(lower) > 4 and lower not in self.ly_modifiers:
            return False
        if lower.endswith("ing") and lower not in self.ing_modifiers and "-" not in lower:
            return False
        if lower.endswith("ed") and lower not in self.ed_modifiers and "-" not in lower:
            return False  # a verb or participle: "revolutionized", "trained"
        if lower.endswith("s") and not lower.endswith(("ss", "us", "is")) and "-" not in lower and len(lower) > 3:
            return False  # a verb ("offers", "unifies") or a plural, which rarely modifies a task noun
        if _DIMENSION.fullmatch(word):
            return True
        if any(c.isdigit() for c in word):
            return False
        letters = [c for c in word if c.isalpha()]
        return sum(c.isupper() for c in letters) <= 1 or word.istitle()  # not an acronym or a model name

    # The words before a head are read from this many characters before it, then from the sentence's start if these
    # hold no more than `max_modifiers` words: a window that cuts a word in two cuts only its first, unused. (Nearly
    # always enough for four words; reading 160 characters took ~14 µs an abstract in all, these ~10.)
    _WINDOW = 48

    def _family_heads(self, doc: Doc) -> list[tuple[int, int]]:
        """(start, end) of each family head within three words after a family word."""
        words = doc_words(doc)
        present = [word for word in self.family_modifiers if word in words]
        if not present:
            return []
        lowered, found = doc_lowered(doc), []
        for word in present:
            at = lowered.find(word)
            while at != -1:
                if (match := self.family_head_after.match(lowered, at + len(word))) is not None:
                    found.append(match.span(1))
                at = lowered.find(word, at + len(word))
        return found

    def _modifiers_start(self, text: str, sentence_start: int, head_start: int, blocked) -> int | None:
        window_start = max(sentence_start, head_start - self._WINDOW)
        words = list(_MODIFIER.finditer(text, window_start, head_start))
        if len(words) <= self.max_modifiers and window_start > sentence_start:
            words = list(_MODIFIER.finditer(text, sentence_start, head_start))
        start = None
        boundary = head_start
        for word in reversed(words[-self.max_modifiers:]):
            gap = text[word.end():boundary]
            if gap.strip() or len(gap) > 1:
                break  # punctuation or a line break between the words
            if blocked(word.start(), word.end()) or not self.is_modifier[word.group()]:
                break
            if self.capitalised_only and not word.group()[0].isupper():
                break  # a name is capitalised throughout: "Graph Neural Networks", not "influential Residual Networks"
            start, boundary = word.start(), word.start()
        return start

    def _slashed_alternative(self, doc: Doc, text: str, sentence_start: int, start: int, head_end: int,
                             blocked) -> Span | None:
        """The word before a slash that stands in for a phrase's first modifier: "image" in "image/video
        generation", a span keyed by the phrase it names ("image generation")."""
        word = _SLASHED_WORD.search(text, sentence_start, start)
        if word is None or not self._is_modifier(word.group(1)) or blocked(word.start(1), word.end(1)):
            return None
        span = doc.char_span(word.start(1), word.end(1))
        if span is None:
            return None
        rest = text[_MODIFIER.match(text, start).end():head_end]
        return Span(doc, span.start, span.end, label=self.label, kb_id=f"{word.group(1)}{rest}".lower())

    def __call__(self, doc: Doc) -> Doc:
        text = doc_text(doc)
        spans, confidences, cues = [], [], []
        heads = self.heads.find(doc)  # once per doc, sorted by position
        if self.family_heads and (family := self._family_heads(doc)):
            heads = sorted(set(heads) | set(family))
        if not heads:
            set_group(doc, self.group, spans, confidences, cues)
            return doc
        covered = bytearray(len(text))  # the characters of entities of another type
        for group in (CATALOG_GROUP, NAME_GROUP):
            for other_start, other_end, other_label, _ in group_offsets(doc, group):
                if other_label != self.label:
                    covered[other_start:other_end] = b"\x01" * (other_end - other_start)

        def blocked(start: int, end: int) -> bool:
            return covered.find(1, start, end) != -1

        title_end = text.find("\n\n")
        next_head = 0
        for sentence_start, sentence_end in sentence_bounds(doc):
            previous = None  # (modifiers start, head start, head end) of the sentence's last phrase
            in_sentence = []
            while next_head < len(heads) and heads[next_head][0] < sentence_end:
                if heads[next_head][0] >= sentence_start and heads[next_head][1] <= sentence_end:
                    in_sentence.append(heads[next_head])
                next_head += 1
            for head_start, head_end in in_sentence:
                head = text[head_start:head_end]
                standalone = head.islower() and head in self.standalone_heads and not blocked(head_start, head_end)
                if self.capitalised_only and (not head[0].isupper() or head_start < title_end) and not standalone:
                    continue  # (in a title, Title Case capitalises every word: no sign of a name)
                family = head.lower() in self.family_heads  # (found after a family word)
                if family and _overlaps_catalog(doc, head_start, head_end):
                    continue
                if word_after(text, head_end) in self.not_before:
                    continue  # "visual generation models": a kind of model
                start = self._modifiers_start(text, sentence_start, head_start, blocked) if not (
                    standalone and self.capitalised_only) else None
                if family and (start is None or _overlaps_catalog(doc, start, head_end)
                               or not self.family_modifiers.intersection(text[start:head_start].lower().split())):
                    continue  # a family head names a generative family only after a family's modifier
                key = None
                if start is None and self.inverted_objects and head.islower():
                    if previous and _COORDINATION.fullmatch(text, previous[2], head_start):
                        # "image understanding and generation": the modifiers are shared
                        start, key = head_start, f"{text[previous[0]:previous[1]]}{head}".lower()
                    elif (inverted := _INVERTED_OBJECT.match(text, head_end)) and not blocked(head_start,
                                                                                             inverted.end()):
                        # "the generation of images" names image generation
                        start, head_end, key = head_start, inverted.end(), f"{inverted.group(1)} {head}"
                alone = False
                if start is None and standalone:  # "we apply distillation": a technique named by its head alone
                    start, alone = head_start, True  # (not capitalised: then it may end a longer name)
                if start is None and self.capitalised_head_alone and head[0].isupper() \
                        and sentence_start < head_start and head_start > title_end >= 0 \
                        and not blocked(head_start, head_end):
                    start = head_start  # "... Transformers": a capitalised head noun inside a sentence is a name
                if start is None:
                    continue
                if key is None:
                    previous = (start, head_start, head_end)
                span = doc.char_span(start, head_end, alignment_mode="expand")
                if span is None or span.end_char != head_end:
                    continue  # the head ends inside a token ("Transformer~(PVT"): no clean phrase
                modifiers = len(text[start:head_start].split())
                weak = head.lower() in self.weak_heads
                confidence = round(min(0.8, 0.6 + 0.05 * modifiers) - (0.1 if weak or alone else 0.0), 2)
                spans.append(Span(doc, span.start, span.end, label=self.label, kb_id=key or span_text(span).lower()))
                confidences.append(confidence)
                cues.append(f"{self.label} head '{head}'")
                if key is None and self.inverted_objects and start > sentence_start and text[start - 1] == "/":
                    alternative = self._slashed_alternative(doc, text, sentence_start, start, head_end, blocked)
                    if alternative is not None:  # "image/video generation" names image generation too
                        spans.append(alternative)
                        confidences.append(confidence)
                        cues.append(f"{self.label} head '{head}'")
        set_group(doc, self.group, spans, confidences, cues)
        return doc


def _overlaps_catalog(doc: Doc, start: int, end: int) -> bool:
    """Whether a catalog name of any type overlaps these characters (asked only of the rare family phrases)."""
    return any(other_start < end and start < other_end for other_start, other_end, _, _ in group_offsets(doc,
                                                                                                        CATALOG_GROUP))
