"""BG/NBD: the beta-geometric / negative binomial purchase model (Fader, Hardie & Lee 2005).

"Counting your customers the easy way: an alternative to the Pareto/NBD model", Marketing
Science 24(2). While alive a customer buys as a Poisson process with rate ``λ ~ Gamma(r, α)``
(shape ``r``, rate ``α``, in the summary's time unit); after each repeat purchase they drop out
for good with probability ``p ~ Beta(a, b)``. Data per customer: ``x`` = frequency (repeat
purchase days), ``t_x`` = recency, ``T`` = age, from :func:`journey.clv.rfm_summary`.

Log-likelihood per customer (the paper's equation 6, on the log scale)::

    ln L = lnΓ(r+x) − lnΓ(r) + r ln α + ln B(a, b+x) − ln B(a, b)
           + ln[ (α+T)^−(r+x) + δ(x>0) · a/(b+x−1) · (α+t_x)^−(r+x) ]

which is the *full* likelihood (no constant dropped), so it is comparable with the paper's
−9,582.4 on CDNOW. Gradients are analytic; the expectations use the Gaussian
hypergeometric function ``₂F₁`` as in the paper's equations 7, 10 and 13 (P(alive)).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from journey.clv.checks import summary_columns
from journey.clv.fitting import FittedModel, fit_log_params

NAMES = ("r", "alpha", "a", "b")
COLUMNS = ("frequency", "recency", "T")


def _terms(params: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, ux: np.ndarray, inverse: np.ndarray):
    """The likelihood's pieces: per distinct frequency (gamma and digamma terms, which depend
    on ``x`` alone) and per customer (the two recency terms and their softmax weights)."""
    r, alpha, a, b = (float(v) for v in params)
    uxm = np.maximum(ux, 1.0)
    per_x = {
        "const": special.gammaln(r + ux)
        - special.gammaln(r)
        + r * np.log(alpha)
        + special.gammaln(a + b)
        + special.gammaln(b + ux)
        - special.gammaln(b)
        - special.gammaln(a + b + ux),
        # ln(a / (b + x - 1)) for repeat buyers; -inf for x = 0 drops the second term there
        "lead": np.where(ux > 0, np.log(a) - np.log(b + uxm - 1), -np.inf),
        "d_r": special.digamma(r + ux) - special.digamma(r) + np.log(alpha),
        "d_a": special.digamma(a + b) - special.digamma(a + b + ux),
        "d_b": special.digamma(a + b) + special.digamma(b + ux) - special.digamma(b) - special.digamma(a + b + ux),
        "inv_b": 1.0 / (b + uxm - 1),
    }
    rx = r + x
    log_at = np.log(alpha + T)
    log_atx = np.log(alpha + t_x)
    a3 = -rx * log_at
    a4 = per_x["lead"][inverse] - rx * log_atx
    # log(e^a3 + e^a4) and the two terms' shares, by hand: np.logaddexp costs 10x this here
    top = np.maximum(a3, a4)
    e3 = np.exp(a3 - top)
    e4 = np.exp(a4 - top)  # 0 where x == 0
    total = e3 + e4
    tail = top + np.log(total)
    w3 = e3 / total
    w4 = e4 / total
    per_customer = {"tail": tail, "w3": w3, "w4": w4, "log_at": log_at, "log_atx": log_atx, "rx": rx}
    return per_x, per_customer


def log_likelihood(params: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-customer log-likelihood and its gradient (shape ``(4, n)``) in ``(r, α, a, b)``."""
    r, alpha, a, _ = (float(v) for v in params)
    ux, inverse = np.unique(x, return_inverse=True)
    px, pc = _terms(params, x, t_x, T, ux, inverse)
    ll = px["const"][inverse] + pc["tail"]
    d_r = px["d_r"][inverse] - pc["w3"] * pc["log_at"] - pc["w4"] * pc["log_atx"]
    d_alpha = r / alpha - pc["rx"] * (pc["w3"] / (alpha + T) + pc["w4"] / (alpha + t_x))
    d_a = px["d_a"][inverse] + pc["w4"] / a
    d_b = px["d_b"][inverse] - pc["w4"] * px["inv_b"][inverse]
    return ll, np.vstack([d_r, d_alpha, d_a, d_b])


def total_log_likelihood(
    params: np.ndarray,
    x: np.ndarray,
    t_x: np.ndarray,
    T: np.ndarray,
    ux: np.ndarray,
    inverse: np.ndarray,
    weights: np.ndarray,
) -> tuple[float, np.ndarray]:
    """The weighted sum of :func:`log_likelihood` and of its gradient, without per-customer rows.

    ``weights`` counts the customers each row stands for (a fit collapses customers with the
    same ``(x, t_x, T)`` into one row). Terms that depend on ``x`` alone are weighted by the
    customers sharing each frequency, so the special functions run on a few dozen values and
    only a handful of array operations run over the rows.
    """
    r, alpha, a, _ = (float(v) for v in params)
    px, pc = _terms(params, x, t_x, T, ux, inverse)
    per_x = np.bincount(inverse, weights=weights, minlength=len(ux))
    w3, w4 = weights * pc["w3"], weights * pc["w4"]
    w4_by_x = np.bincount(inverse, weights=w4, minlength=len(ux))
    ll = float(per_x @ px["const"] + weights @ pc["tail"])
    grad = np.array(
        [
            per_x @ px["d_r"] - w3 @ pc["log_at"] - w4 @ pc["log_atx"],
            weights.sum() * r / alpha - pc["rx"] @ (w3 / (alpha + T) + w4 / (alpha + t_x)),
            per_x @ px["d_a"] + w4_by_x.sum() / a,
            per_x @ px["d_b"] - w4_by_x @ px["inv_b"],
        ]
    )
    return ll, grad


