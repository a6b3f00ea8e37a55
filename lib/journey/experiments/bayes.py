"""Bayesian summaries: chance to win and expected loss.

* Proportions: Beta-binomial with a ``Beta(1, 1)`` prior per arm. ``P(p_t > p_c)`` and the
  expected loss ``E[max(p_c − p_t, 0)]`` are one-dimensional integrals over the control
  posterior of exact regularized incomplete Beta functions (``E[(x − p)⁺] = x F(x) − E[p] F₊(x)``
  with ``F₊`` the ``Beta(a+1, b)`` cdf), evaluated with composite Gauss-Legendre quadrature
  (24 nodes on each of 12 panels over each posterior's support) — deterministic, no Monte Carlo
  noise, and within 1e-10 of 400 panels (the integrands are smooth at a panel's scale).
* Means and ratios: a Gaussian likelihood for the relative effect (its delta-method
  estimate and standard error) and a proper ``Normal(prior_mean, prior_std²)`` prior on the
  relative effect, by default ``N(0, 0.3²)`` (a lift beyond ±60% is a priori unlikely).
  The posterior is normal; chance to win is ``P(effect > 0)`` (or ``< 0`` when lower is better).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special

from journey.stats import dist
from journey.validation import input_error


@dataclass(frozen=True, slots=True)
class Posterior:
    """Chance that treatment beats control and the expected loss of choosing each arm.

    ``expected_loss`` is in the metric's units (rates for beta-binomial, relative effect for
    the Gaussian model); ``mean`` / ``std`` describe the posterior of the effect.
    """

    chance_to_win: float
    expected_loss: float
    expected_loss_control: float
    mean: float
    std: float
    model: str


def beta_binomial(
    successes_control: int,
    n_control: int,
    successes_treatment: int,
    n_treatment: int,
    prior: tuple[float, float] = (1.0, 1.0),
) -> Posterior:
    """Exact (quadrature) chance to win and expected losses for two conversion rates."""
    for name, s, n in (("control", successes_control, n_control), ("treatment", successes_treatment, n_treatment)):
        if n < 0 or s < 0 or s > n:
            raise input_error(f"{name} arm", f"{s} successes out of {n}", "0 <= successes <= n")
    a0, b0 = prior
    ac, bc = a0 + successes_control, b0 + n_control - successes_control
    at, bt = a0 + successes_treatment, b0 + n_treatment - successes_treatment
    mt, mc = at / (at + bt), ac / (ac + bc)
    x, w = _nodes(ac, bc, at, bt)
    # The control density, normalized by its quadrature sum (the nodes hold all but 2e-13 of its mass):
    # subtracting betaln(ac, bc) instead cancels numbers near 1e6 at millions of users, and the
    # density then integrated to 1 - 6e-9 (a chance to win of 0.999999994 where the truth is 1 - 1e-26).
    log_density = (ac - 1) * np.log(x) + (bc - 1) * np.log1p(-x)
    dens = w * np.exp(log_density - log_density.max())
    dens /= dens.sum()
    cdf_t = special.betainc(at, bt, x)
    # 1 - E[F_t(p_c)], not E[betaincc]: scipy's betaincc is 5x slower than betainc at millions of users,
    # and the absolute error stays ~1e-15 (a chance below that reads 0)
    win = 1.0 - float(dens @ cdf_t)
    # loss of shipping treatment: E[(p_c - p_t)+] = ∫ f_c(x) (x F_t(x) - m_t F_t+(x)) dx
    loss_t = float(dens @ (x * cdf_t - mt * special.betainc(at + 1, bt, x)))
    loss_c = loss_t + (mt - mc)  # E[(p_t - p_c)+] = E[(p_c - p_t)+] + E[p_t - p_c]
    var = ac * bc / ((ac + bc) ** 2 * (ac + bc + 1)) + at * bt / ((at + bt) ** 2 * (at + bt + 1))
    return Posterior(
        min(max(win, 0.0), 1.0), max(loss_t, 0.0), max(loss_c, 0.0), mt - mc, math.sqrt(var), "beta-binomial"
    )


_GL_X, _GL_W = np.polynomial.legendre.leggauss(24)
PANELS = 12  # per posterior; 40 agreed with 400 only to 1e-11 too, and cost 3x the time (9 ms at 5M users an arm)


def _nodes(ac: float, bc: float, at: float, bt: float) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Legendre nodes over the control posterior's support (1e-13 .. 1 - 1e-13 quantiles),
    with panels refined over the treatment posterior so a narrow treatment cdf is resolved."""
    lo, hi = special.betaincinv(ac, bc, 1e-13), special.betaincinv(ac, bc, 1 - 1e-13)
    tlo, thi = special.betaincinv(at, bt, 1e-13), special.betaincinv(at, bt, 1 - 1e-13)
    edges = np.linspace(lo, hi, PANELS + 1)
    if thi > lo and tlo < hi:
        edges = np.union1d(edges, np.clip(np.linspace(tlo, thi, PANELS + 1), lo, hi))
    left, right = edges[:-1], edges[1:]
    half = (right - left)[:, None] / 2
    x = (left[:, None] + half * (_GL_X[None, :] + 1)).ravel()
    w = (half * _GL_W[None, :]).ravel()
    keep = (x > 0) & (x < 1)
    return x[keep], w[keep]


def gaussian(
    estimate: float,
    se: float,
    prior_mean: float = 0.0,
    prior_std: float = 0.3,
    higher_is_better: bool = True,
) -> Posterior:
    """Normal-normal posterior of an effect; ``chance_to_win`` is ``P(effect better than 0)``."""
    if not prior_std > 0:
        raise input_error("prior_std", f"is {prior_std}", "a positive prior standard deviation (a proper prior)")
    if not (math.isfinite(estimate) and math.isfinite(se) and se > 0):
        return Posterior(math.nan, math.nan, math.nan, math.nan, math.nan, "gaussian")
    precision = 1 / prior_std**2 + 1 / se**2
    mean = (prior_mean / prior_std**2 + estimate / se**2) / precision
    sd = math.sqrt(1 / precision)
    signed = mean if higher_is_better else -mean
    win = dist.norm_sf(-signed / sd)
    # E[max(-X, 0)] for X ~ N(m, s²): s φ(m/s) - m Φ(-m/s)
    loss = sd * dist.norm_pdf(signed / sd) - signed * dist.norm_sf(signed / sd)
    return Posterior(win, max(loss, 0.0), max(loss + signed, 0.0), mean, sd, "gaussian")
