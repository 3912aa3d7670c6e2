"""Duplicate entity nodes: pairs of distinct entities whose labels normalise to the same string (whatever their types),
or two entities of the same type where one label is an abbreviation of the other (its letters are the initials of
the other's words, camel-case capitals included). Initials alone are weak evidence across types: GPT the model and
"generative pre-training" the method are two things.
The duplicate rate is the number of such pairs per entity; one thing should be one node, so the target is 0."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from kg.model import Entity
from kg.names import is_acronym, normalise_name


@dataclass(frozen=True)
class DuplicatePair:
    first: str  # entity id
    second: str
    reason: str  # "same normalised label" or "abbreviation"


_MINOR_WORDS = {"of", "for", "and", "the", "a", "an", "in", "on", "with", "to", "via", "by"}


def initials(label: str) -> str:
    """'Variational AutoEncoder' → 'VAE', 'generative adversarial network' → 'GAN'."""
    letters = []
    for word in re.split(r"[\s\-/]+", label):
        if word and word.lower() not in _MINOR_WORDS:
            letters.append(word[0] + "".join(c for c in word[1:] if c.isupper()))
    return "".join(letters).upper()


def _is_abbreviation(short: str, long: str) -> bool:
    core = short[:-1] if short.endswith("s") and short[:-1].isupper() else short
    core = re.sub(r"[^A-Za-z0-9]", "", core).upper()
    return len(re.split(r"[\s\-/]+", long.strip())) >= 2 and initials(long) == core


def duplicate_pairs(entities: dict[str, Entity]) -> list[DuplicatePair]:
    pairs: list[DuplicatePair] = []
    by_key: dict[str, list[str]] = defaultdict(list)
    for entity in entities.values():
        by_key[normalise_name(entity.label)].append(entity.id)
    for ids in by_key.values():
        ids = sorted(ids)
        pairs += [DuplicatePair(a, b, "same normalised label") for i, a in enumerate(ids) for b in ids[i + 1:]]
    shorts = [e for e in entities.values() if is_acronym(e.label) or (len(e.label) <= 8 and " " not in e.label
                                                                      and sum(c.isupper() for c in e.label) >= 2)]
    longs_by_initial: dict[str, list[Entity]] = defaultdict(list)
    for entity in entities.values():
        if " " in entity.label or "-" in entity.label:
            longs_by_initial[entity.label[0].lower()].append(entity)
    for short in shorts:
        for long in longs_by_initial.get(short.label[0].lower(), []):
            if long.id != short.id and long.type == short.type and _is_abbreviation(short.label, long.label):
                first, second = sorted((short.id, long.id))
                pairs.append(DuplicatePair(first, second, "abbreviation"))
    return sorted(set(pairs), key=lambda p: (p.first, p.second))
