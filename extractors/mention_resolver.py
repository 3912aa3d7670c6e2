"""`paperkg_mention_resolver`: one consistent set of typed mentions from every detector's candidates.

Abbreviation pairs are typed here: from the catalog (short form first, then long form), else from the long
form's head word ("... Networks" → architecture, "... Segmentation" → task), else from how the name
detector typed the short form. Overlapping candidates are settled longest first, then by detector rank
(catalog, abbreviation, name, task phrase, method phrase); untyped names (type "") fill only the gaps the
typed mentions leave, for the linker to type from the rest of the corpus. The result, `doc._.kg_mentions`, is a list of `kg.model.Mention`
(paper id left empty: the caller knows which paper a Doc is).
"""

from __future__ import annotations

import re
from typing import NamedTuple

from spacy.language import Language
from spacy.tokens import Doc, Span

from extractors.abbreviations import CONFIDENCE as ABBREVIATION_CONFIDENCE
from extractors.abbreviations import LONG_LABEL, SHORT_LABEL
from extractors.batching import BatchwiseComponent
from extractors.context_typing import ContextTyper
from extractors.resources import Memo, load_json
from extractors.spans import (ABBREVIATION_GROUP, ARCHITECTURE_GROUP, CATALOG_GROUP, METHOD_GROUP, NAME_GROUP,
                             TASK_GROUP, UNTYPED_NAME_GROUP, doc_paper_id, doc_text, group_entries, group_items,
                             group_offsets, sentence_at, sentence_bounds, set_extension_value)
from kg.catalog import Catalog
from kg.model import Mention, construct
from kg.names import normalise_name

_WORD = re.compile(r"[^\s]+")  # a span's words: what lies between its spaces (hyphenated words stay whole)
_LIST_GAP = re.compile(r"\s*(?:,|;|/|\||,?\s*(?:and|or))\s*")  # between two items of one list
LISTED_CONFIDENCE = 0.5
_ARTICLE_INSIDE = re.compile(r"\s(?:the|a|an)\s")  # lower case only: "Improved A+ (IA)" is a name
EXTRACTOR_RANK = {"catalog": 0, "abbreviation": 1, "name_detector": 2, "task_phrase": 3, "method_phrase": 4,
                  "architecture_phrase": 5}


class Candidate(NamedTuple):
    start: int
    end: int
    type: str
    key: str
    extractor: str
    confidence: float
    cue: str | None = None
    long_form: str | None = None


