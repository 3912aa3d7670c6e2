from __future__ import annotations

import pytest

from kg.model import Paper


def mentions(nlp, title: str, abstract: str):
    paper = Paper(id="t", title=title, abstract=abstract)
    doc = nlp(paper.text)
    return paper, doc._.kg_mentions


def by_text(found):
    return {m.text: m for m in found}


def test_catalog_hits_carry_span_sentence_extractor_and_confidence(nlp):
    paper, found = mentions(nlp, "A study", "We train a ResNet on ImageNet. Results are strong.")
    hit = by_text(found)["ImageNet"]
    assert (hit.type, hit.extractor, hit.key) == ("dataset", "catalog", "catalog:imagenet")
    assert paper.text[hit.start:hit.end] == "ImageNet"
    assert hit.sentence == "We train a ResNet on ImageNet."
    assert 0.5 < hit.confidence <= 1.0
    assert by_text(found)["ResNet"].type == "architecture"


def test_acronyms_are_case_sensitive(nlp):
    _, found = mentions(nlp, "A study", "We clip the gradients and then fine-tune CLIP on our data.")
    texts = by_text(found)
    assert "clip" not in texts
    assert texts["CLIP"].key == "catalog:clip"
    _, found = mentions(nlp, "A study", "The decoder aligns features; ALIGN and CNNs are baselines.")
    assert "aligns" not in by_text(found)
    assert by_text(found)["ALIGN"].key == "catalog:align"


def test_defined_abbreviation_links_long_and_short_forms(nlp):
    _, found = mentions(nlp, "Transformers can do Bayesian inference",
                        "Prior-Data Fitted Networks (PFNs) approximate the posterior. We show that PFNs scale.")
    pfn = [m for m in found if m.extractor == "abbreviation"]
    assert [m.text for m in pfn] == ["Prior-Data Fitted Networks", "PFNs", "PFNs"]
    assert len({m.key for m in pfn}) == 1
    assert all(m.type == "architecture" for m in pfn)
    assert pfn[1].long_form == "Prior-Data Fitted Networks"


@pytest.mark.parametrize("sentence, name, kind", [
    ("This study introduces SurgeNetXL, a novel surgical foundation model.", "SurgeNetXL", "architecture"),
    ("We present ConTNet, a convolution-transformer network for vision.", "ConTNet", "architecture"),
    ("We introduce MVImgNet, a large-scale dataset of multi-view images.", "MVImgNet", "dataset"),
    ("We build InceptionNeXt, a family of efficient backbones.", "InceptionNeXt", "architecture"),
    ("We present PixelFlow, a family of image generation models.", "PixelFlow", "architecture"),
    ("Our detector is compared with the YOLOv8 model on aerial images.", "YOLOv8", "architecture"),
    ("Models pretrained on LAION-Aesthetics transfer well.", "LAION-Aesthetics", "dataset"),
    ("We propose ARFlow, an autoregressive flow model.", "ARFlow", "architecture"),
    ("We propose GradNorm, a simple loss for multi-task training.", "GradNorm", "method"),
    # the definition's noun phrase ends in its head
    ("We release AgentArena, an LLM agent benchmark for web tasks.", "AgentArena", "dataset"),
    ("We present SqueezeKD, a model compression method for phones.", "SqueezeKD", "method"),
    ("We collect TinyZoo, a dataset of transformer models and their weights.", "TinyZoo", "dataset"),
    # an abbreviation in parentheses does not end an apposition
    ("We present QuillMix, a two-stage autoregressive (AR) captioning method for long videos.", "QuillMix", "method"),
    # a head noun before the name in parentheses
    ("We propose a unified contrastive framework (TriMatch) for retrieval.", "TriMatch", "method"),
    ("Our results use a new large-scale benchmark (OrbitQA) of satellite questions.", "OrbitQA", "dataset"),
])
def test_unknown_names_are_typed_from_context(nlp, sentence, name, kind):
    _, found = mentions(nlp, "A paper", sentence)
    hit = by_text(found).get(name)
    assert hit is not None, [m.text for m in found]
    assert hit.type == kind
    assert hit.extractor == "name_detector"


def test_a_bare_acronym_without_cue_is_not_an_entity(nlp):
    _, found = mentions(nlp, "A paper", "The CVS score was recorded on a GPU by the FID protocol.")
    assert {m.text for m in found if m.type}.isdisjoint({"CVS", "GPU", "FID"})
    untyped = {m.text for m in found if not m.type}
    assert "CVS" in untyped  # left for the linker to type from other papers
    assert untyped.isdisjoint({"GPU", "FID"})  # stop-listed words are not even candidates


def test_an_untyped_name_takes_the_type_other_papers_give_it(nlp):
    from kg.catalog import load_catalog
    from kg.extraction import extract
    from kg.linking import CORPUS_TYPED_CUE, link

    papers = [Paper(id="a", title="A study", abstract="We release the KarstVox dataset of 5k scenes."),
              Paper(id="b", title="Another", abstract="Our detector reaches 61% accuracy on KarstVox."),
              Paper(id="c", title="Third", abstract="KarstVox and QorvX were both used here.")]
    linked = link(extract(papers, nlp), load_catalog())
    entity = next(e for e in linked.entities.values() if e.label == "KarstVox")
    assert entity.type == "dataset"
    third = [(entity_id, m) for entity_id, m in linked.mentions_by_paper["c"]]
    assert [(entity_id, m.type, m.cue) for entity_id, m in third] == [(entity.id, "dataset", CORPUS_TYPED_CUE)]
    assert not any("qorvx" in entity_id for entity_id in linked.entities)  # typed nowhere: dropped
    relation = {link.paper_id: link.relation for link in linked.links if link.entity_id == entity.id}
    assert relation == {"a": "proposes", "b": "evaluates_on", "c": "uses"}


@pytest.mark.parametrize("sentence, phrase", [
    ("It reaches an FID of 1.98 on class-conditional image generation.", "class-conditional image generation"),
    ("We study monocular depth estimation in the wild.", "monocular depth estimation"),
    ("Few-shot object detection remains hard.", "Few-shot object detection"),
    ("We tackle weakly supervised temporal action localization.", "weakly supervised temporal action localization"),
])
def test_task_phrases(nlp, sentence, phrase):
    _, found = mentions(nlp, "A paper", sentence)
    hit = by_text(found).get(phrase)
    assert hit is not None, [m.text for m in found]
    assert hit.type == "task"
    assert hit.relation == "addresses"


def test_a_head_noun_alone_or_after_a_verb_is_not_a_task_phrase(nlp):
    _, found = mentions(nlp, "A paper", "This improves detection and boosts retrieval.")
    assert [m for m in found if m.type == "task" and m.extractor == "task_phrase"] == []


def test_relations(nlp):
    _, found = mentions(
        nlp, "PixelFlow: Pixel-Space Generative Models with Flow",
        "We present PixelFlow, a family of image generation models built on a Vision Transformer backbone. "
        "PixelFlow achieves an FID of 1.98 on ImageNet. We also pretrain it on LAION-5B.")
    rel = {(m.text, m.start): m.relation for m in found}
    assert rel[("PixelFlow", 0)] == "proposes"
    texts = {m.text: m.relation for m in found}
    assert texts["image generation"] == "addresses"
    assert texts["ImageNet"] == "evaluates_on"
    assert texts["Vision Transformer"] == "uses"
    assert texts["LAION-5B"] == "uses"
    assert [m.cue for m in found if m.relation == "proposes"][:2] == ["title: PixelFlow:", "present"]


def test_proposes_is_not_given_to_what_a_method_is_based_on(nlp):
    _, found = mentions(nlp, "A paper", "We propose a new detector based on ResNet and evaluate it on COCO.")
    relations = {m.text: m.relation for m in found}
    assert relations["ResNet"] == "uses"
    assert relations["COCO"] == "evaluates_on"


