"""One thing, one node: the duplicate check itself, and the seeds graph measured with it (target 0)."""

from __future__ import annotations

from typer.testing import CliRunner

from kg.cli import app
from kg.duplicates import duplicate_pairs, initials
from kg.model import Entity


def test_initials_and_pairs():
    assert initials("Variational AutoEncoder") == "VAE"
    assert initials("generative adversarial network") == "GAN"
    assert initials("Learning to Rank for Retrieval") == "LRR"
    entities = {e.id: e for e in [
        Entity("gan", "GAN", "method"), Entity("generative-adversarial-network", "generative adversarial network", "method"),
        Entity("vit", "vision transformers", "architecture"), Entity("vision-transformer", "Vision Transformer", "architecture"),
        Entity("ac", "AC", "dataset"), Entity("action-recognition", "action recognition", "task"),
        Entity("gpt", "GPT", "architecture"), Entity("gp", "generative pre-training", "method"),
        Entity("a-c", "anomaly classification", "dataset"),
    ]}
    pairs = {(p.first, p.second, p.reason) for p in duplicate_pairs(entities)}
    assert pairs == {("gan", "generative-adversarial-network", "abbreviation"),
                     ("vision-transformer", "vit", "same normalised label"),
                     ("a-c", "ac", "abbreviation")}  # same type: a duplicate; GPT vs a method of that name: not


def test_the_seeds_graph_has_no_duplicate_nodes(seeds_exports):
    outcome = CliRunner().invoke(app, ["duplicates", "--data", str(seeds_exports[1])])
    assert outcome.exit_code == 0, outcome.output
    assert outcome.output.strip().endswith("(rate 0.0000)"), outcome.output
    assert outcome.output.startswith("0 duplicate pairs")
