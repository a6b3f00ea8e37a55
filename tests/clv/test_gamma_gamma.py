"""Gamma-Gamma against the published CDNOW fit, the density written out, and lifetimes' documented CLV."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import integrate

from journey.clv import BetaGeo, GammaGamma
from journey.clv.gamma_gamma import log_likelihood, total_log_likelihood
from journey.datasets.clv import gamma_gamma_spend
from journey.validation import JourneyInputError


def test_fit_reproduces_the_published_cdnow_estimates(cdnow) -> None:
    # Fader & Hardie (2013), "The Gamma-Gamma model of monetary value": p = 6.25, q = 3.74, γ = 15.44
    # on CDNOW's 946 repeat buyers (published to two decimals; ±0.01 covers the rounding).
    model = GammaGamma().fit(cdnow)
    assert model.status == "ok"
    assert model.result.n_obs == 946
    assert model.params["p"] == pytest.approx(6.25, abs=0.01)
    assert model.params["q"] == pytest.approx(3.74, abs=0.01)
    assert model.params["gamma"] == pytest.approx(15.44, abs=0.01)


@pytest.mark.parametrize(("x", "m"), [(1, 12.5), (3, 40.0), (10, 7.25)])
def test_log_likelihood_is_the_density_of_the_mean_integrated_over_nu(x, m) -> None:
    p, q, g = 6.0, 3.5, 15.0

    def integrand(nu: float) -> float:
        # x·z̄ | ν ~ Gamma(p x, rate ν) -> density of the mean z̄ is x·f_sum(x z̄); ν ~ Gamma(q, rate γ)
        log_sum = p * x * math.log(nu) + (p * x - 1) * math.log(x * m) - nu * x * m - math.lgamma(p * x)
        log_nu = q * math.log(g) + (q - 1) * math.log(nu) - g * nu - math.lgamma(q)
        return x * math.exp(log_sum + log_nu)

    expected = math.log(integrate.quad(integrand, 0, np.inf, epsabs=0, epsrel=1e-11, limit=200)[0])
    got = log_likelihood(np.array([p, q, g]), np.array([float(x)]), np.array([m]))[0][0]
    assert got == pytest.approx(expected, abs=1e-8)


def test_gradient_matches_central_differences(cdnow) -> None:
    repeat = cdnow[cdnow["frequency"] > 0]
    x, m = repeat["frequency"].to_numpy(float), repeat["monetary_value"].to_numpy(float)
    theta = np.array([5.0, 3.0, 12.0])
    grad = log_likelihood(theta, x, m)[1].sum(axis=1)
    for j in range(3):
        h = 1e-6 * theta[j]
        up, down = theta.copy(), theta.copy()
        up[j] += h
        down[j] -= h
        numeric = (log_likelihood(up, x, m)[0].sum() - log_likelihood(down, x, m)[0].sum()) / (2 * h)
        assert grad[j] == pytest.approx(numeric, rel=1e-6)


def test_total_log_likelihood_and_gradient_equal_the_per_customer_sums(cdnow) -> None:
    repeat = cdnow[cdnow["frequency"] > 0]
    x, m = repeat["frequency"].to_numpy(float), repeat["monetary_value"].to_numpy(float)
    theta = np.array([5.0, 3.0, 12.0])
    per_ll, per_grad = log_likelihood(theta, x, m)
    ux, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    ll, grad = total_log_likelihood(theta, x, m, np.log(m), ux, inverse, counts.astype(float))
    assert ll == pytest.approx(per_ll.sum(), rel=1e-12)
    np.testing.assert_allclose(grad, per_grad.sum(axis=1), rtol=1e-10)


def test_conditional_expected_value_is_the_posterior_mean_of_spend(cdnow) -> None:
    model = GammaGamma().fit(cdnow)
    p, q, g = model.params.to_numpy()
    got = model.conditional_expected_value(cdnow)
    x, m = cdnow["frequency"].to_numpy(float), cdnow["monetary_value"].to_numpy(float)
    # E[p/ν | data] with ν | data ~ Gamma(p x + q, rate γ + m x): p (γ + m x) / (p x + q − 1)
    expected = np.where(x > 0, p * (g + m * x) / (p * x + q - 1), p * g / (q - 1))
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    # lifetimes' documentation prints 24.658619, 18.911489, 35.170981 for CDNOW customers 1-3; its
    # optimizer stops at a slightly different point of the flat optimum, hence 1e-6 relative
    np.testing.assert_allclose(got[:3], [24.658619, 18.911489, 35.170981], rtol=1e-6)


def test_clv_reproduces_lifetimes_documented_values_in_its_units(cdnow) -> None:
    # lifetimes' docs: ggf.customer_lifetime_value(bgf, ..., time=12, discount_rate=0.01) -> 140.096218,
    # 18.943466, 38.180575 for customers 1-3. Its default freq="D" counts a month as 30 of the
    # summary's units, although CDNOW is in weeks: time_unit="D" reproduces that arithmetic.
    bg = BetaGeo().fit(cdnow)
    gg = GammaGamma().fit(cdnow)
    got = gg.clv(cdnow, horizon=12, discount_rate=0.01, transactions=bg, time_unit="D")
    np.testing.assert_allclose(got[:3], [140.096218, 18.943466, 38.180575], rtol=1e-6)


def test_clv_is_the_discounted_sum_of_monthly_expected_spend(cdnow) -> None:
    bg = BetaGeo().fit(cdnow)
    gg = GammaGamma().fit(cdnow)
    frame = cdnow.iloc[:20]
    spend = gg.conditional_expected_value(frame)
    months = [bg.conditional_expected_purchases(4.345 * i, frame) for i in range(0, 7)]
    expected = sum(spend * (months[i] - months[i - 1]) / 1.02**i for i in range(1, 7))
    np.testing.assert_allclose(gg.clv(frame, 6, 0.02, transactions=bg), expected, rtol=1e-12)
    # without a purchase model, one is fitted on the summary itself
    np.testing.assert_allclose(gg.clv(cdnow, 6, 0.02)[:20], expected, rtol=1e-6)


def test_fit_recovers_the_generating_parameters_of_a_large_simulation() -> None:
    rng = np.random.default_rng(3)
    frequency = rng.integers(1, 12, 60_000).astype(float)
    spend = gamma_gamma_spend(frequency, p=4.0, q=5.0, gamma=20.0, seed=5)
    model = GammaGamma().fit(pd.DataFrame({"frequency": frequency, "monetary_value": spend}))
    for name, value in {"p": 4.0, "q": 5.0, "gamma": 20.0}.items():
        z = (model.params[name] - value) / model.standard_errors[name]
        assert abs(z) < 4, f"{name}: {model.params[name]:.3f} vs {value} ({z:+.1f} standard errors)"


def test_bad_input_gets_one_line_errors() -> None:
    with pytest.raises(JourneyInputError, match=r"GammaGamma summary: has 1 repeat buyers; expected at least 2"):
        GammaGamma().fit(pd.DataFrame({"frequency": [0.0, 2.0], "monetary_value": [0.0, 10.0]}))
    with pytest.raises(JourneyInputError, match=r"a repeat buyer has monetary_value 0"):
        GammaGamma().fit(pd.DataFrame({"frequency": [1.0, 2.0, 3.0], "monetary_value": [5.0, 0.0, 10.0]}))
    with pytest.raises(JourneyInputError, match=r"horizon: 0 months; expected a whole number of months >= 1"):
        GammaGamma(6.0, 3.7, 15.0).clv(
            pd.DataFrame({"frequency": [1.0], "recency": [1.0], "T": [2.0], "monetary_value": [3.0]}),
            0,
            0.01,
            BetaGeo(0.2, 4, 0.8, 2.4),
        )


def test_expected_value_is_nan_when_the_population_mean_is_infinite() -> None:
    # q <= 1: E[p/ν] diverges; a NaN says so instead of a number that looks like an answer.
    got = GammaGamma(p=2.0, q=0.9, gamma=5.0).conditional_expected_value(
        pd.DataFrame({"frequency": [1.0], "monetary_value": [3.0]})
    )
    assert np.isnan(got).all()
