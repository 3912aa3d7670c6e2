"""mentions.jsonl: one line per paper — id, title, its entities with type, relation, label and mentions, the results
it reports, and the entity-to-entity relations its sentences state."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from kg.export.atomic import atomic_write
from kg.linking import LinkedGraph


def paper_records(linked: LinkedGraph):
    relation_of = {(link.paper_id, link.entity_id): link.relation for link in linked.links}
    results, statements = defaultdict(list), defaultdict(list)
    for result in linked.results:
        results[result.paper_id].append({
            "metric": result.metric, "value": result.value, "unit": result.unit, "dataset": result.dataset_id,
            "method": result.method_id, "start": result.start, "end": result.end, "text": result.text})
    for relation in linked.entity_relations:
        statements[relation.paper_id].append({
            "source": relation.source_id, "relation": relation.relation, "target": relation.target_id,
            "cue": relation.cue, "confidence": relation.confidence})
    for paper in linked.papers:
        entities: dict[str, dict] = {}
        for entity_id, mention in linked.mentions_by_paper.get(paper.id, []):
            entity = linked.entities[entity_id]
            record = entities.setdefault(entity_id, {
                "id": entity_id, "label": entity.label, "type": entity.type,
                "relation": relation_of[(paper.id, entity_id)], "mentions": []})
            record["mentions"].append({
                "start": mention.start, "end": mention.end, "text": mention.text, "relation": mention.relation,
                "extractor": mention.extractor, "confidence": mention.confidence, "cue": mention.cue})
        yield {"id": paper.id, "title": paper.title, "url": paper.url, "date": paper.date,
               "sources": [str(s) for s in paper.sources], "entities": list(entities.values()),
               "results": results[paper.id], "entity_relations": statements[paper.id]}


def write_mentions(linked: LinkedGraph, out_dir: Path) -> Path:
    path = out_dir / "mentions.jsonl"
    with atomic_write(path) as handle:
        for record in paper_records(linked):
            handle.write(json.dumps(record, ensure_ascii=False, sort_keys=False) + "\n")
    return path
