"""Two-arm estimators against statsmodels / scipy / hand formulas."""

import math

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats import proportion as smprop
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest
from statsmodels.stats.weightstats import ttest_ind

from journey.experiments.estimators import compare, fieller_interval, two_sided_pvalue
from journey.experiments.stats import Moments


def _arrays(seed=0, n_c=800, n_t=800, slope=1.5, effect=0.3):
    rng = np.random.default_rng(seed)
    xc, xt = rng.normal(5, 2, n_c), rng.normal(5, 2, n_t)
    yc = 2 + slope * xc + rng.normal(0, 1, n_c)
    yt = 2 + effect + slope * xt + rng.normal(0, 1, n_t)
    return xc, yc, xt, yt


def test_welch_matches_statsmodels_ttest_ind_unequal():
    rng = np.random.default_rng(1)
    yc, yt = rng.normal(10, 3, 500), rng.normal(10.6, 4, 700)
    r = compare(Moments.from_arrays({"y": yc}), Moments.from_arrays({"y": yt}), "y")
    # reference: statsmodels ttest_ind(x1, x2, usevar='unequal') -> (t, p, df)
    tstat, p, df = ttest_ind(yt, yc, usevar="unequal")
    assert r.statistic == pytest.approx(tstat, rel=1e-10)
    assert r.pvalue == pytest.approx(p, rel=1e-9)
    assert r.df == pytest.approx(df, rel=1e-9)
    q = stats.t.isf(0.025, df)
    se = math.sqrt(yc.var(ddof=1) / 500 + yt.var(ddof=1) / 700)
    assert r.effect_ci_lower == pytest.approx(yt.mean() - yc.mean() - q * se, rel=1e-9)


def test_unpooled_proportion_test_and_interval_match_statsmodels_wald():
    r = compare(Moments.proportion(1000, 100), Moments.proportion(1100, 140), "y", kind="proportion")
    # reference: statsmodels smprop.test_proportions_2indep(..., method="wald", compare="diff") (unpooled z)
    ref = smprop.test_proportions_2indep(140, 1100, 100, 1000, method="wald", compare="diff")
    assert r.statistic == pytest.approx(ref.statistic, rel=1e-10)
    assert r.pvalue == pytest.approx(ref.pvalue, rel=1e-9)
    lo, hi = confint_proportions_2indep(140, 1100, 100, 1000, method="wald", compare="diff")
    assert (r.effect_ci_lower, r.effect_ci_upper) == pytest.approx((lo, hi), rel=1e-9)


def test_pooled_proportion_switches_test_and_interval_to_the_pooled_se():
    r = compare(Moments.proportion(1000, 100), Moments.proportion(1100, 140), "y", kind="proportion", pooled=True)
    z, p = proportions_ztest([140, 100], [1100, 1000])  # reference: pooled-variance z
    assert r.statistic == pytest.approx(z, rel=1e-10)
    assert r.pvalue == pytest.approx(p, rel=1e-9)
    rate = 240 / 2100  # the interval uses the same pooled SE: formula evaluated here
    se0 = math.sqrt(rate * (1 - rate) * (1 / 1000 + 1 / 1100))
    q = stats.norm.isf(0.025)
    d = 140 / 1100 - 100 / 1000
    assert (r.effect_ci_lower, r.effect_ci_upper) == pytest.approx((d - q * se0, d + q * se0), rel=1e-12)
    assert r.se == pytest.approx(se0, rel=1e-12) and "pooled" in r.method


@pytest.mark.parametrize("pooled", [False, True])
def test_proportion_pvalue_below_alpha_exactly_when_interval_excludes_zero(pooled):
    # the two cases of issue #12 (pooled p with an unpooled interval disagreed), then a grid
    cases = [(5000, 513, 5000, 574), (8000, 100, 2000, 37)]
    cases += [(n_c, x_c, n_t, x_t) for n_c in (200, 2000, 8000) for n_t in (150, 2000) for x_c in (3, 40, 90)
              for x_t in range(1, 140, 7) if x_c <= n_c and x_t <= n_t]  # fmt: skip
    for alpha in (0.05, 0.01):
        for n_c, x_c, n_t, x_t in cases:
            r = compare(
                Moments.proportion(n_c, x_c), Moments.proportion(n_t, x_t), "y", kind="proportion", alpha=alpha,
                pooled=pooled,
            )  # fmt: skip
            excludes = r.effect_ci_lower > 0 or r.effect_ci_upper < 0
            assert (r.pvalue < alpha) == excludes, (n_c, x_c, n_t, x_t, alpha, r.pvalue)


def test_pvalue_uses_survival_function_without_underflow():
    assert two_sided_pvalue(30.0) > 0  # 2 * (1 - cdf(30)) is exactly 0
    assert two_sided_pvalue(30.0) == pytest.approx(2 * stats.norm.sf(30), rel=1e-12)
    r = compare(Moments.proportion(100_000, 10_000), Moments.proportion(100_000, 13_000), "y", kind="proportion")
    assert 0 < r.pvalue < 1e-60


