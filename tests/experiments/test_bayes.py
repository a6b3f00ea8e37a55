"""Bayesian summaries against seeded Monte Carlo and closed forms."""

import numpy as np
import pytest
from scipy import stats

from journey.experiments.bayes import beta_binomial, gaussian


@pytest.mark.parametrize(
    ("sc", "nc", "st", "nt"), [(100, 1000, 130, 1000), (10_000, 100_000, 10_100, 100_000), (3, 40, 1, 25)]
)
def test_beta_binomial_matches_monte_carlo(sc, nc, st, nt):
    r = beta_binomial(sc, nc, st, nt)
    rng = np.random.default_rng(0)
    draws = 1_000_000
    pc, pt = rng.beta(1 + sc, 1 + nc - sc, draws), rng.beta(1 + st, 1 + nt - st, draws)
    win = (pt > pc).mean()
    # 5 Monte Carlo standard errors
    assert r.chance_to_win == pytest.approx(win, abs=5 * np.sqrt(win * (1 - win) / draws) + 1e-6)
    loss = np.maximum(pc - pt, 0)
    assert r.expected_loss == pytest.approx(loss.mean(), abs=5 * loss.std() / np.sqrt(draws) + 1e-9)
    loss_c = np.maximum(pt - pc, 0)
    assert r.expected_loss_control == pytest.approx(loss_c.mean(), abs=5 * loss_c.std() / np.sqrt(draws) + 1e-9)


@pytest.mark.parametrize(
    ("sc", "nc", "st", "nt"),
    [
        (100, 1000, 130, 1000),
        (250_000, 5_000_000, 251_000, 5_000_000),  # overlapping posteriors at 5M users an arm
        (500_000, 5_000_000, 510_000, 5_000_000),  # far apart
        (2, 3_000_000, 40, 2_000_000),  # rates near 0
        (0, 10, 0, 12),
        (50, 100, 5, 100_000),  # one posterior narrow inside a wide one
    ],
)
def test_beta_binomial_matches_adaptive_quadrature(sc, nc, st, nt):
    """Against scipy.integrate.quad of the defining integrals with scipy.stats.beta (tolerance 1e-9):
    P(p_t > p_c) = ∫ f_c(x) S_t(x) dx and E[(p_c - p_t)+] = ∫ f_c(x) ∫_0^x F_t(y) dy dx."""
    from scipy import integrate

    control, treatment = stats.beta(1 + sc, 1 + nc - sc), stats.beta(1 + st, 1 + nt - st)
    lo, hi = control.ppf(1e-14), control.isf(1e-14)
    points = np.linspace(lo, hi, 9)[1:-1]
    win = integrate.quad(lambda x: control.pdf(x) * treatment.sf(x), lo, hi, points=points, epsabs=1e-13, limit=500)
    # ∫_0^x F_t(y) dy = x F_t(x) - E[p_t] F+(x), F+ the Beta(a_t + 1, b_t) cdf (integration by parts)
    a, b = 1 + st, 1 + nt - st
    shifted = stats.beta(a + 1, b)
    inner = lambda x: x * treatment.cdf(x) - a / (a + b) * shifted.cdf(x)  # noqa: E731
    loss = integrate.quad(lambda x: control.pdf(x) * inner(x), lo, hi, points=points, epsabs=1e-15, limit=500)
    r = beta_binomial(sc, nc, st, nt)
    assert r.chance_to_win == pytest.approx(win[0], abs=1e-9)
    assert r.expected_loss == pytest.approx(loss[0], abs=1e-9 * max(loss[0], 1e-6))


def test_gaussian_posterior_closed_form():
    r = gaussian(0.05, 0.02, prior_mean=0.0, prior_std=0.3)
    w = (1 / 0.02**2) / (1 / 0.02**2 + 1 / 0.3**2)
    assert r.mean == pytest.approx(w * 0.05, rel=1e-12)
    assert r.chance_to_win == pytest.approx(stats.norm.sf(0, r.mean, r.std), rel=1e-12)
    x = np.random.default_rng(1).normal(r.mean, r.std, 1_000_000)
    assert r.expected_loss == pytest.approx(np.maximum(-x, 0).mean(), rel=0.05)
    assert gaussian(0.05, 0.02, higher_is_better=False).chance_to_win == pytest.approx(1 - r.chance_to_win)
