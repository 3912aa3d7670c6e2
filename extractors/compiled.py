"""Compiled copies of the extraction modules: the same Python source, compiled with Cython, used when they are fresh.

Extraction spends most of its time running these modules' Python code (the tokeniser and `re` do the rest); Cython
compiles that code unchanged to C, which runs it with fewer interpreter steps (measured with callgrind:
bench/HISTORY.md). Nothing about the results changes (tests/test_compiled.py extracts
the seed papers both ways and compares).

- `make compile` (part of `make setup`) compiles the modules of `MODULES` whose source changed since
  the last time into `build/compiled/` beside the packages, and records each source's SHA-256 there. It needs Cython,
  a C compiler and Python's headers; without them (or if compiling fails) it says so and the pure Python modules
  are used.
- `use_fresh_copies()`, called when the `extractors` package is imported (and `kg` imports it first), puts an import
  finder in front that serves a module from its compiled copy only when the copy was compiled from the source as it
  is now: an edited module is imported from its source until it is compiled again, never a stale copy.
- `PAPERKG_PURE_PYTHON=1` in the environment turns the copies off.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import shutil
import sys
import sysconfig
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the directory holding the `extractors` and `kg` packages
COMPILED_DIR = ROOT / "build" / "compiled"
MANIFEST = "manifest.json"
PURE_PYTHON_VARIABLE = "PAPERKG_PURE_PYTHON"
# What extraction runs, per abstract: every extractor module, and the records and name keys they make.
MODULES = tuple(sorted(
    {f"extractors.{path.stem}" for path in (ROOT / "extractors").glob("*.py")} - {"extractors.__init__",
                                                                                  "extractors.compiled"}
    | {"kg.catalog", "kg.extraction", "kg.model", "kg.names"}))
# Cython's defaults but for annotations: they stay hints, as in Python (`list[Candidate] = ()` is allowed).
DIRECTIVES = {"language_level": 3, "annotation_typing": False}


def source_path(module: str) -> Path:
    return ROOT.joinpath(*module.split(".")).with_suffix(".py")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def interpreter() -> str:
    """The Python a copy is compiled for: its extension suffix (the ABI) and its own build (two builds of one version,
    a distribution's and pyenv's, were compiled with different headers and flags: a venv made from the other one
    compiles its copies again)."""
    return f"{sysconfig.get_config_var('EXT_SUFFIX')} {sys.version}"


def _build_key() -> str:
    """What a compiled copy also depends on besides its source: this Python's ABI, Cython's version, the directives."""
    try:
        from Cython import __version__ as cython_version
    except ImportError:
        cython_version = "none"
    return f"{sysconfig.get_config_var('EXT_SUFFIX')} cython {cython_version} {sorted(DIRECTIVES.items())}"


def _read_manifest(directory: Path) -> dict:
    """The manifest, or an empty one when it is missing or damaged (then nothing compiled is served: importing
    `extractors` must not fail over a build directory)."""
    try:
        manifest = json.loads((directory / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(manifest, dict) or not isinstance(manifest.get("modules", {}), dict):
        return {}
    return manifest


def _binary(directory: Path, module: str) -> Path:
    return directory.joinpath(*module.split(".")).with_name(module.rsplit(".", 1)[-1]
                                                            + sysconfig.get_config_var("EXT_SUFFIX"))


def fresh_copies(directory: Path = COMPILED_DIR) -> dict[str, Path]:
    """Module → its compiled copy, for every copy compiled from the module's current source by this Python."""
    manifest = _read_manifest(directory)
    if manifest.get("python") != interpreter():  # compiled for another Python, or never
        return {}
    fresh = {}
    for module, digest in manifest.get("modules", {}).items():
        binary, source = _binary(directory, module), source_path(module)
        if binary.is_file() and source.is_file() and _digest(source) == digest:
            fresh[module] = binary
    return fresh


class FreshCopyFinder(importlib.abc.MetaPathFinder):
    """Finds a module's compiled copy (before the source is found by the usual finders) when it is fresh."""

    def __init__(self, copies: dict[str, Path]):
        self.copies = copies

    def find_spec(self, fullname, path=None, target=None):
        binary = self.copies.get(fullname)
        if binary is None:
            return None
        loader = importlib.machinery.ExtensionFileLoader(fullname, str(binary))
        return importlib.util.spec_from_file_location(fullname, binary, loader=loader)


