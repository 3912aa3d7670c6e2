"""Loading the extractors' data files (cue words, stop lists, patterns) that live in extractors/data/."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources


def _data(name: str) -> str:
    return resources.files("extractors").joinpath("data", name).read_text("utf-8")


@lru_cache(maxsize=None)
def load_json(name: str) -> dict:
    return json.loads(_data(name))


@lru_cache(maxsize=None)
def load_word_list(name: str) -> frozenset[str]:
    """One entry per line; blank lines and lines starting with '#' are ignored."""
    return frozenset(line.strip() for line in _data(name).splitlines() if line.strip() and not line.startswith("#"))


def alternation(phrases: list[str], ignore_case: bool = False) -> str:
    """A regex alternation of literal phrases, longest first so the longest wins, grouped by first character:
    "FID|FVD|IS" is written "F(?:ID|VD)|IS". It matches what the flat alternation matches, and the same phrase at
    each position (the phrases a character can start are tried in the same order), but `re` tries one group per
    position instead of every phrase: with ~150 phrases, half the time. `ignore_case` (for a pattern compiled with
    re.IGNORECASE): phrases group by their first character lower-cased, which is what that character matches."""
    ordered = sorted(set(phrases), key=lambda phrase: (-len(phrase), phrase))
    if not all(phrase[:1].isascii() for phrase in ordered):  # a non-ASCII first letter may share a case with another
        return "|".join(re.escape(phrase) for phrase in ordered)
    groups: dict[str, list[str]] = {}
    for phrase in ordered:
        first = phrase[:1].lower() if ignore_case else phrase[:1]
        groups.setdefault(first, []).append(phrase[1:])
    parts = []
    for first, rests in groups.items():
        if len(rests) == 1:
            parts.append(re.escape(first + rests[0]))
        else:
            parts.append(re.escape(first) + "(?:" + "|".join(re.escape(rest) for rest in rests) + ")")
    return "|".join(parts)


class Memo(dict):
    """The values of a pure function of one key, remembered (names and words recur in every abstract of a corpus);
    it starts over when it holds `size` keys, so a million abstracts cannot grow it without end."""

    def __init__(self, compute, size: int = 100_000):
        super().__init__()
        self.compute, self.size = compute, size

    def __missing__(self, key):
        if len(self) >= self.size:
            self.clear()
        value = self[key] = self.compute(key)
        return value
