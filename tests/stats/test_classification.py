"""AUC, Brier and the reliability curve against scikit-learn and brute-force formulas."""

import math

import numpy as np
import pytest
from sklearn.calibration import calibration_curve
from sklearn.metrics import brier_score_loss, roc_auc_score
from statsmodels.stats.proportion import proportion_confint

from journey.stats.classification import auc, brier, midranks, reliability_curve
from journey.validation import JourneyInputError


def _scored(n: int, seed: int, ties: bool = False):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(x - 0.7)))).astype(int)
    p = 1 / (1 + np.exp(-(0.8 * x - 0.5)))
    if ties:
        p = np.round(p, 1)  # many tied scores across classes
    return y, p


@pytest.mark.parametrize(("n", "seed", "ties"), [(40, 1, False), (500, 2, False), (300, 3, True)])
def test_auc_equals_sklearn_roc_auc_score(n, seed, ties):
    y, p = _scored(n, seed, ties)
    # reference: sklearn.metrics.roc_auc_score(y, p)
    assert auc(y, p).auc == pytest.approx(roc_auc_score(y, p), abs=1e-12)


def test_auc_se_is_delongs_variance_from_pairwise_placements():
    y, p = _scored(60, 4, ties=True)
    pos, neg = p[y == 1], p[y == 0]
    # reference: DeLong et al. (1988) structural components by brute force over all pairs,
    # psi(x, y) = 1 if x > y, 1/2 if x == y, 0 otherwise
    psi = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])
    v10, v01 = psi.mean(axis=1), psi.mean(axis=0)
    se = math.sqrt(v10.var(ddof=1) / len(pos) + v01.var(ddof=1) / len(neg))
    r = auc(y, p, alpha=0.1)
    assert r.se == pytest.approx(se, rel=1e-12)
    z = 1.6448536269514722
    assert (r.auc_ci_lower, r.auc_ci_upper) == pytest.approx((psi.mean() - z * se, psi.mean() + z * se), rel=1e-12)
    assert (r.positives, r.negatives) == (len(pos), len(neg))


def test_auc_without_a_class_is_nan_with_a_status():
    r = auc([1, 1, 1], [0.2, 0.5, 0.9])
    assert math.isnan(r.auc) and math.isnan(r.se)
    assert r.status == "no negative outcomes: AUC is undefined"


def test_auc_rejects_outcomes_that_are_not_zero_or_one():
    with pytest.raises(JourneyInputError, match=r"^auc: outcome 2 is not 0 or 1 \(first at row 1\); expected 0/1"):
        auc([0, 2, 1], [0.1, 0.2, 0.3])


def test_brier_equals_sklearn_and_skill_is_against_the_base_rate():
    y, p = _scored(400, 5)
    r = brier(y, p)
    # reference: sklearn.metrics.brier_score_loss(y, p)
    assert r.brier == pytest.approx(brier_score_loss(y, p), abs=1e-15)
    # reference: the base-rate forecast's Brier score, evaluated directly
    base = brier_score_loss(y, np.full(len(y), y.mean()))
    assert r.reference == pytest.approx(base, rel=1e-12)
    assert r.skill == pytest.approx(1 - r.brier / base, rel=1e-12)


@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
def test_reliability_curve_equals_sklearn_calibration_curve(strategy):
    y, p = _scored(700, 6)
    p[:5] = [0.1, 0.2, 0.5, 0.7, 1.0]  # probabilities on inner and outer edges
    curve = reliability_curve(y, p, bins=10, strategy=strategy)
    # reference: sklearn.calibration.calibration_curve(y, p, n_bins=10, strategy=strategy)
    observed, predicted = calibration_curve(y, p, n_bins=10, strategy=strategy)
    np.testing.assert_allclose(curve["observed"], observed, rtol=1e-12)
    np.testing.assert_allclose(curve["predicted"], predicted, rtol=1e-12)
    assert curve["customers"].sum() == len(y)
    # reference: statsmodels proportion_confint(..., method="wilson") for each bin
    row = curve.iloc[0]
    low, high = proportion_confint(round(row.observed * row.customers), row.customers, method="wilson")
    assert (row.observed_ci_lower, row.observed_ci_upper) == pytest.approx((low, high), abs=1e-12)


def test_reliability_curve_rejects_an_unknown_strategy():
    with pytest.raises(
        JourneyInputError, match=r"^strategy: unknown value 'kmeans'; expected one of 'quantile', 'uniform'"
    ):
        reliability_curve([0, 1], [0.2, 0.8], strategy="kmeans")


def test_midranks_equal_scipy_rankdata_average():
    from scipy.stats import rankdata

    values = np.array([3.0, 1.0, 3.0, 2.0, 3.0, 1.0, 7.5])
    # reference: scipy.stats.rankdata(values, method="average")
    np.testing.assert_array_equal(midranks(values), rankdata(values))
