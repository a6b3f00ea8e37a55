"""Shifted-beta-geometric against Fader & Hardie (2007)'s published fits and its own definitions."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, special

from journey.clv import ShiftedBetaGeometric
from journey.clv.sbg import log_likelihood
from journey.datasets.clv import sbg_survivors
from journey.validation import JourneyInputError

# "How to project customer retention" (2007), table 1: customers still active after years 0-7.
REGULAR = [1000, 869, 743, 653, 593, 551, 517, 491]
HIGH_END = [1000, 631, 468, 382, 326, 289, 262, 241]


@pytest.mark.parametrize(
    ("survivors", "alpha", "beta", "ll"),
    [(REGULAR, 0.668, 3.806, -1611.2), (HIGH_END, 0.704, 1.182, -1680.3)],  # the paper's estimates
)
def test_fit_reproduces_the_published_estimates(survivors, alpha, beta, ll) -> None:
    model = ShiftedBetaGeometric().fit(survivors)
    assert model.status == "ok"
    assert model.params["alpha"] == pytest.approx(alpha, abs=6e-4)  # published to 3 decimals
    assert model.params["beta"] == pytest.approx(beta, abs=6e-4)
    assert model.log_likelihood == pytest.approx(ll, abs=0.05)


def test_survival_and_retention_are_the_beta_mixture_of_geometric_lifetimes() -> None:
    model = ShiftedBetaGeometric(alpha=0.668, beta=3.806)
    dist = lambda theta: theta ** (0.668 - 1) * (1 - theta) ** (3.806 - 1) / special.beta(0.668, 3.806)  # noqa: E731
    for t in (0, 1, 2, 5, 12):
        # S(t) = E[(1 - θ)^t] over θ ~ Beta(α, β)
        expected = integrate.quad(lambda th, t=t: (1 - th) ** t * dist(th), 0, 1, epsabs=0, epsrel=1e-11, limit=200)[0]
        assert model.survival(t) == pytest.approx(expected, rel=1e-8)
    t = np.arange(1, 9)
    np.testing.assert_allclose(model.retention_rate(t), model.survival(t) / model.survival(t - 1), rtol=1e-12)


def test_log_likelihood_and_gradient_follow_the_definition() -> None:
    counts = np.array(REGULAR, dtype=float)
    theta = np.array([0.9, 2.5])
    model = ShiftedBetaGeometric(*theta)
    lost = counts[:-1] - counts[1:]
    churn = np.array([model.survival(t - 1) - model.survival(t) for t in range(1, len(counts))])
    expected = float(np.sum(lost * np.log(churn)) + counts[-1] * np.log(model.survival(len(counts) - 1)))
    ll, grad = log_likelihood(theta, counts)
    assert ll == pytest.approx(expected, rel=1e-12)
    for j in range(2):
        h = 1e-6 * theta[j]
        up, down = theta.copy(), theta.copy()
        up[j] += h
        down[j] -= h
        numeric = (log_likelihood(up, counts)[0] - log_likelihood(down, counts)[0]) / (2 * h)
        assert grad[j] == pytest.approx(numeric, rel=1e-6)


def test_fit_recovers_the_generating_parameters() -> None:
    survivors = sbg_survivors(200_000, alpha=1.2, beta=4.0, periods=10, seed=2)
    model = ShiftedBetaGeometric().fit(survivors)
    for name, value in {"alpha": 1.2, "beta": 4.0}.items():
        z = (model.params[name] - value) / model.standard_errors[name]
        assert abs(z) < 4, f"{name}: {model.params[name]:.3f} vs {value} ({z:+.1f} standard errors)"


@pytest.mark.parametrize(
    ("survivors", "message"),
    [
        ([1000], r"survivors: 1 value\(s\); expected the cohort size, then at least one later count"),
        ([1000, 900, 950], r"survivors: count rises from 900 to 950 at period 2"),
        ([0, 0], r"survivors: cohort size 0"),
        ([10, 9.5], r"survivors: non-count values"),
        ([100, 100, 100], r"survivors: nobody cancelled in any period"),
    ],
)
def test_bad_survivor_counts_get_one_line_errors(survivors, message) -> None:
    with pytest.raises(JourneyInputError, match=message):
        ShiftedBetaGeometric().fit(survivors)
