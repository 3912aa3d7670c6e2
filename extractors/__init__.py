"""paperkg's spaCy extractors: registered components that tag methods, datasets, architectures and tasks."""

from extractors.compiled import use_fresh_copies

use_fresh_copies()  # before the extractor modules are imported: their compiled copies, where fresh (compiled.py)

__all__ = ["build_pipeline"]


def __getattr__(name: str):
    """`build_pipeline`, imported on first use: importing the package alone does not load spaCy."""
    if name == "build_pipeline":
        from extractors.pipeline import build_pipeline

        return build_pipeline
    raise AttributeError(f"module 'extractors' has no attribute {name!r}")