def use_fresh_copies(directory: Path = COMPILED_DIR) -> FreshCopyFinder | None:
    """Serve the fresh compiled copies from now on (once per process; not with PAPERKG_PURE_PYTHON set)."""
    if os.environ.get(PURE_PYTHON_VARIABLE, "") not in ("", "0"):
        return None
    for finder in sys.meta_path:
        if isinstance(finder, FreshCopyFinder):
            return finder
    copies = fresh_copies(directory)
    if not copies:
        return None
    finder = FreshCopyFinder(copies)
    sys.meta_path.insert(0, finder)
    return finder


def compiled_modules() -> list[str]:
    """The modules of `MODULES` this process imported from a compiled copy."""
    return [name for name in MODULES
            if name in sys.modules and str(getattr(sys.modules[name], "__file__", "")).endswith(
                sysconfig.get_config_var("EXT_SUFFIX"))]


def compile_changed(directory: Path = COMPILED_DIR, jobs: int = os.cpu_count() or 1) -> list[str]:
    """Compile every module of `MODULES` with no fresh copy in `directory`; returns the modules compiled. Each copy
    is built in a scratch directory and moved into place (a running process keeps the copy it loaded)."""
    from Cython.Build import cythonize
    from setuptools import Distribution, Extension

    manifest = _read_manifest(directory)
    if manifest.get("build") != _build_key():
        manifest = {}
    fresh = fresh_copies(directory)
    kept = {module: digest for module, digest in manifest.get("modules", {}).items()
            if module in MODULES and module in fresh}
    for module in manifest.get("modules", {}).keys() - set(MODULES):  # no longer compiled: its copy goes
        _binary(directory, module).unlink(missing_ok=True)
    changed = [module for module in MODULES if module not in kept]
    if changed:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=directory, prefix=".build-") as scratch:
            digests = {module: _digest(source_path(module)) for module in changed}  # of the source compiled
            extensions = [Extension(module, [str(source_path(module))]) for module in changed]
            built = Distribution({"ext_modules": cythonize(extensions, compiler_directives=DIRECTIVES, quiet=True,
                                                           build_dir=str(Path(scratch) / "c"), nthreads=jobs)})
            command = built.get_command_obj("build_ext")
            command.build_lib, command.build_temp, command.parallel = scratch, str(Path(scratch) / "o"), jobs
            command.ensure_finalized()
            command.run()
            for module in changed:
                target = _binary(directory, module)
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(_binary(Path(scratch), module), target)
                kept[module] = digests[module]
    manifest = {"python": interpreter(), "build": _build_key(), "modules": kept}
    partial = directory / f".{MANIFEST}.partial"
    partial.write_text(json.dumps(manifest, indent=1, sort_keys=True), "utf-8")
    os.replace(partial, directory / MANIFEST)
    return changed


def missing_toolchain() -> str | None:
    """What compiling needs and this machine lacks (Cython, a C compiler, Python's headers), or None."""
    try:
        import Cython  # noqa: F401
    except ImportError:
        return "Cython is not installed"
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(compiler) is None:
        return f"no C compiler ({compiler})"
    headers = Path(sysconfig.get_paths()["include"]) / "Python.h"
    if not headers.is_file():
        return f"no Python headers ({headers}; Debian: python3-dev)"
    return None


def main() -> int:
    """Compile what changed; where that cannot be done, say why and leave the pure Python modules to run."""
    missing = missing_toolchain()
    if missing:
        print(f"extractors.compiled: {missing}; the pure Python modules will be used", file=sys.stderr)
        return 0
    try:
        changed = compile_changed()
    except Exception as error:  # noqa: BLE001  (a compiler's failure must not stop a setup: the source still runs)
        print(f"extractors.compiled: compiling failed ({type(error).__name__}: {error}); the pure Python modules "
              "will be used", file=sys.stderr)
        return 0
    print(f"extractors.compiled: {len(changed)} of {len(MODULES)} modules compiled into {COMPILED_DIR}"
          if changed else f"extractors.compiled: all {len(MODULES)} compiled modules are fresh")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