def test_passive_proposal_and_dubbed_names(nlp):
    _, found = mentions(nlp, "A paper",
                        "Prototypical Back Translation (PBT) is proposed to decouple grouping. "
                        "The outcome is a family of pure ConvNet models dubbed ConvNeXt.")
    relations = {m.text: m.relation for m in found}
    assert relations["PBT"] == "proposes"
    assert relations["ConvNeXt"] == "proposes"


@pytest.mark.parametrize("abstract, name", [
    ("We propose a new supervised pre-training method based on nearest neighbours.", "supervised pre-training"),
    ("We also present ImageNet samples with unprecedented resolution.", "ImageNet"),
    ("We curate ImageNet-Major, a slice of the obvious mistakes.", "ImageNet"),
    ("We propose integrating autoregressive modeling into flow models.", "autoregressive modeling"),
    ("In this paper, we explore a recent method called Rectified Flow on large datasets.", "Rectified Flow"),
    ("We demonstrate that introducing flow matching between the two stages reduces cost.", "flow matching"),
])
def test_a_known_entity_that_only_describes_the_proposal_is_not_proposed(nlp, abstract, name):
    _, found = mentions(nlp, "A paper", abstract)
    relations = {m.text: m.relation for m in found}
    assert relations.get(name) != "proposes"  # (absent: "ImageNet-Major" is now one name, ImageNet no mention)


def test_a_title_that_opens_with_a_known_topic_proposes_nothing_but_a_new_name_does(nlp):
    _, topic = mentions(nlp, "Knowledge distillation: a good teacher is patient", "We study distillation.")
    _, named = mentions(nlp, "ConvFlowX: a new model", "We study ConvFlowX.")
    assert by_text(topic)["Knowledge distillation"].relation != "proposes"
    assert [m.relation for m in named if m.start == 0] == ["proposes"]


def test_a_verb_particle_does_not_start_a_phrase(nlp):
    _, found = mentions(nlp, "Scaling up self-supervised learning for surgical foundation models", "We study it.")
    assert "up self-supervised learning" not in by_text(found)
    assert "self-supervised learning" in by_text(found)


def test_a_head_noun_before_a_new_name_types_it(nlp):
    _, found = mentions(nlp, "A paper", "It clearly outperforms the previous flow-based model SiT's 9.17 FID. "
                                        "We also report the sampling ODE results.")
    names = by_text(found)
    assert names["SiT"].type == "architecture"
    assert "ODE" not in names or names["ODE"].type != "method"  # "sampling ODE": an -ing head types nothing


def test_x_based_models_link_to_the_catalog_x_model(nlp):
    _, found = mentions(nlp, "A paper", "Flow matching is easier to train than diffusion-based models.")
    mention = by_text(found)["diffusion-based models"]
    assert (mention.type, mention.extractor) == ("method", "catalog")


@pytest.mark.parametrize("abstract, not_a_task", [
    ("This opens new opportunities for next-generation visual generation models.", "visual generation"),
    ("The model conditions on images from earlier denoising steps.", "denoising"),
    ("We add a corrector to further reduce inference time.", "reduce inference"),
    ("It won the ImageNet Large Scale Visual Recognition Challenge.", "scale visual recognition"),
])
def test_a_task_name_that_only_describes_a_model_or_step_is_not_a_task(nlp, abstract, not_a_task):
    _, found = mentions(nlp, "A paper", abstract)
    assert not_a_task not in {m.text.lower() for m in found if m.type == "task"}


def test_a_catalog_task_before_models_is_still_the_task(nlp):
    _, found = mentions(nlp, "A paper", "We train image captioning models on COCO.")
    assert by_text(found)["image captioning"].type == "task"


def test_a_two_word_catalog_name_matches_hyphenated(nlp):
    _, found = mentions(nlp, "A paper", "Novel optimization and data-augmentation have increased accuracy.")
    mention = by_text(found)["data-augmentation"]
    assert (mention.type, mention.extractor) == ("method", "catalog")


def test_a_negated_name_is_the_name(nlp):
    _, found = mentions(nlp, "A paper", "We show strong results compared to non-GFlowNet baselines.")
    assert "non-GFlowNet" not in by_text(found)
    assert "GFlowNet" in by_text(found)


def test_loss_names_are_methods_and_prepositions_stop_phrases(nlp):
    _, found = mentions(nlp, "A paper", "We add a perceptual loss and study robustness against perturbations.")
    assert by_text(found)["perceptual loss"].type == "method"
    assert not any(m.text.startswith("against") for m in found)


def test_records_are_copied_with_changes_and_unknown_fields_refused():
    from dataclasses import replace

    from kg.model import Mention, evolve

    mention = Mention(paper_id="", start=0, end=3, text="ViT", type="architecture", extractor="catalog",
                      confidence=0.9, sentence="ViT works.")
    assert evolve(mention, paper_id="p", relation="proposes") == replace(mention, paper_id="p", relation="proposes")
    assert mention.paper_id == ""
    with pytest.raises(TypeError, match="paperid"):
        evolve(mention, paperid="p")


def test_the_pipeline_keeps_the_text_and_a_tokenizer_memo_for_a_corpus(nlp):
    from extractors.spans import doc_text

    text = "ResNet-50 (He et al.)  reaches 76.1%\n\non ImageNet-1K."
    doc = nlp(text)
    assert doc_text(doc) == doc.text == text
    assert nlp.tokenizer.max_cache_size >= 100_000


def test_the_tokenizer_is_blank_english_that_splits_a_final_period_after_a_name(nlp):
    """The pipeline's tokenizer is made once with the extra suffix (extractors.pipeline.AbstractEnglish); it is the
    tokenizer of `spacy.blank("en")` with the suffix set afterwards, rule for rule and special case for special case."""
    import spacy
    from spacy.util import compile_suffix_regex

    from spacy.util import compile_infix_regex

    from extractors.pipeline import FINAL_PERIOD_AFTER_NAME, NAME_LIST_BAR

    reference = spacy.blank("en")
    assert [t.text for t in reference("We pretrain it on LAION-5B.")][-1] == "LAION-5B."
    reference.tokenizer.suffix_search = compile_suffix_regex([*reference.Defaults.suffixes,
                                                               FINAL_PERIOD_AFTER_NAME]).search
    reference.tokenizer.infix_finditer = compile_infix_regex([*reference.Defaults.infixes, NAME_LIST_BAR]).finditer
    exclude = ["vocab"]
    assert nlp.tokenizer.to_bytes(exclude=exclude) == reference.tokenizer.to_bytes(exclude=exclude)
    for text in ("We pretrain it on LAION-5B.", "Results on ADE20K.", "It is e.g. a test, cf. Fig. 3."):
        assert [t.text for t in nlp.make_doc(text)] == [t.text for t in reference.make_doc(text)]
    assert [t.text for t in nlp.make_doc("We pretrain it on LAION-5B.")][-2:] == ["LAION-5B", "."]
    assert [t.text for t in nlp.make_doc("(BERT|RoBERTa)")] == ["(", "BERT", "|", "RoBERTa", ")"]
    assert nlp.lang == "en"



def test_batch_by_batch_extraction_gives_what_one_doc_at_a_time_does(nlp, seed_files):
    """`nlp.pipe` runs each paperkg component over a whole batch before the next component
    (extractors/batching.py); `nlp(doc)` runs every component on one doc in turn. Both give every seed paper the
    same records, in batches that do not divide the corpus evenly."""
    from dataclasses import asdict

    from extractors.batching import BatchwiseComponent
    from extractors.spans import keep_paper_id
    from kg.corpus import read_corpus
    from kg.extraction import extract

    assert all(isinstance(component, BatchwiseComponent) for name, component in nlp.pipeline)
    papers = read_corpus(seed_files).papers
    batched = [[asdict(r) for r in (*item.mentions, *item.results, *item.relations)]
               for item in extract(papers, nlp, batch_size=37)]
    one_by_one = []
    for paper in papers:
        doc = nlp(keep_paper_id(nlp.make_doc(paper.text), paper.id))
        one_by_one.append([asdict(r) for r in (*doc._.kg_mentions, *doc._.kg_results, *doc._.kg_entity_relations)])
    assert len(papers) > 100 and sum(map(len, batched)) > 1000
    assert batched == one_by_one

