"""The ratio of two independent proportions (a risk ratio) with its interval.

Retention plays are judged by how much of the churn they prevent, ``1 − p_treated / p_holdout``,
a ratio; its interval is the log interval with half a count added to every cell (Katz et al.
1978, "adjusted" as statsmodels' default ``confint_proportions_2indep(compare="ratio",
method="log-adjusted")``), which stays finite when a group has no events. Tested against
statsmodels in ``tests/stats/test_ratios.py``.
"""

from __future__ import annotations

import math

from journey.stats.intervals import z_quantile

NAN = math.nan


def risk_ratio(x1: float, n1: float, x0: float, n0: float, alpha: float = 0.05) -> tuple[float, float, float]:
    """``(p1 / p0, lower, upper)`` for ``x1`` events in ``n1`` against ``x0`` in ``n0``.

    The estimate is the plain ratio of the observed rates (NaN when ``x0`` is 0 or a group is
    empty); the interval is the adjusted log interval (0.5 added to each count).

    >>> [round(v, 4) for v in risk_ratio(30, 200, 50, 200)]
    [0.6, 0.403, 0.9052]
    """
    if n1 <= 0 or n0 <= 0:
        return NAN, NAN, NAN
    estimate = (x1 / n1) / (x0 / n0) if x0 > 0 else NAN
    a1, m1, a0, m0 = x1 + 0.5, n1 + 0.5, x0 + 0.5, n0 + 0.5
    center = math.log((a1 / m1) / (a0 / m0))
    half = z_quantile(alpha) * math.sqrt(1 / a1 - 1 / m1 + 1 / a0 - 1 / m0)
    return estimate, math.exp(center - half), math.exp(center + half)
