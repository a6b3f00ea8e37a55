"""Confidence intervals every package shares: Wilson, Newcombe's difference of proportions, Welch.

One implementation each, from counts and moments only (no row-level data):

* :func:`wilson`: the score interval for one proportion (Wilson 1927). Used for CSAT,
  a sentiment model's accuracy and retention rates: it stays inside [0, 1] and keeps its
  coverage near 0 and 1, where the Wald interval collapses to a point.
* :func:`newcombe_difference`: the difference of two independent proportions with Newcombe's
  hybrid score interval (Newcombe 1998, method 10), built from the two Wilson intervals. Used
  where groups are small or shares are near 0 (stage exposure groups, theme shares); it is the
  interval that stays honest when one group has no successes. Experiments use the Wald
  interval of :func:`journey.experiments.estimators.compare` instead, because there the
  interval and the p-value must come from one standard error (the test decides from it).
* :func:`welch`: difference of two means with Welch's t and Satterthwaite's degrees of freedom
  (:func:`welch_df`, which the experiment estimators share for their adjusted variances).

Each is tested once against statsmodels in ``tests/stats/test_intervals.py``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from journey.stats import dist

NAN = math.nan


def z_quantile(alpha: float) -> float:
    """The two-sided normal quantile ``z_{1-alpha/2}`` (1.959964 for ``alpha = 0.05``)."""
    return dist.norm_isf(alpha / 2)


def wilson(successes: float, n: float, alpha: float = 0.05) -> tuple[float, float]:
    """Wilson score interval for ``successes / n``; ``(nan, nan)`` when ``n`` is 0.

    >>> [round(v, 4) for v in wilson(2, 4)]
    [0.15, 0.85]
    """
    if not n > 0:
        return NAN, NAN
    z = z_quantile(alpha)
    p = successes / n
    z2n = z * z / n
    centre = (p + z2n / 2) / (1 + z2n)
    half = z * math.sqrt(p * (1 - p) / n + z2n / (4 * n)) / (1 + z2n)
    return max(centre - half, 0.0), min(centre + half, 1.0)


def newcombe_difference(x1: float, n1: float, x0: float, n0: float, alpha: float = 0.05) -> tuple[float, float, float]:
    """``(p1 − p0, lower, upper)`` with Newcombe's hybrid score interval; NaN when a group is empty.

    ``lower = d − sqrt((p1 − l1)² + (u0 − p0)²)`` and ``upper = d + sqrt((u1 − p1)² + (p0 − l0)²)``
    with ``(l, u)`` each group's Wilson interval at the same ``alpha``.

    >>> [round(v, 4) for v in newcombe_difference(3, 4, 1, 6)]
    [0.5833, -0.0162, 0.8292]
    """
    if not (n1 > 0 and n0 > 0):
        return NAN, NAN, NAN
    p1, p0 = x1 / n1, x0 / n0
    l1, u1 = wilson(x1, n1, alpha)
    l0, u0 = wilson(x0, n0, alpha)
    d = p1 - p0
    return d, d - math.hypot(p1 - l1, u0 - p0), d + math.hypot(u1 - p1, p0 - l0)


def welch_df(var_a: float, dof_a: float, var_b: float, dof_b: float) -> float:
    """Welch–Satterthwaite degrees of freedom of ``var_a + var_b`` (each the variance of a mean,
    estimated with ``dof_*`` degrees of freedom); ``inf`` when both are 0."""
    denom = var_a**2 / dof_a + var_b**2 / dof_b
    return (var_a + var_b) ** 2 / denom if denom > 0 else math.inf


@dataclass(frozen=True, slots=True)
class Welch:
    """Welch's comparison of two means: ``effect_size = mean_a − mean_b``, its ``se``, ``df``,
    the ``1 − alpha`` interval, the t ``statistic`` and the two-sided ``pvalue``."""

    effect_size: float
    se: float
    df: float
    effect_ci_lower: float
    effect_ci_upper: float
    statistic: float
    pvalue: float
    alpha: float


def welch(mean_a: float, var_a: float, n_a: int, mean_b: float, var_b: float, n_b: int, alpha: float = 0.05) -> Welch:
    """Welch's t for ``mean_a − mean_b`` from each group's mean, sample variance (``ddof=1``) and size.

    NaN everywhere when a group has fewer than 2 values or both variances are 0.

    >>> r = welch(3.0, 1.0, 20, 2.5, 2.0, 30)
    >>> round(r.effect_size, 3), round(r.df, 1), round(r.pvalue, 4)
    (0.5, 47.8, 0.1498)
    """
    if n_a < 2 or n_b < 2:
        return Welch(NAN, NAN, NAN, NAN, NAN, NAN, NAN, alpha)
    va, vb = var_a / n_a, var_b / n_b
    se = math.sqrt(va + vb)
    effect = mean_a - mean_b
    if not se > 0:
        return Welch(effect, NAN, NAN, NAN, NAN, NAN, NAN, alpha)
    df = welch_df(va, n_a - 1, vb, n_b - 1)
    half = dist.t_isf(alpha / 2, df) * se
    t = effect / se
    return Welch(effect, se, df, effect - half, effect + half, t, min(1.0, 2 * dist.t_sf(abs(t), df)), alpha)


def wald_table(params, se, alpha: float = 0.05, ratio: str = "ratio"):
    """Per coefficient of a fitted log-linear model: ``coef``, ``se``, the Wald interval
    ``coef_ci_lower/_upper``, ``exp(coef)`` as ``<ratio>`` (a hazard or odds ratio) with its
    interval, ``z`` and the two-sided ``pvalue``; indexed like ``params``. A NaN standard error
    gives NaN statistics, never a p-value of 1.

    >>> import pandas as pd
    >>> t = wald_table(pd.Series({"x": 0.5}), pd.Series({"x": 0.25}), ratio="odds_ratio")
    >>> [round(v, 4) for v in t.loc["x", ["z", "pvalue", "odds_ratio"]]]
    [2.0, 0.0455, 1.6487]
    """
    import numpy as np
    import pandas as pd

    z = z_quantile(alpha)
    b, s = np.asarray(params, dtype=float), np.asarray(se, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        stat = b / s
    return pd.DataFrame(
        {
            "coef": b,
            "se": s,
            "coef_ci_lower": b - z * s,
            "coef_ci_upper": b + z * s,
            ratio: np.exp(b),
            f"{ratio}_ci_lower": np.exp(b - z * s),
            f"{ratio}_ci_upper": np.exp(b + z * s),
            "z": stat,
            "pvalue": [2 * dist.norm_sf(abs(v)) if math.isfinite(v) else NAN for v in stat],
        },
        index=getattr(params, "index", None),
    )
