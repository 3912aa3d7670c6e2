"""paperkg: knowledge graphs of machine-learning research from paper abstracts.

    import kg
    graph = kg.build(["papers.jsonl"])     # or kg.load("exports") after `kg build`
    graph.papers("ImageNet", relation="evaluates_on")
"""

import extractors  # noqa: F401  (first: it serves the compiled copies of the modules extraction runs; no spaCy)

_PUBLIC = {"EntityInfo": "kg.query", "EntityLink": "kg.query", "Evidence": "kg.query", "KnowledgeGraph": "kg.query",
           "NotFound": "kg.query", "PaperInfo": "kg.query", "PaperLink": "kg.query", "Ranked": "kg.query",
           "build": "kg.query", "load": "kg.query", "sparql": "kg.sparql"}
__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
    """The public API, imported on first use: `kg --help` and `kg sparql` load neither spaCy nor the graph code."""
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'kg' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(module), name)
    globals()[name] = value
    return value
