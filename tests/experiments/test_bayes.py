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


def test_gaussian_posterior_closed_form():
    r = gaussian(0.05, 0.02, prior_mean=0.0, prior_std=0.3)
    w = (1 / 0.02**2) / (1 / 0.02**2 + 1 / 0.3**2)
    assert r.mean == pytest.approx(w * 0.05, rel=1e-12)
    assert r.chance_to_win == pytest.approx(stats.norm.sf(0, r.mean, r.std), rel=1e-12)
    x = np.random.default_rng(1).normal(r.mean, r.std, 1_000_000)
    assert r.expected_loss == pytest.approx(np.maximum(-x, 0).mean(), rel=0.05)
    assert gaussian(0.05, 0.02, higher_is_better=False).chance_to_win == pytest.approx(1 - r.chance_to_win)