@pytest.mark.parametrize("abstract, surface, entity_key", [
    ("We demonstrate the generation of images conditioned on a class.", "generation of images", "image generation"),
    ("A framework that unifies image understanding and generation in one model.", "generation", "image generation"),
])
def test_inverted_and_coordinated_task_phrases_name_the_whole_task(nlp, abstract, surface, entity_key):
    _, found = mentions(nlp, "A paper", abstract)
    mention = by_text(found)[surface]
    assert (mention.type, mention.key) == ("task", entity_key)


def test_a_name_takes_the_type_most_of_its_strong_cues_give_it_in_the_paper(nlp):
    abstract = ("We design the QuadNet search space on small data. The resulting QuadNet architecture transfers well, "
                "and QuadNet models set a new state of the art.")
    _, found = mentions(nlp, "A paper", abstract)
    assert {m.type for m in found if m.text == "QuadNet"} == {"architecture"}


def test_weak_shape_guesses_do_not_outvote_a_definition(nlp):
    abstract = ("We introduce GlideFlow, a novel framework for fast sampling. GlideFlow is simple. GlideFlow is fast. "
                "GlideFlow is general.")
    _, found = mentions(nlp, "A paper", abstract)
    assert {m.type for m in found if m.text == "GlideFlow"} == {"method"}  # not the four "ends in Flow" guesses


@pytest.mark.parametrize("abstract, long, kind", [
    ("We introduce the Gradient-Tempered Sampling Model (GTSM), a simple training strategy for few-step models.",
     "Gradient-Tempered Sampling Model", "method"),
    ("Combining these steps, we obtain a family of pixel-space models we call Plain Pixel v3 (PP3).",
     "Plain Pixel v3", "architecture"),
    ("Between the branches we insert a Feature Mixer with Memory (FMM) block.", "Feature Mixer with Memory",
     "architecture"),
])
def test_a_defined_abbreviation_is_typed_by_the_words_around_its_definition(nlp, abstract, long, kind):
    _, found = mentions(nlp, "A paper", abstract)
    mention = by_text(found)[long]
    assert (mention.type, mention.extractor) == (kind, "abbreviation")


def test_a_defined_phrase_that_is_no_name_is_not_made_an_entity_by_its_context(nlp):
    _, found = mentions(nlp, "A paper", "We train an ordinary differential equation (ODE) model between the two.")
    assert "ordinary differential equation" not in by_text(found)


def test_a_head_noun_that_only_modifies_another_noun_types_nothing(nlp):
    _, found = mentions(nlp, "A paper", "We search the canonical FooConv search space and report the KiloSet training set.")
    names = by_text(found)
    assert "FooConv" not in names or names["FooConv"].type != "method"  # "search" modifies "space"
    assert "KiloSet" not in names or names["KiloSet"].type != "method"


@pytest.mark.parametrize("abstract, surface, entity_key", [
    ("Agents trained by self-play beat AlphaZero at chess.", "AlphaZero", "catalog:alphazero"),
    ("Agents trained by self-play beat AlphaZero at chess.", "self-play", "catalog:self-play"),
    ("We replace max-pooling with strided convolutions.", "max-pooling", "catalog:max-pooling"),
])
def test_catalog_names_for_specific_methods_under_an_umbrella(nlp, abstract, surface, entity_key):
    _, found = mentions(nlp, "A paper", abstract)
    mention = by_text(found)[surface]
    assert (mention.type, mention.key) == ("method", entity_key)


def test_a_bare_task_head_speaks_of_the_specific_task_its_paper_names(nlp):
    _, found = mentions(nlp, "A paper", "We study semantic segmentation in cities. Our segmentation masks are sharp.")
    bare = by_text(found)["segmentation"]
    assert bare.key == by_text(found)["semantic segmentation"].key
    assert bare.long_form == "semantic segmentation"
    _, alone = mentions(nlp, "A paper", "Our segmentation masks are sharp.")
    assert by_text(alone)["segmentation"].key == "catalog:image-segmentation"


def task_labels(nlp, abstract: str, papers: int) -> set[str]:
    """The labels of the task entities that linking gives a corpus of `papers` copies of one abstract."""
    from kg.extraction import extract
    from kg.linking import link

    corpus = [Paper(id=str(i), title="A paper", abstract=abstract) for i in range(papers)]
    linked = link(extract(corpus, nlp), nlp.get_pipe("paperkg_catalog_matcher").catalog)
    return {entity.label for entity in linked.entities.values() if entity.type == "task"}


def test_a_bare_task_head_never_labels_the_task(nlp):
    labels = task_labels(nlp, "We study comic panel colorization. The colorization is fast, and colorization quality "
                              "is high.", 2)
    assert "comic panel colorization" in labels
    assert "colorization" not in labels


def test_a_catalog_dataset_with_a_resolution_glued_on_is_that_dataset(nlp):
    _, found = mentions(nlp, "A paper", "We report 1.5 FID on ImageNet512 and new results on FFHQ1024 and ImageNet128.")
    names = by_text(found)
    assert names["ImageNet512"].key == names["ImageNet128"].key == "catalog:imagenet"
    assert names["FFHQ1024"].key == "catalog:ffhq"


@pytest.mark.parametrize("abstract, surface", [
    ("We compare against Hyperbolic Graph Networks on molecules.", "Hyperbolic Graph Networks"),
    ("The encoder is a stack of Transformers over patches.", "Transformers"),
])
def test_capitalised_network_names_are_architectures(nlp, abstract, surface):
    _, found = mentions(nlp, "A paper", abstract)
    mention = by_text(found)[surface]
    assert mention.type == "architecture"


@pytest.mark.parametrize("abstract, not_a_name", [
    ("We train a lightweight generator network end to end.", "generator network"),
    ("Our system consists of an end-to-end trainable convolutional network.", "trainable convolutional network"),
    ("Deep Neural Networks are used everywhere, and Neural Networks too.", "Neural Networks"),
    ("Transformers are everywhere.", "Transformers"),  # capitalised as the sentence opens: no cue by itself
])
def test_described_or_umbrella_networks_are_not_architecture_phrases(nlp, abstract, not_a_name):
    _, found = mentions(nlp, "A paper", abstract)
    assert not_a_name not in {m.text for m in found if m.extractor == "architecture_phrase"}


def test_a_name_set_off_by_commas_after_a_head_noun_is_typed_and_proposed(nlp):
    _, found = mentions(nlp, "A paper", "For these baselines we create a new dataset, PlankSet++, which extends prior "
                                        "collections. On the PlankSet dataset, ResNet-50 reaches 71% accuracy.")
    names = by_text(found)
    assert (names["PlankSet++"].type, names["PlankSet++"].relation) == ("dataset", "proposes")
    assert names["ResNet-50"].type == "architecture"  # "dataset, ResNet-50 reaches": no apposition


def test_a_coordinated_proposal_verb_proposes(nlp):
    _, found = mentions(nlp, "A paper", "We study the dynamics of adaptation and propose a new classification "
                                        "dataset (CoralShift) that is hard.")
    assert by_text(found)["CoralShift"].relation == "proposes"


def test_what_is_coordinated_with_a_proposal_is_proposed_too(nlp):
    _, found = mentions(nlp, "A paper", "We also propose GridMix and a novel KernelNorm layer to stabilise training, "
                                        "and we use ImageNet. We propose PatchFlow, a new flow-based model.")
    names = by_text(found)
    assert names["GridMix"].relation == names["KernelNorm"].relation == "proposes"
    assert names["ImageNet"].relation != "proposes"
    assert names["flow-based model"].relation != "proposes"  # an apposition describes, it is no second object


def test_a_new_name_after_with_in_the_title_is_proposed_a_known_one_is_not(nlp):
    _, found = mentions(nlp, "QuickPaint: Real-time Image Inpainting with Stroke Distillation via Rectified Flow",
                        "We study inpainting.")
    names = by_text(found)
    assert names["Stroke Distillation"].relation == "proposes"
    assert names["Rectified Flow"].relation != "proposes"


