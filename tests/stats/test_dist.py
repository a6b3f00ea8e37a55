"""The scalar distribution helpers give scipy.stats' numbers (they call the same special functions)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from journey.stats import dist

POINTS = [-40.0, -8.5, -1.96, -1e-9, 0.0, 0.3, 1.0, 1.959963984540054, 5.0, 12.0, 38.0, 60.0]
PROBABILITIES = [1e-300, 1e-30, 1e-9, 0.001, 0.025, 0.05, 0.5, 0.8, 0.975, 1 - 1e-12]
DFS = [1.0, 2.5, 9.0, 57.3, 1e4, 1e9]


@pytest.mark.parametrize("x", POINTS)
def test_normal_tail_and_density_equal_scipy(x):
    assert dist.norm_sf(x) == stats.norm.sf(x)  # same ndtr call: equal to the bit
    assert dist.norm_pdf(x) == pytest.approx(stats.norm.pdf(x), rel=1e-15, abs=0)


@pytest.mark.parametrize("q", PROBABILITIES)
def test_normal_quantile_equals_scipy(q):
    assert dist.norm_isf(q) == stats.norm.isf(q)


@pytest.mark.parametrize("df", DFS)
def test_t_tail_and_quantile_equal_scipy(df):
    for x in POINTS:
        assert dist.t_sf(x, df) == stats.t.sf(x, df)
    for q in PROBABILITIES[2:]:
        assert dist.t_isf(q, df) == stats.t.isf(q, df)


def test_infinite_df_is_the_normal_and_tails_do_not_underflow():
    assert dist.t_sf(3.0, math.inf) == stats.norm.sf(3.0)
    assert dist.t_isf(0.025, math.inf) == stats.norm.isf(0.025)
    assert 0 < dist.norm_sf(30.0) < 1e-190 and 1 - stats.norm.cdf(30.0) == 0  # 1 - cdf would underflow
    assert dist.t_sf(30.0, 1e9) > 0 and dist.t_sf(30.0, 3.0) > 0


@pytest.mark.parametrize("df", [1, 2, 7, 30])
def test_chi_square_tail_equals_scipy(df):
    for x in np.r_[0.0, np.geomspace(1e-6, 2000, 15)]:
        assert dist.chi2_sf(x, df) == stats.chi2.sf(x, df)


def test_nan_in_nan_out():
    assert all(math.isnan(v) for v in (dist.norm_sf(math.nan), dist.t_isf(0.05, math.nan), dist.t_sf(math.nan, 5)))


def test_array_forms_equal_scipy_elementwise():
    x = np.array(POINTS)
    # reference: scipy.stats.norm.sf / norm.pdf on the same array
    np.testing.assert_array_equal(dist.norm_sf_array(x), stats.norm.sf(x))
    np.testing.assert_allclose(dist.norm_pdf_array(x), stats.norm.pdf(x), rtol=1e-14, atol=0)


@pytest.mark.parametrize(
    "module",
    [
        "journey.experiments.power",
        "journey.experiments.sequential",
        "journey.experiments.segments",
        "journey.experiments.estimators",
        "journey.feedback.scores",
    ],
)
def test_statistics_modules_take_distributions_from_the_one_core(module):
    # one spelling: tails and quantiles come from journey.stats.dist, not scipy.stats per module
    import importlib

    mod = importlib.import_module(module)
    assert getattr(mod, "dist", None) is dist
    assert getattr(mod, "stats", None) is not stats
