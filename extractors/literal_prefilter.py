"""A cheap test to run before a regular expression: literal words one of which every one of its matches holds.

Python's `re` tries a pattern that opens with `\\b` or a look-behind at every position of the text (~25 ns each);
`str.__contains__` scans for a word far faster. For a pattern such as `\\b(?:dubbed|termed|coined)\\b` every match
begins with one of "dubbed", "termed", "coined", so a sentence holding none of them cannot match and the search is
skipped. The words are read from the pattern's parse tree: the literals its matches start with (zero-width
assertions skipped; literals, and branches of literals, joined as far as they go), else those of the first of its
parts that must match and holds some (a group, a repeat taken at least once, a branch whose every alternative has
words). When a pattern has none (only classes and optional parts), has a case-insensitive flag, or has more words
than a substring test is worth, nothing is skipped.

`PrefilteredPattern` tests more than the first words: every part of a match that must be there and holds words
gives a set, and a text must hold a word of each (`\\bwe\\b[^.]{0,80}?\\b(?:propose|present)\\b` needs "we" and
"propose" or "present"); a pattern that is an alternation at the top needs that of one alternative.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from re import _constants as constants  # the parse tree's opcodes (the `re` package's own modules, Python >= 3.11)
from re import _parser as parser

_ZERO_WIDTH = {constants.AT, constants.ASSERT, constants.ASSERT_NOT}
_REPEATS = {constants.MAX_REPEAT, constants.MIN_REPEAT, constants.POSSESSIVE_REPEAT}
_MAX_PREFIXES = 64
# A substring test costs ~0.1 µs a word on a sentence and a search ~3.5 µs: a part with more words than this costs
# about what it saves (the result-sentence cue, 35 words, passes half the time; the proposal verbs, 20, far less).
_MAX_WORDS = 24


def _prefixes(items) -> list[tuple[str, bool]]:
    """(prefix, whole) pairs: every match of the sequence `items` starts with one of the prefixes; `whole` when the
    prefix is all the sequence can match (so what follows may extend it)."""
    found = [("", True)]
    for op, argument in items:
        if op in _ZERO_WIDTH:
            continue
        if op is constants.LITERAL:
            pieces = [(chr(argument), True)]
        elif op is constants.BRANCH:
            pieces = [piece for alternative in argument[1] for piece in _prefixes(alternative)]
        elif op is constants.SUBPATTERN and not argument[1] and not argument[2]:  # a group with no flags of its own
            pieces = _prefixes(argument[3])
        elif op in _REPEATS and argument[0] >= 1:  # at least once: a match starts as its first repetition does
            pieces = [(piece, False) for piece, _ in _prefixes(argument[2])]
        else:
            pieces = [("", False)]
        joined = [(prefix + piece, whole) for prefix, _ in found for piece, whole in pieces]
        if len(joined) > _MAX_PREFIXES:
            return [(prefix, False) for prefix, _ in found]
        found = joined
        if not all(whole for _, whole in found):
            return [(prefix, False) for prefix, _ in found]
    return found


def _required(items) -> set[str] | None:
    """Words one of which every match of the sequence `items` contains: the words the sequence starts with, else
    those of the first part from which a run of literals must follow (a branch counts when each of its
    alternatives has words)."""
    return next(_mandatory_parts(items), None)


def _mandatory_parts(items) -> Iterator[set[str]]:
    """Word sets of the parts of the sequence `items` that every match goes through, one word of each in the match,
    in order: from each position, the literals a match starts with there (joined as far as they go, as `_prefixes`
    reads them), else the words of the part at that position (a group, a branch whose every alternative has words, a
    repeat taken at least once) as `_required` finds them."""
    for position, (op, argument) in enumerate(items):
        if op in _ZERO_WIDTH:
            continue
        prefixes = {prefix for prefix, _ in _prefixes(items[position:])}
        if "" not in prefixes:
            yield prefixes
            continue
        words = None
        if op is constants.BRANCH:
            alternatives = [_required(alternative) for alternative in argument[1]]
            if all(alternative is not None for alternative in alternatives):
                words = set().union(*alternatives)
        elif op is constants.SUBPATTERN and not argument[1] and not argument[2]:
            words = _required(argument[3])
        elif op in _REPEATS and argument[0] >= 1:
            words = _required(argument[2])
        if words:
            yield words


def _fewest(words) -> tuple[str, ...]:
    """The words, shortest first, without any that holds a shorter one (a text holding "we propose" holds "we")."""
    kept: list[str] = []
    for word in sorted(words, key=lambda word: (len(word), word)):
        if not any(shorter in word for shorter in kept):
            kept.append(word)
    return tuple(kept)


def _parse(pattern: re.Pattern[str]):
    if pattern.flags & (re.IGNORECASE | re.VERBOSE):
        return None
    try:
        return parser.parse(pattern.pattern, pattern.flags)
    except (re.error, TypeError, AttributeError):  # a future parser that differs: no shortcut, same answers
        return None


def required_literal_sets(pattern: re.Pattern[str]) -> tuple[tuple[tuple[str, ...], ...], ...] | None:
    """For each alternative of the pattern (the pattern itself unless it is an alternation at the top): the word
    sets a text must hold a word of each of for that alternative to match there, first the words its matches start
    with. None when some alternative has none, or the pattern is case-insensitive (no shortcut)."""
    tree = _parse(pattern)
    if tree is None:
        return None
    items = list(tree.data)
    branches = items[0][1][1] if len(items) == 1 and items[0][0] is constants.BRANCH else [items]
    alternatives = []
    for branch in branches:
        parts: list[tuple[str, ...]] = []
        for words in _mandatory_parts(branch):
            words = _fewest(words)
            if not words or not words[0] or len(words) > _MAX_WORDS:
                continue
            if any(all(any(word in held for word in words) for held in earlier) for earlier in parts):
                continue  # every word of an earlier part holds one of these ("is proposed" holds "proposed")
            parts.append(words)
        if not parts:
            return None
        alternatives.append(tuple(parts))
    return tuple(alternatives)


class PrefilteredPattern:
    """A compiled pattern whose `search` and `finditer` first check for the words its matches must hold."""

    def __init__(self, pattern: re.Pattern[str]):
        self.pattern = pattern
        self.literal_sets = required_literal_sets(pattern)

    def may_match(self, text: str) -> bool:
        """False only when the pattern cannot match anywhere in `text`."""
        if self.literal_sets is None:
            return True
        # (loops: `any` and `all` over generators cost as much as the substring tests themselves)
        for parts in self.literal_sets:  # an alternative of the pattern
            for words in parts:
                for word in words:
                    if word in text:
                        break
                else:
                    break  # none of this part's words: the alternative cannot match
            else:
                return True
        return False

    def search(self, text: str) -> re.Match[str] | None:
        return self.pattern.search(text) if self.may_match(text) else None

    def finditer(self, text: str):
        return self.pattern.finditer(text) if self.may_match(text) else ()