def test_architecture_phrases_ignore_title_case_and_ragged_tokens(nlp):
    _, found = mentions(nlp, "Frozen Neural Networks for Detection",
                        "We compare the Pyramid Vision Transformer~(PVT) with Hyperbolic Graph Networks.")
    phrases = {m.text for m in found if m.extractor == "architecture_phrase"}
    assert "Frozen Neural Networks" not in phrases  # every word of a title is capitalised
    assert not any("~" in phrase for phrase in phrases)
    assert "Hyperbolic Graph Networks" in phrases


def test_a_slash_shares_a_task_phrase(nlp):
    _, found = mentions(nlp, "A paper", "It works for image/video generation and for radar/thermal crowd counting, "
                                        "and/or segmentation.")
    keys = {m.text: m.key for m in found if m.type == "task"}
    assert keys["image"] == "image generation"
    assert keys["radar"] == "radar crowd counting"
    assert "and" not in keys


def test_a_word_standing_in_for_a_phrase_never_labels_the_entity(nlp):
    labels = task_labels(nlp, "We study sonar/lidar wake detection at sea.", 3)
    assert "sonar wake detection" in labels and "lidar wake detection" in labels
    assert "sonar" not in labels


@pytest.mark.parametrize("title, name, kind", [
    ("LatticeNAS: Direct Neural Architecture Search on Edge Devices", "LatticeNAS", "method"),  # a search
    ("SK-DRAWGAN: Sketch Editing Generative Adversarial Network with Strokes", "SK-DRAWGAN", "architecture"),
])
def test_a_title_name_takes_the_type_of_the_subtitle_head(nlp, title, name, kind):
    _, found = mentions(nlp, title, "We study it.")
    assert by_text(found)[name].type == kind


def test_a_short_prefix_and_an_acronym_are_one_name(nlp):
    from kg.catalog import load_catalog
    from extractors.name_detector import NameDetector

    detector = NameDetector(load_catalog().without(["ms-coco"]))  # as if the catalog did not know it
    doc = detector(nlp("A paper\n\nIt reaches an FID of 13.1 on MS COCO 2014-30k and on KITTI."))
    names = {span.text for span in doc.spans["kg_name"]} | {span.text for span in doc.spans["kg_untyped_name"]}
    assert "MS COCO" in names and "MS" not in names


@pytest.mark.parametrize("abstract", [
    "We Propose ZorbNet, a network for traffic forecasting, and it reaches 91.2% accuracy on ImageNet.",
    "We Propose ZorbNet, a network for İstanbul traffic, and it reaches 91.2% accuracy on ImageNet.",  # İ: 2 chars
])
def test_cues_are_read_from_the_text_as_written_whatever_lower_casing_does(nlp, abstract):
    paper, found = mentions(nlp, "A paper", abstract)
    zorb = by_text(found)["ZorbNet"]
    assert (zorb.relation, zorb.cue) == ("proposes", "Propose")  # as written, though matched lower-cased
    assert all(paper.text[m.start:m.end] == m.text for m in found)
    doc = nlp(paper.text)
    assert [(r.metric, r.value, paper.text[r.start:r.end]) for r in doc._.kg_results] == \
        [("accuracy", "91.2", "91.2% accuracy")]


def test_a_defined_long_form_is_the_same_entity_wherever_it_is_used_again(nlp):
    _, found = mentions(nlp, "A paper", "We study learning a sample scoring network (SSN) for filtering. We then "
                                        "construct new sample scoring networks and release them; SSNs are small.")
    uses = [m for m in found if m.extractor == "abbreviation"]
    assert [m.text for m in uses] == ["sample scoring network", "SSN", "sample scoring networks", "SSNs"]
    assert len({m.key for m in uses}) == 1
    assert by_text(found)["sample scoring networks"].relation == "proposes"


@pytest.mark.parametrize("abstract, proposed, not_proposed", [
    ("We introduce two datasets. The first dataset is called ReefScan and is hard. Models are then tested on a "
     "dataset called ImageNet.", "ReefScan", "ImageNet"),
    ("On this search space, our searched model, KestrelNet-T, reaches 82.5% on ImageNet. Our model, unlike ResNet-50, "
     "is small.", "KestrelNet-T", "ResNet-50"),
])
def test_the_papers_own_named_thing_is_proposed_a_named_baseline_is_not(nlp, abstract, proposed, not_proposed):
    _, found = mentions(nlp, "A paper", abstract)
    names = by_text(found)
    assert names[proposed].relation == "proposes"
    assert names[not_proposed].relation != "proposes"


def test_a_catalog_model_with_a_version_number_is_that_version(nlp):
    _, found = mentions(nlp, "A paper", "We introduce Imagen 5, and compare with Imagen 2 and ResNet 50. BERT 12 layers "
                                        "deep, VAR 3.3 FID and CLIP 2x faster are not versions.")
    names = by_text(found)
    assert names["Imagen 5"].relation == "proposes" and names["Imagen 5"].type == "architecture"
    assert "variant of" in names["Imagen 2"].cue
    assert {"BERT 12", "VAR 3", "CLIP 2"}.isdisjoint(names)


def test_words_a_pattern_starts_with():
    """The first part of each alternative: the literals its matches start with, joined as far as they go."""
    import re

    from extractors.literal_prefilter import required_literal_sets

    def first(pattern: str, flags: int = 0):
        found = required_literal_sets(re.compile(pattern, flags))
        return found and set().union(*(parts[0] for parts in found))

    assert first(r"\b(?:dubbed|termed|coined)\b") == {"dubbed", "termed", "coined"}
    assert first(r"(?<![\w-])(?:is|are) (?:new|old)\b") == {"is new", "is old", "are new", "are old"}
    assert first(r"\bwe(?: propose)?\b") == {"we"}  # "we propose" holds "we"
    assert first(r"(we)+ x") == {"we"}  # a capturing group, then a repeat: stop there
    # no words to start with: the words of a part every match holds
    assert first(r"(?:^\s*|\bby\s+)(?P<verb>propose|present)\b|\b(?P<n>dubbed)") == {"propose", "present", "dubbed"}
    assert first(r"\d+(?:\.\d+)?\s?%") == {"%"}
    assert first(r"^\s*we\b") == {"we"}
    assert first(r"(?:we|\w+ing)") == {"we", "ing"}
    for no_shortcut in (r"\d+", r"(?:we|\w+)", r"(?:a|)b?", r"[a-z]+"):
        assert first(no_shortcut) is None, no_shortcut
    assert first("dubbed", re.IGNORECASE) is None
    many = "|".join(chr(97 + i % 26) + chr(97 + (7 * i + 3) % 26) + chr(97 + (11 * i + 5) % 26) for i in range(30))
    # (more words than a substring test is worth)
    assert first(rf"\b(?:{many})\b") is None


def test_word_sets_every_match_of_a_pattern_holds():
    """A word of each part a match must go through, per alternative at the top; parts another part implies left out."""
    import re

    from extractors.literal_prefilter import required_literal_sets

    def sets(pattern: str):
        found = required_literal_sets(re.compile(pattern))
        return found and [[set(words) for words in parts] for parts in found]

    assert sets(r"\bwe\b[^.]{0,80}?\b(?:propose|present)s?\b") == [[{"we"}, {"propose", "present"}]]
    assert sets(r"\b(?:new|novel)\b.{0,9}\b(?:is|are) (?:called|named)") == [
        [{"new", "novel"}, {"is called", "is named", "are called", "are named"}]]  # " called" and "called" implied
    assert sets(r"(?:we|by) (?:propose|present)|\b(?P<n>dubbed)\b") == [
        [{"we propose", "we present", "by propose", "by present"}], [{"dubbed"}]]
    assert sets(r"\bour\s+\w+,") == [[{"our"}, {","}]]
    assert sets(r"(?:ab|cd)x?(?:ef|gh)") == [[{"ab", "cd"}, {"ef", "gh"}]]
    assert sets(r"we|\d+") is None  # one alternative holds no words: no shortcut at all
    assert sets(r"\d+(?:\.\d+)?\s?%") == [[{"%"}]]
    assert sets(r"(?i)dubbed") is None


