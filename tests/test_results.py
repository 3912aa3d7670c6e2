"""Reported results and entity-to-entity relations: extraction on sentences written for these tests, linking,
and their place in the graph, RDF and mentions.jsonl."""

from __future__ import annotations

import json

import pyoxigraph
import pytest

from kg.catalog import load_catalog
from kg.evaluate import evaluate
from kg.extraction import extract
from kg.linking import link
from kg.model import Paper


def linked_from(nlp, *abstracts: str, title: str = "A study"):
    papers = [Paper(id=f"p{i}", title=title, abstract=a) for i, a in enumerate(abstracts)]
    return link(extract(papers, nlp), load_catalog())


def rows(linked, own: bool | None = None):
    """(metric, value, unit, dataset, method) of each result; only the paper's own or only baselines' if asked."""
    label = {e.id: e.label for e in linked.entities.values()}
    return [(r.metric, r.value, r.unit, label.get(r.dataset_id), label.get(r.method_id)) for r in linked.results
            if own is None or r.own == own]


@pytest.mark.parametrize("abstract, expected", [
    ("Our model reaches a mean intersection-over-union score of 71.8% on Cityscapes.",
     [("mIoU", "71.8", "%", "Cityscapes", None)]),
    ("ConvNeXt obtains 87.8% ImageNet top-1 accuracy.",
     [("top-1 accuracy", "87.8", "%", "ImageNet", "ConvNeXt")]),
    ("On WMT14, the Transformer reaches a BLEU score of 29.3, 2.1 points better than prior work, with 120M parameters.",
     [("BLEU", "29.3", "", "WMT", "Transformer")]),
    ("It restores images with a PSNR of 32.50 dB on Set5.", [("PSNR", "32.5", "dB", "Set5", None)]),
    ("We achieve an FID of 2.97 on ImageNet 128x128, 4.59 on ImageNet 256x256 and 7.72 on ImageNet 512x512.",
     [("FID", "2.97", "", "ImageNet", None), ("FID", "4.59", "", "ImageNet", None),
      ("FID", "7.72", "", "ImageNet", None)]),
    ("Our sampler scores 3.1 FID on ImageNet, ahead of VQGAN (15.8 FID).",
     [("FID", "3.1", "", "ImageNet", None), ("FID", "15.8", "", "ImageNet", "VQGAN")]),
    ("ResNet-50 reaches 76.1% top-1 accuracy and 92.9% top-5 accuracy on ImageNet.",
     [("top-1 accuracy", "76.1", "%", "ImageNet", "ResNet-50"), ("top-5 accuracy", "92.9", "%", "ImageNet", "ResNet-50")]),
])
def test_results_are_read_like_leaderboard_rows(nlp, abstract, expected):
    assert rows(linked_from(nlp, abstract)) == expected


@pytest.mark.parametrize("abstract", [
    "Training with 8 GPUs for 300 epochs on 256x256 images, published in 2021.",
    "Our method improves accuracy by 3.1% and is 2.5x faster, using 5.7M parameters.",
    "The accuracy drops of 11% to 14% on ImageNetV2 are studied.",
    "We set the guidance scale to 1.5 and use NFE=2 steps on ImageNet.",
])
def test_differences_costs_and_settings_are_not_results(nlp, abstract):
    assert linked_from(nlp, abstract).results == []


def test_the_own_model_gets_results_reported_with_we(nlp):
    linked = linked_from(nlp, "We propose GlimmerNet, a convolutional backbone. It achieves 81.2% top-1 accuracy on "
                              "ImageNet and we reach 45.1 AP on COCO.", title="GlimmerNet: a backbone")
    assert rows(linked) == [("top-1 accuracy", "81.2", "%", "ImageNet", "GlimmerNet"),
                            ("AP", "45.1", "", "MS COCO", "GlimmerNet")]


def test_entity_relations_come_from_sentence_cues(nlp):
    linked = linked_from(nlp, "We apply Mask R-CNN to instance segmentation. ResNet-50 achieves 76.1% top-1 accuracy "
                              "on ImageNet. We train U-Net and separately mention image captioning.")
    entities = linked.entities
    found = {(entities[r.source_id].label, r.relation, entities[r.target_id].label, r.cue)
             for r in linked.entity_relations}
    assert ("Mask R-CNN", "applied_to", "instance segmentation", "Mask R-CNN to instance segmentation") in found
    assert ("ResNet-50", "evaluated_on", "ImageNet", "result: 76.1% top-1 accuracy") in found
    assert not any(source == "U-Net" for source, *_ in found)
    for relation in linked.entity_relations:
        assert relation.sentence in linked.papers[0].text


