"""Random-effects meta-analysis: many estimates with standard errors, one distribution of true effects.

Model: experiment ``i`` reports ``y_i ~ N(theta_i, s_i^2)`` with ``s_i`` known, and the true
effects are drawn from ``theta_i ~ N(mu, tau^2)``. :func:`random_effects` estimates ``tau^2``
and then ``mu`` by inverse-variance weights ``w_i = 1 / (s_i^2 + tau^2)``:

* ``"dl"``: DerSimonian and Laird (1986), the method-of-moments estimate from Cochran's Q,
  ``tau^2 = max(0, (Q - (k - 1)) / (sum w - sum w^2 / sum w))`` with fixed-effect weights
  ``w = 1 / s^2`` (statsmodels ``combine_effects(..., method_re="chi2")``).
* ``"reml"``: restricted maximum likelihood, found by Fisher scoring on the REML log-likelihood
  ``-1/2 [sum log(s^2 + tau^2) + log sum w + sum w (y - mu_w)^2]``: each step adds
  ``score / information`` with ``score = 1/2 [sum w^2 (y - mu)^2 - tr P]`` and
  ``information = 1/2 tr(P^2)`` (``P = W - w w' / sum w``), starting from DL, halving a step
  that lowers the likelihood, truncated at 0, until the step is below ``1e-12`` (Viechtbauer
  2005, Stat Med 24:3 and the metafor documentation). REML is less biased than DL when the
  standard errors differ a lot; both are consistent.

:func:`shrink` gives each estimate's normal-normal posterior given the prior ``N(mu, tau^2)``:
mean ``(tau^2 y + s^2 mu) / (tau^2 + s^2)`` and sd ``sqrt(tau^2 s^2 / (tau^2 + s^2))``,
treating ``mu`` and ``tau^2`` as known (empirical Bayes; the posterior sd is then slightly too
small, by the uncertainty of ``mu``, which :attr:`MetaAnalysis.mu_se` states).

Inputs are the estimates and their standard errors only; the tests build them by hand.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar, Literal

import numpy as np
import pandas as pd

from journey.display.results import ResultMixin
from journey.stats.intervals import z_quantile
from journey.validation import check_option, input_error

Method = Literal["dl", "reml"]
METHODS: tuple[str, ...] = ("dl", "reml")
_TOL = 1e-12
_MAX_ITER = 200


@dataclass(frozen=True, slots=True)
class MetaAnalysis(ResultMixin):
    """The random-effects prior across ``k`` estimates.

    ``mu`` is the mean true effect with its standard error ``mu_se`` and ``1 - alpha`` Wald
    interval; ``tau2`` the variance of the true effects (``tau`` its root); ``q`` Cochran's Q
    and ``i2`` the share of the spread that is real (``max(0, (Q - (k-1)) / Q)``).
    ``status`` is ``"ok"`` or says why the numbers are NaN (fewer than 2 estimates) or that
    REML stopped without converging.
    """

    method: str
    k: int
    mu: float
    mu_se: float
    mu_ci_lower: float
    mu_ci_upper: float
    tau2: float
    q: float
    i2: float
    iterations: int
    alpha: float
    status: str

    caption: ClassVar[str] = "Random-effects prior across experiments"

    @property
    def tau(self) -> float:
        return math.sqrt(self.tau2) if self.tau2 >= 0 else math.nan

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {
                    "method": self.method,
                    "k": self.k,
                    "rel_mu": self.mu,
                    "rel_mu_ci_lower": self.mu_ci_lower,
                    "rel_mu_ci_upper": self.mu_ci_upper,
                    "rel_tau": self.tau,
                    "tau2": self.tau2,
                    "i2_share": self.i2,
                    "status": self.status,
                }
            ]
        )


def _arrays(estimates, ses) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(estimates, dtype=float)
    s = np.asarray(ses, dtype=float)
    if y.shape != s.shape or y.ndim != 1:
        raise input_error("meta-analysis", f"{y.shape} estimates and {s.shape} standard errors", "two equal 1-d arrays")
    if not (np.all(np.isfinite(y)) and np.all(np.isfinite(s)) and np.all(s > 0)):
        raise input_error("meta-analysis", "has a missing estimate or a standard error <= 0", "finite values, se > 0")
    return y, s


def dersimonian_laird(estimates, ses) -> tuple[float, float]:
    """DerSimonian-Laird ``tau^2`` and Cochran's Q (see the module doc)."""
    y, s = _arrays(estimates, ses)
    w = 1 / s**2
    mu_fe = float(np.sum(w * y) / np.sum(w))
    q = float(np.sum(w * (y - mu_fe) ** 2))
    c = float(np.sum(w) - np.sum(w**2) / np.sum(w))
    return max(0.0, (q - (len(y) - 1)) / c), q


