from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


def pytest_configure(config):
    """The tests (and the processes they start) keep their cache files in a directory of their own, not the user's."""
    from extractors.pattern_keys import CACHE_VARIABLE

    os.environ[CACHE_VARIABLE] = tempfile.mkdtemp(prefix="paperkg-test-cache-")


def pytest_unconfigure(config):
    from extractors.pattern_keys import CACHE_VARIABLE

    shutil.rmtree(os.environ.pop(CACHE_VARIABLE), ignore_errors=True)


@pytest.fixture(scope="session")
def seed_files() -> list[Path]:
    """The seed listings beside the repository (../shared/seeds), else the copy bundled in the package."""
    from kg.corpus import sample_corpus_files

    files = sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else []
    return files or sample_corpus_files()


@pytest.fixture(scope="session")
def nlp():
    from extractors import build_pipeline

    return build_pipeline()


@pytest.fixture(scope="session")
def seeds_exports(seed_files, tmp_path_factory):
    """One build of the seeds, written once, shared by the query, SPARQL and server tests."""
    from kg.builder import build, write_exports

    out = tmp_path_factory.mktemp("seeds-exports")
    result = build(seed_files)
    write_exports(result, out)
    return result, out
