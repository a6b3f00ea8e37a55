"""BG/NBD against the paper's published CDNOW fit, direct integration of the model's definition,
finite differences and a seeded simulation of its generating process."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import integrate
from statsmodels.tools.numdiff import approx_hess

from journey.clv import BetaGeo
from journey.clv.bgnbd import collapse, log_likelihood, total_log_likelihood
from journey.datasets.clv import bgnbd_customers
from journey.validation import JourneyInputError

CDNOW = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}  # Fader, Hardie & Lee (2005), table 1


def test_fit_reproduces_the_published_cdnow_estimates_and_log_likelihood(cdnow) -> None:
    model = BetaGeo().fit(cdnow)
    assert model.status == "ok"
    for name, published in CDNOW.items():  # published to 3 decimals
        assert model.params[name] == pytest.approx(published, abs=6e-4), name
    assert model.log_likelihood == pytest.approx(-9582.4, abs=0.05)  # the paper's LL, one decimal


def test_standard_errors_are_the_inverse_observed_information(cdnow) -> None:
    # Reference: statsmodels' numerical Hessian of the summed log-likelihood in (r, alpha, a, b).
    model = BetaGeo().fit(cdnow)
    x, t_x, T = (cdnow[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    hess = approx_hess(model.params.to_numpy(), lambda th: log_likelihood(th, x, t_x, T)[0].sum())
    reference = np.sqrt(np.diag(np.linalg.inv(-hess)))
    np.testing.assert_allclose(model.standard_errors.to_numpy(), reference, rtol=1e-3)  # two numeric Hessians


def _individual(lam: float, p: float, x: int, t_x: float, T: float) -> float:
    """L(λ, p | x, t_x, T), the paper's equation 3."""
    alive = (1 - p) ** x * lam**x * math.exp(-lam * T)
    dead = p * (1 - p) ** (x - 1) * lam**x * math.exp(-lam * t_x) if x > 0 else 0.0
    return alive + dead


def _integrate(f, r: float, alpha: float, a: float, b: float) -> float:
    """∫∫ f(λ, p) Gamma(λ; r, α) Beta(p; a, b) dλ dp by adaptive quadrature (scipy.integrate.dblquad),
    with the two densities written out (scipy.stats' frozen pdfs cost 50 µs a call)."""
    log_norm = r * math.log(alpha) - math.lgamma(r) - (math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b))

    def integrand(lam: float, p: float) -> float:
        if lam <= 0 or p <= 0 or p >= 1:
            return 0.0
        log_w = log_norm + (r - 1) * math.log(lam) - alpha * lam + (a - 1) * math.log(p) + (b - 1) * math.log1p(-p)
        return f(lam, p) * math.exp(log_w)

    value, _ = integrate.dblquad(integrand, 0, 1, 0, np.inf, epsabs=0, epsrel=1e-10)
    return value


CUSTOMERS = [(0, 0.0, 20.0), (1, 5.5, 30.0), (3, 20.0, 38.0), (7, 37.0, 39.0)]
PARAMS = (0.9, 6.0, 1.7, 2.4)  # a > 1 keeps every integrand bounded for the quadrature


@pytest.mark.parametrize(("x", "t_x", "T"), CUSTOMERS)
def test_log_likelihood_equals_the_integral_of_the_individual_likelihood(x, t_x, T) -> None:
    expected = math.log(_integrate(lambda lam, p: _individual(lam, p, x, t_x, T), *PARAMS))
    got = log_likelihood(np.array(PARAMS), np.array([x], float), np.array([t_x]), np.array([T]))[0][0]
    assert got == pytest.approx(expected, abs=1e-7)


