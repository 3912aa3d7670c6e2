from __future__ import annotations

from collections import Counter

import pytest

from kg.catalog import CatalogError, load_catalog
from kg.model import ENTITY_TYPES
from kg.names import is_acronym, normalise_name


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def test_catalog_is_large_and_covers_every_type(catalog):
    assert len(catalog) >= 600
    per_type = Counter(entry.type for entry in catalog.entries.values())
    assert set(per_type) == set(ENTITY_TYPES)
    assert all(count >= 100 for count in per_type.values())


def test_no_name_belongs_to_two_entries(catalog):
    assert catalog.conflicts == []


def test_every_parent_exists_and_types_are_valid(catalog):
    for entry in catalog.entries.values():
        assert entry.type in ENTITY_TYPES
        for parent in (entry.broader, entry.variant_of):
            assert parent is None or parent in catalog, entry.source
        assert entry.id != entry.broader and entry.id != entry.variant_of


def test_hierarchy_has_no_cycles(catalog):
    for entry in catalog.entries.values():
        seen, current = set(), entry.id
        while current:
            assert current not in seen, f"cycle through {current}"
            seen.add(current)
            current = catalog.entries[current].broader


def test_a_broken_reference_is_reported_with_file_and_line(tmp_path):
    for name in ("methods", "datasets", "architectures", "tasks"):
        (tmp_path / f"{name}.tsv").write_text("label\taliases\tbroader\tvariant_of\tgeneric\n")
    (tmp_path / "datasets.tsv").write_text("label\taliases\tbroader\tvariant_of\tgeneric\nImageNet-1K\t\t\tImageNet\t\n")
    with pytest.raises(CatalogError, match=r"datasets.tsv:2: variant_of 'ImageNet' is not a label"):
        load_catalog(tmp_path)


def test_lookup_by_any_alias_spelling(catalog):
    assert catalog.lookup("Vision Transformers").id == catalog.lookup("ViT").id
    assert catalog.lookup("ImageNet-1k").id == catalog.lookup("ImageNet 1K").id == catalog.lookup("ILSVRC-2012").id
    assert catalog.lookup("pretraining").id == catalog.lookup("pre-training").id
    assert catalog.lookup("no such thing") is None


def test_name_normalisation():
    assert normalise_name("Vision Transformers") == normalise_name("vision transformer")
    assert normalise_name("ConvNeXts") == normalise_name("ConvNeXt")
    assert normalise_name("Gaussian Processes") == normalise_name("Gaussian process")
    assert normalise_name("COCO") != normalise_name("COC")
    assert normalise_name("analysis") == "analysis"
    assert is_acronym("CLIP") and is_acronym("GPT-4") and not is_acronym("ViT") and not is_acronym("clip")
