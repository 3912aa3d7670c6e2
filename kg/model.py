"""The records every stage passes on: Paper → Mention → Entity/Link.

Small frozen dataclasses, so each stage can be tested alone and swapped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ENTITY_TYPES: tuple[str, ...] = ("method", "dataset", "architecture", "task")

# Relations from a paper to an entity, strongest first: when several mentions of one entity in one
# paper carry different relations, the link takes the first of these that any mention carries.
RELATIONS: tuple[str, ...] = ("proposes", "evaluates_on", "addresses", "uses")


@dataclass(frozen=True)
class Source:
    """Where a record was read: file path and 1-based line number."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class Paper:
    id: str
    title: str
    abstract: str
    url: str | None = None
    date: str | None = None
    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    sources: tuple[Source, ...] = ()

    @property
    def text(self) -> str:
        """The text the extractors read: title, blank line, abstract (mention offsets index this)."""
        return f"{self.title}\n\n{self.abstract}"


@dataclass(frozen=True)
class Mention:
    """One occurrence of an entity name in a paper's text (title + blank line + abstract)."""

    paper_id: str
    start: int
    end: int
    text: str
    type: str
    extractor: str
    confidence: float
    sentence: str
    relation: str = "uses"
    cue: str | None = None
    # Key the linker resolves: a catalog id ("catalog:<id>") or a normalised surface form.
    key: str = ""
    # For a short form defined in the text ("PFNs"), its long form ("Prior-Data Fitted Networks").
    long_form: str | None = None


@dataclass(frozen=True)
class Entity:
    id: str
    label: str
    type: str
    aliases: tuple[str, ...] = ()
    broader: str | None = None
    variant_of: str | None = None
    source: str = "extracted"  # "catalog" or "extracted"
    description: str | None = None


@dataclass(frozen=True)
class Link:
    paper_id: str
    entity_id: str
    relation: str
    mentions: tuple[Mention, ...] = field(default_factory=tuple)

    @property
    def confidence(self) -> float:
        return max((m.confidence for m in self.mentions), default=0.0)