def test_collapsed_weighted_likelihood_and_gradient_equal_the_per_customer_sums(cdnow) -> None:
    x, t_x, T = (cdnow[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    theta = np.array([0.3, 5.0, 0.7, 2.0])
    per_ll, per_grad = log_likelihood(theta, x, t_x, T)
    (xs, txs, Ts), weights = collapse(x, t_x, T)
    assert weights.sum() == len(x) and len(xs) < len(x)
    ux, inverse = np.unique(xs, return_inverse=True)
    ll, grad = total_log_likelihood(theta, xs, txs, Ts, ux, inverse, weights)
    assert ll == pytest.approx(per_ll.sum(), rel=1e-12)
    np.testing.assert_allclose(grad, per_grad.sum(axis=1), rtol=1e-10)


def test_gradient_matches_central_differences(cdnow) -> None:
    x, t_x, T = (cdnow[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    theta = np.array([0.3, 5.0, 0.7, 2.0])
    grad = log_likelihood(theta, x, t_x, T)[1].sum(axis=1)
    for j in range(4):
        h = 1e-6 * theta[j]
        up, down = theta.copy(), theta.copy()
        up[j] += h
        down[j] -= h
        numeric = (log_likelihood(up, x, t_x, T)[0].sum() - log_likelihood(down, x, t_x, T)[0].sum()) / (2 * h)
        assert grad[j] == pytest.approx(numeric, rel=1e-6)


@pytest.mark.parametrize("t", [1.0, 13.0, 52.0])
def test_expected_purchases_equals_the_integral_of_the_individual_expectation(t) -> None:
    # E[X(t) | λ, p] = (1 - exp(-λ p t)) / p  (FHL 2005, equation 8's integrand)
    expected = _integrate(lambda lam, p: (1 - math.exp(-lam * p * t)) / p, *PARAMS)
    model = BetaGeo(*PARAMS)
    assert model.expected_purchases(t) == pytest.approx(expected, rel=1e-7)
    np.testing.assert_allclose(model.expected_purchases(np.array([t, t])), [expected, expected], rtol=1e-7)


@pytest.mark.parametrize(("x", "t_x", "T"), CUSTOMERS)
def test_p_alive_and_conditional_expectation_equal_the_posterior_integrals(x, t_x, T) -> None:
    model = BetaGeo(*PARAMS)
    summary = pd.DataFrame({"frequency": [float(x)], "recency": [t_x], "T": [T]})
    evidence = _integrate(lambda lam, p: _individual(lam, p, x, t_x, T), *PARAMS)

    def alive(lam: float, p: float) -> float:
        return (1 - p) ** x * lam**x * math.exp(-lam * T)

    p_alive = _integrate(alive, *PARAMS) / evidence
    assert model.p_alive(summary)[0] == pytest.approx(p_alive, rel=1e-7)
    # E[Y(t) | data] = E[1{alive} (1 - exp(-λ p t)) / p | data]
    t = 10.0
    cond = _integrate(lambda lam, p: alive(lam, p) * (1 - math.exp(-lam * p * t)) / p, *PARAMS) / evidence
    assert model.conditional_expected_purchases(t, summary)[0] == pytest.approx(cond, rel=1e-7)


def test_fit_recovers_the_generating_parameters_of_a_large_simulation() -> None:
    truth = {"r": 0.5, "alpha": 6.0, "a": 0.8, "b": 2.5}
    ages = np.random.default_rng(7).uniform(26, 78, 100_000)
    summary = bgnbd_customers(100_000, *truth.values(), T=ages, seed=11)
    model = BetaGeo().fit(summary)
    assert model.status == "ok"
    for name, value in truth.items():
        z = (model.params[name] - value) / model.standard_errors[name]
        assert abs(z) < 4, f"{name}: {model.params[name]:.4f} vs {value} ({z:+.1f} standard errors)"


def test_a_fit_the_data_cannot_identify_says_so_instead_of_returning_an_estimate() -> None:
    # Nobody ever bought again: the dropout distribution (a, b) is not identified.
    summary = pd.DataFrame({"frequency": [0.0] * 50, "recency": [0.0] * 50, "T": np.linspace(5, 40, 50)})
    model = BetaGeo().fit(summary)
    assert model.status.startswith("parameter r, alpha at the optimizer's bound")
    assert model.standard_errors.isna().all()  # no standard error for a parameter the data do not pin down


def test_bad_summaries_get_one_line_errors() -> None:
    with pytest.raises(JourneyInputError, match=r"BetaGeo summary: missing column 'T'"):
        BetaGeo().fit(pd.DataFrame({"frequency": [1.0], "recency": [1.0]}))
    with pytest.raises(JourneyInputError, match=r"recency 5 exceeds T 2 \(first at row 0\); expected recency <= T"):
        BetaGeo().fit(pd.DataFrame({"frequency": [1.0], "recency": [5.0], "T": [2.0]}))
    with pytest.raises(JourneyInputError, match=r"column 'frequency' has a negative"):
        BetaGeo().fit(pd.DataFrame({"frequency": [-1.0], "recency": [0.0], "T": [2.0]}))
    with pytest.raises(JourneyInputError, match=r"BetaGeo summary: has no customers"):
        BetaGeo().fit(pd.DataFrame({"frequency": [], "recency": [], "T": []}))
    with pytest.raises(ValueError, match="not fitted yet"):
        _ = BetaGeo().params


def test_fit_table_shows_each_parameter_with_its_interval(cdnow) -> None:
    frame = BetaGeo().fit(cdnow).result.to_frame()
    assert frame["param"].tolist() == ["r", "alpha", "a", "b"]
    assert (frame["estimate_ci_lower"] < frame["estimate"]).all()
    assert (frame["estimate"] < frame["estimate_ci_upper"]).all()
