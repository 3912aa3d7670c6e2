"""paperkg's spaCy extractors: registered components that tag methods, datasets, architectures and tasks."""

from extractors.pipeline import build_pipeline

__all__ = ["build_pipeline"]
