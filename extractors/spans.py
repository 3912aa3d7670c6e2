"""The extension attributes the paperkg components share, and the names of their span groups.

Each detecting component writes its candidates to its own span group (label = entity type, kb_id = the key
the linker resolves; confidences and cues in the group's attrs); `paperkg_mention_resolver` reads them all and writes `doc._.kg_mentions`.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from spacy.tokens import Doc, Span

CATALOG_GROUP = "kg_catalog"
ABBREVIATION_GROUP = "kg_abbreviation"
NAME_GROUP = "kg_name"
UNTYPED_NAME_GROUP = "kg_untyped_name"  # name-shaped words with no type cue in their paper
TASK_GROUP = "kg_task"
METHOD_GROUP = "kg_method_phrase"
ARCHITECTURE_GROUP = "kg_architecture_phrase"


_TEXT_KEY = "paperkg_text"


def doc_text(doc: Doc) -> str:
    """The doc's text, joined once and kept in `doc.user_data`: `Doc.text` joins every token again on each access
    (about 1 ms an abstract — it was half of extraction's time when every component read it)."""
    text = doc.user_data.get(_TEXT_KEY)
    if text is None:
        text = doc.user_data[_TEXT_KEY] = doc.text
    return text


_LOWERED_KEY = "paperkg_lowered"


def doc_lowered(doc: Doc) -> str:
    """The doc's text lower-cased, once per doc (three phrase detectors search it)."""
    lowered = doc.user_data.get(_LOWERED_KEY)
    if lowered is None:
        lowered = doc.user_data[_LOWERED_KEY] = doc_text(doc).lower()
    return lowered


_WORDS_KEY = "paperkg_words"
_WORD = re.compile(r"[\w-]+")
_ASCII_NON_WORD = str.maketrans({chr(code): " " for code in range(128)
                                 if not (chr(code).isalnum() or chr(code) in "_-")})


def doc_words(doc: Doc) -> dict[str, None]:
    """The doc's whole words (maximal runs of word characters and hyphens), lower-cased, once per doc: a phrase
    detector looks for only the head nouns that occur. (Lower-casing one character never changes whether it is a
    word character; checked for every code point.) A dict, not a set: `Doc.to_bytes` serialises `user_data`."""
    words = doc.user_data.get(_WORDS_KEY)
    if words is None:
        lowered = doc_lowered(doc)
        # ASCII text (nearly every abstract): every character that is not a word character or a hyphen made a space
        # and the rest split, twice as fast as finding the runs with the pattern, and the same words in the same order
        found = lowered.translate(_ASCII_NON_WORD).split() if lowered.isascii() else _WORD.findall(lowered)
        words = doc.user_data[_WORDS_KEY] = dict.fromkeys(found)
    return words


_SENTENCES_KEY = "paperkg_sentences"


def sentence_bounds(doc: Doc) -> list[tuple[int, int]]:
    """(start_char, end_char) of every sentence, walked once per doc and shared by the components (each walk of
    `doc.sents` builds a Span per sentence; `Span.sent` walks the tokens back to the sentence start)."""
    bounds = doc.user_data.get(_SENTENCES_KEY)
    if bounds is None:
        if doc.has_annotation("SENT_START"):
            bounds = [(sent.start_char, sent.end_char) for sent in doc.sents]
        else:
            bounds = [(0, len(doc_text(doc)))]
        doc.user_data[_SENTENCES_KEY] = bounds
    return bounds


def keep_sentence_bounds(doc: Doc, bounds: list[tuple[int, int]]) -> None:
    """Record the (start_char, end_char) of every sentence, for a component that has just set the boundaries."""
    doc.user_data[_SENTENCES_KEY] = bounds


def sentence_at(bounds: list[tuple[int, int]], char: int) -> tuple[int, int]:
    """The sentence (start_char, end_char) holding a character offset."""
    index = bisect_right(bounds, (char, float("inf"))) - 1  # the last sentence starting at or before `char`
    return bounds[max(0, index)]


_NEXT_WORD = re.compile(r"[ \t]+([A-Za-z]+)")


def word_after(text: str, end: int) -> str | None:
    """The word that follows `end` after spaces on the same line, lower-cased ("visual generation| models")."""
    following = _NEXT_WORD.match(text, end)
    return following.group(1).lower() if following else None


def joins_word(text: str, index: int) -> bool:
    """Whether the character at `index` joins a word to its neighbour: a letter, digit, underscore or hyphen (what
    `[\\w-]` matches; nothing outside the text)."""
    return 0 <= index < len(text) and (text[index].isalnum() or text[index] in "_-")


def whole_word_occurrences(text: str, word: str) -> list[int]:
    """Where `word` occurs in `text` with nothing that joins words on either side, left to right and not
    overlapping: what `(?<![\\w-])word(?![\\w-])` finds, without compiling a pattern per word."""
    found, at = [], text.find(word)
    while at != -1:
        end = at + len(word)
        if not joins_word(text, at - 1) and not joins_word(text, end):
            found.append(at)
            at = text.find(word, end)
        else:
            at = text.find(word, at + 1)
    return found


def keep_text(doc: Doc, text: str) -> Doc:
    """Record the string a doc was tokenised from (spaCy's tokenizer keeps every character, so it is `doc.text`)."""
    doc.user_data[_TEXT_KEY] = text
    return doc


_PAPER_ID_KEY = "paperkg_paper_id"


def keep_paper_id(doc: Doc, paper_id: str) -> Doc:
    """Record the id of the paper a doc is, so the components make its mentions, results and relations with it."""
    doc.user_data[_PAPER_ID_KEY] = paper_id
    return doc


def doc_paper_id(doc: Doc) -> str:
    """The id of the paper a doc is ("" for a doc made from a bare string)."""
    return doc.user_data.get(_PAPER_ID_KEY, "")


def span_text(span: Span) -> str:
    """A span's text cut from the doc's text (`Span.text` joins its tokens on each access)."""
    return doc_text(span.doc)[span.start_char:span.end_char]


def set_group(doc: Doc, name: str, spans: list[Span], confidences: list[float], cues: list[str | None]) -> None:
    """Store a detector's candidates with their confidences and cues, aligned by position in the group, and each
    span's (start_char, end_char, label, kb_id) as plain values (`group_offsets`: reading a group back makes a Span
    object per span, which the later components then only ask for these). A component that edits a group in place
    keeps these attrs aligned, or writes the group again with `set_group`.
    (Span extension attributes are keyed by character offsets, so two detectors tagging the same
    characters would overwrite each other's values; group attrs cannot collide.)"""
    doc.spans[name] = spans
    attrs = doc.spans[name].attrs
    attrs["confidences"] = list(confidences)
    attrs["cues"] = list(cues)
    attrs["offsets"] = [(span.start_char, span.end_char, span.label_, span.kb_id_) for span in spans]


def group_items(doc: Doc, name: str):
    """(span, confidence, cue) for every candidate in a group; nothing when the group is absent."""
    if name not in doc.spans:
        return []
    group = doc.spans[name]
    return list(zip(group, group.attrs.get("confidences", []), group.attrs.get("cues", []), strict=True))


def group_offsets(doc: Doc, name: str) -> list[tuple[int, int, str, str]]:
    """(start_char, end_char, label, kb_id) of every span in a group, from the attrs `set_group` wrote (read from
    the spans when a group has none, or a different number)."""
    if name not in doc.spans:
        return []
    group = doc.spans[name]
    offsets = group.attrs.get("offsets")
    if offsets is None or len(offsets) != len(group):
        offsets = [(span.start_char, span.end_char, span.label_, span.kb_id_) for span in group]
    return offsets


def group_entries(doc: Doc, name: str) -> list[tuple[int, int, str, str, float, str | None]]:
    """(start_char, end_char, label, kb_id, confidence, cue) for every candidate in a group."""
    if name not in doc.spans:
        return []
    attrs = doc.spans[name].attrs
    return [(*offsets, confidence, cue) for offsets, confidence, cue
            in zip(group_offsets(doc, name), attrs.get("confidences", []), attrs.get("cues", []), strict=True)]


EXTENSIONS = ("kg_mentions", "kg_results", "kg_measurements", "kg_entity_relations")


def register_extensions() -> None:
    for attribute in EXTENSIONS:
        if not Doc.has_extension(attribute):
            Doc.set_extension(attribute, default=None)


register_extensions()


def _extension_key(name: str) -> tuple:
    return ("._.", name, None, None)  # where spaCy keeps a doc's value of `doc._.<name>` in `doc.user_data`


def _values_kept_under_extension_keys() -> bool:
    from spacy.vocab import Vocab

    doc, marker = Doc(Vocab(), words=["x"]), []
    doc._.kg_mentions = marker
    return doc.user_data.get(_extension_key("kg_mentions")) is marker and getattr(doc._, "kg_mentions") is marker


# `doc._.kg_mentions` costs ~3 µs a read and ~2 a write (each makes an `Underscore` object), and the components and
# the extraction read and write the three values ten times an abstract: they go to `doc.user_data` under spaCy's own
# key instead, so `doc._.kg_mentions` still gives them. (Checked once here; were spaCy to keep them elsewhere, the
# components would use `doc._` as before.)
_DIRECT = _values_kept_under_extension_keys()


def extension_value(doc: Doc, name: str):
    """`doc._.<name>` (one of `EXTENSIONS`; None when unset)."""
    return doc.user_data.get(_extension_key(name)) if _DIRECT else getattr(doc._, name)


def set_extension_value(doc: Doc, name: str, value) -> None:
    """`doc._.<name> = value` (one of `EXTENSIONS`)."""
    if _DIRECT:
        doc.user_data[_extension_key(name)] = value
    else:
        setattr(doc._, name, value)