def test_results_and_entity_relations_reach_rdf_and_mentions_jsonl(seeds_exports):
    built, out = seeds_exports
    linked = built.linked
    assert len(linked.results) > 50 and len(linked.entity_relations) > 50
    store = pyoxigraph.Store()
    store.bulk_load(path=str(out / "graph.ttl"), format=pyoxigraph.RdfFormat.TURTLE)
    prefix = "PREFIX kg: <https://w3id.org/paperkg/ontology#> "
    count = next(iter(store.query(prefix + "SELECT (COUNT(?r) AS ?n) WHERE { ?r a kg:Result }")))["n"].value
    assert int(count) == len(linked.results)
    baselines = next(iter(store.query(prefix + "SELECT (COUNT(?r) AS ?n) WHERE { ?r kg:ownResult false }")))["n"]
    assert 0 < int(baselines.value) == sum(not r.own for r in linked.results) < len(linked.results)
    statements = store.query(prefix + "SELECT ?s ?m WHERE { ?s a kg:Statement ; kg:subjectMention ?m . "
                                      "FILTER NOT EXISTS { ?m a kg:Mention } }")
    assert list(statements) == []  # every statement points at a real mention
    text = {p.id: p.text for p in linked.papers}
    records = [json.loads(line) for line in (out / "mentions.jsonl").read_text().splitlines()]
    written = [(r["id"], x["metric"], x["value"], x["own"]) for r in records for x in r["results"]]
    assert sorted(written) == sorted((r.paper_id, r.metric, r.value, r.own) for r in linked.results)
    for record in records:
        for result in record["results"]:
            assert text[record["id"]][result["start"]:result["end"]] == result["text"]
            assert result["dataset"] is None or linked.entities[result["dataset"]].type == "dataset"


def test_development_set_results_meet_the_targets():
    report = evaluate("tests/gold/dev.jsonl")
    assert report.results.tp + report.results.fn >= 40  # gold results annotated
    assert report.results.precision >= 0.9 and report.results.recall >= 0.8
    assert report.results_with_dataset.precision >= 0.85


def test_extraction_stamps_each_record_with_its_paper_and_a_bare_string_with_none(nlp):
    """`extract` tells the pipeline which paper a doc is: the mentions, results and entity relations are made with
    its id (none is left empty, whatever paper came before); a doc made from a bare string has records with ""."""
    texts = ["VAR achieves 3.3 FID on ImageNet, and we apply ResNet-50 to image classification.",
             "We propose BossNet-T, which reaches 82.5% top-1 accuracy on ImageNet for image classification."]
    papers = [Paper(id=f"paper-{i}", title=f"Title {i}", abstract=text) for i, text in enumerate(texts)]
    extracted = list(extract(papers, nlp))
    for paper, item in zip(papers, extracted, strict=True):
        records = [*item.mentions, *item.results, *item.relations]
        assert item.mentions and item.results and records
        assert {record.paper_id for record in records} == {paper.id}
    doc = nlp(texts[1])
    records = [*doc._.kg_mentions, *doc._.kg_results, *doc._.kg_entity_relations]
    assert records and {record.paper_id for record in records} == {""}


# ---------------------------------------------------------------- results across the field (sentences written here)

