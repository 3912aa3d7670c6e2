"""paperkg: knowledge graphs of machine-learning research from paper abstracts.

    import kg
    graph = kg.build(["papers.jsonl"])     # or kg.load("exports") after `kg build`
    graph.papers("ImageNet", relation="evaluates_on")
"""

import extractors  # noqa: F401  (first: it serves the compiled copies of the modules extraction runs)
from kg.query import (
    EntityInfo,
    EntityLink,
    Evidence,
    KnowledgeGraph,
    NotFound,
    PaperInfo,
    PaperLink,
    Ranked,
    build,
    load,
)
from kg.sparql import sparql

__all__ = ["EntityInfo", "EntityLink", "Evidence", "KnowledgeGraph", "NotFound", "PaperInfo", "PaperLink", "Ranked",
           "build", "load", "sparql"]
