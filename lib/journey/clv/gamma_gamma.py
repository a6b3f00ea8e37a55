"""Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV", Journal of Marketing
Research 42(4); the formulation of Fader & Hardie's 2013 note "The Gamma-Gamma model of
monetary value").

Each transaction's value is ``Gamma(p, ν)`` around a customer's own mean ``p/ν``, and
``ν ~ Gamma(q, γ)`` across customers. Fitted on repeat buyers only (``frequency > 0``): the
observed ``monetary_value`` is the mean of a customer's ``x`` repeat purchase days. The
density of that mean, integrated over ``ν``, gives per customer::

    ln f = lnΓ(px+q) − lnΓ(px) − lnΓ(q) + q ln γ + (px−1) ln m + px ln x − (px+q) ln(γ + m x)

the full log-likelihood (no constant dropped). On CDNOW's 946 repeat buyers it gives the
published p = 6.25, q = 3.74, γ = 15.44.
The model assumes spend does not depend on frequency; check ``corr(frequency,
monetary_value)`` is small before trusting CLV built on it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from journey.clv.checks import summary_columns
from journey.clv.fitting import FittedModel, fit_log_params
from journey.validation import input_error

NAMES = ("p", "q", "gamma")
MONTH = {"D": 30.0, "W": 4.345}  # summary time units per month, as lifetimes' customer_lifetime_value


def log_likelihood(params: np.ndarray, x: np.ndarray, m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-customer log-likelihood and gradient (shape ``(3, n)``) in ``(p, q, γ)``; needs ``x > 0``."""
    p, q, g = (float(v) for v in params)
    px = p * x
    tail = np.log(g + m * x)
    ll = (
        special.gammaln(px + q)
        - special.gammaln(px)
        - special.gammaln(q)
        + q * np.log(g)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * tail
    )
    d_p = x * (special.digamma(px + q) - special.digamma(px) + np.log(m) + np.log(x) - tail)
    d_q = special.digamma(px + q) - special.digamma(q) + np.log(g) - tail
    d_g = q / g - (px + q) / (g + m * x)
    return ll, np.vstack([d_p, d_q, d_g])


def total_log_likelihood(
    params: np.ndarray, x: np.ndarray, m: np.ndarray, log_m: np.ndarray, ux: np.ndarray, inverse: np.ndarray, counts
) -> tuple[float, np.ndarray]:
    """The sum of :func:`log_likelihood` and its gradient, with the gamma and digamma terms (which
    depend on ``x`` alone) evaluated once per distinct frequency and weighted by ``counts``."""
    p, q, g = (float(v) for v in params)
    pu = p * ux
    a_u = special.gammaln(pu + q) - special.gammaln(pu) + pu * np.log(ux)
    dig = special.digamma(pu + q)
    dp_u = ux * (dig - special.digamma(pu) + np.log(ux))
    n = len(x)
    px = p * x
    tail = np.log(g + m * x)
    ll = float(counts @ a_u - n * special.gammaln(q) + n * q * np.log(g) + (px - 1) @ log_m - (px + q) @ tail)
    grad = np.array(
        [
            counts @ dp_u + x @ (log_m - tail),
            counts @ dig - n * special.digamma(q) + n * np.log(g) - tail.sum(),
            n * q / g - np.sum((px + q) / (g + m * x)),
        ]
    )
    return ll, grad


class GammaGamma(FittedModel):
    """``GammaGamma().fit(summary)``: spend per transaction, shrunk toward the population mean.

    After :meth:`fit`: ``params`` (``p``, ``q``, ``gamma``), ``standard_errors``,
    ``log_likelihood``, ``status`` and ``result``. ``GammaGamma(p=, q=, gamma=)`` predicts
    with known parameters.
    """

    NAMES = NAMES
    LABEL = "Gamma-Gamma"

    def __init__(self, p: float | None = None, q: float | None = None, gamma: float | None = None):
        super().__init__(p, q, gamma)

    def fit(self, summary: pd.DataFrame, start: tuple[float, float, float] | None = None) -> GammaGamma:
        """Fit on the repeat buyers of a summary with ``frequency`` and ``monetary_value``."""
        cols = summary_columns(summary, "GammaGamma", ("frequency", "monetary_value"))
        repeat = cols["frequency"] > 0
        x, m = cols["frequency"][repeat], cols["monetary_value"][repeat]
        if len(x) < 2:
            raise input_error("GammaGamma summary", f"has {len(x)} repeat buyers", "at least 2 (frequency > 0)")
        zero = m <= 0
        if zero.any():
            raise input_error(
                "GammaGamma summary",
                f"a repeat buyer has monetary_value {m[zero][0]:g}",
                "positive spend for every customer with frequency > 0",
            )

        ux, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
        log_m = np.log(m)

        def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
            return total_log_likelihood(theta, x, m, log_m, ux, inverse, counts.astype(float))

        # Method-of-moments-free neutral start: p = q = 2 puts the mean spend at gamma, so gamma
        # starts at the observed mean spend.
        start = start or (2.0, 2.0, max(float(np.mean(m)), 1e-6))
        self._store(fit_log_params(self.LABEL, NAMES, objective, start, len(x)))
        return self

    def conditional_expected_value(self, summary: pd.DataFrame) -> np.ndarray:
        """E[spend per transaction | x, m_x] = (γ + m x) p / (p x + q − 1); the population mean
        ``γ p / (q − 1)`` for customers without repeat purchases. Needs ``q > 1``."""
        cols = summary_columns(summary, "GammaGamma", ("frequency", "monetary_value"))
        x, m = cols["frequency"], cols["monetary_value"]
        p, q, g = self.params.to_numpy(float)
        if q <= 1:
            return np.full(len(x), np.nan)
        return np.where(x > 0, (g + m * x) * p / (p * x + q - 1), g * p / (q - 1))

    def clv(
        self,
        summary: pd.DataFrame,
        horizon: int = 12,
        discount_rate: float = 0.01,
        transactions: object | None = None,
        time_unit: str | None = None,
    ) -> np.ndarray:
        """Discounted expected value of each customer's purchases over the next ``horizon`` months.

        Sum over months ``i = 1..horizon`` of E[purchases in month i] × expected spend ×
        ``(1 + discount_rate)^-i`` — the definition of lifetimes' ``customer_lifetime_value``
        (a month is 30 days, or 4.345 weeks). ``transactions`` is the purchase model (a
        fitted :class:`~journey.clv.BetaGeo`); when omitted one is fitted on ``summary``.
        ``time_unit`` defaults to the summary's (``summary.attrs["time_unit"]``, else weeks).
        """
        from journey.clv.bgnbd import BetaGeo

        unit = time_unit or summary.attrs.get("time_unit", "W")
        if unit not in MONTH:
            raise input_error("time_unit", f"unknown value {unit!r}", "one of 'D', 'W'")
        if horizon < 1 or int(horizon) != horizon:
            raise input_error("horizon", f"{horizon!r} months", "a whole number of months >= 1")
        model = transactions if transactions is not None else BetaGeo().fit(summary)
        spend = self.conditional_expected_value(summary)
        month = MONTH[unit]
        total = np.zeros(len(summary))
        before = np.zeros(len(summary))
        for i in range(1, int(horizon) + 1):
            through = model.conditional_expected_purchases(i * month, summary)
            total += spend * (through - before) / (1 + discount_rate) ** i
            before = through
        return total