def test_prefiltered_cues_answer_as_the_patterns_do(seed_files):
    """Every sentence cue of the relation classifier, with and without its shortcut, on every sentence of the seeds
    and on sentences made to start matches in odd places."""
    import json
    import re
    from pathlib import Path

    from extractors.literal_prefilter import PrefilteredPattern
    from kg.corpus import read_corpus

    cues = json.loads((Path(__file__).parents[1] / "extractors/data/relation_cues.json").read_text("utf-8"))
    patterns = [re.compile(p) for p in cues["proposal_sentence"] + cues["result_sentence"]
                + [cues["proposal_verb"], cues["passive_proposal"]]]
    sentences = [s.lower() for paper in read_corpus(seed_files).papers for s in re.split(r"(?<=[.!?])\s+", paper.text)]
    sentences += ["we", "redubbed as x", "is proposedly", "a novel thing called x", "our new model is named y", "",
                  "we propose x", "  propose y", "by presenting z", "our big model, x, wins", "our model x wins",
                  "new named", "named new", "novel. called", "first, it is termed", "we. propose", "propose we",
                  "our networks, resnet, vgg", "is  proposed", "are designed"]
    shortcuts = 0
    for pattern in patterns:
        prefiltered = PrefilteredPattern(pattern)
        shortcuts += prefiltered.literal_sets is not None
        for sentence in sentences:
            assert (prefiltered.search(sentence) is None) == (pattern.search(sentence) is None), (pattern, sentence)
            assert [m.span() for m in prefiltered.finditer(sentence)] == [m.span() for m in pattern.finditer(sentence)]
    assert shortcuts >= 9


def test_sentence_splitter_draws_the_sentencizers_boundaries(seed_files):
    """`paperkg_sentences` follows spaCy's Sentencizer rule from the doc's arrays: the same sentence starts on every
    seed paper (title, blank line, abstract) and on awkward texts."""
    import spacy
    from spacy.pipeline import Sentencizer

    import extractors.sentences  # noqa: F401  (registers the factory)
    from extractors.spans import sentence_bounds
    from kg.corpus import read_corpus

    punct_chars = [*Sentencizer.default_punct_chars, "\n\n"]
    reference, ours = spacy.blank("en"), spacy.blank("en")
    reference.add_pipe("sentencizer", config={"punct_chars": punct_chars})
    ours.add_pipe("paperkg_sentences", config={"punct_chars": punct_chars})
    texts = [paper.text for paper in read_corpus(seed_files).papers]
    texts += ["", ".", "?!...", "No end", "A. B", "Wait... what?! (Yes.) \"Quoted.\" Next one", "Title\n\nBody. End."]
    splits = kept = 0
    for text in texts:
        expected, found = reference(text), ours(text)
        assert [t.is_sent_start for t in found] == [t.is_sent_start for t in expected], text
        # the bounds the components read (kept by the splitter) are those of `doc.sents`
        assert sentence_bounds(found) == [(s.start_char, s.end_char) for s in expected.sents], text
        kept += "paperkg_sentences" in found.user_data
        splits += sum(bool(t.is_sent_start) for t in found)
    assert splits > 3 * len(texts) and kept > len(texts) - 5


def test_construct_makes_the_record_its_class_makes():
    import pickle

    from kg.model import Mention, Result, construct

    values = dict(paper_id="p", start=1, end=4, text="GAN", type="architecture", extractor="catalog", confidence=0.9,
                  sentence="A GAN.")
    made = construct(Mention, **values)
    assert made == Mention(**values) and made.relation == "uses" and made.long_form is None
    assert pickle.loads(pickle.dumps(made)) == made and hash(made) == hash(Mention(**values))
    assert construct(Mention, **values, cue="c", key="k") == Mention(**values, cue="c", key="k")
    with pytest.raises(TypeError, match="missing"):
        construct(Mention, **{k: v for k, v in values.items() if k != "text"})
    with pytest.raises(TypeError, match="unknown"):
        construct(Mention, **values, colour="red")
    with pytest.raises(AttributeError):  # still frozen
        made.text = "VAE"
    assert construct(Result, paper_id="p", metric="FID", value="1.9", unit="", start=0, end=3, text="x",
                     sentence="s").confidence == 0.8


def test_span_groups_carry_plain_offsets_that_follow_the_spans(nlp):
    """Each detector's group carries its spans' offsets, labels and keys as plain values (read back without making
    Span objects); a group changed in length is read from its spans instead; the doc still serialises."""
    from spacy.tokens import Doc, Span

    from extractors.spans import CATALOG_GROUP, group_entries, group_offsets, set_group

    doc = nlp.make_doc("ResNet-50 on ImageNet beats VGG on CIFAR-10.")
    for name in ("paperkg_sentences", "paperkg_catalog_matcher", "paperkg_task_phrases"):  # (not the resolver:
        doc = nlp.get_pipe(name)(doc)  # its mentions are Python records, which `Doc.to_bytes` cannot hold)
    expected = [(s.start_char, s.end_char, s.label_, s.kb_id_) for s in doc.spans[CATALOG_GROUP]]
    assert len(expected) >= 2 and [tuple(o) for o in group_offsets(doc, CATALOG_GROUP)] == expected
    restored = Doc(doc.vocab).from_bytes(doc.to_bytes())
    assert [tuple(o) for o in group_offsets(restored, CATALOG_GROUP)] == expected
    set_group(doc, "test", [Span(doc, 0, 1, label="method", kb_id="k")], [0.5], ["cue"])
    assert group_entries(doc, "test") == [(0, len(doc[0].text), "method", "k", 0.5, "cue")]
    doc.spans["test"].append(Span(doc, 2, 3, label="dataset", kb_id="d"))  # edited without set_group
    assert [tuple(o)[2:] for o in group_offsets(doc, "test")] == [("method", "k"), ("dataset", "d")]
    assert group_offsets(doc, "absent") == [] and group_entries(doc, "absent") == []


def test_short_form_uses_are_what_the_whole_word_pattern_finds():
    """`short_form_uses` (str.find) against the regular expression it stands for, on texts made of the pieces
    that trip it: plurals, hyphens, underscores, letters glued on either side."""
    import random
    import re

    from extractors.abbreviations import short_form_uses

    def expected(short: str, text: str) -> list[tuple[int, int]]:
        core = short[:-1] if short.endswith("s") and len(short) > 2 and short[-2].isupper() else short
        return [m.span() for m in re.finditer(rf"(?<![\w-]){re.escape(core)}s?(?![\w-])", text)]

    rng = random.Random(6)
    pieces = ["GAN", "GANs", "GANss", "-", " ", "_", "x", "s", "é", ".", "GA", "N", "(", ")"]
    found = 0
    for _ in range(5000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        for short in ("GAN", "GANs", "GA", "NsGAN"):
            uses = list(short_form_uses(short, text))
            assert uses == expected(short, text), (short, text)
            found += len(uses)
    assert found > 1000


def test_doc_words_are_the_word_runs_the_pattern_finds(nlp):
    """`doc_words` (the head-noun prefilter of the phrase detectors) splits ASCII text by translating non-word
    characters to spaces: the same words, in the same order, as the `[\\w-]+` runs of the lower-cased text, ASCII or
    not."""
    import random
    import re

    from extractors.spans import doc_words

    rng = random.Random(8)
    pieces = ["image", "Generation", "-", "_", " ", "\n\n", ".", ",", "(", ")", "/", "3D", "é", "ß", "∑", "'", "~", "\t"]
    for _ in range(2000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 14)))
        assert list(doc_words(nlp.make_doc(text))) == list(dict.fromkeys(re.findall(r"[\w-]+", text.lower()))), text


