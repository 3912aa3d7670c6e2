"""Translation language pairs ("English-German", "English→Romanian", "En-De", "English to French") in a paper about
translation: each names the data set of a translation benchmark, the way leaderboards name them (data:
data/languages.json). Written with a space ("English Czech, English German") a pair counts only in a sentence
that speaks of translation itself."""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractors.resources import alternation, load_json


@dataclass(frozen=True)
class LanguagePair:
    start: int
    end: int
    name: str  # "English-German", whatever the joiner or the code as written


class LanguagePairFinder:
    def __init__(self, data: dict | None = None):
        data = data or load_json("languages.json")
        self.language_of = {name: name for name in data["names"]}
        for code, name in data["codes"].items():
            self.language_of[code.capitalize()] = self.language_of[code.upper()] = name
        names = alternation(data["names"])
        codes = alternation([form for code in data["codes"] for form in (code.capitalize(), code.upper())])
        joiners = alternation(data["joiners"])
        edge_before, edge_after = r"(?<![\w\-→/])", r"(?![\w\-→/])"
        self.joined = re.compile(rf"{edge_before}(?P<a>{names})(?:{joiners})(?P<b>{names}){edge_after}"
                                 rf"|{edge_before}(?P<ca>{codes})(?:-|–|→|->|⇒|↔)(?P<cb>{codes}){edge_after}")
        self.spaced = re.compile(rf"{edge_before}(?P<a>{names}) (?P<b>{names}){edge_after}")
        self.context = tuple(cue.lower() for cue in data["translation_context"])
        self.context_stems = tuple(data["translation_context_stems"])

    def find(self, text: str, sentences: list[tuple[int, int]]) -> list[LanguagePair]:
        """Every pair of two different languages in `text`, if the text speaks of translation; `sentences`:
        (start, end) of each sentence, for the spaced form's test."""
        if not self._about_translation(text):
            return []
        found = []
        for match in self.joined.finditer(text):
            first, second = (match.group("a"), match.group("b")) if match.group("a") else (match.group("ca"),
                                                                                          match.group("cb"))
            found.append(self._pair(match.start(), match.end(), first, second))
        for match in self.spaced.finditer(text):
            sentence = next(((s, e) for s, e in sentences if s <= match.start() < e), (0, len(text)))
            if self._about_translation(text[sentence[0]:sentence[1]]):
                found.append(self._pair(match.start(), match.end(), match.group("a"), match.group("b")))
        return sorted((pair for pair in found if pair is not None), key=lambda pair: pair.start)

    def _about_translation(self, text: str) -> bool:
        if not any(stem in text for stem in self.context_stems):  # (most papers; no lower-casing needed to tell)
            return False
        lowered = text.lower()
        return any(cue in lowered for cue in self.context)

    def _pair(self, start: int, end: int, first: str, second: str) -> LanguagePair | None:
        first, second = self.language_of[first], self.language_of[second]
        return LanguagePair(start, end, f"{first}-{second}") if first != second else None
