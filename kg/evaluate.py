"""`kg evaluate`: extraction quality against a hand-annotated gold set (format and rules: docs/annotation.md).

Paper level: per paper and type, predicted entities against gold entities; a prediction matches a gold entity when
any of its names (label, aliases, surface forms in that paper) normalises to a gold name or alias; one-to-one.
Mention level: gold spans are the whole-word occurrences of gold names in the paper text; exact = same span and
type, overlap = shared characters and same type; one-to-one. Proposes: predicted `proposes` links against gold
entities marked proposed. Results: a predicted result matches a gold one of the same paper with the same metric
and value (one-to-one); "with dataset" also needs the dataset to agree (both absent, or a name of the predicted dataset
entity or its surface form normalising to a name of the gold dataset entity); method agreement is reported over matched results whose gold
names a method. Scores are micro-averaged (summed counts) over papers, and over types for "all".
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from kg.builder import BuildResult, build_corpus
from kg.catalog import load_catalog
from kg.corpus import Corpus, read_corpus
from kg.model import ENTITY_TYPES
from kg.names import normalise_name


@dataclass(frozen=True)
class GoldEntity:
    name: str
    type: str
    aliases: tuple[str, ...] = ()
    proposed: bool = False

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    @property
    def keys(self) -> set[str]:
        return {normalise_name(n) for n in self.names}


@dataclass(frozen=True)
class GoldResult:
    metric: str
    value: str
    unit: str = ""
    dataset: str | None = None
    method: str | None = None


@dataclass(frozen=True)
class GoldPaper:
    id: str
    title: str
    entities: tuple[GoldEntity, ...]
    results: tuple[GoldResult, ...] = ()


@dataclass
class Scores:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: Scores) -> None:
        self.tp, self.fp, self.fn = self.tp + other.tp, self.fp + other.fp, self.fn + other.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict:
        return {"precision": round(self.precision, 4), "recall": round(self.recall, 4), "f1": round(self.f1, 4),
                "tp": self.tp, "fp": self.fp, "fn": self.fn}


@dataclass
class PaperErrors:
    id: str
    title: str
    false_positives: list[tuple[str, str]] = field(default_factory=list)  # (type, label)
    false_negatives: list[tuple[str, str]] = field(default_factory=list)  # (type, gold name)


@dataclass
class Report:
    papers: int
    paper_level: dict[str, Scores]
    mention_exact: dict[str, Scores]
    mention_overlap: dict[str, Scores]
    proposes: Scores
    errors: list[PaperErrors]
    results: Scores = field(default_factory=Scores)
    results_with_dataset: Scores = field(default_factory=Scores)
    result_methods: Scores = field(default_factory=Scores)  # tp: method agrees; fn: wrong or missing
    held_out: dict[str, Scores] | None = None
    held_out_entries: int = 0

    def as_dict(self, with_errors: bool = False) -> dict:
        data = {
            "papers": self.papers,
            "paper_level": {k: v.as_dict() for k, v in self.paper_level.items()},
            "mention_level": {"exact": {k: v.as_dict() for k, v in self.mention_exact.items()},
                              "overlap": {k: v.as_dict() for k, v in self.mention_overlap.items()}},
            "proposes": self.proposes.as_dict(),
            "results": {"metric_value": self.results.as_dict(), "with_dataset": self.results_with_dataset.as_dict(),
                        "method_agreement": round(self.result_methods.recall, 4)},
        }
        if self.held_out is not None:
            data["held_out_catalog"] = {"entries_removed": self.held_out_entries,
                                        "paper_level": {k: v.as_dict() for k, v in self.held_out.items()}}
        if with_errors:
            data["errors"] = [{"id": e.id, "title": e.title, "false_positives": e.false_positives,
                               "false_negatives": e.false_negatives} for e in self.errors]
        return data


class GoldError(ValueError):
    pass


def load_gold(path: str | Path) -> list[GoldPaper]:
    papers = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            entities = tuple(GoldEntity(e["name"], e["type"], tuple(e.get("aliases", ())), bool(e.get("proposed")))
                             for e in record["entities"])
            results = tuple(GoldResult(r["metric"], str(r["value"]), r.get("unit", ""), r.get("dataset"),
                                       r.get("method")) for r in record.get("results", ()))
            papers.append(GoldPaper(record["id"], record.get("title", ""), entities, results))
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise GoldError(f"{path}:{number}: not a gold record ({error})") from None
        bad = [e.type for e in entities if e.type not in ENTITY_TYPES]
        if bad:
            raise GoldError(f"{path}:{number}: unknown entity type {bad[0]!r}")
    return papers


def gold_corpus(ids: list[str], inputs: Iterable[str | Path] | None) -> Corpus:
    """The papers of the gold set, in its order, read from the inputs (GoldError names one that is missing)."""
    corpus = read_corpus(inputs)
    by_id = {paper.id: paper for paper in corpus.papers}
    missing = [i for i in ids if i not in by_id]
    if missing:
        raise GoldError(f"{len(missing)} gold papers are not in the input, e.g. {missing[0]!r}")
    corpus.papers = [by_id[i] for i in ids]
    return corpus


def _gold_corpus(gold: list[GoldPaper], inputs: Iterable[str | Path] | None) -> Corpus:
    return gold_corpus([g.id for g in gold], inputs)


def _match(gold: list[GoldEntity], predicted: list[tuple[str, set[str]]]) -> tuple[int, list[int], list[int]]:
    """One-to-one matching; returns (matches, unmatched gold indices, unmatched predicted indices)."""
    used: set[int] = set()
    unmatched_gold = []
    for g_index, entity in enumerate(gold):
        keys = entity.keys
        hit = next((i for i, (_, names) in enumerate(predicted) if i not in used and names & keys), None)
        if hit is None:
            unmatched_gold.append(g_index)
        else:
            used.add(hit)
    return len(used), unmatched_gold, [i for i in range(len(predicted)) if i not in used]


def _gold_spans(text: str, entities: Iterable[GoldEntity]) -> list[tuple[int, int, str]]:
    spans = []
    for entity in entities:
        for name in sorted(set(entity.names), key=len, reverse=True):
            for hit in re.finditer(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text, re.IGNORECASE):
                spans.append((hit.start(), hit.end(), entity.type))
    kept: list[tuple[int, int, str]] = []
    for span in sorted(spans, key=lambda s: (-(s[1] - s[0]), s[0])):
        if all(span[1] <= k[0] or span[0] >= k[1] for k in kept):
            kept.append(span)
    return sorted(kept)


def _span_scores(gold_spans, predicted_spans, exact: bool) -> dict[str, Scores]:
    scores = {t: Scores() for t in ENTITY_TYPES}
    used: set[int] = set()
    for g_start, g_end, g_type in gold_spans:
        hit = next((i for i, (s, e, t) in enumerate(predicted_spans) if i not in used and t == g_type and
                    ((s, e) == (g_start, g_end) if exact else s < g_end and g_start < e)), None)
        if hit is None:
            scores[g_type].fn += 1
        else:
            used.add(hit)
            scores[g_type].tp += 1
    for i, (_, _, p_type) in enumerate(predicted_spans):
        if i not in used:
            scores[p_type].fp += 1
    return scores


def _with_all(scores: dict[str, Scores]) -> dict[str, Scores]:
    total = Scores()
    for s in scores.values():
        total.add(s)
    return {**scores, "all": total}


def _names(linked, entity_id: str | None, text: str, span) -> set[str]:
    names = {normalise_name(text[span[0]:span[1]])} if span else set()
    if entity_id and entity_id in linked.entities:
        entity = linked.entities[entity_id]
        names |= {normalise_name(n) for n in (entity.label, *entity.aliases)}
    return names


def _score_results(gold: GoldPaper, predicted, linked, text: str, report: Report, errs: PaperErrors) -> None:
    used: set[int] = set()

    def dataset_keys(name: str) -> set[str]:  # the gold entity the dataset names, with all its aliases
        key = normalise_name(name)
        return next((e.keys for e in gold.entities if e.type == "dataset" and key in e.keys), {key})

    for g in gold.results:
        hit = next((i for i, r in enumerate(predicted) if i not in used and r.metric.lower() == g.metric.lower()
                    and float(r.value) == float(g.value)), None)
        if hit is None:
            report.results.fn += 1
            report.results_with_dataset.fn += 1
            errs.false_negatives.append(("result", f"{g.metric} {g.value}{g.unit} on {g.dataset}"))
            continue
        used.add(hit)
        report.results.tp += 1
        r = predicted[hit]
        dataset_names = _names(linked, r.dataset_id, text, r.dataset_span)
        if (g.dataset is None and not dataset_names) or (g.dataset and dataset_keys(g.dataset) & dataset_names):
            report.results_with_dataset.tp += 1
        else:
            report.results_with_dataset.fn += 1
            report.results_with_dataset.fp += 1
            errs.false_positives.append(("result", f"{r.metric} {r.value}: dataset {sorted(dataset_names)}"
                                                   f" (gold {g.dataset})"))
        if g.method:
            if normalise_name(g.method) in _names(linked, r.method_id, text, r.method_span):
                report.result_methods.tp += 1
            else:
                report.result_methods.fn += 1
    for i, r in enumerate(predicted):
        if i not in used:
            report.results.fp += 1
            report.results_with_dataset.fp += 1
            errs.false_positives.append(("result", f"{r.metric} {r.value}{r.unit}: {r.text!r}"))


def score(gold: list[GoldPaper], result: BuildResult) -> Report:
    linked = result.linked
    texts = {p.id: p.text for p in linked.papers}
    links_by_paper = defaultdict(list)
    for link in linked.links:
        links_by_paper[link.paper_id].append(link)
    paper_level = {t: Scores() for t in ENTITY_TYPES}
    exact = {t: Scores() for t in ENTITY_TYPES}
    overlap = {t: Scores() for t in ENTITY_TYPES}
    proposes = Scores()
    errors = []
    results_by_paper = defaultdict(list)
    for found in linked.results:
        results_by_paper[found.paper_id].append(found)
    report = Report(len(gold), {}, {}, {}, Scores(), errors)
    for paper in gold:
        errs = PaperErrors(paper.id, paper.title)
        paper_links = [(link, linked.entities[link.entity_id]) for link in links_by_paper[paper.id]]
        names_of = {link.entity_id: {normalise_name(n) for n in (entity.label, *entity.aliases,
                                                                  *(m.text for m in link.mentions))}
                    for link, entity in paper_links}
        for entity_type in ENTITY_TYPES:
            gold_entities = [e for e in paper.entities if e.type == entity_type]
            predicted = [(entity.label, names_of[link.entity_id]) for link, entity in paper_links
                         if entity.type == entity_type]
            matched, missed, extra = _match(gold_entities, predicted)
            paper_level[entity_type].add(Scores(matched, len(extra), len(missed)))
            errs.false_negatives += [(entity_type, gold_entities[i].name) for i in missed]
            errs.false_positives += [(entity_type, predicted[i][0]) for i in extra]
        errors.append(errs)
        predicted_spans = sorted((m.start, m.end, m.type) for _, m in linked.mentions_by_paper.get(paper.id, []))
        spans = _gold_spans(texts[paper.id], paper.entities)
        for target, is_exact in ((exact, True), (overlap, False)):
            for t, s in _span_scores(spans, predicted_spans, is_exact).items():
                target[t].add(s)
        proposed_gold = [e for e in paper.entities if e.proposed]
        proposed_predicted = [(entity.label, names_of[link.entity_id]) for link, entity in paper_links
                              if link.relation == "proposes"]
        matched, missed, extra = _match(proposed_gold, proposed_predicted)
        proposes.add(Scores(matched, len(extra), len(missed)))
        errs.false_negatives += [("proposes", proposed_gold[i].name) for i in missed]
        errs.false_positives += [("proposes", proposed_predicted[i][0]) for i in extra]
        _score_results(paper, results_by_paper[paper.id], linked, texts[paper.id], report, errs)
    report.paper_level, report.mention_exact = _with_all(paper_level), _with_all(exact)
    report.mention_overlap, report.proposes = _with_all(overlap), proposes
    return report


def catalog_entries_matching(gold: list[GoldPaper]) -> set[str]:
    """Every catalog entry that a gold name or alias would find: what --hold-out-catalog removes."""
    catalog = load_catalog()
    found = set()
    for paper in gold:
        for entity in paper.entities:
            for name in entity.names:
                entry = catalog.lookup(name)
                if entry is not None:
                    found.add(entry.id)
    return found


def evaluate(gold_path: str | Path, inputs: Iterable[str | Path] | None = None,
             hold_out_catalog: bool = False) -> Report:
    gold = load_gold(gold_path)
    corpus = _gold_corpus(gold, inputs)
    report = score(gold, build_corpus(corpus))
    if hold_out_catalog:
        removed = catalog_entries_matching(gold)
        held = score(gold, build_corpus(_gold_corpus(gold, inputs), exclude_catalog_ids=removed))
        report.held_out, report.held_out_entries = held.paper_level, len(removed)
    return report