def test_head_finder_finds_what_its_alternation_finds(nlp, seed_files):
    """Each phrase detector's head nouns found with `str.find` (of " head " in an ASCII doc's spaced words, else among
    its words) are the whole-word matches of the alternation they stand for, on every seed paper and on texts made of
    heads, pieces of words and characters that do or do not join words."""
    import random

    from kg.corpus import read_corpus

    finders = [nlp.get_pipe(name).heads for name in
               ("paperkg_task_phrases", "paperkg_method_phrases", "paperkg_architecture_phrases")]
    texts = [paper.text for paper in read_corpus(seed_files).papers]
    rng = random.Random(11)
    pieces = ["generation", "Segmentation", "network", "networks", "distillation", "re", "-", "_", " ", "\n\n", ".",
              "(", ")", "/", "3D", "é", "’", "—", "x", "\t", "+"]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 16))) for _ in range(3000)]
    found = 0
    for text in texts:
        doc = nlp.make_doc(text)
        for finder in finders:
            spans = finder.find(doc)
            assert spans == [m.span() for m in finder.alternation.finditer(text)], text
            found += len(spans)
    assert found > 4000


def test_name_words_found_in_a_chunk_alone_are_those_found_in_place(seed_files):
    """The name detector memoises each whitespace-delimited chunk's candidate words, read from the chunk alone: the
    word pattern must find the same words there as in the paper's text (its look-behind never reaches before a
    chunk, which follows whitespace or opens the text). Checked on every seed paper and on hostile pieces."""
    import random

    from extractors.name_detector import _WORD, chunks_with_two_capitals
    from kg.corpus import read_corpus

    texts = [paper.text for paper in read_corpus(seed_files).papers]
    rng = random.Random(4)
    pieces = ["GAN", "ImageNet", "-", "@", "/", ".", " ", "\n", "v2", "(", "CLIP-based", "é", "x", "+"]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 10))) for _ in range(3000)]
    checked = 0
    for text in texts:
        for start, end in chunks_with_two_capitals(text):
            in_place = [m.span() for m in _WORD.finditer(text, start, end)]
            alone = [(start + m.start(), start + m.end()) for m in _WORD.finditer(text[start:end])]
            assert alone == in_place, (text, start, end)
            checked += 1
    assert checked > 1000


def test_chunks_with_two_capitals_are_the_whitespace_delimited_chunks_holding_two():
    """The name detector's chunks, found from their first capital and walked back to the whitespace before them, are
    the whitespace-delimited runs (any Unicode whitespace) that hold two capitals A-Z, in order."""
    import random
    import re

    from extractors.name_detector import chunks_with_two_capitals

    spaces = [chr(code) for code in range(0x3000 + 1) if chr(code).isspace()]
    rng = random.Random(10)
    pieces = ["A", "B", "a", "b", "(", "-", "é", "É", "1"] * 4 + spaces
    found = 0
    for _ in range(5000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 16)))
        expected = [m.span() for m in re.finditer(r"\S+", text) if len(re.findall("[A-Z]", m.group())) >= 2]
        assert chunks_with_two_capitals(text) == expected, repr(text)
        found += len(expected)
    assert found > 500


def test_grouped_alternation_finds_what_the_flat_one_finds():
    """`alternation` groups its phrases by first character; with and without re.IGNORECASE, and between look-arounds,
    it finds the same phrase at the same places as the plain longest-first alternation."""
    import random
    import re

    from extractors.resources import alternation

    def flat(phrases: list[str]) -> str:
        return "|".join(re.escape(p) for p in sorted(set(phrases), key=lambda p: (-len(p), p)))

    rng = random.Random(12)
    letters = ["a", "A", "b", "B", "-", " ", "é", "k", "K", "\u212a", "s", "ſ", "1", "."]
    grouped_somewhere = 0
    for _ in range(400):
        phrases = ["".join(rng.choice(letters) for _ in range(rng.randint(1, 4))) for _ in range(rng.randint(1, 12))]
        texts = ["".join(rng.choice(letters) for _ in range(rng.randint(0, 30))) for _ in range(20)]
        for flags, ignore_case in ((0, False), (re.IGNORECASE, True)):
            grouped_somewhere += "(?:" in alternation(phrases, ignore_case=ignore_case)
            for template in ("(?:{})", r"(?<![\w-])(?:{})(?![\w-])"):
                expected = re.compile(template.format(flat(phrases)), flags)
                actual = re.compile(template.format(alternation(phrases, ignore_case=ignore_case)), flags)
                for text in texts:
                    assert ([m.span() for m in actual.finditer(text)]
                            == [m.span() for m in expected.finditer(text)]), (phrases, text, flags)
    assert grouped_somewhere > 50


def test_number_pattern_tests_the_character_before_as_a_look_behind_would():
    """The result extractor's number pattern checks the character before a number after its first digit (so `re` can
    skip to digits): the same matches as the look-behind written first, on hostile strings."""
    import random
    import re

    from extractors.results import _NUMBER

    look_behind_first = re.compile(r"(?<![\w.^{/\\])(\d+(?:\.\d+)?)(?:\s*(\\?%|dB)(\+)?)?(?![\w]|\.\d)")
    rng = random.Random(14)
    pieces = list("0123456789.%+ ^{/\\ax_-é") + ["dB", "\u0663", "\\%"]
    found = 0
    for _ in range(20000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 14)))
        expected = [(m.span(), m.groups()) for m in look_behind_first.finditer(text)]
        assert [(m.span(), m.groups()) for m in _NUMBER.finditer(text)] == expected, repr(text)
        found += len(expected)
    assert found > 4000


def test_caseless_patterns_match_as_ignorecase_does(seed_files):
    """Every type and result cue matched through `CaselessPattern` (lower-cased pattern on lower-cased ASCII text)
    gives the spans `re.IGNORECASE` gives, on every seed sentence's windows and on hostile strings; patterns that
    lower-casing would change fall back to IGNORECASE."""
    import random
    import re

    from extractors.caseless import CaselessPattern, lowered_for
    from extractors.resources import load_json
    from kg.corpus import read_corpus

    cues, results = load_json("type_cues.json"), load_json("metrics.json")["result_cues"]
    patterns = [*cues["dataset_result_patterns"], *cues["dataset_following_patterns"], *results.values()]
    assert all(CaselessPattern(p).lower_case is not None for p in patterns)
    for unsafe in (r"\S+", r"\x41", r"(?P<Name>a)", r"(?i)a", "ſ"):
        assert CaselessPattern(unsafe).lower_case is None
    texts = [s for paper in read_corpus(seed_files).papers for s in re.split(r"(?<=[.!?])\s+", paper.text)]
    windows = [text[i:i + 40] for text in texts[:3000] for i in range(0, len(text), 17)]
    rng = random.Random(16)
    pieces = ["on", "ON", "the", "FID", "fid", "Top-1", " ", "  ", "256", "×", "x", "X", "%", "\\", "by", "NFE", "=",
              "Accuracy", "é", "K", "\u212a", "of only", "-", "better"]
    windows += ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 8))) for _ in range(5000)]
    matched = 0
    for pattern in patterns:
        caseless, ignorecase = CaselessPattern(pattern), re.compile(pattern, re.IGNORECASE)
        for window in windows:
            lowered = lowered_for(window)
            for ours, theirs in ((caseless.search(window, lowered), ignorecase.search(window)),
                                 (caseless.match(window, lowered), ignorecase.match(window))):
                assert (ours and ours.span()) == (theirs and theirs.span()), (pattern, window)
                matched += theirs is not None
    assert matched > 1000


def test_result_context_prefilter_passes_every_text_a_pattern_matches(seed_files):
    """`may_report_result_on` (the last word before a name) is tested before the dataset-result patterns: it must be
    true of every text one of them matches, on windows of every seed sentence and on hostile strings."""
    import random
    import re

    from extractors.context_typing import ContextTyper
    from extractors.resources import load_json
    from kg.corpus import read_corpus

    typer = ContextTyper()
    patterns = [re.compile(p, re.IGNORECASE) for p in load_json("type_cues.json")["dataset_result_patterns"]]
    texts = [paper.text for paper in read_corpus(seed_files).papers]
    windows = [text[max(0, i - 60):i] for text in texts for i in range(0, len(text), 11)]
    rng = random.Random(18)
    pieces = ["on ", "On ", "in ", "across ", "the ", "THE ", "conditional ", "class-conditional ", "FID ", "of ",
              "1.98 ", "87.8% ", "256", "×", "x", " ", "\t", "\u00a0", "SOTA ", "accuracy ", "², ", "scores ", "é"]
    windows += ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 9))) for _ in range(20000)]
    matched = 0
    for window in windows:
        if any(pattern.search(window) for pattern in patterns):
            matched += 1
            assert typer.may_report_result_on(window), repr(window)
    assert matched > 1000


