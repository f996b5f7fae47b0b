"""Agreement statistics against published worked examples."""

from __future__ import annotations

import pytest

from reviewdesk.domain.agreement import (
    cohen_kappa,
    fleiss_kappa,
    krippendorff_alpha,
    pearson,
    percent_agreement,
    spearman,
)

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": 4 coders, 12 units, gaps allowed.
CODERS = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]
UNITS = [[c[u] for c in CODERS if c[u] is not None] for u in range(12)]


def test_krippendorff_alpha_matches_the_published_example():
    assert krippendorff_alpha(UNITS, "nominal").value == pytest.approx(0.743, abs=1e-3)
    assert krippendorff_alpha(UNITS, "ordinal", order=[1, 2, 3, 4, 5]).value == pytest.approx(0.815, abs=1e-3)
    assert krippendorff_alpha(UNITS, "interval").value == pytest.approx(0.849, abs=1e-3)


def test_fleiss_kappa_matches_the_textbook_example():
    table = [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
    units = [[category for category, n in enumerate(row) for _ in range(n)] for row in table]
    assert fleiss_kappa(units).value == pytest.approx(0.210, abs=1e-3)
    unequal = fleiss_kappa([[1, 2], [1, 2, 3]])  # raters per item must be fixed
    assert unequal.value is None and unequal.reason == "items have different numbers of ratings"


def test_cohen_kappa_two_raters():
    pairs = [("yes", "yes")] * 20 + [("yes", "no")] * 5 + [("no", "yes")] * 10 + [("no", "no")] * 15
    assert cohen_kappa(pairs).value == pytest.approx(0.4)
    perfect = [(1, 1), (2, 2), (3, 3)]
    assert cohen_kappa(perfect, "ordinal", [1, 2, 3]).value == pytest.approx(1.0)
    # Off by one on an ordered scale is a smaller disagreement than off by two.
    near = cohen_kappa([(1, 2), (2, 3), (3, 3), (1, 1)], "ordinal", [1, 2, 3]).value
    far = cohen_kappa([(1, 3), (3, 1), (3, 3), (1, 1)], "ordinal", [1, 2, 3]).value
    assert near > far


def test_percent_agreement_and_correlations():
    assert percent_agreement([["a", "a"], ["a", "b"], ["b", "b", "b"]]).value == pytest.approx(4 / 5)
    assert percent_agreement([["a"]]).value is None
    assert pearson([1, 2, 3], [2, 4, 6]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [10, 20, 30, 1]) == pytest.approx(-0.2)
