"""Revenue per period at stake in customers at risk of churning: churn probability × CLV, summed.

Each scored customer ``i`` has ``p_i``, the churn model's probability of churning within its
horizon (:mod:`journey.churn.logistic`, scored in the customer-health review), and ``clv_i``,
their expected spend over the next 12 months (:mod:`journey.clv.value`). A customer who churns
takes that spend away, at ``clv_i / 12 months`` per month; so the revenue per period the at-risk
customers are expected to take away, were nobody kept, is

``value = Σ p_i × clv_i × period_days / (clv_months × 365.25 / 12)``.

It is the same sum the health review ranks customers by (``expected_loss``), spread over the
CLV's months so it reads in the table's unit, revenue per period.

**Interval: the realised loss.** If each customer churns independently with their predicted
probability, the value lost is ``Σ Y_i clv_i`` with ``Y_i ~ Bernoulli(p_i)``: mean the sum
above, variance ``Σ p_i (1 − p_i) clv_i²``; the interval is the normal one on that. The churn
model's and the CLV models' own estimation error are **not** included (stated in the table).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from journey.stats.intervals import z_quantile
from journey.validation import input_error, require_columns

CLV_MONTHS = 12
METHOD = "realised loss, independent Bernoulli churn (model error not included)"


def customer_risk_frame(customers: Any) -> tuple[pd.DataFrame | None, int | None, str]:
    """``(frame, horizon_days, status)`` from a :class:`~journey.health.review.CustomerHealthReview`
    (its ``customer_risk``) or a DataFrame with ``churn_probability`` and ``clv`` per customer."""
    if customers is None:
        return None, None, "no customers passed (customers= a CustomerHealthReview or its customer_risk)"
    horizon = getattr(customers, "horizon_days", None)
    if hasattr(customers, "customer_risk"):
        frame = customers.customer_risk
        if frame is None:
            notes = "; ".join(getattr(customers, "notes", []) or []) or "no churn model or no CLV"
            return None, horizon, f"no churn probabilities × CLV in the review ({notes})"
    elif isinstance(customers, pd.DataFrame):
        frame = customers
    else:
        raise input_error(
            "parameter 'customers'",
            f"is a {type(customers).__name__}",
            "a CustomerHealthReview (journey.health.review) or a DataFrame with churn_probability and clv",
        )
    require_columns(frame.columns, ["churn_probability", "clv"], "customers")
    return frame, horizon, "ok"


def size_at_risk(
    frame: pd.DataFrame | None,
    status: str,
    *,
    period_days: float,
    horizon_days: int | None = None,
    alpha: float = 0.05,
    period: str = "week",
) -> pd.DataFrame:
    """One row of the opportunity table for the at-risk customers (none, with ``status``, when absent)."""
    if frame is None:
        return pd.DataFrame()
    known = frame[["churn_probability", "clv"]].astype(float).dropna()
    p, clv = known["churn_probability"].to_numpy(), known["clv"].to_numpy()
    bad = (p < 0) | (p > 1)
    if bad.any():
        raise input_error("customers", f"column 'churn_probability' has value {p[bad][0]!r}", "probabilities in [0, 1]")
    if known.empty:
        return pd.DataFrame()
    per_period = period_days / (CLV_MONTHS * 365.25 / 12)
    value = float(np.sum(p * clv)) * per_period
    se = math.sqrt(float(np.sum(p * (1 - p) * clv**2))) * per_period
    z = z_quantile(alpha)
    horizon = f"in the next {horizon_days} days" if horizon_days else "within the model's horizon"
    assumption = (
        f"{len(known):,} scored customers, {np.sum(p):,.0f} expected to churn {horizon}; each churner's "
        f"{CLV_MONTHS}-month CLV lost evenly over its months; all of it kept if every one were saved"
    )
    return pd.DataFrame([{
        "source": "at-risk customers", "item": "churn probability × CLV", "segment": "all", "theme": None,
        "revenue_per_period": value, "revenue_per_period_ci_lower": value - z * se,
        "revenue_per_period_ci_upper": value + z * se, "assumption": assumption, "method": METHOD, "status": status,
    }])  # fmt: skip


__all__ = ["CLV_MONTHS", "customer_risk_frame", "size_at_risk"]