def test_extension_values_are_what_doc_underscore_gives(nlp):
    """The components read and write `doc._.kg_*` through `doc.user_data` (each `doc._` access makes an object):
    what they write is what `doc._` gives, and what is set through `doc._` is what they read."""
    from extractors.spans import _DIRECT, EXTENSIONS, extension_value, set_extension_value

    assert _DIRECT  # spaCy keeps the values where the shortcut looks: the components take it
    doc = nlp("We propose VAR, which achieves 1.9 FID on ImageNet.")
    assert doc._.kg_mentions and doc._.kg_results and doc._.kg_entity_relations
    for name in EXTENSIONS:
        assert extension_value(doc, name) is getattr(doc._, name)
        mine, theirs = [name], [name, name]
        set_extension_value(doc, name, mine)
        assert getattr(doc._, name) is mine
        setattr(doc._, name, theirs)
        assert extension_value(doc, name) is theirs
    fresh = nlp.make_doc("nothing here")
    assert all(extension_value(fresh, name) is None is getattr(fresh._, name) for name in EXTENSIONS)


# ---------------------------------------------------------------- spans that are never entities

def types(found) -> dict[str, str]:
    """Each mention's text and type."""
    return {m.text: m.type for m in found[1]}


@pytest.mark.parametrize("abstract, absent, present", [
    ("All metrics correlate well except subject-driven image generation, which stays hard.",
     "except subject-driven image generation", "subject-driven image generation"),
    ("Larger teachers advance cross architecture knowledge distillation research.",
     "advance cross architecture knowledge distillation", None),
    ("The model also shows exceptional knowledge reasoning on hard questions.",
     "exceptional knowledge reasoning", None),
    ("We formulate weakly supervised localization as ranking.",
     "formulate weakly supervised localization", "weakly supervised localization"),
])
def test_a_phrase_never_starts_with_a_preposition_a_verb_or_praise(nlp, abstract, absent, present):
    found = types(mentions(nlp, "A study", abstract))
    assert absent not in found
    if present:
        assert present in found


def test_a_generic_head_alone_is_never_an_entity(nlp):
    found = types(mentions(nlp, "A study", "Network in Network structures replace attention layers. Network "
                                            "design matters, and the Model is small."))
    assert not {"Network", "Model", "network", "model"} & set(found)


def test_a_title_phrase_defined_with_an_abbreviation_is_not_a_model(nlp):
    found = types(mentions(nlp, "Battle of the Heads: comparing detectors",
                             "Battle of the Heads (BoH) compares detection heads. Mixture of Experts (MoE) layers "
                             "route tokens to experts."))
    assert "Battle of the Heads" not in found and found.get("BoH", "") == ""  # left untyped: no entity
    assert "Mixture of Experts" in found


def test_a_capitalised_catalog_word_matches_only_as_the_catalog_writes_it(nlp):
    assert "Reinforce" not in types(mentions(nlp, "Reinforce Data, Multiply Impact", "We study data curation."))
    found = types(mentions(nlp, "Policy gradients", "We train the policy with REINFORCE and a learned baseline."))
    assert found.get("REINFORCE") == "method"


# ---------------------------------------------------------------- proposals whatever the name's shape

def relations(found) -> dict[str, tuple[str, str]]:
    """Each mention's text with its type and relation (the proposing mention wins for a name used twice)."""
    out: dict[str, tuple[str, str]] = {}
    for m in found[1]:
        if m.text not in out or m.relation == "proposes":
            out[m.text] = (m.type, m.relation)
    return out


@pytest.mark.parametrize("abstract, name, kind", [
    ("We present CuriousPPO, which adds an intrinsic reward to PPO. CuriousPPO explores more.", "CuriousPPO", "method"),
    ("We introduce Glimmer, a simple recipe that improves retrieval on long documents.", "Glimmer", "method"),
    ("We propose a training scheme dubbed Zest that halves the cost of fine-tuning.", "Zest", "method"),
    ("We present SwinLite, which prunes the heads of Swin.", "SwinLite", "architecture"),
])
def test_a_proposed_name_needs_no_type_word(nlp, abstract, name, kind):
    assert relations(mentions(nlp, "A study", abstract)).get(name) == (kind, "proposes")


def test_a_capitalised_word_after_a_verb_is_not_a_name_without_a_naming_shape(nlp):
    found = relations(mentions(nlp, "A study", "We present Extensive experiments on three benchmarks and we "
                                               "introduce Bayesian optimization to tune them."))
    assert "Extensive" not in found and "Bayesian" not in found


# ---------------------------------------------------------------- names in lists

@pytest.mark.parametrize("abstract, expected", [
    ("We compare ResNet/ViT/ConvNeXt backbones on ImageNet.", ["ResNet", "ViT", "ConvNeXt"]),
    ("Encoders (BERT|RoBERTa|XLNet) are fine-tuned on GLUE.", ["BERT", "RoBERTa", "XLNet"]),
])
def test_names_joined_by_slashes_or_bars_are_split(nlp, abstract, expected):
    found = types(mentions(nlp, "A study", abstract))
    assert all(found.get(name) == "architecture" for name in expected), found


def test_a_slash_inside_one_name_is_kept(nlp):
    assert types(mentions(nlp, "A study", "We test on CIFAR-10/100 and SVHN."))["CIFAR-10/100"] == "dataset"


def test_untyped_names_take_the_type_of_the_typed_names_they_are_listed_with(nlp):
    found = types(mentions(nlp, "A study", "The system has three components, namely FooAligner, BarMixer and "
                                           "BazHead. We compare GLIP, FooDet and OWL-ViT on LVIS."))
    assert [found[n] for n in ("FooAligner", "BarMixer", "BazHead", "FooDet")] == ["architecture"] * 4


# ---------------------------------------------------------------- names in titles

@pytest.mark.parametrize("title, name, kind, relation", [
    ("Half-Precision Gated Networks for Speech Enhancement", "Half-Precision Gated Networks", "architecture",
     "proposes"),
    ("Speech Enhancement with Cascaded Gating Networks", "Cascaded Gating Networks", "architecture", "proposes"),
    ("Tree-State LSTM for Sentence Encoding", "Tree-State LSTM", "architecture", "proposes"),
    ("The Sparse Fair Autoencoder", "Sparse Fair Autoencoder", "architecture", None),
])
def test_a_title_phrase_ending_in_a_type_word_names_the_model(nlp, title, name, kind, relation):
    found = relations(mentions(nlp, title, "We study this problem on two benchmarks."))
    assert found.get(name, ("", ""))[0] == kind
    if relation:
        assert found[name][1] == relation


@pytest.mark.parametrize("title", ["Learning Transferable Architectures for Scalable Recognition",
                                   "Improved Techniques for Training Generators",
                                   "Deep Neural Networks for Acoustic Modeling"])
def test_a_title_phrase_that_is_an_activity_or_a_generic_term_names_nothing(nlp, title):
    found = relations(mentions(nlp, title, "We study this problem on two benchmarks."))
    assert not [text for text, (kind, relation) in found.items() if relation == "proposes"]


def test_a_benchmark_named_by_its_year_is_a_dataset_and_a_venue_is_not(nlp):
    found = types(mentions(nlp, "A study", "We evaluate on SemEval-2017, TREC 2019 and the NIST 2000 test set, "
                                           "as presented at CVPR 2020."))
    assert [found.get(n) for n in ("SemEval-2017", "TREC 2019", "NIST 2000")] == ["dataset"] * 3
    assert "CVPR 2020" not in found


