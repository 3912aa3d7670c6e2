"""The catalog matcher's pattern keys, kept in a cache file between runs: the same matches with and without it, and
never a stale or broken file used."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from extractors import build_pipeline
from extractors.pattern_keys import CACHE_VARIABLE, KEEP_FILES, cache_directory, pattern_keys
from kg.corpus import read_corpus
from kg.extraction import extract

FORMS = {("method", "LOWER"): ["batch normalization", "pre-training", "Q-learning"],
         ("model", "ORTH"): ["BERT", "T5-XL", "ResNet-50s"]}


def _cache_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("pattern-keys-*.json"))


def _extracted(nlp, papers) -> list:
    return [(item.paper.id, item.mentions, item.results, item.relations) for item in extract(papers, nlp)]


def test_a_pipeline_built_from_cached_keys_extracts_what_one_built_by_tokenising_does(seed_files, tmp_path,
                                                                                       monkeypatch):
    papers = read_corpus(seed_files).papers
    monkeypatch.setenv(CACHE_VARIABLE, "")
    tokenising = build_pipeline()
    monkeypatch.setenv(CACHE_VARIABLE, str(tmp_path))
    writing = build_pipeline()
    (written,) = _cache_files(tmp_path)
    reading = build_pipeline()
    assert _cache_files(tmp_path) == [written]  # read back, not written again
    matchers = [nlp.get_pipe("paperkg_catalog_matcher") for nlp in (tokenising, writing, reading)]
    for attribute in ("phrases", "acronyms"):
        # a PhraseMatcher's patterns, as its pickling hands them over: {label: {token keys, ...}}
        patterns = [getattr(matcher, attribute).__reduce__()[1][1] for matcher in matchers]
        assert len(patterns[0]) >= 4 and sum(len(keys) for keys in patterns[0].values()) > 1000
        assert patterns[1] == patterns[0] and patterns[2] == patterns[0]
    expected = _extracted(tokenising, papers)
    assert sum(len(mentions) for _, mentions, _, _ in expected) > 1000
    assert _extracted(reading, papers) == expected


def test_the_keys_are_those_of_the_forms_tokens(nlp, tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_VARIABLE, str(tmp_path))
    for keys in (pattern_keys(nlp, FORMS), pattern_keys(nlp, FORMS)):  # computed, then read back
        for (_, attribute), surfaces in FORMS.items():
            for surface, pattern in zip(surfaces, keys[(_, attribute)], strict=True):
                doc = nlp.make_doc(surface)
                expected = [nlp.vocab.strings[token.text if attribute == "ORTH" else token.text.lower()]
                            for token in doc]
                assert list(pattern) == expected and len(pattern) == len(doc)
    assert len(_cache_files(tmp_path)) == 1


def test_other_forms_or_another_tokenizer_read_another_file(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_VARIABLE, str(tmp_path))
    nlp = build_pipeline()
    assert len(_cache_files(tmp_path)) == 1  # the catalog's
    first = pattern_keys(nlp, FORMS)
    assert len(_cache_files(tmp_path)) == 2
    changed = {**FORMS, ("method", "LOWER"): ["batch-normalization", *FORMS[("method", "LOWER")][1:]]}
    second = pattern_keys(nlp, changed)
    assert second[("method", "LOWER")][0] != first[("method", "LOWER")][0]
    assert len(_cache_files(tmp_path)) == 3
    nlp.tokenizer.add_special_case("T5-XL", [{"ORTH": "T5-XL"}])  # one token now, not three
    third = pattern_keys(nlp, FORMS)
    assert len(third[("model", "ORTH")][1]) == 1 and len(first[("model", "ORTH")][1]) > 1
    assert len(_cache_files(tmp_path)) == 4


@pytest.mark.parametrize("damage", ["truncated", "wrong shape", "too few patterns", "not numbers"])
def test_a_damaged_cache_file_is_computed_again_and_replaced(nlp, tmp_path, monkeypatch, damage):
    monkeypatch.setenv(CACHE_VARIABLE, str(tmp_path))
    expected = pattern_keys(nlp, FORMS)
    (path,) = _cache_files(tmp_path)
    text = path.read_text()
    stored = json.loads(text)
    if damage == "truncated":
        path.write_text(text[: len(text) // 2])
    elif damage == "wrong shape":
        path.write_text(json.dumps({"keys": stored["patterns"]}))
    elif damage == "too few patterns":
        stored["patterns"][0][2].pop()
        path.write_text(json.dumps(stored))
    else:
        stored["patterns"][0][2][0] = ["batch", "normalization"]
        path.write_text(json.dumps(stored))
    assert pattern_keys(nlp, FORMS) == expected
    assert json.loads(path.read_text()) == json.loads(text)


def test_without_a_writable_cache_directory_the_keys_are_computed_each_time(nlp, tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_VARIABLE, "")
    assert cache_directory() is None
    expected = pattern_keys(nlp, FORMS)
    blocked = tmp_path / "a file, not a directory"
    blocked.write_text("")
    monkeypatch.setenv(CACHE_VARIABLE, str(blocked / "cache"))
    assert pattern_keys(nlp, FORMS) == expected
    assert blocked.read_text() == ""


def test_the_cache_goes_to_the_users_cache_directory_by_default(tmp_path, monkeypatch):
    monkeypatch.delenv(CACHE_VARIABLE, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_directory() == tmp_path / "paperkg"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_directory() == tmp_path / "home" / ".cache" / "paperkg"
    assert os.environ.get(CACHE_VARIABLE) is None


def test_only_the_most_recently_used_cache_files_are_kept(nlp, tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_VARIABLE, str(tmp_path))
    variants = [{("method", "LOWER"): [f"method number {n}"]} for n in range(KEEP_FILES + 1)]
    files = []
    for age, forms in enumerate(variants[:KEEP_FILES]):
        before = set(_cache_files(tmp_path))
        pattern_keys(nlp, forms)
        (new,) = set(_cache_files(tmp_path)) - before
        os.utime(new, (1_000_000 + age, 1_000_000 + age))  # written in this order, long ago
        files.append(new)
    assert pattern_keys(nlp, variants[0]) == pattern_keys(nlp, variants[0])  # read back: now the most recent
    pattern_keys(nlp, variants[KEEP_FILES])  # one file too many: the least recently used goes
    kept = _cache_files(tmp_path)
    assert len(kept) == KEEP_FILES
    assert files[0] in kept and files[1] not in kept and set(files[2:]) <= set(kept)
