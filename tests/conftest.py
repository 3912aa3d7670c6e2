from __future__ import annotations

from pathlib import Path

import pytest

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


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
