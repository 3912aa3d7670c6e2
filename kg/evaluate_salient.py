"""Scoring against a salient-entity gold set: the scirex-dev format (its README), where each paper lists the
entities it is about and the leaderboard results its abstract states.

Salient entities are not every entity a paper names, so only recall is scored: per type group (datasets,
methods+architectures, tasks), a gold entity is found when an entity extracted from that paper, of a type in the
group, has a name (label, alias or surface in the paper) that matches one of the gold entity's names by the
set's convention: equal after lower-casing, dropping punctuation and a plural -s, or sharing most content words.
"Any type" counts a gold entity found whatever type it was given.

Results: a predicted result of the paper matches a gold one with the same value (one-to-one); "+ dataset" also needs
the result's dataset to match the gold dataset's name or a surface of the salient dataset it names. Precision counts
every predicted result; "precision where judged" only those the gold can judge: the matched ones and the unmatched
ones on a dataset the gold lists a result of that paper for (a result on another dataset may have no leaderboard).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from kg.builder import BuildResult, build_corpus
from kg.catalog import load_catalog
from kg.evaluate import GoldError, gold_corpus

TYPE_GROUPS = {"Material": ("datasets", ("dataset",)), "Method": ("methods+architectures", ("method", "architecture")),
               "Task": ("tasks", ("task",))}
_STOP_WORDS = frozenset("a an the of for and or in on with to by via from using based its their".split())


@dataclass(frozen=True)
class SalientEntity:
    name: str
    type: str  # Material, Method or Task
    surfaces: tuple[str, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.surfaces)


@dataclass(frozen=True)
class SalientResult:
    value: float
    metric: str
    dataset: str | None


@dataclass(frozen=True)
class SalientPaper:
    id: str
    title: str
    salient: tuple[SalientEntity, ...]
    results: tuple[SalientResult, ...]


@dataclass
class Recall:
    found: int = 0
    missed: int = 0

    @property
    def recall(self) -> float:
        total = self.found + self.missed
        return self.found / total if total else 0.0

    def as_dict(self) -> dict:
        return {"recall": round(self.recall, 4), "found": self.found, "missed": self.missed}


@dataclass
class SalientReport:
    papers: int
    by_group: dict[str, Recall]
    any_type: Recall
    held_out: dict[str, Recall] | None = None
    held_out_entries: int = 0
    results_tp: int = 0
    results_fp: int = 0
    results_fn: int = 0
    with_dataset_tp: int = 0
    judged_fp: int = 0  # unmatched results on a dataset the gold has a result for in that paper
    misses: list[tuple[str, str, str]] = field(default_factory=list)  # (paper id, group or "result", name)
    spurious_results: list[tuple[str, str]] = field(default_factory=list)  # (paper id, result text)

    @property
    def results_precision(self) -> float:
        return self.results_tp / (self.results_tp + self.results_fp) if self.results_tp + self.results_fp else 0.0

    @property
    def results_recall(self) -> float:
        return self.results_tp / (self.results_tp + self.results_fn) if self.results_tp + self.results_fn else 0.0

    @property
    def judged_precision(self) -> float:
        """Precision over the results the gold can judge: matched ones, and unmatched ones on a dataset for which the
        gold lists a result of that paper (a result on another dataset may simply have no leaderboard)."""
        judged = self.results_tp + self.judged_fp
        return self.results_tp / judged if judged else 0.0

    @property
    def with_dataset_recall(self) -> float:
        total = self.results_tp + self.results_fn
        return self.with_dataset_tp / total if total else 0.0

    def as_dict(self, with_errors: bool = False) -> dict:
        data = {"papers": self.papers, "salient_recall": {k: v.as_dict() for k, v in self.by_group.items()},
                "salient_recall_any_type": self.any_type.as_dict(),
                "results": {"precision": round(self.results_precision, 4),
                            "precision_where_judged": round(self.judged_precision, 4),
                            "recall": round(self.results_recall, 4),
                            "recall_with_dataset": round(self.with_dataset_recall, 4), "tp": self.results_tp,
                            "fp": self.results_fp, "fn": self.results_fn}}
        if self.held_out is not None:
            data["held_out_catalog"] = {"entries_removed": self.held_out_entries,
                                        "salient_recall": {k: v.as_dict() for k, v in self.held_out.items()}}
        if with_errors:
            data["missed"] = [list(m) for m in self.misses]
            data["spurious_results"] = [list(s) for s in self.spurious_results]
        return data


def is_salient_gold(path: str | Path) -> bool:
    """Whether a gold file is in the salient-entity format (its first record has `salient`)."""
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                try:
                    return "salient" in json.loads(line)
                except ValueError:
                    return False
    return False


def load_salient_gold(path: str | Path) -> list[SalientPaper]:
    papers = []
    for number, line in enumerate(Path(path).read_text("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            salient = tuple(SalientEntity(e["name"].replace("_", " "), e["type"], tuple(e.get("surface", ())))
                            for e in record["salient"])
            results = tuple(SalientResult(float(r["value"]), r["metric"],
                                          r.get("dataset").replace("_", " ") if r.get("dataset") else None)
                            for r in record.get("results", ()))
            papers.append(SalientPaper(record["id"], record.get("title", ""), salient, results))
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise GoldError(f"{path}:{number}: not a salient-entity gold record ({error})") from None
    return papers


def name_words(name: str) -> tuple[str, ...]:
    """Lower-cased words without punctuation, each without a plural -s."""
    words = re.sub(r"[^\w]+", " ", name.casefold()).split()
    return tuple(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in words)


def same_name(first: str, second: str) -> bool:
    a, b = name_words(first), name_words(second)
    if not a or not b:
        return False
    if a == b or "".join(a) == "".join(b):
        return True
    content_a, content_b = set(a) - _STOP_WORDS, set(b) - _STOP_WORDS
    if not content_a or not content_b:
        return False
    shared = len(content_a & content_b)
    return 2 * shared > max(len(content_a), len(content_b))


def _matches(names: set[str], gold_names: tuple[str, ...]) -> bool:
    return any(same_name(n, g) for n in names for g in gold_names)


def score_salient(gold: list[SalientPaper], result: BuildResult) -> SalientReport:
    linked = result.linked
    entity_names: dict[str, list[tuple[str, set[str]]]] = {}  # paper → (type, names) per linked entity
    for link in linked.links:
        entity = linked.entities[link.entity_id]
        names = {entity.label, *entity.aliases, *(m.text for m in link.mentions)}
        entity_names.setdefault(link.paper_id, []).append((entity.type, names))
    results_by_paper: dict[str, list] = {}
    for found in linked.results:
        results_by_paper.setdefault(found.paper_id, []).append(found)

    report = SalientReport(len(gold), {group: Recall() for group, _ in TYPE_GROUPS.values()}, Recall())
    for paper in gold:
        extracted = entity_names.get(paper.id, [])
        for entity in paper.salient:
            group, types = TYPE_GROUPS[entity.type]
            typed = any(kind in types and _matches(names, entity.names) for kind, names in extracted)
            anywhere = typed or any(_matches(names, entity.names) for _, names in extracted)
            report.by_group[group].found += typed
            report.by_group[group].missed += not typed
            report.any_type.found += anywhere
            report.any_type.missed += not anywhere
            if not typed:
                report.misses.append((paper.id, group, entity.name))
        _score_results(paper, results_by_paper.get(paper.id, []), linked, report)
    return report


def _score_results(paper: SalientPaper, predicted: list, linked, report: SalientReport) -> None:
    own = [r for r in predicted if getattr(r, "own", True)]
    used: set[int] = set()
    for gold in paper.results:
        hit = next((i for i, r in enumerate(own) if i not in used and abs(float(r.value) - gold.value) < 1e-9), None)
        if hit is None:
            report.results_fn += 1
            report.misses.append((paper.id, "result", f"{gold.metric} {gold.value:g} on {gold.dataset}"))
            continue
        used.add(hit)
        report.results_tp += 1
        result = own[hit]
        names = set()
        if result.dataset_id and result.dataset_id in linked.entities:
            entity = linked.entities[result.dataset_id]
            names = {entity.label, *entity.aliases}
        gold_names = [gold.dataset] if gold.dataset else []
        gold_names += [s for e in paper.salient if e.type == "Material" and gold.dataset
                       and same_name(e.name, gold.dataset) for s in e.names]
        if gold.dataset and _matches(names, tuple(gold_names)):
            report.with_dataset_tp += 1
    gold_datasets = tuple(name for gold in paper.results if gold.dataset
                          for name in (gold.dataset, *(s for e in paper.salient if e.type == "Material"
                                                       and same_name(e.name, gold.dataset) for s in e.names)))
    for i, result in enumerate(own):
        if i not in used:
            report.results_fp += 1
            report.spurious_results.append((paper.id, f"{result.metric} {result.value}{result.unit}: {result.text!r}"))
            if result.dataset_id in linked.entities and _matches(
                    {linked.entities[result.dataset_id].label, *linked.entities[result.dataset_id].aliases},
                    gold_datasets):
                report.judged_fp += 1


def catalog_entries_naming(gold: list[SalientPaper]) -> set[str]:
    """Every catalog entry a salient name or surface would find: what --hold-out-catalog removes."""
    catalog = load_catalog()
    return {entry.id for paper in gold for entity in paper.salient for name in entity.names
            if (entry := catalog.lookup(name)) is not None}


def evaluate_salient(gold_path: str | Path, inputs=None, hold_out_catalog: bool = False) -> SalientReport:
    """Build the gold papers (by default from `papers.jsonl` beside the gold file) and score them."""
    gold = load_salient_gold(gold_path)
    inputs = list(inputs or [Path(gold_path).with_name("papers.jsonl")])
    report = score_salient(gold, build_corpus(gold_corpus([g.id for g in gold], inputs)))
    if hold_out_catalog:
        removed = catalog_entries_naming(gold)
        held = score_salient(gold, build_corpus(gold_corpus([g.id for g in gold], inputs),
                                                exclude_catalog_ids=removed))
        report.held_out, report.held_out_entries = held.by_group, len(removed)
    return report
