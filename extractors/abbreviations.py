"""`paperkg_abbreviations`: abbreviations defined in the text, after Schwartz & Hearst (2003).

"Prior-Data Fitted Networks (PFNs)" pairs the long form with the short form; every other use of the
short form (singular or plural, before or after the definition) is tagged too, so the linker can make
them one entity with the short form as alias. Types are decided later, by the resolver.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc, Span

from extractors.batching import BatchwiseComponent
from extractors.spans import ABBREVIATION_GROUP, doc_lowered, doc_text, joins_word, sentence_bounds, set_group

_DEFINITION = re.compile(r"\(\s*([^()\s;,]{2,12}(?:[ -][^()\s;,]{1,10})?)\s*\)")
_WORD = re.compile(r"\S+")
LONG_LABEL, SHORT_LABEL = "LONG", "SHORT"
CONFIDENCE = 0.85


@dataclass(frozen=True)
class Abbreviation:
    short: str
    long: str
    long_start: int
    long_end: int
    short_start: int


def _valid_short_form(short_form: str) -> bool:
    letters = [c for c in short_form if c.isalpha()]
    return (2 <= len(short_form) <= 12 and short_form[0].isalnum() and bool(letters)
            and any(c.isupper() for c in short_form) and len(short_form.split()) <= 2)


def _singular(short_form: str) -> str:
    """"PFNs" → "PFN" (a plural's "s" after a capital); any other short form as it is."""
    return short_form[:-1] if short_form.endswith("s") and len(short_form) > 2 and short_form[-2].isupper() \
        else short_form


def best_long_form(short_form: str, candidate: str) -> str | None:
    """The shortest tail of `candidate` whose letters spell `short` in order, the first letter at a word start."""
    s_index, l_index = len(short_form) - 1, len(candidate) - 1
    while s_index >= 0:
        letter = short_form[s_index].lower()
        if not letter.isalnum():
            s_index -= 1
            continue
        while l_index >= 0 and (candidate[l_index].lower() != letter
                                or (s_index == 0 and l_index > 0 and candidate[l_index - 1].isalnum())):
            l_index -= 1
        if l_index < 0:
            return None
        l_index -= 1
        s_index -= 1
    start = candidate.rfind(" ", 0, l_index + 1) + 1
    return candidate[start:]


def find_abbreviations(text: str, sentence_starts: list[int]) -> list[Abbreviation]:
    found = []
    for match in _DEFINITION.finditer(text):
        short_form = match.group(1)
        if not _valid_short_form(short_form):
            continue
        sentence_start = max((s for s in sentence_starts if s <= match.start()), default=0)
        before = text[sentence_start: match.start()].rstrip()
        words = list(_WORD.finditer(before))
        core = _singular(short_form)
        max_words = min(len(core) + 5, len(core) * 2)
        if not words:
            continue
        window_start = words[max(0, len(words) - max_words)].start()
        candidate = before[window_start:]
        long = best_long_form(core, candidate)
        if not long:
            continue
        long = long.strip(" ,;:\"'“”")
        one_word = len(long.split()) < 2 and "-" not in long
        capitals = "".join(c for c in long if c.isupper())
        if len(long) <= len(short_form) or short_form.lower() in long.lower().split():
            continue
        if one_word and capitals != re.sub(r"[^A-Za-z0-9]", "", core).upper():
            continue  # a single word only when its capitals spell the short form: "AudioCaps (AC)"
        long_start = sentence_start + window_start + candidate.rfind(long)
        found.append(Abbreviation(short_form, long, long_start, long_start + len(long), match.start(1)))
    return found


def short_form_uses(short_form: str, text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of every use of the short form, singular or plural, as a whole word: what
    `(?<![\\w-])<short form>s?(?![\\w-])` finds, with `str.find` (compiling a pattern per abbreviation and doc cost more
    than the search)."""
    core = _singular(short_form)
    at = text.find(core)
    while at != -1:
        end = at + len(core)
        if not joins_word(text, at - 1):
            if text.startswith("s", end) and not joins_word(text, end + 1):
                end += 1
            elif joins_word(text, end):
                at = text.find(core, at + 1)
                continue
            yield at, end
            at = text.find(core, end)
            continue
        at = text.find(core, at + 1)


def long_form_uses(long: str, text: str, lowered: str) -> Iterator[tuple[int, int]]:
    """(start, end) of every use of a defined long form in `text`, any case, singular or plural, as whole words ("we
    construct new data filtering networks" after "a data filtering network (DFN)"); `lowered` is `text.lower()` (a
    plain search: compiling a pattern per abbreviation and doc costs more than the search)."""
    core = (long[:-1] if long.endswith("s") and not long.endswith("ss") else long).lower()
    if len(lowered) != len(text):
        return
    at = lowered.find(core)
    while at != -1:
        end = at + len(core)
        if end < len(text) and lowered[end] == "s":
            end += 1
        if not joins_word(text, at - 1) and not joins_word(text, end):
            yield at, end
        at = lowered.find(core, at + 1)


class AbbreviationDetector(BatchwiseComponent):
    def __call__(self, doc: Doc) -> Doc:
        sentence_starts = [start for start, _ in sentence_bounds(doc)]
        text = doc_text(doc)
        abbreviations = find_abbreviations(text, sentence_starts)
        spans: list[Span] = []
        taken: set[tuple[int, int]] = set()
        for abbreviation in abbreviations:
            long_span = doc.char_span(abbreviation.long_start, abbreviation.long_end, alignment_mode="contract")
            if long_span is None:
                continue
            key = abbreviation.long
            spans.append(Span(doc, long_span.start, long_span.end, label=LONG_LABEL, kb_id=key))
            taken.add((long_span.start_char, long_span.end_char))
            for start, end in long_form_uses(abbreviation.long, text, doc_lowered(doc)):
                if any(s < end and start < e for s, e in taken):
                    continue
                other_long = doc.char_span(start, end)
                if other_long is not None:
                    taken.add((start, end))
                    spans.append(Span(doc, other_long.start, other_long.end, label=LONG_LABEL, kb_id=key))
            for use_start, use_end in short_form_uses(abbreviation.short, text):
                if (use_start, use_end) in taken:
                    continue
                short_span = doc.char_span(use_start, use_end, alignment_mode="contract")
                if short_span is None or short_span.start_char < long_span.end_char and short_span.end_char > long_span.start_char:
                    continue
                taken.add((use_start, use_end))
                spans.append(Span(doc, short_span.start, short_span.end, label=SHORT_LABEL, kb_id=key))
        set_group(doc, ABBREVIATION_GROUP, spans, [CONFIDENCE] * len(spans), [None] * len(spans))
        return doc


@Language.factory("paperkg_abbreviations")
def make_abbreviation_detector(nlp: Language, name: str) -> AbbreviationDetector:
    return AbbreviationDetector()