def test_cuped_pooled_equals_ols_coefficient_on_treatment():
    xc, yc, xt, yt = _arrays()
    r = compare(
        Moments.from_arrays({"y": yc, "x": xc}),
        Moments.from_arrays({"y": yt, "x": xt}),
        "y",
        None,
        ["x"],
        adjustment="pooled",
    )
    treat = np.r_[np.zeros(len(yc)), np.ones(len(yt))]
    fit = sm.OLS(np.r_[yc, yt], sm.add_constant(np.column_stack([treat, np.r_[xc, xt]]))).fit()
    assert r.effect_size == pytest.approx(fit.params[1], rel=1e-10)  # algebraic identity
    # SE: equal arms, so the per-arm residual variances equal the pooled one up to O(1/n) dof terms
    assert r.se == pytest.approx(fit.bse[1], rel=3e-3)
    unadj = yt.var(ddof=1) / len(yt) + yc.var(ddof=1) / len(yc)
    assert r.variance_reduction == pytest.approx(1 - r.se**2 / unadj, rel=1e-9)
    assert r.variance_reduction > 0.8


def test_lin_adjustment_equals_interacted_ols_with_several_covariates():
    rng = np.random.default_rng(3)
    n_c, n_t = 600, 900
    x = rng.normal(size=(n_c + n_t, 2))
    treat = np.r_[np.zeros(n_c), np.ones(n_t)]
    y = 1 + x @ [1.0, -0.5] + treat * (0.2 + 0.3 * x[:, 0]) + rng.normal(0, 1, n_c + n_t)
    cols = lambda s: {"y": y[s], "x1": x[s, 0], "x2": x[s, 1]}  # noqa: E731
    c, t = slice(0, n_c), slice(n_c, None)
    r = compare(Moments.from_arrays(cols(c)), Moments.from_arrays(cols(t)), "y", None, ["x1", "x2"])
    xc = x - x.mean(axis=0)
    design = sm.add_constant(np.column_stack([treat, xc, xc * treat[:, None]]))
    fit = sm.OLS(y, design).fit(cov_type="HC2")  # Lin (2013): interacted OLS, robust SE
    assert r.effect_size == pytest.approx(fit.params[1], rel=1e-10)
    # the default counts the variance of the pooled covariate mean: exactly se_sample² + ΔᵀΣΔ/N,
    # Δ the difference of the arms' OLS slopes, Σ the size-weighted within-arm covariance
    sample = compare(Moments.from_arrays(cols(c)), Moments.from_arrays(cols(t)), "y", None, ["x1", "x2"], se="sample")
    arm_fit = {a: sm.OLS(y[s], sm.add_constant(x[s])).fit() for a, s in (("c", c), ("t", t))}  # reference fits
    delta = arm_fit["t"].params[1:] - arm_fit["c"].params[1:]
    sigma = (n_c * np.cov(x[c], rowvar=False) + n_t * np.cov(x[t], rowvar=False)) / (n_c + n_t)
    assert r.se**2 == pytest.approx(sample.se**2 + delta @ sigma @ delta / (n_c + n_t), rel=1e-10)
    # se="sample" is Σ_a s²_e/n_a with the arm's residual variance (ssr / (n_a - 1)) from statsmodels OLS
    expected = sum(arm_fit[a].ssr / (n * (n - 1)) for a, n in (("c", n_c), ("t", n_t)))
    assert sample.se**2 == pytest.approx(expected, rel=1e-10)
    assert sample.effect_size == r.effect_size
    # and it is what HC2 estimates; HC2 divides each squared residual by 1 - leverage, which needs
    # per-unit data, so they agree to O(k/n) (here 0.04%), not to rounding
    assert sample.se == pytest.approx(fit.bse[1], rel=2e-3)


def test_sample_and_population_se_agree_with_one_pooled_slope():
    xc, yc, xt, yt = _arrays(seed=4)
    arms = Moments.from_arrays({"y": yc, "x": xc}), Moments.from_arrays({"y": yt, "x": xt})
    pop = compare(*arms, "y", None, ["x"], adjustment="pooled")
    sample = compare(*arms, "y", None, ["x"], adjustment="pooled", se="sample")
    assert sample.se == pytest.approx(pop.se, rel=1e-12)  # Δ = 0: no covariate-mean term


