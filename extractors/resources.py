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


def alternation(phrases: list[str]) -> str:
    """A regex alternation of literal phrases, longest first so the longest wins."""
    return "|".join(re.escape(p) for p in sorted(set(phrases), key=lambda p: (-len(p), p)))


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
