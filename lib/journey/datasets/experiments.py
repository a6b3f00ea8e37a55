"""Seeded synthetic per-user experiment tables for tests, docs and benchmarks.

>>> frame = make_experiment(users=1000, seed=1)
>>> sorted(frame.columns)[:4]
['converted', 'day', 'device', 'orders']
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def make_experiment(
    users: int = 10_000,
    seed: int = 0,
    variants: Sequence[str] = ("control", "treatment"),
    shares: Sequence[float] | None = None,
    conversion: float = 0.10,
    lift: float = 0.0,
    revenue_lift: float = 0.0,
    days: int = 14,
) -> pd.DataFrame:
    """One row per user: ``variant``, ``converted`` (0/1), ``revenue`` (correlated with
    ``pre_revenue``, so CUPED helps), ``orders`` / ``sessions`` (a ratio metric with pre-period
    counterparts), ``device`` (a segment) and ``day`` (assignment day, 0-based).

    ``lift`` multiplies the conversion rate and ``revenue_lift`` revenue in every non-first arm.
    """
    rng = np.random.default_rng(seed)
    k = len(variants)
    p = np.full(k, 1 / k) if shares is None else np.asarray(shares, float) / np.sum(shares)
    arm = rng.choice(k, size=users, p=p)
    treated = arm > 0
    engagement = rng.gamma(2.0, 1.0, users)
    sessions = 1 + rng.poisson(1.5 * engagement)
    pre_sessions = 1 + rng.poisson(1.5 * engagement)
    rate = np.clip(conversion * (0.5 + 0.25 * engagement) * np.where(treated, 1 + lift, 1.0), 0, 1)
    converted = (rng.random(users) < rate).astype(np.int64)
    orders = rng.binomial(sessions, np.clip(rate / 2, 0, 1))
    pre_orders = rng.binomial(pre_sessions, np.clip(conversion * (0.5 + 0.25 * engagement) / 2, 0, 1))
    pre_revenue = 20 * engagement + rng.gamma(2.0, 5.0, users)
    revenue = (0.8 * pre_revenue + rng.gamma(2.0, 5.0, users)) * np.where(treated, 1 + revenue_lift, 1.0)
    return pd.DataFrame(
        {
            "user_id": np.arange(1, users + 1, dtype=np.int64),
            "variant": np.take(np.asarray(variants), arm),
            "converted": converted,
            "revenue": revenue,
            "pre_revenue": pre_revenue,
            "orders": orders.astype(np.int64),
            "sessions": sessions.astype(np.int64),
            "pre_orders": pre_orders.astype(np.int64),
            "pre_sessions": pre_sessions.astype(np.int64),
            "device": rng.choice(["desktop", "mobile", "tablet"], size=users, p=[0.45, 0.45, 0.10]),
            "day": rng.integers(0, days, users),
        }
    )