def test_ratio_delta_method_matches_bootstrap():
    rng = np.random.default_rng(5)
    n = 4000
    den_c, den_t = 1 + rng.poisson(3, n), 1 + rng.poisson(3, n)
    num_c, num_t = rng.binomial(den_c, 0.2), rng.binomial(den_t, 0.22)
    r = compare(
        Moments.from_arrays({"o": num_c, "s": den_c}),
        Moments.from_arrays({"o": num_t, "s": den_t}),
        "o",
        "s",
        kind="ratio",
    )
    assert r.effect_size == pytest.approx(num_t.sum() / den_t.sum() - num_c.sum() / den_c.sum(), rel=1e-12)
    b = 2000  # nonparametric bootstrap over users (multinomial resampling weights)
    wc, wt = rng.multinomial(n, np.full(n, 1 / n), b), rng.multinomial(n, np.full(n, 1 / n), b)
    boot = wt @ num_t / (wt @ den_t) - wc @ num_c / (wc @ den_c)
    rel_boot = (wt @ num_t / (wt @ den_t)) / (wc @ num_c / (wc @ den_c)) - 1
    # bootstrap SE has Monte Carlo error ~ 1/sqrt(2B) = 1.6%: 6% tolerance
    assert r.se == pytest.approx(boot.std(ddof=1), rel=0.06)
    assert r.rel_se == pytest.approx(rel_boot.std(ddof=1), rel=0.06)


def test_ratio_adjustment_reduces_variance_with_pre_period_ratio():
    rng = np.random.default_rng(6)
    n = 3000
    eng = rng.gamma(2, 1, 2 * n)
    den, pre_den = 1 + rng.poisson(2 * eng), 1 + rng.poisson(2 * eng)
    num, pre_num = rng.binomial(den, 0.1 * eng / 2 + 0.05), rng.binomial(pre_den, 0.1 * eng / 2 + 0.05)
    arm = lambda s: {"o": num[s], "s": den[s], "po": pre_num[s], "ps": pre_den[s]}  # noqa: E731
    c, t = Moments.from_arrays(arm(slice(0, n))), Moments.from_arrays(arm(slice(n, None)))
    plain = compare(c, t, "o", "s", kind="ratio")
    adj = compare(c, t, "o", "s", ["po", "ps"], kind="ratio")
    assert adj.variance_reduction > 0.2
    assert adj.se**2 == pytest.approx(plain.se**2 * (1 - adj.variance_reduction), rel=1e-9)


def test_relative_interval_options():
    c, t = Moments.proportion(5000, 500), Moments.proportion(5000, 560)
    delta = compare(c, t, "y", kind="proportion")
    log = compare(c, t, "y", kind="proportion", rel_ci="log")
    fieller = compare(c, t, "y", kind="proportion", rel_ci="fieller")
    pc, pt = 0.1, 0.112
    vc, vt = pc * (1 - pc) / 5000, pt * (1 - pt) / 5000
    # delta: Var(pt/pc) = vt/pc² + pt² vc/pc⁴
    assert delta.rel_se == pytest.approx(math.sqrt(vt / pc**2 + pt**2 * vc / pc**4), rel=1e-9)
    z = stats.norm.isf(0.025)
    se_log = math.sqrt(vt / pt**2 + vc / pc**2)
    assert log.rel_ci_lower == pytest.approx(math.exp(math.log(pt / pc) - z * se_log) - 1, rel=1e-9)
    # Fieller bounds solve (pt - ρ pc)² = z² (vt + ρ² vc)
    for rho in (fieller.rel_ci_lower + 1, fieller.rel_ci_upper + 1):
        assert (pt - rho * pc) ** 2 == pytest.approx(z**2 * (vt + rho**2 * vc), rel=1e-8)
    assert log.rel_ci_upper - log.rel_effect_size > log.rel_effect_size - log.rel_ci_lower  # asymmetric


def test_fieller_unbounded_when_control_not_distinguishable_from_zero():
    lo, hi, note = fieller_interval(1.0, 0.01, 0.01, 1.0, 0.0, 1.96)
    assert math.isnan(lo) and math.isnan(hi) and "unbounded" in note


@pytest.mark.parametrize(
    ("control", "treatment", "status"),
    [
        (Moments.proportion(1000, 0), Moments.proportion(1000, 0), "no conversions in either arm"),
        (Moments.proportion(0, 0), Moments.proportion(1000, 10), "control arm is empty"),
        (Moments.proportion(1000, 10), Moments.proportion(1, 0), "fewer than 2 units in the treatment arm"),
        (Moments.from_arrays({"y": [2.0] * 5}), Moments.from_arrays({"y": [2.0] * 7}), "zero variance in both arms"),
    ],
)
def test_degenerate_input_gives_nan_and_status(control, treatment, status):
    kind = "mean" if status.startswith("zero") else "proportion"
    r = compare(control, treatment, control.names[0], kind=kind)
    assert r.status == status
    assert math.isnan(r.pvalue) and math.isnan(r.effect_size) and math.isnan(r.effect_ci_lower)


def test_zero_control_mean_keeps_effect_but_not_relative_effect():
    r = compare(Moments.from_arrays({"y": [-1.0, 1.0, 0.0]}), Moments.from_arrays({"y": [1.0, 2.0, 3.0]}), "y")
    assert math.isfinite(r.pvalue) and math.isnan(r.rel_effect_size)
    assert r.status == "control mean is 0: relative effect undefined"
