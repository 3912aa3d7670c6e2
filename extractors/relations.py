"""`paperkg_relations`: the relation of each mention to its paper, from sentence cues (data/relation_cues.json).

- proposes: the object of "we propose / introduce / present X", "X is proposed", "dubbed X", and a name
  that opens the title ("PixelFlow: ...");
- evaluates_on: a dataset in a sentence that reports results or experiments;
- addresses: a task;
- uses: everything else.
An untyped name (type "") in a result sentence is marked evaluates_on provisionally; the linker keeps that only
if the name turns out to be a dataset.
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc

from extractors.batching import BatchwiseComponent
from extractors.literal_prefilter import PrefilteredPattern
from extractors.resources import alternation, load_json
from extractors.spans import doc_text, extension_value, set_extension_value
from kg.model import Mention, evolve

_MAX_OBJECT_GAP = 80
_TITLE_PURPOSE = re.compile(r"\s+(?:for|with|via|in|on|towards?)\s")  # a new name opening "X for Y" titles
_NEW_NAME_EXTRACTORS = {"name_detector", "abbreviation"}
_OURS_AFTER = re.compile(r"\s*\(ours\)", re.IGNORECASE)
_OUR_BEFORE = re.compile(r"\b[Oo]ur\s+$")
_SHORT_ACRONYM = re.compile(r"[A-Z]{1,3}s?")
PROPOSED_NAME_CONFIDENCE = 0.55  # a proposed name typed by default, with no type cue
_KNOWN_EXTRACTORS = {"catalog", "method_phrase"}
_COMPONENT_TYPES = {"method", "architecture"}
_FOLLOWING_WORD = re.compile(r"(?P<hyphen>-?)\s?(?P<word>[A-Za-z0-9]+)")


_UNESCAPED_CAPITAL = re.compile(r"(?<!\\)(?<!\(\?)[A-Z]")  # not \S, not the P of (?P<name>


def _lower_case_pattern(pattern: str) -> re.Pattern[str]:
    """A cue pattern to search lower-cased text with: it must have no capital letter but in an escape (\\S, \\D) or a
    named group."""
    if _UNESCAPED_CAPITAL.search(pattern):
        raise ValueError(f"relation cue {pattern!r} has a capital letter: cues are matched against lower-cased text")
    return re.compile(pattern)


class RelationClassifier(BatchwiseComponent):
    def __init__(self, cues: dict | None = None):
        cues = cues or load_json("relation_cues.json")
        flags = re.IGNORECASE
        # sentence-level yes/no cues are searched in the lower-cased sentence, several times faster than IGNORECASE,
        # and only in sentences holding a word of each part every match of the cue holds (testing the whole paper
        # first cost more than it saved)
        self.proposal_sentence = [PrefilteredPattern(_lower_case_pattern(p)) for p in cues["proposal_sentence"]]
        self.proposal_verb = re.compile(cues["proposal_verb"], flags)
        self.passive = re.compile(cues["passive_proposal"], flags)
        # the same, for a lower-cased sentence whose offsets are the original's (nearly always)
        self.lower_case_proposal_verb = PrefilteredPattern(_lower_case_pattern(cues["proposal_verb"]))
        self.lower_case_passive = PrefilteredPattern(_lower_case_pattern(cues["passive_proposal"]))
        self.lower_case_borrowed = _lower_case_pattern(cues["borrowed_before_naming"])
        self.not_object = re.compile(cues["not_in_proposal_object"], flags)
        self.result_sentence = [PrefilteredPattern(_lower_case_pattern(p)) for p in cues["result_sentence"]]
        self.kind_nouns = {word.lower() for word in cues["kind_nouns_after_known_object"]}
        self.borrowed_before_naming = re.compile(cues["borrowed_before_naming"], flags)
        self.coordinated_gap = re.compile(cues["coordinated_object_gap"], flags)
        self.title_component_joiner = re.compile(cues["title_component_joiner"], flags)
        self.named_in_apposition = re.compile(cues["named_in_apposition_gap"], flags)
        self.new_task_gap = re.compile(cues["new_task_gap"], flags)
        heads = alternation([word for words in load_json("type_cues.json")["head_nouns"].values() for word in words])
        # "our best performing dataset DFN-5B": a new name after "our" and a head noun is the paper's own
        self.our_kind_before = re.compile(rf"\b[Oo]ur\s+(?:[\w-]+\s+){{0,3}}?(?:{heads})\s+$")

    def _modifies_what_is_proposed(self, text: str, mention: Mention) -> bool:
        """A known entity (catalog, or a descriptive phrase) that only describes the proposed thing: "a new
        supervised pre-training method", "ImageNet samples", or the first part of a new name ("ImageNet-Major")."""
        if mention.extractor not in _KNOWN_EXTRACTORS:
            return False
        following = _FOLLOWING_WORD.match(text, mention.end)
        if following is None:
            return False
        if following.group("hyphen") and following.group("word")[0].isupper():
            return True
        return following.group("word").lower() in self.kind_nouns

    def _proposed(self, text: str, mentions: list[Mention], title_end: int) -> dict[int, str]:
        """Index of each proposed mention → the cue that makes it so."""
        proposed: dict[int, str] = {}
        first = mentions[0] if mentions else None
        if first is not None and first.type != "task" and first.end < title_end:
            rest = text[first.end:first.end + 2]
            topic = first.extractor in _KNOWN_EXTRACTORS and not any(c.isupper() for c in first.text[1:])
            if first.start == 0 and rest.startswith(":") and not topic:  # not "Knowledge distillation: ..."
                proposed[0] = "title: " + text[:first.end + 1]
            elif first.start == 0 and first.extractor == "name_detector" and _TITLE_PURPOSE.match(text, first.end):
                proposed[0] = "title: " + text[:_TITLE_PURPOSE.match(text, first.end).end()].strip()  # "X for Y"
        self._title_components(text, mentions, title_end, proposed)
        for index, mention in enumerate(mentions):  # "our SwiftNet", "SwiftNet (ours)": a new name the paper owns
            if (mention.type != "task" and mention.extractor in _NEW_NAME_EXTRACTORS
                    and not (mention.key or "").startswith("catalog:")
                    and not (mention.cue or "").startswith("variant of")):  # "our ResNet-50": a known family's size
                ours = (_OURS_AFTER.match(text, mention.end)
                        or _OUR_BEFORE.search(text, max(0, mention.start - 6), mention.start)
                        or self.our_kind_before.search(text, max(0, mention.start - 60), mention.start))
                if ours:
                    proposed.setdefault(index, ours.group().strip())
        by_sentence: dict[str, list[int]] = {}
        for index, mention in enumerate(mentions):
            by_sentence.setdefault(mention.sentence, []).append(index)
        for sentence, indices in by_sentence.items():
            lowered = sentence.lower()
            if not any(cue.search(lowered) for cue in self.proposal_sentence):  # (each tests its words first)
                continue
            sentence_start = text.find(sentence)
            if len(lowered) == len(sentence):  # lower-casing kept every offset: search the lower-cased sentence
                searched, verbs, passives, borrowed = (lowered, self.lower_case_proposal_verb, self.lower_case_passive,
                                                       self.lower_case_borrowed)
            else:
                searched, verbs, passives, borrowed = (sentence, self.proposal_verb, self.passive,
                                                       self.borrowed_before_naming)
            for verb in verbs.finditer(searched):
                group = "verb" if verb.group("verb") else "naming"
                if group == "naming" and borrowed.search(searched, 0, verb.start()):
                    continue  # "a recent method called Rectified Flow"
                verb_end = sentence_start + verb.end(group)
                cue = sentence[verb.start(group):verb.end(group)]
                for position, index in enumerate(indices):
                    mention = mentions[index]
                    if mention.start < verb_end:
                        continue
                    gap = text[verb_end:mention.start]
                    if mention.type == "task":
                        if self.new_task_gap.match(gap):  # "we introduce the novel task of X": a task it poses
                            proposed.setdefault(index, cue)
                        continue
                    plain_object = len(gap) <= _MAX_OBJECT_GAP and not self.not_object.search(gap) and "." not in gap
                    if (plain_object or self.named_in_apposition.match(gap)) \
                            and not self._modifies_what_is_proposed(text, mention):
                        proposed.setdefault(index, cue)
                        self._coordinated_objects(text, mentions, indices[position + 1:], mention, cue, proposed)
                    break  # only the first entity after the verb is its object (and what is coordinated with it)
            for passive in passives.finditer(searched):
                passive_start = sentence_start + passive.start()
                before = [i for i in indices if mentions[i].end <= passive_start and mentions[i].type != "task"]
                if before:
                    gap = text[mentions[before[-1]].end:passive_start]
                    if not re.search(r"[,;]", gap) and len(gap) <= 30:
                        cue = sentence[passive.start():passive.end()]
                        proposed.setdefault(before[-1], cue)
                        if mentions[before[-1]].long_form and len(before) > 1:
                            proposed.setdefault(before[-2], cue)  # "Long Form (LF) is proposed"
        return proposed

    def _title_components(self, text: str, mentions: list[Mention], title_end: int, proposed: dict[int, str]) -> None:
        """A new name right after "with" or "via" in the title is a part of what the paper proposes ("FlowTurbo: ...
        Image Generation with Velocity Refiner"); a known entity there is only used ("... via Rectified Flow")."""
        title = [index for index, mention in enumerate(mentions) if mention.end <= title_end]
        for position, index in enumerate(title):
            mention = mentions[index]
            joiner = self.title_component_joiner.search(text, 0, mention.start)
            if joiner is None or mention.type not in _COMPONENT_TYPES or mention.extractor == "catalog":
                continue
            cue = f"title: {joiner.group().strip()} {mention.text}"
            proposed.setdefault(index, cue)
            self._coordinated_objects(text, mentions, title[position + 1:], mention, cue, proposed)

    def _coordinated_objects(self, text: str, mentions: list[Mention], following: list[int], first: Mention, cue: str,
                             proposed: dict[int, str]) -> None:
        """The entities coordinated with a proposal's object are proposed too: "we propose token augmentations and a
        Stem-adaptor module"."""
        previous = first
        for index in following:
            mention = mentions[index]
            if mention.type == "task" or not self.coordinated_gap.match(text, previous.end, mention.start) \
                    or self._modifies_what_is_proposed(text, mention):
                return
            proposed.setdefault(index, cue)
            previous = mention

    def _is_result_sentence(self, sentence: str, known: dict[str, bool]) -> bool:
        found = known.get(sentence)
        if found is None:
            lowered = sentence.lower()
            found = known[sentence] = any(p.search(lowered) for p in self.result_sentence)
        return found

    def __call__(self, doc: Doc) -> Doc:
        mentions: list[Mention] = extension_value(doc, "kg_mentions") or []
        text = doc_text(doc)
        title_end = text.find("\n\n") if "\n\n" in text else len(text)
        proposed = self._proposed(text, mentions, title_end)
        result_sentences: dict[str, bool] = {}
        classified = []
        for index, mention in enumerate(mentions):
            if index in proposed:
                relation, cue = "proposes", proposed[index]
            elif mention.type == "task":
                relation, cue = "addresses", mention.cue
            elif mention.type in ("dataset", "") and self._is_result_sentence(mention.sentence, result_sentences):
                relation, cue = "evaluates_on", "result sentence"
            else:
                relation, cue = "uses", mention.cue
            unchanged = relation == mention.relation and cue == mention.cue  # ("uses" is the default): no copy
            classified.append(mention if unchanged else evolve(mention, relation=relation, cue=cue))
        set_extension_value(doc, "kg_mentions", _type_proposed_names(classified))
        return doc


def _type_proposed_names(mentions: list[Mention]) -> list[Mention]:
    """A new name the paper proposes that no cue typed ("We present CuriousPPO, which adds an intrinsic reward to
    PPO") takes the type of the longest method or architecture of the paper whose name it contains, else method (a
    contribution with no type word is most often one). Every mention of the name in the paper takes that type."""
    untyped = {m.key or m.text: m.text for m in mentions if m.relation == "proposes" and not m.type
               and not _SHORT_ACRONYM.fullmatch(m.text)}  # "PS" alone is too ambiguous to type by default
    if not untyped:
        return mentions
    known = sorted({(m.text, m.type) for m in mentions if m.type in _COMPONENT_TYPES}, key=lambda k: -len(k[0]))
    types = {key: next((kind for text, kind in known if len(text) >= 2 and text in name and text != name), "method")
             for key, name in untyped.items()}
    return [evolve(m, type=types[m.key or m.text], confidence=PROPOSED_NAME_CONFIDENCE)
            if not m.type and (m.key or m.text) in types else m for m in mentions]


@Language.factory("paperkg_relations")
def make_relation_classifier(nlp: Language, name: str) -> RelationClassifier:
    return RelationClassifier()
