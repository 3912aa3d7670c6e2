"""Name normalisation shared by the catalog, the extractors and the linker.

Two names denote the same thing when they normalise to the same key: case, Unicode form, spaces,
hyphens, dots and apostrophes are ignored, and a regular English plural on the last word is undone
("Vision Transformers" = "vision transformer", "ImageNet-1k" = "ImageNet 1K", "pre-training" = "pretraining").
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

_IGNORED = re.compile(r"[\s\-\u2010\u2011\u2012\u2013\u2014_.·'\u2019]+")


def _singular(key: str, original: str) -> str:
    if len(key) <= 3 or not original[-1:].islower():
        return key  # "ADAS", "COCO", "SAM": an upper-case final letter is not a plural
    if key.endswith(("sses", "xes", "ches", "shes")):
        return key[:-2]
    if key.endswith("ies") and len(key) > 4:
        return key[:-3] + "y"
    if key.endswith("s") and not key.endswith(("ss", "us", "is")):
        return key[:-1]
    return key


def normalise_name(name: str) -> str:
    folded = unicodedata.normalize("NFKC", name).strip()
    key = _IGNORED.sub("", folded.casefold())
    return _singular(key, folded)


def slugify(text: str) -> str:
    """An ASCII slug for IRIs and node ids; non-Latin text falls back to a hash."""
    spelled = text.replace("+", " plus ").replace("#", " sharp ")
    ascii_text = unicodedata.normalize("NFKD", spelled).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if slug:
        return slug[:80].strip("-")
    return "x-" + hashlib.blake2b(text.encode("utf-8"), digest_size=6).hexdigest()


def is_acronym(name: str) -> bool:
    """Short all-capital names (CLIP, GAN, SAM) are matched case-sensitively: "clip" is a verb."""
    letters = [c for c in name if c.isalpha()]
    return bool(letters) and len(letters) <= 6 and all(c.isupper() for c in letters)
