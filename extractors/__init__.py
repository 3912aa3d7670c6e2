"""paperkg's spaCy extractors: registered components that tag methods, datasets, architectures and tasks."""

from extractors.compiled import use_fresh_copies

use_fresh_copies()  # before the extractor modules are imported: their compiled copies, where fresh (compiled.py)

from extractors.pipeline import build_pipeline  # noqa: E402

__all__ = ["build_pipeline"]
