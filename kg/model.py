"""The records every stage passes on: Paper → Mention → Entity/Link.

Small frozen dataclasses, so each stage can be tested alone and swapped.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields
from typing import TypeVar

ENTITY_TYPES: tuple[str, ...] = ("method", "dataset", "architecture", "task")

# Relations from a paper to an entity, strongest first: when several mentions of one entity in one
# paper carry different relations, the link takes the first of these that any mention carries.
RELATIONS: tuple[str, ...] = ("proposes", "evaluates_on", "addresses", "uses")


# Relations between two entities, read from one sentence: a method or architecture `evaluated_on` a dataset,
# `applied_to` a task. (variant_of and broader come from the catalog and the linker, not from sentences.)
ENTITY_RELATIONS: tuple[str, ...] = ("evaluated_on", "applied_to")

# A mention typed with this confidence or more was typed by explicit context (a definition, a head noun, a naming
# verb), not by the shape of its name; where a name has such mentions, only they vote on its type.
STRONG_TYPE_CUE = 0.7


R = TypeVar("R")


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
class Result:
    """A reported result: "achieves an FID of 1.98 on 256×256 ImageNet" → metric FID, value 1.98 on ImageNet.

    `start`/`end` index the paper text like mentions and cover the evidence (number and metric); the dataset and
    the method are the spans of the mentions naming them (`*_span`), turned into entity ids by the linker."""

    paper_id: str
    metric: str
    value: str
    unit: str
    start: int
    end: int
    text: str
    sentence: str
    dataset_span: tuple[int, int] | None = None
    method_span: tuple[int, int] | None = None
    dataset_id: str | None = None
    method_id: str | None = None
    confidence: float = 0.8
    own: bool = True  # the paper's own result; False: a baseline's or another system's, quoted for comparison

    @property
    def number(self) -> float:
        return float(self.value)


@dataclass(frozen=True)
class Measurement:
    """A cost or a setting a paper states, kept apart from its results: "5.7M parameters", "26 ms", "NFE=2",
    "a guidance scale of 1.5" → kind "cost" or "setting", quantity (canonical: data/measurements.json), value and
    unit, with the model the sentence credits (its mention span; the linker fills in the entity id)."""

    paper_id: str
    kind: str  # "cost" or "setting"
    quantity: str
    value: str
    unit: str
    start: int
    end: int
    text: str
    sentence: str
    method_span: tuple[int, int] | None = None
    method_id: str | None = None


@dataclass(frozen=True)
class EntityRelation:
    """"BossNet-T achieves 82.5% on ImageNet" → BossNet-T evaluated_on ImageNet, with the sentence as evidence.
    The spans are the two mentions' (start, end); the linker fills in their entity ids."""

    paper_id: str
    relation: str
    source_span: tuple[int, int]
    target_span: tuple[int, int]
    sentence: str
    cue: str
    confidence: float = 0.7
    source_id: str | None = None
    target_id: str | None = None


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


_FIELDS: dict[type, tuple[frozenset[str], dict]] = {}  # record type → (every field, the defaults)


def _field_defaults(record_type: type) -> tuple[frozenset[str], dict]:
    """(every field, the defaults) of one of these records."""
    known = _FIELDS.get(record_type)
    if known is None:
        defaults, every = {}, set()
        for item in fields(record_type):
            every.add(item.name)
            if item.default is not MISSING:
                defaults[item.name] = item.default
            elif item.default_factory is not MISSING:
                raise TypeError(f"{record_type.__name__}.{item.name} has a default factory: construct it normally")
        known = _FIELDS[record_type] = (frozenset(every), defaults)
    return known


def construct(record_type: type[R], /, **values) -> R:
    """One of these frozen records, as `record_type(**values)` makes it but without the frozen `__init__` (which
    sets each field through `object.__setattr__`): ~3x faster where extraction makes every mention."""
    every, defaults = _field_defaults(record_type)
    merged = {**defaults, **values}
    if merged.keys() != every:  # a field missing (without a default) or unknown
        raise TypeError(f"{record_type.__name__}: missing {sorted(every - merged.keys())}, "
                        f"unknown {sorted(merged.keys() - every)}")
    record = object.__new__(record_type)
    object.__setattr__(record, "__dict__", merged)
    return record


def evolve(record: R, **changes) -> R:
    """A copy of one of these frozen records with some fields changed: `dataclasses.replace` without running
    `__init__` again (they have no `__post_init__`), ~5x faster where every mention is copied."""
    if not changes.keys() <= record.__dict__.keys():
        raise TypeError(f"{type(record).__name__} has no field {sorted(changes.keys() - record.__dict__.keys())}")
    copy = object.__new__(type(record))
    copy.__dict__.update(record.__dict__)
    copy.__dict__.update(changes)
    return copy