def test_a_defined_long_form_takes_the_catalog_entry_of_its_abbreviation(nlp):
    found = mentions(nlp, "A study", "We build on a hierarchical Shifted Window Transformer (Swin) for detection.")[1]
    keys = {m.text: m.key for m in found}
    assert keys.get("Shifted Window Transformer") == keys.get("Swin") and keys["Swin"].startswith("catalog:")


@pytest.mark.parametrize("abstract, name", [
    ("Our SwiftNet halves the latency of segmentation networks on mobile phones.", "SwiftNet"),
    ("Against strong baselines, FlowLite (ours) keeps quality at a tenth of the cost.", "FlowLite"),
])
def test_a_new_name_the_paper_calls_its_own_is_proposed(nlp, abstract, name):
    assert relations(mentions(nlp, "A study", abstract))[name][1] == "proposes"


def test_a_known_model_called_ours_in_passing_is_not_proposed(nlp):
    assert relations(mentions(nlp, "A study", "We fine-tune our ResNet-50 on the new data."))["ResNet-50"][1] != \
        "proposes"


def test_a_participle_after_a_comma_proposes_what_follows_it(nlp):
    found = relations(mentions(nlp, "A study", "We extend flow networks to games, proposing adversarial flow networks "
                                               "(AdvFlowNets) for two-player games."))
    assert found["adversarial flow networks"] == ("architecture", "proposes")  # (AdvFlowNets: the same entity)


# ---------------------------------------------------------------- translation pairs, depths, title phrases by use

@pytest.mark.parametrize("abstract, pairs", [
    ("Our translation model gains 1.2 BLEU on English→Romanian and on the Chinese-English news task.",
     {"English→Romanian": "English-Romanian", "Chinese-English": "Chinese-English"}),
    ("We translate English to Japanese and report BLEU on WMT'19 En-De.",
     {"English to Japanese": "English-Japanese", "En-De": "English-German"}),
    ("We train translation systems for three language pairs: English Hindi, English Tamil and English Turkish.",
     {"English Hindi": "English-Hindi", "English Tamil": "English-Tamil", "English Turkish": "English-Turkish"}),
])
def test_a_translation_language_pair_is_a_dataset_named_by_its_languages(nlp, abstract, pairs):
    found = mentions(nlp, "A study", abstract)[1]
    typed = {m.text: m for m in found if m.type == "dataset"}
    for written, name in pairs.items():
        assert written in typed
        assert typed[written].key == nlp.get_pipe("paperkg_name_detector").key_of[name]


def test_languages_outside_translation_or_side_by_side_without_it_are_not_pairs(nlp):
    found = types(mentions(nlp, "A study", "Speakers of English German dialects were recorded; a French-German "
                                           "team labelled the clips for speaker identification."))
    assert not [text for text, kind in found.items() if "German" in text]


def test_a_depth_named_family_after_a_layer_count_is_that_depth(nlp):
    found = mentions(nlp, "A study", "A 110-layer ResNet and a 16-layer VGG beat a 2-layer LSTM; a 200-layer "
                                     "residual network is deeper.")[1]
    keys = {m.text: m.key for m in found if m.type == "architecture"}
    key_of = nlp.get_pipe("paperkg_name_detector").key_of
    assert keys["110-layer ResNet"] == key_of["ResNet-110"] and keys["16-layer VGG"] == key_of["VGG-16"]
    assert keys["200-layer residual network"] == key_of["ResNet-200"]
    assert "2-layer LSTM" not in keys and "LSTM" in keys  # an LSTM's depth is a setting, not a named model


def test_a_title_phrase_without_a_type_word_is_typed_by_how_the_abstract_uses_it(nlp):
    found = relations(mentions(nlp, "Robust Retrieval with Anchored Query Rewriting",
                                "We propose an anchored query rewriting method that keeps the entities of a query."))
    assert found["Anchored Query Rewriting"][0] == "method"
    assert found["anchored query rewriting"][0] == "method"
    untyped = relations(mentions(nlp, "Robust Retrieval with Anchored Query Rewriting",
                                 "Queries are rewritten around their entities."))
    assert "Anchored Query Rewriting" not in untyped


def test_a_title_phrase_and_its_acronym_in_the_abstract_are_one_name(nlp):
    found = mentions(nlp, "Gated Residual Mixing for Speech Enhancement",
                     "We introduce a gated residual mixing method named GRM. GRM doubles the throughput.")[1]
    keys = {m.text: m.key for m in found}
    assert keys["Gated Residual Mixing"] == keys["gated residual mixing"] == keys["GRM"]


# ---------------------------------------------------------------- proposals in more shapes

@pytest.mark.parametrize("abstract, name, kind", [
    ("To fix this, we propose Gradient Echo and Loss Folding, which together form our TrainKit toolbox.",
     "Gradient Echo", "method"),
    ("We propose a simple yet effective Cross Frame Blending module for video inpainting.",
     "Cross Frame Blending", "architecture"),
    ("We release a corpus of annotated legal contracts in six languages - LexiSet-6 - for clause retrieval.",
     "LexiSet-6", "dataset"),
    ("To measure robustness, we curate COCO-Glare: 900 photos taken against the sun.", "COCO-Glare", "dataset"),
    ("In particular, our largest filtered dataset WebPairs-2B trains stronger CLIP models.", "WebPairs-2B", "dataset"),
    ("The recipe, named TRIM (Token Reduction In Memory), keeps accuracy at half the cost.", "TRIM", "method"),
    ("We also propose patch dropping and a Depth-mixer module to keep the backbone unchanged.", "Depth-mixer",
     "architecture"),
    ("We propose two simple techniques to stabilise training: spectral noise augmentation and loss rescaling.",
     "spectral noise augmentation", "method"),
    ("Here we introduce the new task of long-horizon chart captioning, where a model describes a chart series.",
     "long-horizon chart captioning", "task"),
])
def test_proposals_in_more_shapes(nlp, abstract, name, kind):
    assert relations(mentions(nlp, "A study", abstract)).get(name) == (kind, "proposes")


def test_a_capitalised_phrase_after_an_article_names_nothing_without_a_proposal(nlp):
    found = relations(mentions(nlp, "A study", "Earlier work used a Cross Frame Blending module for inpainting."))
    assert found.get("Cross Frame Blending", ("", ""))[1] != "proposes"


# ---------------------------------------------------------------- generative families and techniques named alone

def test_a_generative_family_is_a_method_only_after_a_family_word_and_where_the_catalog_has_no_name(nlp):
    from kg.catalog import load_catalog
    from extractors.pipeline import build_pipeline
    catalog = load_catalog()
    unknown = [catalog.lookup(name).id for name in ("diffusion model", "energy-based model")]
    without = build_pipeline(exclude_catalog_ids=unknown)  # as if the catalog knew neither family
    text = "We find that discrete diffusion models beat small language models; energy-based models are slower."
    found = types(mentions(without, "A study", text))
    assert found.get("discrete diffusion models") == found.get("energy-based models") == "method"
    assert not [name for name in found if "language models" in name]
    assert "discrete diffusion models" not in types(mentions(nlp, "A study", text))  # the catalog's name wins


def test_a_technique_word_alone_is_a_method_but_not_the_end_of_a_capitalised_name(nlp):
    found = relations(mentions(nlp, "A study", "We apply quantization after pruning. We propose Staged Pruning, "
                                               "which removes heads early."))
    assert found.get("quantization", ("", ""))[0] == "method"
    assert found.get("Staged Pruning") == ("method", "proposes") and "Pruning" not in found


def test_an_architecture_word_alone_and_a_model_compared_by_a_result_are_architectures(nlp):
    found = types(mentions(nlp, "A study", "We model the latent space of pretrained autoencoders, and a hypernetwork "
                                           "predicts the weights. It outperforms PixArtQ (3.1 FID) on ImageNet."))
    assert found.get("autoencoders") == found.get("hypernetwork") == found.get("PixArtQ") == "architecture"


def test_a_result_in_parentheses_after_a_data_set_keeps_it_a_data_set(nlp):
    assert types(mentions(nlp, "A study", "It is robust on CIFAR10-Q (8.5% error)."))["CIFAR10-Q"] == "dataset"