@pytest.mark.parametrize("abstract, expected", [
    ("The model reaches 1.21 bits per character on enwik8.", [("bits per character", "1.21", "")]),
    ("It achieves test perplexities of 55.3 and 61.0 on Penn Treebank and WikiText-2, respectively.",
     [("perplexity", "55.3", ""), ("perplexity", "61", "")]),
    ("Fine-tuning improves BLEU from 27.3 to 28.4 on the WMT 2014 English-German task.", [("BLEU", "28.4", "")]),
    ("Our network obtains a mean IOU of 78.1% on Cityscapes.", [("mIoU", "78.1", "%")]),
    ("The detector reaches an AP of 41.2 on COCO test-dev, with an AP50 of 60.3.",
     [("AP", "41.2", ""), ("AP50", "60.3", "")]),
    ("The tracker reaches 91.2% joint goal accuracy on MultiWOZ.", [("joint goal accuracy", "91.2", "%")]),
    ("The agent obtains an average score of 3,100 on Pitfall.", [("game score", "3100", "")]),
    ("The recogniser has a word error rate of 4.1% on the test set.", [("WER", "4.1", "%")]),
    ("The system reaches 82.3% rank-1 accuracy and 60.1% mAP on Market-1501.",
     [("rank-1 accuracy", "82.3", "%"), ("mAP", "60.1", "%")]),
    ("Summaries score 41.2 ROUGE-1, 18.7 ROUGE-2 and 38.1 ROUGE-L.",
     [("ROUGE-1", "41.2", ""), ("ROUGE-2", "18.7", ""), ("ROUGE-L", "38.1", "")]),
    ("Synthesised speech reaches a mean opinion score of 4.21 and an EER of 2.3%.",
     [("MOS", "4.21", ""), ("EER", "2.3", "%")]),
    ("Our parser gets 93.1 LAS and 95.0 UAS; the translation model gets 58.2 chrF.",
     [("LAS", "93.1", ""), ("UAS", "95", ""), ("chrF", "58.2", "")]),
    ("The agent reaches a median human-normalized score of 230% across 57 games.",
     [("human-normalized score", "230", "%")]),
])
def test_results_across_fields(nlp, abstract, expected):
    assert [(metric, value, unit) for metric, value, unit, _, _ in rows(linked_from(nlp, abstract), own=True)] == \
        expected


def test_datasets_pair_with_values_respectively(nlp):
    linked = linked_from(nlp, "It achieves perplexities of 55.3 and 61.0 on Penn Treebank and WikiText-2, "
                              "respectively.")
    assert [(value, dataset) for _, value, _, dataset, _ in rows(linked)] == [
        ("55.3", "Penn Treebank"), ("61", "WikiText-2")]


@pytest.mark.parametrize("abstract", [
    "The model is 2.5 F1 absolute higher than the previous state of the art.",
    "It improves over the best ensembles by over 2 BLEU.",
    "Our method gains by up to 1.1 and 1.3 BLEU, respectively.",
    "The adversary gives a 2.3% mAP boost on VOC07.",
    "The new system scores 43.1, against 42.1 vs. 40.3 for the others; it is versus 39.0 BLEU.",
])
def test_differences_across_fields_are_not_results(nlp, abstract):
    assert not [r for r in linked_from(nlp, abstract).results if r.value in ("2.5", "2", "1.1", "1.3", "2.3",
                                                                             "40.3", "39")]


def test_a_list_of_improvements_from_baselines_keeps_new_values_as_own_and_old_as_baselines(nlp):
    linked = linked_from(nlp, "We improve perplexity from 1.06 to 0.99 on enwik8, from 1.13 to 1.08 on text8 and from "
                              "20.5 to 18.3 on WikiText-103. Rank-1 accuracy is improved from 55.3% to 80.5% for "
                              "CaffeNet, and from 73.8% to 82.3% for ResNet-50. We get 22.5 BLEU, 5.5 points more "
                              "than before.")
    assert [(metric, value) for metric, value, _, _, _ in rows(linked, own=True)] == [
        ("perplexity", "0.99"), ("perplexity", "1.08"), ("perplexity", "18.3"), ("rank-1 accuracy", "80.5"),
        ("rank-1 accuracy", "82.3"), ("BLEU", "22.5")]
    assert [(metric, value, dataset) for metric, value, _, dataset, _ in rows(linked, own=False)] == [
        ("perplexity", "1.06", "enwik8"), ("perplexity", "1.13", "text8"), ("perplexity", "20.5", "WikiText-103"),
        ("rank-1 accuracy", "55.3", None), ("rank-1 accuracy", "73.8", None)]


