"""Random-effects meta-analysis against statsmodels, a direct REML maximisation and closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import minimize_scalar
from statsmodels.stats.meta_analysis import combine_effects

from journey.stats.meta import random_effects, shrink
from journey.validation import JourneyInputError


def _studies(seed: int, k: int = 30, tau: float = 0.03) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    s = rng.uniform(0.005, 0.06, k)  # unequal SEs, so DL and REML differ
    return rng.normal(0.02, tau, k) + rng.normal(0, s), s


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_dersimonian_laird_equals_statsmodels_chi2(seed: int) -> None:
    y, s = _studies(seed)
    # combine_effects(y, s**2, method_re="chi2") is DerSimonian-Laird; same formulas, so 1e-10
    ref = combine_effects(y, s**2, method_re="chi2")
    got = random_effects(y, s, method="dl")
    assert got.tau2 == pytest.approx(ref.tau2, rel=1e-10, abs=1e-15)
    assert got.mu == pytest.approx(ref.mean_effect_re, rel=1e-10)
    assert got.mu_se == pytest.approx(ref.sd_eff_w_re, rel=1e-10)
    assert got.q == pytest.approx(ref.q, rel=1e-10)
    assert got.i2 == pytest.approx(max(0.0, ref.i2), abs=1e-10)


def _reml_reference(y: np.ndarray, s: np.ndarray) -> float:
    """REML written from the likelihood of the marginal model y ~ N(1 mu, diag(s^2 + tau^2)),
    restricted by integrating mu out (Harville 1977), maximised by scipy over tau^2 >= 0."""

    def negative(tau2: float) -> float:
        v = s**2 + tau2
        x = np.ones_like(y)
        vinv = np.diag(1 / v)
        xtvx = x @ vinv @ x
        mu = (x @ vinv @ y) / xtvx
        r = y - mu
        return 0.5 * (np.sum(np.log(v)) + math.log(xtvx) + r @ vinv @ r)

    return float(minimize_scalar(negative, bounds=(0.0, 1.0), method="bounded", options={"xatol": 1e-14}).x)


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_reml_equals_direct_maximisation_of_the_restricted_likelihood(seed: int) -> None:
    y, s = _studies(seed)
    ref = _reml_reference(y, s)
    got = random_effects(y, s, method="reml")
    assert got.status == "ok" and got.iterations > 0
    # bounded Brent stops within ~1e-8 of the optimum in tau^2 (units: squared relative effect)
    assert got.tau2 == pytest.approx(ref, abs=1e-8)
    w = 1 / (s**2 + got.tau2)
    assert got.mu == pytest.approx(np.sum(w * y) / np.sum(w), rel=1e-12)


def test_reml_differs_from_dl_when_standard_errors_differ() -> None:
    y, s = _studies(5)
    dl, reml = random_effects(y, s, "dl"), random_effects(y, s, "reml")
    assert abs(dl.tau2 - reml.tau2) > 1e-6


def test_homogeneous_estimates_give_tau2_zero_and_the_fixed_effect_mean() -> None:
    y = np.array([0.01, 0.011, 0.009, 0.0105])
    s = np.array([0.05, 0.04, 0.06, 0.05])
    for method in ("dl", "reml"):
        r = random_effects(y, s, method)
        w = 1 / s**2
        assert r.tau2 == 0.0
        assert r.mu == pytest.approx(np.sum(w * y) / np.sum(w), rel=1e-12)


def test_shrinkage_equals_the_normal_normal_posterior_mean() -> None:
    y, s = _studies(7)
    r = random_effects(y, s)
    mean, sd = shrink(y, s, r.mu, r.tau2)
    # closed form: posterior precision = 1/tau^2 + 1/s^2, mean = precision-weighted average
    precision = 1 / r.tau2 + 1 / s**2
    np.testing.assert_allclose(mean, (y / s**2 + r.mu / r.tau2) / precision, rtol=1e-12)
    np.testing.assert_allclose(mean, (r.tau2 * y + s**2 * r.mu) / (r.tau2 + s**2), rtol=1e-12)
    np.testing.assert_allclose(sd, np.sqrt(1 / precision), rtol=1e-12)


def test_shrinkage_matches_monte_carlo_posterior() -> None:
    # draw theta ~ N(0.01, 0.02^2), y | theta ~ N(theta, 0.03^2); E[theta | y in a thin bin around 0.05]
    rng = np.random.default_rng(11)
    theta = rng.normal(0.01, 0.02, 2_000_000)
    y = theta + rng.normal(0, 0.03, theta.size)
    near = np.abs(y - 0.05) < 0.001
    mean, _ = shrink([0.05], [0.03], mu=0.01, tau2=0.02**2)
    # ~2,000 draws in the bin, posterior sd 0.0166: MC SE ~0.0004; 4 SE = 0.0016
    assert float(theta[near].mean()) == pytest.approx(float(mean[0]), abs=0.0016)


def test_fewer_than_two_estimates_is_nan_with_a_status() -> None:
    r = random_effects([0.1], [0.05])
    assert math.isnan(r.mu) and math.isnan(r.tau2) and r.status == "fewer than 2 estimates"


def test_bad_inputs_name_the_problem() -> None:
    with pytest.raises(JourneyInputError, match="se > 0"):
        random_effects([0.1, 0.2], [0.05, 0.0])
    with pytest.raises(JourneyInputError, match="'dl', 'reml'"):
        random_effects([0.1, 0.2], [0.05, 0.05], method="pm")  # type: ignore[arg-type]


def test_rendered_prior_shows_percent_mu_and_interval() -> None:
    r = random_effects([0.1, 0.3, -0.05, 0.2], [0.1, 0.1, 0.1, 0.1])
    assert "13.8%" in str(r) and "rel_mu_ci" in str(r)
