"""The customer table that rules read, built from orders and events by :mod:`journey.segments`.

One row per customer who bought: ``segment`` (RFM), ``risk_band`` (purchase timing, unless a
table of bands from a churn or health model is given), a boolean column per behaviour segment
and ``preferred_<dimension>`` per preference dimension. Customers without events keep their
segment and band; their behaviour flags are False and their preferences missing.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from journey.data.sources import DataLike
from journey.segments import (
    BEHAVIOURS,
    PurchaseTiming,
    RFMSegments,
    behaviour_segments,
    preferences,
    purchase_timing,
    rfm,
)
from journey.validation import input_error, require_columns


def customer_table(
    orders: DataLike,
    events: DataLike | None = None,
    *,
    customer: str = "user_id",
    date: str = "ts",
    amount: str = "revenue",
    period_end: str | None = None,
    dimensions: Sequence[str] = ("channel", "device"),
    risk: pd.DataFrame | None = None,
    scores: RFMSegments | None = None,
    timing: PurchaseTiming | None = None,
) -> pd.DataFrame:
    """Per customer: segment, risk band, behaviour flags and preferences (columns named as the rules read them).

    ``risk``: optional frame with the customer column and ``risk_band`` (e.g. a health model's
    bands) that replaces the timing bands; customers it does not list get a missing band.
    ``scores`` / ``timing``: :func:`rfm` and :func:`purchase_timing` of these ``orders`` at
    ``period_end``, when the caller has them already.
    """
    # a caller that already scored the same orders at the same period end passes them in
    scores = scores or rfm(orders, customer, date, amount, period_end=period_end)
    timing = timing or purchase_timing(orders, customer, date, period_end=period_end)
    table = scores.customers[["segment"]].copy()
    if risk is None:
        table["risk_band"] = timing.customers["risk_band"].reindex(table.index)
    else:
        require_columns(risk.columns, [customer, "risk_band"], "risk")
        if risk[customer].duplicated().any():
            raise input_error(
                "risk", f"customer {risk[customer][risk[customer].duplicated()].iloc[0]!r} twice", "one row each"
            )
        table["risk_band"] = risk.set_index(customer)["risk_band"].reindex(table.index)
    if events is not None:
        flags = behaviour_segments(events, customer).customers[list(BEHAVIOURS)]
        table = table.join(flags.astype(bool), how="left")
        table[list(BEHAVIOURS)] = table[list(BEHAVIOURS)].fillna(False).astype(bool)
        prefs = preferences(events, customer, dimensions).customers
        table = table.join(prefs[[f"preferred_{d}" for d in dimensions]], how="left")
    table.index.name = customer
    return table.reset_index()


__all__ = ["customer_table"]