def reml_loglik(tau2: float, estimates, ses) -> float:
    """The REML log-likelihood of ``tau^2`` (constants dropped), maximised by :func:`reml_tau2`."""
    y, s = _arrays(estimates, ses)
    w = 1 / (s**2 + tau2)
    mu = np.sum(w * y) / np.sum(w)
    return float(-0.5 * (np.sum(np.log(s**2 + tau2)) + np.log(np.sum(w)) + np.sum(w * (y - mu) ** 2)))


def reml_tau2(estimates, ses, start: float | None = None) -> tuple[float, int, bool]:
    """REML ``tau^2`` by Fisher scoring (module doc): ``(tau2, iterations, converged)``."""
    y, s = _arrays(estimates, ses)
    v = s**2
    tau2 = dersimonian_laird(y, s)[0] if start is None else float(start)
    for it in range(1, _MAX_ITER + 1):
        w = 1 / (v + tau2)
        sw = np.sum(w)
        mu = np.sum(w * y) / sw
        # tr P = sum w - sum w^2 / sum w; tr P^2 = sum w^2 - 2 sum w^3 / sum w + (sum w^2 / sum w)^2
        tr_p = sw - np.sum(w**2) / sw
        tr_p2 = np.sum(w**2) - 2 * np.sum(w**3) / sw + (np.sum(w**2) / sw) ** 2
        score = 0.5 * (np.sum(w**2 * (y - mu) ** 2) - tr_p)
        step = float(score / (0.5 * tr_p2))
        base = reml_loglik(tau2, y, s)
        new = max(0.0, tau2 + step)
        while reml_loglik(new, y, s) < base - 1e-14 and abs(new - tau2) > _TOL:
            new = max(0.0, tau2 + (new - tau2) / 2)
        if abs(new - tau2) <= _TOL * max(1.0, tau2):
            return new, it, True
        tau2 = new
    return tau2, _MAX_ITER, False


def random_effects(estimates, ses, method: Method = "dl", alpha: float = 0.05) -> MetaAnalysis:
    """The random-effects prior ``N(mu, tau^2)`` of ``estimates`` with standard errors ``ses``.

    >>> r = random_effects([0.1, 0.3, -0.05, 0.2], [0.1, 0.1, 0.1, 0.1])
    >>> round(r.mu, 4), round(r.tau2, 4)  # equal SEs: DL tau^2 = sample variance - s^2
    (0.1375, 0.0123)
    """
    check_option("method", method, METHODS)
    y, s = _arrays(estimates, ses)
    k = len(y)
    if k < 2:
        nan = math.nan
        return MetaAnalysis(method, k, nan, nan, nan, nan, nan, nan, nan, 0, alpha, "fewer than 2 estimates")
    tau2_dl, q = dersimonian_laird(y, s)
    iterations, status = 0, "ok"
    if method == "reml":
        tau2, iterations, converged = reml_tau2(y, s, start=tau2_dl)
        status = "ok" if converged else f"REML did not converge in {_MAX_ITER} steps"
    else:
        tau2 = tau2_dl
    w = 1 / (s**2 + tau2)
    mu = float(np.sum(w * y) / np.sum(w))
    se = float(math.sqrt(1 / np.sum(w)))
    z = z_quantile(alpha)
    i2 = max(0.0, (q - (k - 1)) / q) if q > 0 else 0.0
    return MetaAnalysis(method, k, mu, se, mu - z * se, mu + z * se, float(tau2), q, i2, iterations, alpha, status)


def shrink(estimates, ses, mu: float, tau2: float) -> tuple[np.ndarray, np.ndarray]:
    """Posterior mean and sd of each true effect given ``y ~ N(theta, s^2)``, ``theta ~ N(mu, tau^2)``.

    >>> m, sd = shrink([0.2], [0.1], mu=0.0, tau2=0.01)  # equal variances: halfway to the prior
    >>> round(float(m[0]), 4), round(float(sd[0]), 4)
    (0.1, 0.0707)
    """
    y, s = _arrays(estimates, ses)
    v = s**2
    mean = (tau2 * y + v * mu) / (tau2 + v)
    sd = np.sqrt(tau2 * v / (tau2 + v))
    return mean, sd