class MentionResolver(BatchwiseComponent):
    def __init__(self, catalog: Catalog, typer: ContextTyper | None = None):
        self.catalog = catalog
        self.typer = typer or ContextTyper()
        task_config = load_json("task_phrases.json")
        self.task_heads = {h.lower() for h in task_config["head_nouns"]}
        self.weak_task_heads = {h.lower() for h in task_config["weak_heads"]}
        self.name_joiners = set(load_json("type_cues.json")["name_joiners"])
        edges = load_json("span_edges.json")
        self.never_first, self.never_last = set(edges["never_first"]), set(edges["never_last"])
        self.generic_heads = set(edges["generic_heads"])
        self.entry_of = Memo(catalog.lookup)  # the catalog entry a phrase's words name, if any

    def _catalog_entry(self, name: str, exact_case: bool):
        entry = self.catalog.lookup(name)
        if entry is None or entry.generic:
            return None
        if exact_case and not any(alias.rstrip("s") == name.rstrip("s") for alias in entry.names):
            return None  # "Sam" is not SAM
        return entry

    def _abbreviation_candidates(self, doc: Doc, name_types: dict[str, tuple[str, float]]) -> list[Candidate]:
        by_long: dict[str, dict[str, list[Span]]] = {}
        for span, _, _ in group_items(doc, ABBREVIATION_GROUP):
            by_long.setdefault(span.kb_id_, {LONG_LABEL: [], SHORT_LABEL: []})[span.label_].append(span)
        candidates = []
        for long, groups in by_long.items():
            shorts = groups[SHORT_LABEL]
            short = shorts[0].text if shorts else ""
            if any(e is not None and e.generic for e in (self.catalog.lookup(long), self.catalog.lookup(short or long))):
                continue  # "convolutional neural networks (CNNs)": an umbrella concept, not an entity
            entry = (self._catalog_entry(short, exact_case=True) if short else None) or self._catalog_entry(long, False)
            if entry is None and _ARTICLE_INSIDE.search(long):
                continue  # "Battle of the Backbones (BoB)": a title's phrase, not the name of a model or data set
            if entry is not None:
                kind, key, confidence, cue = entry.type, f"catalog:{entry.id}", 0.9, "abbreviation of a catalog name"
            else:
                guess = (self._type_long_form(long) or (name_types.get(normalise_name(short)) if short else None)
                         or self._capitalised_name(long))
                if guess is None:
                    continue  # not name-like: "ordinary differential equation (ODE) model" is no entity
                guess = self._type_definition(groups[LONG_LABEL][0]) or guess  # the definition's words first
                kind, key, confidence, cue = guess[0], normalise_name(long), ABBREVIATION_CONFIDENCE, f"{long} ({short})"
            for span in groups[LONG_LABEL] + shorts:
                candidates.append(Candidate(span.start_char, span.end_char, kind, key, "abbreviation", confidence,
                                            cue, long if span.label_ == SHORT_LABEL else None))
        return candidates

    def _type_definition(self, long_span: Span) -> tuple[str, float] | None:
        """The type the words around a definition give it: "the Flow-Anchored Consistency Model (FACM), a training
        strategy" is a method, "a family of models we call Simple Diffusion v2 (SiD2)" an architecture."""
        doc = long_span.doc
        end = long_span.end
        if end < len(doc) and doc[end].text == "(":
            end = next((i + 1 for i in range(end + 1, min(len(doc), end + 5)) if doc[i].text == ")"), long_span.end)
        guess = self.typer.context_guess(doc[long_span.start:end])
        return (guess.type, guess.confidence) if guess else None

    def _type_long_form(self, long: str) -> tuple[str, float] | None:
        words = long.replace("-", " ").split()
        # the head of "Mixture of Experts" is "Mixture": the words after "of" do not type the name
        head = words[words.index("of") - 1] if "of" in words[1:] else words[-1]
        if head.lower() in self.task_heads and head.lower() not in self.weak_task_heads:
            return "task", 0.8
        kind = self.typer.head_type(head)
        if kind:
            return kind, 0.8
        guess = self.typer.suffix_guess(long)
        return (guess.type, guess.confidence) if guess else None

    def _capitalised_name(self, long: str) -> tuple[str, float] | None:
        """A capitalised name defined in the text with no type cue at all is most often a method (the words that join
        a name's parts may stay lower-case: "Velocity Refiner with Acceleration")."""
        if all(word[:1].isupper() for word in long.replace("-", " ").split()
               if len(word) > 3 and word not in self.name_joiners):
            return "method", 0.55
        return None

    def candidates(self, doc: Doc) -> list[Candidate]:
        found = []
        text = doc_text(doc)
        for start, end, label, key, confidence, _ in group_entries(doc, CATALOG_GROUP):
            found.append(Candidate(start, end, label, key, "catalog", confidence))
        name_types = {}
        for start, end, label, key, confidence, cue in group_entries(doc, NAME_GROUP):
            if text[start:end].lower() in self.generic_heads:
                continue  # "Network" at a sentence's start is no name
            name_types.setdefault(key, (label, confidence))
            found.append(Candidate(start, end, label, key, "name_detector", confidence, cue))
        found.extend(self._abbreviation_candidates(doc, name_types))
        for group, kind, extractor in ((TASK_GROUP, "task", "task_phrase"), (METHOD_GROUP, "method", "method_phrase"),
                                       (ARCHITECTURE_GROUP, "architecture", "architecture_phrase")):
            for start, end, _, phrase_key, confidence, cue in group_entries(doc, group):
                trimmed = self.trimmed(text, start, end)
                if trimmed is None:
                    continue
                if trimmed != (start, end):
                    start, end = trimmed
                    phrase_key = text[start:end].lower()
                entry = self.entry_of[text[start:end]]
                if entry is not None and entry.generic and kind == "architecture":
                    continue  # "Neural Networks": an umbrella term
                key = f"catalog:{entry.id}" if entry is not None and entry.type == kind else phrase_key
                # a span keyed by the phrase it stands for ("image" of "image/video generation") has that phrase as
                # its long form, so its own word never labels the entity
                named = phrase_key if phrase_key != text[start:end].lower() else None
                found.append(Candidate(start, end, kind, key, extractor, confidence, cue, named))
        return found

    def trimmed(self, text: str, start: int, end: int) -> tuple[int, int] | None:
        """A phrase's span without the words a name never starts or ends with (span_edges.json); None when what is
        left is nothing or a generic head alone ("Network")."""
        first_end = text.find(" ", start, end)
        last_start = text.rfind(" ", start, end) + 1
        if first_end == -1:  # one word
            return None if text[start:end].lower() in self.generic_heads else (start, end)
        if (text[start:first_end].lower() not in self.never_first
                and text[last_start or start:end].lower() not in self.never_last):
            return start, end  # (nearly always: nothing to trim)
        words = [(m.start(), m.end()) for m in _WORD.finditer(text, start, end)]
        while words and text[words[0][0]:words[0][1]].lower() in self.never_first:
            words.pop(0)
        while words and text[words[-1][0]:words[-1][1]].lower() in self.never_last:
            words.pop()
        if not words:
            return None
        start, end = words[0][0], words[-1][1]
        if text[start:end].lower() in self.generic_heads:
            return None
        return start, end

    @staticmethod
    def untyped_candidates(doc: Doc) -> list[Candidate]:
        return [Candidate(start, end, "", key, "name_detector", 0.0)
                for start, end, _, key in group_offsets(doc, UNTYPED_NAME_GROUP)]

    @staticmethod
    def select(candidates: list[Candidate], fillers: list[Candidate] = ()) -> list[Candidate]:
        """Non-overlapping candidates, longest first then by detector rank; `fillers` only where nothing was chosen."""
        chosen: list[Candidate] = []
        end = max((c.end for tier in (candidates, fillers) for c in tier), default=0)
        occupied = bytearray(end)  # the characters of the candidates chosen so far
        for tier in (candidates, fillers):
            for candidate in sorted(tier, key=lambda c: (-(c.end - c.start), EXTRACTOR_RANK[c.extractor], c.start)):
                if occupied.find(1, candidate.start, candidate.end) != -1:
                    continue
                chosen.append(candidate)
                occupied[candidate.start:candidate.end] = b"\x01" * (candidate.end - candidate.start)
        return sorted(chosen, key=lambda c: (c.start, c.end))

    def resolve_bare_task_heads(self, chosen: list[Candidate], text: str) -> list[Candidate]:
        """A task head on its own ("segmentation results") in a paper that names a task with that head ("semantic
        segmentation") speaks of that task, not of the catalog's general one ("image segmentation"): it takes the
        key of the specific task the paper names most often (the first of those at a tie), and that task's words as
        its long form (so a bare head never becomes an entity's label)."""
        specific: dict[str, list[str]] = {}
        surface_of: dict[str, str] = {}
        bare = []
        for candidate in chosen:
            if candidate.type != "task":
                continue
            surface = text[candidate.start:candidate.end].lower()
            if surface in self.task_heads:
                bare.append(candidate)
                continue
            head = surface.replace("-", " ").rsplit(" ", 1)[-1]
            if head in self.task_heads:
                specific.setdefault(head, []).append(candidate.key)
                surface_of.setdefault(candidate.key, text[candidate.start:candidate.end])
        if not bare or not specific:
            return chosen
        rekeyed = {}
        for candidate in bare:
            keys = specific.get(text[candidate.start:candidate.end].lower())
            if keys:
                best = max(dict.fromkeys(keys), key=keys.count)  # most often, the first at a tie
                rekeyed[id(candidate)] = Candidate(candidate.start, candidate.end, "task", best, candidate.extractor,
                                                   candidate.confidence, f"short for {surface_of[best]!r}",
                                                   surface_of[best])
        return [rekeyed.get(id(candidate), candidate) for candidate in chosen]

    @staticmethod
    def typed_by_their_list(chosen: list[Candidate], text: str) -> list[Candidate]:
        """Untyped names listed with typed ones ("three components, namely FooAligner, BarMixer and BazHead") take
        the type the typed ones share: the items of one list are things of one kind."""
        if all(candidate.type for candidate in chosen):
            return chosen  # (most papers: nothing to type)
        lists: list[list[int]] = []
        for index, candidate in enumerate(chosen):
            if index and _LIST_GAP.fullmatch(text, chosen[index - 1].end, candidate.start):
                lists[-1].append(index)
            else:
                lists.append([index])
        typed = list(chosen)
        for members in lists:
            if len(members) < 2 or all(chosen[i].type for i in members):
                continue
            kinds = {chosen[i].type for i in members if chosen[i].type}
            if len(kinds) != 1:
                continue
            kind = kinds.pop()
            example = next(text[chosen[i].start:chosen[i].end] for i in members if chosen[i].type)
            for i in members:
                if not chosen[i].type:
                    typed[i] = chosen[i]._replace(type=kind, confidence=LISTED_CONFIDENCE, cue=f"listed with {example}")
        return typed

    def __call__(self, doc: Doc) -> Doc:
        mentions = []
        text = doc_text(doc)
        sentences: dict[int, str] = {}  # one string per sentence, shared by its mentions (pickled once in a spool)
        bounds = sentence_bounds(doc)
        paper_id = doc_paper_id(doc)
        chosen = self.resolve_bare_task_heads(self.select(self.candidates(doc), self.untyped_candidates(doc)), text)
        for candidate in self.typed_by_their_list(chosen, text):
            sentence_start, sentence_end = sentence_at(bounds, candidate.start)
            sentence = sentences.get(sentence_start)
            if sentence is None:
                sentence = sentences[sentence_start] = text[sentence_start:sentence_end].strip()
            mentions.append(construct(
                Mention, paper_id=paper_id, start=candidate.start, end=candidate.end,
                text=text[candidate.start:candidate.end], type=candidate.type, extractor=candidate.extractor,
                confidence=round(float(candidate.confidence), 3), sentence=sentence, cue=candidate.cue,
                key=candidate.key, long_form=candidate.long_form))
        set_extension_value(doc, "kg_mentions", mentions)
        return doc


@Language.factory("paperkg_mention_resolver")
def make_mention_resolver(nlp: Language, name: str) -> MentionResolver:
    return MentionResolver(nlp.get_pipe("paperkg_catalog_matcher").catalog)
