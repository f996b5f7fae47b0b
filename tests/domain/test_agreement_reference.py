"""Our agreement figures against the reference implementations (krippendorff, scikit-learn,
statsmodels, scipy) on generated data: missing ratings, ties, nominal vs ordinal vs interval, and
the cases where a figure is undefined (null with a reason, never a made-up 1.0)."""

from __future__ import annotations

import random

import krippendorff
import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import aggregate_raters
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from reviewdesk.domain.agreement import (
    ALL_IDENTICAL,
    FEWER_THAN_2_ITEMS,
    FEWER_THAN_2_PAIRS,
    cohen_kappa,
    fleiss_kappa,
    krippendorff_alpha,
    percent_agreement,
    spearman,
)

OPTIONS = ["bad", "poor", "fair", "good", "great"]
SEEDS = range(12)


def _ratings(seed: int, raters: int = 4, items: int = 30, missing: float = 0.25) -> list[list[str | None]]:
    """raters × items, mostly near a per-item truth (so figures vary), with gaps."""
    rng = random.Random(seed)
    truth = [rng.randrange(len(OPTIONS)) for _ in range(items)]
    table = []
    for _ in range(raters):
        row = []
        for t in truth:
            if rng.random() < missing:
                row.append(None)
            else:
                row.append(OPTIONS[min(len(OPTIONS) - 1, max(0, t + rng.choice([-1, 0, 0, 0, 1, 2])))])
        table.append(row)
    return table


def _units(table: list[list]) -> list[list]:
    return [[row[i] for row in table if row[i] is not None] for i in range(len(table[0]))]


def _reliability(table: list[list], domain: list) -> np.ndarray:
    return np.array([[np.nan if v is None else domain.index(v) for v in row] for row in table], dtype=float)


@pytest.mark.parametrize("seed", SEEDS)
def test_alpha_matches_krippendorff_nominal_and_ordinal_with_missing_ratings(seed):
    table = _ratings(seed)
    data = _reliability(table, OPTIONS)
    for level in ("nominal", "ordinal"):
        ours = krippendorff_alpha(_units(table), level, OPTIONS if level == "ordinal" else None)
        ref = krippendorff.alpha(
            reliability_data=data, level_of_measurement=level, value_domain=list(range(len(OPTIONS)))
        )
        assert ours.value == pytest.approx(ref, abs=1e-12)


def test_nominal_alpha_does_not_depend_on_option_order_but_ordinal_does():
    table = _ratings(3)
    shuffled = ["fair", "great", "bad", "good", "poor"]
    units = _units(table)
    assert krippendorff_alpha(units, "nominal").value == pytest.approx(
        krippendorff_alpha(list(reversed(units)), "nominal").value, abs=1e-12
    )
    assert krippendorff_alpha(units, "ordinal", OPTIONS).value != pytest.approx(
        krippendorff_alpha(units, "ordinal", shuffled).value, abs=1e-6
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_interval_alpha_matches_krippendorff(seed):
    rng = random.Random(seed)
    table = [
        [None if rng.random() < 0.2 else round(rng.uniform(1, 5), 1) for _ in range(25)] for _ in range(3)
    ]
    data = np.array([[np.nan if v is None else v for v in row] for row in table])
    ours = krippendorff_alpha(_units(table), "interval")
    assert ours.value == pytest.approx(
        krippendorff.alpha(reliability_data=data, level_of_measurement="interval")
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_cohen_kappa_matches_scikit_learn_unweighted_and_quadratic(seed):
    table = _ratings(seed, raters=2, items=40, missing=0.0)
    a, b = table
    pairs = list(zip(a, b, strict=True))
    assert cohen_kappa(pairs, "nominal").value == pytest.approx(cohen_kappa_score(a, b), abs=1e-12)
    quadratic = cohen_kappa_score(a, b, labels=OPTIONS, weights="quadratic")
    assert cohen_kappa(pairs, "ordinal", OPTIONS).value == pytest.approx(quadratic, abs=1e-12)


def test_interval_kappa_is_quadratic_kappa_on_an_evenly_spaced_scale():
    rng = random.Random(5)
    a = [rng.randint(1, 5) for _ in range(50)]
    b = [min(5, max(1, x + rng.choice([-1, 0, 1]))) for x in a]
    ref = cohen_kappa_score(a, b, labels=[1, 2, 3, 4, 5], weights="quadratic")
    assert cohen_kappa(list(zip(a, b, strict=True)), "interval").value == pytest.approx(ref, abs=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_fleiss_kappa_matches_statsmodels(seed):
    table = _ratings(seed, raters=5, items=30, missing=0.0)
    units = _units(table)
    counts, _categories = aggregate_raters(np.array([[OPTIONS.index(v) for v in u] for u in units]))
    assert fleiss_kappa(units).value == pytest.approx(sm_fleiss_kappa(counts, method="fleiss"), abs=1e-12)


def test_spearman_with_ties_matches_scipy():
    rng = random.Random(9)
    xs = [rng.randint(1, 4) for _ in range(60)]
    ys = [x + rng.choice([-1, 0, 0, 1]) for x in xs]
    assert spearman(xs, ys) == pytest.approx(stats.spearmanr(xs, ys).statistic, abs=1e-12)


def test_undefined_figures_are_null_with_a_reason():
    identical = [["good", "good"], ["good", "good", "good"], ["good", "good"]]
    for estimate in (
        krippendorff_alpha(identical, "nominal"),
        krippendorff_alpha(identical, "ordinal", OPTIONS),
        fleiss_kappa([["good", "good"], ["good", "good"]]),
        cohen_kappa([("good", "good"), ("good", "good")]),
    ):
        assert estimate.value is None and estimate.reason == ALL_IDENTICAL
    # The references agree there is nothing to report: krippendorff refuses, scikit-learn gives NaN.
    with pytest.raises(ValueError):
        krippendorff.alpha(reliability_data=[[1, 1, 1], [1, 1, 1]], level_of_measurement="nominal")
    with pytest.warns(Warning):
        assert np.isnan(cohen_kappa_score(["good", "good"], ["good", "good"]))
    one_item = krippendorff_alpha([["good", "bad"], ["fair"]], "nominal")
    assert one_item.value is None and one_item.reason == FEWER_THAN_2_ITEMS
    one_pair = cohen_kappa([("good", "bad")])
    assert one_pair.value is None and one_pair.reason == FEWER_THAN_2_PAIRS
    assert percent_agreement([["good"]]).value is None


def test_bootstrap_interval_is_seeded_and_brackets_the_estimate():
    units = _units(_ratings(1, raters=3, items=40))
    first = krippendorff_alpha(units, "nominal", bootstrap=500, seed=7)
    again = krippendorff_alpha(units, "nominal", bootstrap=500, seed=7)
    assert first.interval == again.interval
    low, high = first.interval
    assert low < first.value < high and low >= -1 and high <= 1
    pairs = [(u[0], u[1]) for u in units if len(u) >= 2]
    kappa = cohen_kappa(pairs, "ordinal", OPTIONS, bootstrap=500, seed=7)
    assert kappa.interval[0] < kappa.value < kappa.interval[1]
