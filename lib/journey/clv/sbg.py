"""Shifted-beta-geometric retention for contracts (Fader & Hardie 2007, "How to project
customer retention", Journal of Interactive Marketing 21(1)).

Each customer cancels at the end of any period with their own probability ``θ ~ Beta(α, β)``,
so a cohort's retention rises over time as the likely cancellers leave. Data: the number
still active at periods ``0..n`` (the first is the cohort size). With
``P(T=t) = B(α+1, β+t−1) / B(α, β)`` and ``S(t) = B(α, β+t) / B(α, β)`` the log-likelihood is::

    Σ_{t=1..n} (n_{t−1} − n_t) ln P(T=t)  +  n_n ln S(n)

(the paper's equation 6; −1,611.2 for its "regular" customers, α = 0.704, β = 1.182).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import special

from journey.clv.fitting import FittedModel, fit_log_params
from journey.validation import input_error

NAMES = ("alpha", "beta")


def _survivors(survivors: Sequence[float] | np.ndarray | pd.Series) -> np.ndarray:
    values = np.asarray(survivors, dtype=float)
    if values.ndim != 1 or len(values) < 2:
        raise input_error(
            "survivors", f"{len(np.atleast_1d(values))} value(s)", "the cohort size, then at least one later count"
        )
    if not np.all(np.isfinite(values)) or np.any(values < 0) or np.any(values != np.floor(values)):
        raise input_error("survivors", f"non-count values {values.tolist()!r}", "whole numbers >= 0")
    if values[0] <= 0:
        raise input_error("survivors", "cohort size 0", "a cohort size > 0 at period 0")
    rise = np.flatnonzero(np.diff(values) > 0)
    if len(rise):
        t = int(rise[0]) + 1
        raise input_error(
            "survivors",
            f"count rises from {values[t - 1]:g} to {values[t]:g} at period {t}",
            "counts that never increase (customers still active of one cohort)",
        )
    return values


def log_likelihood(params: np.ndarray, survivors: np.ndarray) -> tuple[float, np.ndarray]:
    """The cohort's log-likelihood and its gradient in ``(α, β)``."""
    alpha, beta = (float(v) for v in params)
    n = len(survivors) - 1
    t = np.arange(1, n + 1, dtype=float)
    lost = survivors[:-1] - survivors[1:]
    ab = special.digamma(alpha + beta)
    log_p = special.betaln(alpha + 1, beta + t - 1) - special.betaln(alpha, beta)
    log_s = special.betaln(alpha, beta + n) - special.betaln(alpha, beta)
    dp_a = special.digamma(alpha + 1) - special.digamma(alpha + beta + t) - special.digamma(alpha) + ab
    dp_b = special.digamma(beta + t - 1) - special.digamma(alpha + beta + t) - special.digamma(beta) + ab
    ds_a = ab - special.digamma(alpha + beta + n)
    ds_b = special.digamma(beta + n) - special.digamma(alpha + beta + n) - special.digamma(beta) + ab
    keep = lost > 0  # 0 × ln P is 0 even where ln P underflows
    ll = float(np.sum(lost[keep] * log_p[keep]) + (survivors[-1] * log_s if survivors[-1] else 0.0))
    grad = np.array(
        [np.sum(lost * dp_a) + survivors[-1] * ds_a, np.sum(lost * dp_b) + survivors[-1] * ds_b], dtype=float
    )
    return ll, grad


class ShiftedBetaGeometric(FittedModel):
    """``ShiftedBetaGeometric().fit(survivors)``: a contract cohort's retention curve.

    After :meth:`fit`: ``params`` (``alpha``, ``beta``), ``standard_errors``, ``log_likelihood``,
    ``status``, ``result``; :meth:`survival` and :meth:`retention_rate` project it forward.
    """

    NAMES = NAMES
    LABEL = "shifted-beta-geometric"

    def __init__(self, alpha: float | None = None, beta: float | None = None):
        super().__init__(alpha, beta)

    def fit(self, survivors: Sequence[float] | np.ndarray | pd.Series) -> ShiftedBetaGeometric:
        counts = _survivors(survivors)
        if counts[-1] == counts[0]:
            raise input_error("survivors", "nobody cancelled in any period", "at least one cancellation to fit")
        objective = lambda th: log_likelihood(th, counts)  # noqa: E731
        self._store(fit_log_params(self.LABEL, NAMES, objective, (1.0, 1.0), int(counts[0])))
        return self

    def survival(self, t: float | np.ndarray) -> float | np.ndarray:
        """S(t): the share of the cohort still active after ``t`` periods (``S(0) = 1``)."""
        alpha, beta = self.params.to_numpy(float)
        t_arr = np.asarray(t, dtype=float)
        out = np.exp(special.betaln(alpha, beta + t_arr) - special.betaln(alpha, beta))
        return out if np.ndim(t) else float(out)

    def retention_rate(self, t: float | np.ndarray) -> float | np.ndarray:
        """r(t) = S(t) / S(t−1) = (β + t − 1) / (α + β + t − 1), for periods ``t >= 1``."""
        alpha, beta = self.params.to_numpy(float)
        t_arr = np.asarray(t, dtype=float)
        out = (beta + t_arr - 1) / (alpha + beta + t_arr - 1)
        return out if np.ndim(t) else float(out)
