"""The build benchmark's statistics (the benchmark itself runs outside the suite: `make bench`)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench" / "run.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("paperkg_bench_run", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_median_interval_is_the_order_statistics_that_cover_the_median(bench):
    # ten rounds: the 2nd and 9th smallest cover the median with probability 1 - 2 * 11/1024 = 97.9% (>= 95%);
    # the 3rd and 8th only with 89.1%
    rounds = [1.80, 1.61, 1.70, 1.64, 1.74, 1.69, 1.71, 1.67, 1.73, 1.66]
    assert bench.median_interval(rounds) == (1.64, 1.74)
    assert bench.median_interval(rounds, confidence=0.80) == (1.66, 1.73)


def test_too_few_rounds_give_no_interval_and_the_table_shows_the_median_alone(bench):
    assert bench.median_interval([0.21, 0.20, 0.19, 0.22, 0.20]) is None  # five rounds cover it with 93.8% at most
    assert bench._median([0.2, 0.21]) == "0.205"
    assert bench._median([1.80, 1.61, 1.70, 1.64, 1.74, 1.69, 1.71, 1.67, 1.73, 1.66], 3, "×") == "1.695× (1.640–1.740)"
