"""The token keys of the catalog matcher's patterns, kept in a cache file from one run to the next.

A PhraseMatcher pattern is the sequence of its tokens' keys: the hashes of their ORTH or LOWER strings (spaCy's own
unpickling adds patterns in that form). Getting the keys means tokenising each of the catalog's ~8,600 surface forms,
about half of building the pipeline. In a build with workers that is time in which one
core works and the other waits, so the keys are kept in a file after the first run and read back after that.

The file is named by a digest of everything the keys depend on: spaCy's version, the tokenizer's rules (its
serialised settings: prefixes, suffixes, infixes, special cases) and every form with its label and attribute. A
different catalog, tokenizer or spaCy reads another file, never stale keys. The file lies in `$PAPERKG_CACHE_DIR`,
else `$XDG_CACHE_HOME/paperkg`, else `~/.cache/paperkg`; `PAPERKG_CACHE_DIR=""` turns the cache off. Where the
directory cannot be written, or a file cannot be read back, the keys are computed as if there were no file.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import spacy
from spacy.language import Language

from kg.export.atomic import atomic_write

CACHE_VARIABLE = "PAPERKG_CACHE_DIR"
FORMAT = 1  # of the cache file; part of its digest
KEEP_FILES = 8  # the most recently used cache files kept (one per catalog and settings in use); older ones go
_PREFIX = "pattern-keys-"  # of every cache file's name

# (label, attribute) -> surface forms; the same with each form's token keys
Forms = dict[tuple[str, str], list[str]]
Keys = dict[tuple[str, str], list[tuple[int, ...]]]


def cache_directory() -> Path | None:
    """Where cache files go, or None when the cache is turned off."""
    configured = os.environ.get(CACHE_VARIABLE)
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "paperkg"


def pattern_keys(nlp: Language, forms: Forms) -> Keys:
    """Each form's token keys under its attribute (LOWER or ORTH), from the cache when it holds them."""
    directory = cache_directory()
    if directory is None:
        return _tokenised(nlp, forms)
    path = directory / f"{_PREFIX}{_digest(nlp, forms)}.json"
    keys = _read(path, forms)
    if keys is None:
        keys = _tokenised(nlp, forms)
        _write(path, keys)
        _prune(directory)
    else:
        _touch(path)
    return keys


def _tokenised(nlp: Language, forms: Forms) -> Keys:
    keys: Keys = {}
    for (label, attribute), surfaces in forms.items():
        keys[(label, attribute)] = [
            tuple(token.orth if attribute == "ORTH" else token.lower for token in nlp.make_doc(surface))
            for surface in surfaces]
    return keys


def _digest(nlp: Language, forms: Forms) -> str:
    digest = hashlib.sha256(f"{FORMAT}\0{spacy.__version__}\0{nlp.lang}\0".encode())
    digest.update(nlp.tokenizer.to_bytes(exclude=["vocab"]))
    digest.update(json.dumps(sorted((label, attribute, surfaces) for (label, attribute), surfaces in forms.items()),
                             ensure_ascii=False).encode())
    return digest.hexdigest()[:32]


def _read(path: Path, forms: Forms) -> Keys | None:
    """The keys in the file, or None if there is none or it does not hold a key list for every form."""
    try:
        stored = json.loads(path.read_bytes())
        keys = {(label, attribute): [tuple(pattern) for pattern in patterns]
                for label, attribute, patterns in stored["patterns"]}
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if keys.keys() != forms.keys() or any(len(keys[group]) != len(surfaces) for group, surfaces in forms.items()):
        return None
    if not all(type(key) is int for patterns in keys.values() for pattern in patterns for key in pattern):
        return None
    return keys


def _write(path: Path, keys: Keys) -> None:
    """The keys written to `path` atomically (a reader never sees half a file); nothing if it cannot be written."""
    data = json.dumps({"patterns": [[label, attribute, patterns] for (label, attribute), patterns in keys.items()]},
                      separators=(",", ":"))
    try:
        with atomic_write(path) as handle:
            handle.write(data)
    except OSError:
        pass  # a read-only home or cache directory: the next run computes the keys again


def _touch(path: Path) -> None:
    """Mark a cache file as just used (its modification time), so pruning keeps it."""
    try:
        os.utime(path)
    except OSError:
        pass


def _prune(directory: Path) -> None:
    """Remove all but the `KEEP_FILES` most recently used cache files: each edit of the catalog makes a new one."""
    try:
        files = sorted(directory.glob(f"{_PREFIX}*.json"), key=lambda file: file.stat().st_mtime, reverse=True)
        for stale in files[KEEP_FILES:]:
            stale.unlink(missing_ok=True)
    except OSError:
        pass  # another process pruned it first, or the directory is not ours to clean
