"""The compiled copies of the extraction modules (extractors/compiled.py): used when fresh, never when stale, and
extracting exactly what the Python source does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

from extractors import compiled

# Extract every seed paper and print the records as JSON, with the modules the process ran compiled.
EXTRACT_SEEDS = """
import dataclasses, json, sys
from extractors import build_pipeline
from extractors.compiled import compiled_modules
from kg.corpus import read_corpus
from kg.extraction import extract
papers = read_corpus(sys.argv[1:]).papers
records = [[dataclasses.asdict(record) for record in (*item.mentions, *item.results, *item.relations)]
           for item in extract(papers, build_pipeline())]
print(json.dumps({"compiled": compiled_modules(), "papers": len(papers), "records": records}, sort_keys=True))
"""


def _extract_seeds(seed_files: list[Path], pure_python: bool) -> dict:
    environment = {**os.environ, compiled.PURE_PYTHON_VARIABLE: "1" if pure_python else ""}
    output = subprocess.run([sys.executable, "-c", EXTRACT_SEEDS, *map(str, seed_files)], env=environment,
                            check=True, capture_output=True, text=True).stdout
    return json.loads(output)


def _toolchain() -> bool:
    return compiled.missing_toolchain() is None


def test_the_extraction_modules_run_compiled_where_they_can_be_compiled(nlp):
    """`make setup` compiles them where Cython, a C compiler and Python's headers are installed (as in CI): a setup
    that fell back to pure Python there would quietly lose the speed the README reports. Without them, nothing is
    compiled."""
    import kg.extraction  # noqa: F401

    expected = list(compiled.MODULES) if _toolchain() else []
    assert compiled.compiled_modules() == expected


def test_compiled_and_pure_python_extraction_agree_on_every_seed_paper(seed_files):
    fast = _extract_seeds(seed_files, pure_python=False)
    pure = _extract_seeds(seed_files, pure_python=True)
    assert pure["compiled"] == []  # PAPERKG_PURE_PYTHON turns the copies off
    assert fast["compiled"] == (list(compiled.MODULES) if _toolchain() else [])
    assert fast["papers"] == pure["papers"] > 100
    assert sum(map(len, pure["records"])) > 1000
    assert fast["records"] == pure["records"]


def test_a_copy_is_served_only_while_it_matches_its_source(tmp_path):
    """A module edited after it was compiled is imported from its source: the manifest's digest no longer matches."""
    module = "extractors.spans"
    binary = tmp_path / "extractors" / ("spans" + sysconfig.get_config_var("EXT_SUFFIX"))
    binary.parent.mkdir()
    binary.write_bytes(b"")  # only its presence is looked at here
    source_digest = compiled._digest(compiled.source_path(module))

    def manifest(digest: str, python: str = compiled.interpreter()) -> dict[str, Path]:
        (tmp_path / compiled.MANIFEST).write_text(json.dumps({"python": python, "modules": {module: digest}}))
        return compiled.fresh_copies(tmp_path)

    assert manifest(source_digest) == {module: binary}
    assert manifest("0" * 64) == {}  # compiled from another version of the source
    assert manifest(source_digest, python=".cpython-399-other.so") == {}  # compiled for another Python
    other_build = compiled.interpreter().replace(sys.version, "3.11.0 (main, Jan  1 2000) [other compiler]")
    assert manifest(source_digest, python=other_build) == {}  # for this version, but another build of it
    binary.unlink()
    assert manifest(source_digest) == {}
    for damaged in ("{not json", "[]", '{"modules": ["extractors.spans"]}'):
        (tmp_path / compiled.MANIFEST).write_text(damaged)
        assert compiled.fresh_copies(tmp_path) == {}, damaged



def test_setup_goes_on_with_pure_python_when_compiling_cannot_be_done(monkeypatch, capsys):
    """`make compile` on a machine without the toolchain, or when the compiler fails, says why and succeeds: the
    quickstart must work there too (the source modules run)."""
    monkeypatch.setattr(compiled, "missing_toolchain", lambda: "no C compiler (cc)")
    monkeypatch.setattr(compiled, "compile_changed", lambda: (_ for _ in ()).throw(AssertionError("not called")))
    assert compiled.main() == 0
    assert "no C compiler (cc); the pure Python modules will be used" in capsys.readouterr().err

    def failing_compiler():
        raise RuntimeError("gcc: internal compiler error")

    monkeypatch.setattr(compiled, "missing_toolchain", lambda: None)
    monkeypatch.setattr(compiled, "compile_changed", failing_compiler)
    assert compiled.main() == 0
    assert "compiling failed (RuntimeError: gcc: internal compiler error)" in capsys.readouterr().err
