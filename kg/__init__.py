"""paperkg: knowledge graphs of machine-learning research from paper abstracts.

    import kg
    graph = kg.build(["papers.jsonl"])     # or kg.load("exports") after `kg build`
    graph.papers("ImageNet", relation="evaluates_on")
"""

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