def collapse(x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Customers who never bought again, merged by age, with how many customers each row stands for.

    Their likelihood depends on ``T`` alone (``x = t_x = 0``) and ages come in whole days, so the
    usual majority of one-time buyers collapses to a few hundred rows; repeat buyers stay one
    row each (a one-dimensional ``np.unique`` is ten times cheaper than a row-wise one).
    """
    once = x == 0
    ages, counts = np.unique(T[once], return_counts=True)
    rows = [
        np.concatenate([np.zeros(len(ages)), x[~once]]),
        np.concatenate([np.zeros(len(ages)), t_x[~once]]),
        np.concatenate([ages, T[~once]]),
    ]
    return rows, np.concatenate([counts.astype(float), np.ones(int((~once).sum()))])


class BetaGeo(FittedModel):
    """The BG/NBD model: ``BetaGeo().fit(summary)``, then predictions per customer.

    After :meth:`fit`: ``params`` (``r``, ``alpha``, ``a``, ``b``; a Series), ``standard_errors``,
    ``log_likelihood``, ``status`` and ``result`` (the frozen :class:`~journey.clv.fitting.Fit`,
    which renders as a table). A model can also be built from known parameters,
    ``BetaGeo(r=0.243, alpha=4.414, a=0.793, b=2.426)``, to predict without fitting.
    """

    NAMES = NAMES
    LABEL = "BG/NBD"

    def __init__(
        self, r: float | None = None, alpha: float | None = None, a: float | None = None, b: float | None = None
    ):
        super().__init__(r, alpha, a, b)

    def fit(self, summary: pd.DataFrame, start: tuple[float, float, float, float] | None = None) -> BetaGeo:
        """Maximum-likelihood fit on a per-customer summary (``frequency``, ``recency``, ``T``)."""
        cols = summary_columns(summary, "BetaGeo", COLUMNS)
        x, t_x, T = cols["frequency"], cols["recency"], cols["T"]
        (xs, txs, Ts), weights = collapse(x, t_x, T)
        ux, inverse = np.unique(xs, return_inverse=True)

        def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
            return total_log_likelihood(theta, xs, txs, Ts, ux, inverse, weights)

        # r = a = b = 1 is a neutral start; alpha ~ the mean age makes λ's prior mean of order 1/T.
        start = start or (1.0, max(float(np.mean(T)), 1e-3), 1.0, 1.0)
        self._store(fit_log_params(self.LABEL, NAMES, objective, start, len(x)))
        return self

    def expected_purchases(self, t: float | np.ndarray) -> float | np.ndarray:
        """E[X(t)]: repeat purchases a new customer makes in ``(0, t]`` (paper's equation 7)."""
        r, alpha, a, b = self.params.to_numpy(float)
        t_arr = np.asarray(t, dtype=float)
        z = t_arr / (alpha + t_arr)
        out = (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t_arr)) ** r * special.hyp2f1(r, b, a + b - 1, z))
        return out if np.ndim(t) else float(out)

    def conditional_expected_purchases(self, t: float | np.ndarray, summary: pd.DataFrame) -> np.ndarray:
        """E[Y(t) | x, t_x, T]: each customer's repeat purchases in the next ``t`` (equation 10).

        ``t`` is a scalar (one value per customer) or an array broadcast against the customers.
        """
        cols = summary_columns(summary, "BetaGeo", COLUMNS)
        x, T = cols["frequency"], cols["T"]
        r, alpha, a, b = self.params.to_numpy(float)
        t_arr = np.asarray(t, dtype=float)
        z = t_arr / (alpha + T + t_arr)
        head = (a + b + x - 1) / (a - 1)
        body = 1 - ((alpha + T) / (alpha + T + t_arr)) ** (r + x) * special.hyp2f1(r + x, b + x, a + b + x - 1, z)
        return head * body * self.p_alive(summary)

    def p_alive(self, summary: pd.DataFrame) -> np.ndarray:
        """P(alive | x, t_x, T) (equation 13 of the paper's technical note); 1 for ``x = 0``."""
        cols = summary_columns(summary, "BetaGeo", COLUMNS)
        x, t_x, T = cols["frequency"], cols["recency"], cols["T"]
        r, alpha, a, b = self.params.to_numpy(float)
        log_odds = np.log(a / (b + np.maximum(x, 1) - 1)) + (r + x) * np.log((alpha + T) / (alpha + t_x))
        return np.where(x > 0, special.expit(-log_odds), 1.0)

    def customer_log_likelihood(self, summary: pd.DataFrame) -> np.ndarray:
        """Each customer's log-likelihood at the current parameters (sums to ``log_likelihood``)."""
        cols = summary_columns(summary, "BetaGeo", COLUMNS)
        return log_likelihood(self.params.to_numpy(float), cols["frequency"], cols["recency"], cols["T"])[0]
