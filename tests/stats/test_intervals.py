"""Wilson, Newcombe and Welch against statsmodels: the one place their formulas are tested."""

import math

import numpy as np
import pytest
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW, ttest_ind

from journey.stats.intervals import newcombe_difference, welch, welch_df, wilson, z_quantile

COUNTS = [(0, 1), (0, 10), (1, 10), (5, 10), (10, 10), (3, 37), (513, 5000), (999, 1000)]


@pytest.mark.parametrize(("x", "n"), COUNTS)
@pytest.mark.parametrize("alpha", [0.05, 0.01, 0.2])
def test_wilson_matches_statsmodels_proportion_confint(x, n, alpha):
    # reference: statsmodels proportion_confint(x, n, alpha, method="wilson")
    low, high = proportion_confint(x, n, alpha=alpha, method="wilson")
    assert wilson(x, n, alpha) == pytest.approx((low, high), abs=1e-12)


def test_wilson_of_no_answers_is_nan():
    assert all(math.isnan(v) for v in wilson(0, 0))


@pytest.mark.parametrize(("x1", "n1", "x0", "n0"), [(3, 4, 1, 6), (0, 12, 4, 30), (90, 300, 30, 260), (7, 7, 0, 5)])
@pytest.mark.parametrize("alpha", [0.05, 0.1])
def test_newcombe_matches_statsmodels_confint_proportions_2indep(x1, n1, x0, n0, alpha):
    # reference: statsmodels confint_proportions_2indep(x1, n1, x0, n0, method="newcomb", compare="diff")
    low, high = confint_proportions_2indep(x1, n1, x0, n0, method="newcomb", compare="diff", alpha=alpha)
    d, lo, hi = newcombe_difference(x1, n1, x0, n0, alpha)
    assert d == pytest.approx(x1 / n1 - x0 / n0, abs=1e-15)
    assert (lo, hi) == pytest.approx((low, high), abs=1e-12)


def test_newcombe_with_an_empty_group_is_nan():
    assert all(math.isnan(v) for v in newcombe_difference(1, 4, 0, 0))


def test_welch_matches_statsmodels_ttest_ind_and_tconfint_diff():
    rng = np.random.default_rng(7)
    a, b = rng.normal(3.2, 1.0, 25), rng.normal(2.6, 2.5, 40)
    r = welch(a.mean(), a.var(ddof=1), len(a), b.mean(), b.var(ddof=1), len(b), alpha=0.1)
    # reference: statsmodels ttest_ind(a, b, usevar="unequal") -> (t, p, df)
    t, p, df = ttest_ind(a, b, usevar="unequal")
    assert (r.statistic, r.pvalue, r.df) == pytest.approx((t, p, df), rel=1e-10)
    # reference: CompareMeans(DescrStatsW(a), DescrStatsW(b)).tconfint_diff(alpha=0.1, usevar="unequal")
    low, high = CompareMeans(DescrStatsW(a), DescrStatsW(b)).tconfint_diff(alpha=0.1, usevar="unequal")
    assert (r.effect_ci_lower, r.effect_ci_upper) == pytest.approx((low, high), rel=1e-10)


def test_welch_df_is_the_satterthwaite_formula():
    # reference: the formula evaluated by hand, (v1 + v2)² / (v1²/d1 + v2²/d2)
    assert welch_df(0.5, 9, 0.25, 19) == pytest.approx(0.75**2 / (0.25 / 9 + 0.0625 / 19), rel=1e-14)
    assert welch_df(0.0, 9, 0.0, 19) == math.inf


def test_welch_with_too_few_values_or_no_spread_is_nan():
    assert math.isnan(welch(1.0, 1.0, 1, 2.0, 1.0, 10).pvalue)
    assert math.isnan(welch(1.0, 0.0, 5, 2.0, 0.0, 10).se)


def test_z_quantile_is_the_normal_quantile():
    assert z_quantile(0.05) == pytest.approx(1.959963984540054, rel=1e-15)


def test_wald_table_equals_statsmodels_logit_intervals_and_pvalues():
    import numpy as np
    import pandas as pd
    import statsmodels.api as sm

    from journey.stats.intervals import wald_table

    rng = np.random.default_rng(2)
    x = pd.DataFrame({"const": 1.0, "a": rng.normal(size=400), "b": rng.normal(size=400)})
    y = (rng.random(400) < 1 / (1 + np.exp(-(0.3 + 0.8 * x["a"] - 0.5 * x["b"])))).astype(float)
    fit = sm.Logit(y, x).fit(disp=0)
    table = wald_table(fit.params, fit.bse, alpha=0.1, ratio="odds_ratio")
    ci = fit.conf_int(alpha=0.1)  # statsmodels' Wald interval on the coefficients
    np.testing.assert_allclose(table["coef_ci_lower"], ci[0], rtol=1e-10)
    np.testing.assert_allclose(table["coef_ci_upper"], ci[1], rtol=1e-10)
    np.testing.assert_allclose(table["pvalue"], fit.pvalues, rtol=1e-9)
    np.testing.assert_allclose(table["odds_ratio_ci_upper"], np.exp(ci[1]), rtol=1e-10)