@pytest.mark.parametrize("abstract, own, baselines", [
    ("Our FlowGen reaches 2.1 FID on ImageNet, outperforming DiT (2.27 FID).", ["2.1"], ["2.27"]),
    ("Compared to the previous best of 41.2 AP, we obtain 43.5 AP on COCO.", ["43.5"], ["41.2"]),
    ("Professional transcribers reach a WER of 5.9%, while our system reaches a WER of 5.8%.", ["5.8"], ["5.9"]),
    ("Our model gets 81.2% top-1 accuracy vs. 79.0% on ImageNet.", ["81.2"], ["79"]),
    ("We raise accuracy on SST-2 from 91.3% to 93.0%.", ["93"], ["91.3"]),
])
def test_a_result_quoted_for_comparison_is_a_baselines_not_the_papers_own(nlp, abstract, own, baselines):
    linked = linked_from(nlp, abstract)
    assert [value for _, value, _, _, _ in rows(linked, own=True)] == own
    assert [value for _, value, _, _, _ in rows(linked, own=False)] == baselines
    assert all(r.method_id is None for r in linked.results if not r.own and "DiT" not in r.sentence)


# ---------------------------------------------------------------- costs and settings, kept apart from results

@pytest.mark.parametrize("abstract, expected", [
    ("Our TinyDet has 5.7M parameters and 12.3 GFLOPs, and runs at 155 FPS with a latency of 26 ms.",
     [("cost", "parameters", "5.7", "M"), ("cost", "FLOPs", "12.3", "GFLOPs"), ("cost", "throughput", "155", "FPS"),
      ("cost", "latency", "26", "ms")]),
    ("The model is 3.1× faster than its teacher and was trained in 8 GPU days on 24 GB of GPU memory.",
     [("cost", "speed-up", "3.1", "×"), ("cost", "training time", "8", "GPU days"), ("cost", "memory", "24", "GB")]),
    ("With NFE=2 and a guidance scale of 1.5 at 256×256, a batch size of 1,024 and 300 epochs it reaches 2.1 FID.",
     [("setting", "sampling steps", "2", ""), ("setting", "guidance scale", "1.5", ""),
      ("setting", "resolution", "256", "px"), ("setting", "batch size", "1024", ""), ("setting", "epochs", "300", "")]),
    ("A 1.3B model matches a model with 7 billion parameters.",
     [("cost", "parameters", "1.3", "B"), ("cost", "parameters", "7", "B")]),
])
def test_costs_and_settings_are_stored_as_such_and_not_as_results(nlp, abstract, expected):
    linked = linked_from(nlp, abstract)
    assert [(m.kind, m.quantity, m.value, m.unit) for m in linked.measurements] == expected
    assert {r.value for r in linked.results} <= {"2.1"}


def test_a_cost_belongs_to_the_model_the_sentence_credits(nlp):
    linked = linked_from(nlp, "We propose TinyDet, a detector for phones. TinyDet has 5.7M parameters, while "
                              "ResNet-50 has 25.6M parameters.")
    label = {e.id: e.label for e in linked.entities.values()}
    assert [(m.value, label.get(m.method_id)) for m in linked.measurements] == [("5.7", "TinyDet"),
                                                                                 ("25.6", "ResNet-50")]


def test_costs_and_settings_reach_rdf_mentions_jsonl_and_the_query_layer(seeds_exports):
    import kg
    built, out = seeds_exports
    measured = built.linked.measurements
    assert {m.kind for m in measured} == {"cost", "setting"}
    store = pyoxigraph.Store()
    store.bulk_load(path=str(out / "graph.ttl"), format=pyoxigraph.RdfFormat.TURTLE)
    prefix = "PREFIX kg: <https://w3id.org/paperkg/ontology#> "
    for kind, rdf_class in (("cost", "kg:Cost"), ("setting", "kg:Setting")):
        count = next(iter(store.query(prefix + f"SELECT (COUNT(?m) AS ?n) WHERE {{ ?m a {rdf_class} }}")))["n"]
        assert int(count.value) == sum(m.kind == kind for m in measured) > 0
    records = [json.loads(line) for line in (out / "mentions.jsonl").read_text().splitlines()]
    assert sorted((r["id"], x["quantity"], x["value"]) for r in records for x in r["measurements"]) == \
        sorted((m.paper_id, m.quantity, m.value) for m in measured)
    graph = kg.load(out)
    assert sorted(graph.linked.measurements, key=lambda m: (m.paper_id, m.start)) == \
        sorted(measured, key=lambda m: (m.paper_id, m.start))
    rows = graph.measurements(quantity="parameters")
    assert rows and all(r.quantity == "parameters" and r.text in r.sentence for r in rows)
