"""A seeded activity log in which unresolved support tickets raise the daily hazard of leaving.

Test-only: a customer starts on a random day in the first 200, is active on each day with
their own probability (Gamma(2, 0.08)) until they leave, and leaves on each day with hazard
``0.002 · exp(0.7 · unresolved_tickets)``. One sentinel row on the last day (customer -1)
makes the log reach ``days`` whoever is still active.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

START = pd.Timestamp("2025-01-01")


def simulate_activity(customers: int = 1500, days: int = 400, seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(activity, features)``: activity rows (``customer_id``, ``ts``) and per customer
    ``unresolved_tickets`` (a feature known at any cutoff)."""
    rng = np.random.default_rng(seed)
    rate = rng.gamma(2.0, 0.08, customers)
    tickets = rng.poisson(0.6, customers)
    start = rng.integers(0, 200, customers)
    stop = start + rng.geometric(0.002 * np.exp(0.7 * tickets))
    parts = []
    for i in range(customers):
        span = np.arange(start[i], min(stop[i], days))
        parts.append(pd.DataFrame({"customer_id": i, "day": span[rng.random(len(span)) < rate[i]]}))
    parts.append(pd.DataFrame({"customer_id": [-1], "day": [days]}))
    frame = pd.concat(parts, ignore_index=True)
    activity = pd.DataFrame(
        {"customer_id": frame["customer_id"], "ts": START + pd.to_timedelta(frame["day"], unit="D")}
    )
    features = pd.DataFrame(
        {"unresolved_tickets": tickets.astype(float)}, index=pd.Index(np.arange(customers), name="customer_id")
    )
    return activity, features
