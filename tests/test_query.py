"""The Python API over a built graph and over the same graph loaded back from its exports."""

from __future__ import annotations

import json

import pytest

import kg
from kg.query import KnowledgeGraph


@pytest.fixture(scope="module")
def graph(seeds_exports):
    return kg.load(seeds_exports[1])


def test_load_gives_back_what_build_made(seeds_exports, graph):
    result, _ = seeds_exports
    built = KnowledgeGraph(result.linked)
    assert len(graph.linked.papers) == len(built.linked.papers) == 404
    assert graph.linked.entities == built.linked.entities
    assert {(l.paper_id, l.entity_id, l.relation) for l in graph.linked.links} == \
           {(l.paper_id, l.entity_id, l.relation) for l in built.linked.links}
    assert sum(len(l.mentions) for l in graph.linked.links) == sum(len(l.mentions) for l in built.linked.links)
    assert set(graph.graph.edges(keys=True)) == set(built.graph.edges(keys=True))
    for node, data in built.graph.nodes(data=True):
        loaded = graph.graph.nodes[node]
        assert (loaded["kind"], loaded["label"], loaded.get("papers")) == (data["kind"], data["label"], data.get("papers"))


def test_any_alias_finds_the_entity(graph):
    vit = graph.entity("ViT")
    assert vit.label == "vision transformer" and vit.type == "architecture"
    assert graph.entity("vision transformers") == vit == graph.entity("Vision Transformer")
    assert graph.entity("ILSVRC").label == "ImageNet"
    with pytest.raises(kg.NotFound):
        graph.entity("no such model")


def test_papers_of_an_entity_by_relation(graph):
    every = graph.papers("ImageNet")
    evaluated = graph.papers("ImageNet", relation="evaluates_on")
    assert len(evaluated) > 100
    assert {p.paper.id for p in evaluated} < {p.paper.id for p in every}
    assert all(p.relation == "evaluates_on" for p in evaluated)
    assert len({p.paper.id for p in every}) == graph.entity("ImageNet").papers
    with pytest.raises(ValueError):
        graph.papers("ImageNet", relation="cites")


def test_entities_of_a_paper_by_type(graph):
    convnext_paper = graph.paper("A ConvNet for the 2020s")
    datasets = graph.entities(convnext_paper.id, type="dataset")
    assert {d.entity.label for d in datasets} >= {"ImageNet", "ADE20K", "MS COCO"}
    assert all(d.entity.type == "dataset" for d in datasets)
    proposed = [e.entity.label for e in graph.entities("A ConvNet for the 2020s") if e.relation == "proposes"]
    assert proposed == ["ConvNeXt"]


def test_top_entities_by_papers_and_by_pagerank(graph):
    top = graph.top("dataset", n=5)
    assert top[0].entity.label == "ImageNet"
    assert [r.score for r in top] == sorted((r.score for r in top), reverse=True)
    counts = {e.id: e.papers for e in (graph.entity(i) for i in graph.linked.entities)
              if e.type == "dataset"}
    assert top[0].score == max(counts.values())
    ranked = graph.top("architecture", n=5, by="pagerank")
    assert len(ranked) == 5 and all(r.entity.type == "architecture" for r in ranked)
    assert 0 < ranked[-1].score <= ranked[0].score < 1


def test_cooccurring_entities_with_counts(graph):
    together = graph.cooccurring("ConvNeXt", type="dataset")
    assert together and all(info.type == "dataset" for info, _ in together)
    convnext_papers = {p.paper.id for p in graph.papers("ConvNeXt")}
    for info, count in together:
        shared = convnext_papers & {p.paper.id for p in graph.papers(info.id)}
        assert count == len(shared)


def test_evidence_for_a_link(graph):
    evidence = graph.evidence("A ConvNet for the 2020s", "ADE20K")
    assert evidence and all("ADE20K" in e.sentence and e.text == "ADE20K" for e in evidence)
    assert evidence[0].relation == "evaluates_on"
    assert graph.evidence("A ConvNet for the 2020s", "CIFAR-10") == []  # an entity, but not of this paper


def test_shortest_connection_and_neighbourhood(graph):
    path = graph.connection("ConvNeXt", "ADE20K")
    assert path[0] == "ConvNeXt" and path[-1] == "ADE20K" and len(path) == 3
    assert path[1] in {p.paper.title for p in graph.papers("ADE20K")}
    around = graph.neighbourhood("ConvNeXt", hops=1)
    papers = {n for n, d in around.nodes(data=True) if d["kind"] == "paper"}
    assert len(papers) == graph.entity("ConvNeXt").papers
    assert graph.neighbourhood("ConvNeXt", hops=2).number_of_nodes() > around.number_of_nodes()


def test_counts_per_period_for_dated_papers(tmp_path):
    abstract = "We train a Vision Transformer on ImageNet and report results on ImageNet for image classification."
    records = [{"title": f"Paper {i}", "abstract": abstract, "date": date} for i, date in
               enumerate(["2023-05-01", "2024-01-09", "2024-02-10", "2024-02-11", None])]
    source = tmp_path / "dated.jsonl"
    source.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    built = kg.build([source])
    assert built.trend() == {"2023": 1, "2024": 3}
    assert built.trend("ViT", period="month") == {"2023-05": 1, "2024-01": 1, "2024-02": 2}
    with pytest.raises(ValueError):
        built.trend(period="week")


def test_a_link_relation_fits_its_entity_type(seeds_exports):
    # "addresses" reaches only tasks and "evaluates_on" only data sets, whatever one paper's own typing said
    linked = seeds_exports[0].linked
    allowed = {"addresses": {"task"}, "evaluates_on": {"dataset"}}
    wrong = [(link.paper_id, link.entity_id, link.relation) for link in linked.links
             if linked.entities[link.entity_id].type not in allowed.get(link.relation, {"task", "dataset", "method",
                                                                                         "architecture"})]
    assert wrong == []
    assert {link.relation for link in linked.links} == {"proposes", "evaluates_on", "addresses", "uses"}


def test_the_readme_node_counts_are_the_sample_builds(seeds_exports):
    # the seed listings are the sample corpus the package ships; the README states these counts of its build
    import re
    from pathlib import Path

    readme = (Path(__file__).parents[1] / "README.md").read_text()
    graph = kg.load(seeds_exports[1])
    whole = int(re.search(r"the sample graph, ([\d,]+) nodes", readme).group(1).replace(",", ""))
    focus = int(re.search(r"graph-imagenet\.html \(([\d,]+) nodes", readme).group(1).replace(",", ""))
    assert whole == graph.graph.number_of_nodes()
    assert focus == graph.neighbourhood("ImageNet", 2).number_of_nodes()


def test_the_readme_python_examples_print_what_it_says(seeds_exports, tmp_path, monkeypatch):
    # every ```python block of the README, run as a doctest against the sample build (the README's `exports`)
    import doctest
    import re
    from pathlib import Path

    readme = (Path(__file__).parents[1] / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    (tmp_path / "exports").symlink_to(seeds_exports[1])
    monkeypatch.chdir(tmp_path)
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    globs: dict = {}
    for number, block in enumerate(blocks):
        test = parser.get_doctest(block, globs, f"README python block {number}", "README.md", 0)
        runner.run(test, clear_globs=False)  # (a block goes on with the names the one before made)
        globs = test.globs
    outcome = runner.summarize(verbose=False)
    assert outcome.attempted >= 10 and outcome.failed == 0
