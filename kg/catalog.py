"""The curated entity catalog: `ontology/catalog/*.tsv` → CatalogEntry objects and name look-ups.

One TSV file per entity type (methods, datasets, architectures, tasks) with columns label, aliases,
broader, variant_of, generic. Identifiers are slugs of labels; broader and variant_of name other labels.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from kg.names import normalise_name, slugify

# "ResNet-50", "ResNet50", "YOLOv8", "ViT-B/16", "Swin-T", "ControlNet-XS": digits may be glued to the family
# name, letter sizes need a hyphen or space ("ViLD" is not a size of "Vi").
_VARIANT = re.compile(
    r"^(?P<family>.*?[A-Za-z].*?)(?:[-\s]?(?P<number>v?\d+(?:\.\d+)?[A-Za-z]{0,2}(?:/\d+)?)|"
    r"[-\s](?P<size>[A-Z]{1,2}(?:/\d+)?|XS|XL|XXL|Tiny|Small|Base|Large|Huge|Giant|Lite|Plus|Pro|Mini|Nano|Micro))$")

CATALOG_FILES = {"methods.tsv": "method", "datasets.tsv": "dataset",
                 "architectures.tsv": "architecture", "tasks.tsv": "task"}


class CatalogError(Exception):
    pass


@dataclass(frozen=True)
class CatalogEntry:
    id: str
    label: str
    type: str
    aliases: tuple[str, ...]
    broader: str | None  # id
    variant_of: str | None  # id
    generic: bool  # an umbrella concept: kept in the hierarchy, never tagged as a mention
    source: str  # "file:line"

    @property
    def names(self) -> tuple[str, ...]:
        return (self.label, *self.aliases)


@dataclass(frozen=True)
class _Row:
    label: str
    aliases: tuple[str, ...]
    broader: str
    variant_of: str
    generic: bool
    type: str
    source: str


def default_catalog_dir() -> Path:
    return Path(str(resources.files("ontology").joinpath("catalog")))


def _read_rows(folder: Path) -> Iterator[_Row]:
    for filename, entity_type in CATALOG_FILES.items():
        path = folder / filename
        with path.open(encoding="utf-8", newline="") as handle:
            lines = (line for line in handle if not line.startswith("#"))
            for number, row in enumerate(csv.DictReader(lines, delimiter="\t"), start=2):
                label = (row.get("label") or "").strip()
                if not label:
                    continue
                aliases = tuple(a.strip() for a in (row.get("aliases") or "").split(";") if a.strip())
                yield _Row(label, aliases, (row.get("broader") or "").strip(), (row.get("variant_of") or "").strip(),
                           (row.get("generic") or "").strip().lower() == "yes", entity_type, f"{filename}:{number}")


class Catalog:
    """Entries by id, and an index from every normalised name to the entry that owns it."""

    def __init__(self, entries: Iterable[CatalogEntry]):
        self.entries: dict[str, CatalogEntry] = {}
        self._by_name: dict[str, str] = {}
        self.conflicts: list[tuple[str, str, str]] = []  # (normalised name, first id, second id)
        for entry in entries:
            if entry.id in self.entries:
                raise CatalogError(f"{entry.source}: duplicate label {entry.label!r}")
            self.entries[entry.id] = entry
            for name in entry.names:
                key = normalise_name(name)
                owner = self._by_name.setdefault(key, entry.id)
                if owner != entry.id:
                    self.conflicts.append((key, owner, entry.id))

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, entry_id: str) -> bool:
        return entry_id in self.entries

    def lookup(self, name: str) -> CatalogEntry | None:
        entry_id = self._by_name.get(normalise_name(name))
        return self.entries[entry_id] if entry_id else None

    def lookup_key(self, key: str) -> CatalogEntry | None:
        entry_id = self._by_name.get(key)
        return self.entries[entry_id] if entry_id else None

    def variant_family(self, name: str) -> CatalogEntry | None:
        """The catalog family a sized or versioned name belongs to ("ResNet-50" → ResNet), if any."""
        match = _VARIANT.match(name.strip())
        if not match:
            return None
        family = self.lookup(match.group("family"))
        return family if family is not None and not family.generic and family.type != "task" else None

    def without(self, entry_ids: Iterable[str]) -> Catalog:
        """A copy without some entries (references to them are dropped): for held-out evaluation."""
        drop = set(entry_ids)
        kept = []
        for entry in self.entries.values():
            if entry.id in drop:
                continue
            kept.append(CatalogEntry(
                entry.id, entry.label, entry.type, entry.aliases,
                entry.broader if entry.broader not in drop else None,
                entry.variant_of if entry.variant_of not in drop else None,
                entry.generic, entry.source))
        return Catalog(kept)


def load_catalog(folder: Path | None = None) -> Catalog:
    rows = list(_read_rows(folder or default_catalog_dir()))
    ids = {slugify(row.label) for row in rows}

    def reference(row: _Row, label: str, column: str) -> str | None:
        if not label:
            return None
        target = slugify(label)
        if target not in ids:
            raise CatalogError(f"{row.source}: {column} {label!r} is not a label in the catalog")
        return target

    return Catalog(
        CatalogEntry(slugify(row.label), row.label, row.type, row.aliases,
                     reference(row, row.broader, "broader"), reference(row, row.variant_of, "variant_of"),
                     row.generic, row.source)
        for row in rows
    )
