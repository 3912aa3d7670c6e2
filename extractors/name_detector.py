"""`paperkg_name_detector`: new model and dataset names the catalog does not know.

Name-shaped words — inner capitals (SurgeNetXL, ConTNet, MVImgNet, InceptionNeXt, PixelFlow, ResNet-50),
acronyms with versions (YOLOv8, GPT-4) — are found with one regular expression over the text and typed from
their context by `ContextTyper`. A plain acronym (CVS) needs a context cue. A name with no cue anywhere in its
paper goes to a separate span group, untyped: the linker types it only if the same name is typed in another
paper of the corpus. Words on the stop list (metrics, hardware, organisations: data/name_stoplist.txt) are left out.
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc, Span

from extractors.abbreviations import best_long_form
from extractors.batching import BatchwiseComponent
from extractors.context_typing import ContextTyper, TypeGuess
from extractors.language_pairs import LanguagePairFinder
from extractors.resources import Memo, alternation, load_json, load_word_list
from extractors.spans import (CATALOG_GROUP, NAME_GROUP, UNTYPED_NAME_GROUP, doc_lowered, doc_text, group_offsets,
                              sentence_bounds, set_group, span_text, whole_word_occurrences, word_after)
from kg.catalog import Catalog
from kg.model import STRONG_TYPE_CUE
from kg.names import normalise_name

_WORD = re.compile(r"(?<![\w@/.\-])[A-Za-z0-9][A-Za-z0-9+]*(?:[-/.][A-Za-z0-9+]+)*")
_INNER_CAPITAL = re.compile(r"[a-z0-9][A-Z]")
_TWO_CAPITALS = re.compile(r"[A-Z][^A-Z]*[A-Z]")  # every name shape has two capitals: a cheap test to run first
# A whitespace-delimited chunk that can hold a name, from its first capital to its end: `re` scans for the capital,
# and a match can only start at a chunk's first capital (were there a second capital after it, it would have matched
# there). Searching from the whitespace before each chunk instead tried a match at every space: twice as long.
_CHUNK_FROM_FIRST_OF_TWO_CAPITALS = re.compile(r"[A-Z][^\sA-Z]*+[A-Z]\S*+")
_CAPITALS_THEN_WORD = re.compile(r"[A-Z]{2,}[a-z]{2,}")  # ARFlow, TARFlow (but not the plural GANs)
_ACRONYM = re.compile(r"[A-Z][A-Z0-9]*(?:[-/][A-Z0-9]+)*(?:-?v\d+(?:\.\d+)?)?s?")
_NAME_SUFFIX = re.compile(r" [A-Z]{1,3}(?![\w-])")
_VERSION_NUMBER = re.compile(r" (?:v(?:ersion)? ?)?[1-9][0-9]?(?![\w.%×-]|\.\d| ?[x×%])")
_VERSIONED_TYPES = {"architecture", "method"}
_ACRONYM_AFTER_PREFIX = re.compile(r" [A-Z][A-Z0-9]{2,}(?![\w-])")
_TITLE_NAME = re.compile(r"^(?P<name>[A-Z0-9][\w+.\-]*(?: [A-Z0-9][\w+.\-]*)?)\s*:\s")
CATALOG_SPELLING_CONFIDENCE = 0.85
_NOT_A_NAME = object()
_TITLE_SPLIT = re.compile(r"(\s*:\s*|\s+(?:for|with|via|using|in|on|from|towards?|through|as|at|by)\s+)")
_YEAR_START = re.compile(r"[12']\d\d")  # a one-class start: `re` scans for it several times faster
_YEAR = re.compile(r"(?:19|20)\d{2}|'\d{2}")
_NOT_BEFORE_YEAR = frozenset("0123456789.abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_NAME_BEFORE_YEAR = re.compile(r"(?<![\w-])[A-Z][A-Za-z]*[A-Z][A-Za-z]*[- ]?'?$")
_YEAR_NAMED = re.compile(r"(?P<name>[A-Z][A-Za-z]*[A-Z][A-Za-z]*)(?:[- ]?(?:19|20)\d{2}|'\d{2})$")
_LAYER_COUNT = re.compile(r"(?<![\w.,-])(?P<layers>[1-9]\d{0,3})[- ]layers?[- ]$")
_WORD_CHARACTER = re.compile(r"[\w-]")
# the words an introduced_name match (type_cues.json) starts with
_NAMING_WORDS = ("propose", "present", "introduce", "develop", "design", "call", "name", "dub", "termed", "coined")
_LEADING_ARTICLE = re.compile(r"^(?:The|A|An)\s+")
_ACRONYM_COMPOUND = re.compile(r"[A-Z]{2,}[A-Z0-9]*(?:-[A-Z0-9]*[A-Z][a-z]+)+")  # LAION-Aesthetics


def name_shape(word: str) -> str | None:
    """'camel' for names with inner capitals, 'acronym' for capitals (with digits/versions), else None."""
    letters = [c for c in word if c.isalpha()]
    if len(letters) < 2:
        return None
    uppers = sum(c.isupper() for c in letters)
    if (_INNER_CAPITAL.search(word) or _CAPITALS_THEN_WORD.search(word)) and any(c.islower() for c in letters) \
            and uppers >= 2:
        return "camel"
    if _ACRONYM_COMPOUND.fullmatch(word):
        return "camel"
    if _ACRONYM.fullmatch(word) and uppers >= 2:
        return "acronym"
    return None


def chunks_with_two_capitals(text: str) -> list[tuple[int, int]]:
    """(start, end) of every whitespace-delimited chunk of the text holding two capital letters (A-Z), in order."""
    chunks = []
    for match in _CHUNK_FROM_FIRST_OF_TWO_CAPITALS.finditer(text):
        start = match.start()
        while start > 0 and not text[start - 1].isspace():  # back over the chunk's opening ("(", "non-"), if any
            start -= 1
        chunks.append((start, match.end()))
    return chunks


class NameDetector(BatchwiseComponent):
    def __init__(self, catalog: Catalog, typer: ContextTyper | None = None):
        self.catalog = catalog
        self.typer = typer or ContextTyper()
        metric_names = {form for metric in load_json("metrics.json")["metrics"] for form in metric["forms"]}
        self.stoplist = load_word_list("name_stoplist.txt") | metric_names  # "mCE", "LPIPS": metrics, not entities
        cues = load_json("type_cues.json")
        self.title_starters = set(cues["title_starters"])
        self.introduced_name = re.compile(cues["introduced_name"])
        self.introduction_subject = re.compile(cues["introduced_name_subject"])
        heads = alternation([word for words in cues["head_nouns"].values() for word in words])
        self.introduced_before_head = re.compile(cues["introduced_name_before_head"].replace("{heads}",
                                                                                             f"(?:{heads})"))
        self.title_modifiers = set(cues["title_starters"]) | set(cues["title_modifiers"])
        self.generic_title_heads = set(cues["generic_title_heads"])
        self.venues = set(cues["venues"])
        self.word_shape = Memo(self._word_shape)
        self.chunk_names = Memo(self._chunk_names)
        self._is_name = Memo(self._name_test)
        self.key_of = Memo(normalise_name)  # the linker's key of a name as written
        self.family_guess = Memo(self._family_guess)  # (guesses are frozen: one object may stand for many mentions)
        self.not_before_version = set(cues["not_before_version_number"])
        # a candidate's catalog entry (or None): a catalog name spelled another way, or the same
        self.entry_of = Memo(lambda word: (self.catalog.lookup_key(normalise_name(word))
                                           or self._dataset_at_resolution(word)))
        self.language_pairs = LanguagePairFinder()
        # catalog id → the short name its depths are written with ("residual network" → "ResNet": ResNet-152)
        self.depth_named_families = {}
        for label, short in cues["depth_named_families"].items():
            entry = catalog.lookup(label)
            if entry is not None:
                self.depth_named_families[entry.id] = short
        self.resolution_suffix = re.compile(rf"[-_]?(?:{'|'.join(cues['image_resolutions'])})(?:px)?$")

    def is_name(self, word: str) -> bool:
        return self._is_name[word]

    def _name_test(self, word: str) -> bool:
        return name_shape(word) is not None and word not in self.stoplist

    def _candidates(self, doc: Doc):
        text = doc_text(doc)
        for chunk_start, chunk_end in chunks_with_two_capitals(text):
            for offset, raw_length, (lead, word, shape) in self.chunk_names[text[chunk_start:chunk_end]]:
                start = chunk_start + offset + lead
                end = start + len(word)
                suffix = _NAME_SUFFIX.match(text, end)
                if suffix is None and shape == "acronym" and len(word) <= 3:
                    suffix = _ACRONYM_AFTER_PREFIX.match(text, end)  # "MS COCO": a short prefix and an acronym
                if suffix and shape and lead == 0 and len(word) == raw_length:
                    word, end = word + suffix.group(), end + len(suffix.group())  # "MVTec AD", "CelebA HQ", "MS COCO"
                    shape = name_shape(word) or shape
                if shape is None or word in self.stoplist or word.rstrip("s") in self.stoplist:
                    continue
                entry = self.entry_of[word]
                if entry is not None and entry.generic:
                    continue  # an umbrella concept
                span = doc.char_span(start, end, alignment_mode="contract")
                if span is not None and span.start_char == start and span.end_char == end:
                    yield span, shape, entry  # entry: a catalog name spelled another way ("CIFAR10-C"), or the same

    def _chunk_names(self, chunk: str) -> tuple:
        """(offset, length, word shape) of each word of a whitespace-delimited chunk that may be a name; memoised
        per chunk, as chunks recur ("ImageNet,", "(FID)"). A chunk follows whitespace or opens the text, so the
        words found in it alone are those found in it in place."""
        found = []
        for match in _WORD.finditer(chunk):
            for start, word in self._listed_names(match.start(), match.group()):
                known = self.word_shape[word]
                if known is not _NOT_A_NAME:
                    found.append((start, len(word), known))
        return tuple(found)

    def _listed_names(self, start: int, word: str) -> list[tuple[int, str]]:
        """The names a word joins with slashes ("ResNet/ViT/ConvNeXt": three), when every part is a name or a
        catalog name by itself; else the word ("CIFAR-10/100", "encoder/decoder")."""
        if "/" not in word:
            return [(start, word)]
        parts = word.split("/")
        if not all(len(part) > 1 and (name_shape(part) or self.entry_of[part] is not None) for part in parts):
            return [(start, word)]
        found, offset = [], start
        for part in parts:
            found.append((offset, part))
            offset += len(part) + 1
        return found

    def _word_shape(self, raw: str):
        """What a word of the text is as a candidate name, before its context: the offset and text of the name in
        it (derivations and negations stripped: "CLIP-based", "non-GFlowNet") and its shape; memoised per word,
        as names recur across a corpus."""
        if not _TWO_CAPITALS.search(raw):
            return _NOT_A_NAME
        word = self.typer.strip_derivation(raw)
        stripped = self.typer.strip_negation(word)
        return len(word) - len(stripped), stripped, name_shape(stripped)

    def _dataset_at_resolution(self, word: str):
        """A catalog dataset named with an image resolution glued on ("ImageNet512", "FFHQ1024") is that dataset."""
        match = self.resolution_suffix.search(word)
        if not match or match.start() == 0:
            return None
        entry = self.catalog.lookup_key(normalise_name(word[:match.start()]))
        return entry if entry is not None and entry.type == "dataset" else None

    def _numbered_versions(self, doc: Doc):
        """A catalog model followed by a version number is that version ("Imagen 3", "Llama 2", "Stable Diffusion
        3"), typed by its family; not a count ("BERT 12 layers") nor a value ("VAR 3.3 FID": integers only)."""
        text = doc_text(doc)
        for family_start, family_end, family_type, _ in group_offsets(doc, CATALOG_GROUP):
            if family_type not in _VERSIONED_TYPES:
                continue
            version = _VERSION_NUMBER.match(text, family_end)
            if version is None or word_after(text, version.end()) in self.not_before_version:
                continue
            span = doc.char_span(family_start, version.end())
            guess = self._family_guess(text[family_start:version.end()]) if span is not None else None
            if guess is not None:
                yield span, self.key_of[span_text(span)], guess

    def _depth_variants(self, doc: Doc):
        """A depth-named family (ResNet, VGG, DenseNet: type_cues.json) after a layer count is that depth of it: "a
        1001-layer ResNet" is ResNet-1001, "a 152-layer residual network" ResNet-152 (a size the text names is its
        own entity, as "ResNet-50" is)."""
        text = doc_text(doc)
        if "layer" not in text:
            return
        for family_start, family_end, family_type, family_key in group_offsets(doc, CATALOG_GROUP):
            depth = _LAYER_COUNT.search(text, max(0, family_start - 14), family_start)
            family = self.depth_named_families.get(family_key.removeprefix("catalog:")) if depth else None
            span = doc.char_span(depth.start(), family_end) if family else None
            if span is not None:
                name = f"{family}-{depth.group('layers')}"
                yield span, self.key_of[name], TypeGuess("architecture", f"{name}, named by its depth", 0.75)

    def _family_guess(self, name: str) -> TypeGuess | None:
        """A size or version of a catalog family has the family's type ("ResNet-50" → architecture); a name made
        from a catalog data set's with a hyphen is a data set derived from it ("ImageNet-Major", "COCO-Hard")."""
        family = self.catalog.variant_family(name)
        if family is not None:
            return TypeGuess(family.type, f"variant of {family.label}", 0.75)
        base = self.catalog.lookup(name.split("-", 1)[0]) if "-" in name else None
        if base is not None and base.type == "dataset" and not base.generic:
            return TypeGuess("dataset", f"derived from {base.label}", 0.65)
        return None

    def _title_name(self, doc: Doc):
        """The short name that opens a 'Name: what it is' title, with a type read from the subtitle; every
        whole-word use of that name in the paper is a candidate too."""
        text = doc_text(doc)
        match = _TITLE_NAME.match(text)
        if not match:
            return []
        name = match.group("name")
        first = name.split()[0].lower()
        if first in self.title_starters or name in self.stoplist or self.catalog.lookup_key(normalise_name(name)):
            return []
        title_end = text.find("\n\n")
        guess = self.typer.title_guess(text[match.end():title_end if title_end > 0 else None])
        uses = []
        for start in whole_word_occurrences(text, name):
            end = start + len(name)
            span = doc.char_span(start, end, alignment_mode="contract")
            if span is not None and span.start_char == start and span.end_char == end:
                uses.append((span, guess))
        return uses

    def _title_phrases(self, doc: Doc, taken: set[tuple[int, int]], same_name: dict[str, str]):
        """A title-case phrase that opens the title before "for", "with", ... or ":" ("Full-Resolution Residual
        Networks for Semantic Segmentation"), or follows "with", "via" or "using" ("Photographic Image Synthesis with
        Cascaded Refinement Networks"), and ends in a word that types it ("Networks", "Autoencoder", a catalog
        architecture such as "LSTM", a name ending such as "PointNets") names the paper's model; every whole-word
        use of it in the paper is a candidate with that type. An acronym of it the paper uses is the same name
        (`same_name`: the acronym's key → the phrase's)."""
        text = doc_text(doc)
        title_end = text.find("\n\n")
        title = text[:title_end] if title_end > 0 else text
        pieces = _TITLE_SPLIT.split(title)
        candidates = [pieces[0]] + [pieces[i + 1] for i in range(1, len(pieces) - 1, 2)
                                    if pieces[i].strip().lower() in ("with", "via", "using")]
        for phrase in candidates:
            phrase = _LEADING_ARTICLE.sub("", phrase.strip())
            words = phrase.split()
            if len(words) < 2 or not all(w[:1].isupper() or w[:1].isdigit() or w in ("and", "of", "&")
                                         for w in words):
                continue
            if (words[0].lower() in self.title_starters or all(w.lower() in self.title_modifiers for w in words[:-1])
                    or self.entry_of[phrase] is not None):
                continue  # "Learning Transferable ...", "Improved Techniques": no name; a catalog name: the catalog's
            guess = self._head_guess(words[-1])
            lower_uses = []
            if guess is None:  # no telling head word: what the abstract says of it, in any case ("we propose an
                lowered = doc_lowered(doc)  # online instance classifier refinement algorithm")
                if len(lowered) != len(text) or lowered.find(phrase.lower(), title_end) == -1:
                    continue  # (most titles: the abstract does not use the phrase again)
                lower_uses = [span for at in whole_word_occurrences(lowered, phrase.lower()) if at > title_end
                              and (span := _token_aligned(doc, at, at + len(phrase), taken)) is not None]
                guess = next((g for span in lower_uses if (g := self.typer.context_guess(span, self.is_name))), None)
                if guess is None:
                    for span in lower_uses:
                        taken.discard((span.start, span.end))
                    continue
            uses = list(_new_uses(doc, text, phrase, taken)) + lower_uses
            key = self.key_of[phrase]
            if abbreviation := self._abbreviation_in(text, phrase):
                same_name[self.key_of[abbreviation]] = key
            for span in uses:
                yield span, key, guess

    @staticmethod
    def _abbreviation_in(text: str, phrase: str) -> str | None:
        """An acronym of the phrase that the paper uses ("... a Multi-Label Cluster Discrimination method named
        MLCD"): the phrase and it are one name."""
        first = phrase[0].upper()
        if not first.isalpha():
            return None
        # (the acronym's first letter as a literal first: `re` skips to it)
        for match in re.finditer(rf"{first}(?<![\w-]{first})[A-Z0-9]{{1,7}}(?![\w-])", text):
            if best_long_form(match.group(), phrase) == phrase:
                return match.group()
        return None

    def _head_guess(self, head: str) -> TypeGuess | None:
        kind = self.typer.head_type(head)
        if kind in _VERSIONED_TYPES and head.lower() not in self.generic_title_heads:
            return TypeGuess(kind, f"title name ending in {head}", 0.7)
        entry = self.entry_of[head]
        if entry is not None and entry.type in _VERSIONED_TYPES:
            return TypeGuess(entry.type, f"title name ending in {head}", 0.7)
        return self.typer.suffix_guess(head)

    def _year_named(self, doc: Doc, taken: set[tuple[int, int]]):
        """A benchmark or shared task named with its year ("CoNLL 2005", "ICDAR-2015", "SemEval-2017", "WMT'14") is a
        data set, unless its name is a venue's ("CVPR 2020"); its own context types it first."""
        text = doc_text(doc)
        for year in _YEAR_START.finditer(text):  # a year first (rare, and found fast), then the name glued before it
            year = _YEAR.match(text, year.start())
            if year is None or (text[year.start()] != "'" and year.start() and text[year.start() - 1] in _NOT_BEFORE_YEAR):
                continue
            match = _NAME_BEFORE_YEAR.search(text, max(0, year.start() - 40), year.start())
            if match is None or _WORD_CHARACTER.match(text, year.end()):
                continue
            match = _YEAR_NAMED.match(text, match.start(), year.end())
            if match is None:
                continue
            name = match.group("name")
            if name in self.venues or self.entry_of[match.group()] is not None or self.entry_of[name] is not None:
                continue  # a venue; a catalog name, with or without its year ("MSCOCO 2017"): the catalog's
            span = doc.char_span(match.start(), match.end(), alignment_mode="contract")
            if span is None or span.start_char != match.start() or (span.start, span.end) in taken:
                continue
            taken.add((span.start, span.end))
            yield span, self.key_of[span_text(span)], (self.typer.guess(span, self.is_name)
                                                       or TypeGuess("dataset", "a benchmark named by its year", 0.6))

    def _language_pairs(self, doc: Doc, taken: set[tuple[int, int]]):
        """A translation language pair ("English→German") is the data set of that translation direction; all its
        spellings ("En-De", "English to German") are one name."""
        text = doc_text(doc)
        for pair in self.language_pairs.find(text, sentence_bounds(doc)):
            span = doc.char_span(pair.start, pair.end, alignment_mode="contract")
            if span is None or span.start_char != pair.start or (span.start, span.end) in taken:
                continue
            taken.add((span.start, span.end))
            yield span, self.key_of[pair.name], TypeGuess("dataset", "a translation language pair", 0.8)

    def _introduced_names(self, doc: Doc, taken: set[tuple[int, int]]):
        """A capitalised name right after a proposal or naming verb ("We present Glimmer, a recipe that ...") is a
        name whatever its shape; every whole-word use of it in the paper is a candidate, typed from its context."""
        text = doc_text(doc)
        names = set()
        for word in _NAMING_WORDS:  # where a verb starts (found fast), then the pattern there
            at = text.find(word)
            while at != -1:
                match = self.introduced_name.match(text, at) if at == 0 or not text[at - 1].isalnum() else None
                if match and not (match.group("verb") and not self.introduction_subject.search(text, max(0, at - 50),
                                                                                                 at)):
                    names.add(match.group("name"))
                at = text.find(word, at + 1)
        for subject in ("We ", "we ", "This ", "this "):  # "we propose a novel Retrieval Augmented Colorization
            at = text.find(subject)                        # pipeline": typed by its head noun
            while at != -1:
                if match := self.introduced_before_head.match(text, at):
                    names.add(match.group("name"))
                at = text.find(subject, at + 1)
        for name in sorted(names):
            if (name.split()[0].lower() in self.title_starters or name in self.stoplist
                    or self.catalog.lookup_key(normalise_name(name))):
                continue
            for span in _new_uses(doc, text, name, taken):
                yield span, self.key_of[span_text(span)], self.typer.guess(span, self.is_name)

    @staticmethod
    def _paper_types(found: list[tuple[Span, str, TypeGuess | None]]) -> dict[str, TypeGuess]:
        """One type per name in a paper: the type whose guesses add up to the most confidence ("NASNet search space"
        once, "NASNet architecture" and "NASNet models" twice: an architecture); its most confident guess stands
        for it. Ties go to the type of the most confident guess, then to the earliest."""
        strong = {key for _, key, guess in found if guess is not None and guess.confidence >= STRONG_TYPE_CUE}
        votes: dict[str, dict[str, list[TypeGuess]]] = {}
        for _, key, guess in found:  # when a name has a strong cue, only strong cues vote (as in the linker)
            if guess is not None and (guess.confidence >= STRONG_TYPE_CUE or key not in strong):
                votes.setdefault(key, {}).setdefault(guess.type, []).append(guess)
        best = {}
        for key, by_type in votes.items():
            guesses = max(by_type.values(), key=lambda g: (round(sum(x.confidence for x in g), 6),
                                                           max(x.confidence for x in g)))
            best[key] = max(guesses, key=lambda g: g.confidence)
        return best

    def __call__(self, doc: Doc) -> Doc:
        found: list[tuple[Span, str, TypeGuess | None]] = []
        catalog_spelled = []
        for span, title_guess in self._title_name(doc):
            guess = self.typer.guess(span, self.is_name) or title_guess  # its own context first
            found.append((span, self.key_of[span_text(span)], guess))
        titled = {(s.start, s.end) for s, _, _ in found}
        for span, shape, entry in self._candidates(doc):
            if (span.start, span.end) in titled:
                continue
            if entry is not None:
                catalog_spelled.append((span, entry))
                continue
            guess = self.typer.guess(span, self.is_name) or self.family_guess[span_text(span)]
            if guess and shape == "acronym" and guess.confidence < 0.7:
                guess = None  # an acronym typed only by its ending is too weak
            found.append((span, self.key_of[span_text(span)], guess))
        found.extend(self._numbered_versions(doc))
        found.extend(self._depth_variants(doc))
        taken = {(s.start, s.end) for s, _, _ in found} | {(s.start, s.end) for s, _ in catalog_spelled}
        same_name: dict[str, str] = {}
        found.extend(self._title_phrases(doc, taken, same_name))
        found.extend(self._year_named(doc, taken))
        found.extend(self._language_pairs(doc, taken))
        found.extend(self._introduced_names(doc, taken))
        if same_name:
            found = [(span, same_name.get(key, key), guess) for span, key, guess in found]
        best = self._paper_types(found)
        spans, confidences, cues, untyped = [], [], [], []
        for span, key, guess in found:
            chosen = guess if guess and guess.type == best[key].type else best.get(key)
            if chosen is None:
                untyped.append(Span(doc, span.start, span.end, label="", kb_id=key))
                continue
            spans.append(Span(doc, span.start, span.end, label=chosen.type, kb_id=key))
            confidences.append(chosen.confidence if chosen is guess else round(chosen.confidence - 0.05, 2))
            cues.append(chosen.cue)
        for span, entry in catalog_spelled:  # the catalog matcher's own spans win ties in the resolver
            spans.append(Span(doc, span.start, span.end, label=entry.type, kb_id=f"catalog:{entry.id}"))
            confidences.append(CATALOG_SPELLING_CONFIDENCE)
            cues.append(f"catalog name {entry.label!r} spelled as written")
        set_group(doc, NAME_GROUP, spans, confidences, cues)
        set_group(doc, UNTYPED_NAME_GROUP, untyped, [0.0] * len(untyped), [None] * len(untyped))
        return doc


def _new_uses(doc: Doc, text: str, name: str, taken: set[tuple[int, int]]):
    """The token-aligned whole-word uses of `name` in the paper that no other candidate holds yet (marked taken)."""
    for start in whole_word_occurrences(text, name):
        span = _token_aligned(doc, start, start + len(name), taken)
        if span is not None:
            yield span


def _token_aligned(doc: Doc, start: int, end: int, taken: set[tuple[int, int]]) -> Span | None:
    """The span of these characters if they are whole tokens that no other candidate holds yet (marked taken)."""
    span = doc.char_span(start, end, alignment_mode="contract")
    if span is None or span.start_char != start or span.end_char != end or (span.start, span.end) in taken:
        return None
    taken.add((span.start, span.end))
    return span


@Language.factory("paperkg_name_detector")
def make_name_detector(nlp: Language, name: str) -> NameDetector:
    matcher = nlp.get_pipe("paperkg_catalog_matcher")
    return NameDetector(matcher.catalog)
