"""Purchase timing: the time between a customer's purchase days, and when the next one is due.

The gaps are computed in the engine: purchase days per customer (same-day orders merge, as in
:func:`journey.clv.rfm_summary`), then ``lag`` over each customer's ordered days; only one
row per customer and a count per gap length come back.

**Expected next purchase** = last purchase day + the customer's **median gap** when they have at
least ``min_gaps`` gaps of their own, else + the median gap of all customers. Why the median
and not BG/NBD: the BG/NBD conditional expectation gives a *number* of purchases in a horizon,
not a date, and it needs a model fit; the median is robust to the one long pause that most
repeat buyers have, needs no model, and one-time buyers (no gap of their own) get the
population's rhythm. ``basis`` says which median each customer got.

``risk_band`` compares the time since the last purchase with that gap: ``low`` (not yet due),
``medium`` (overdue, less than twice the gap), ``high`` (twice the gap or more). It is a
behaviour-only proxy; a churn or health model's bands replace it when available.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import ClassVar

import ibis
import numpy as np
import pandas as pd

from journey.clv.summary import check_transactions
from journey.data.days import day_column, day_number
from journey.data.sources import DataLike, as_table
from journey.display.results import TableResult
from journey.segments.rfm import day_to_date
from journey.validation import input_error, require_columns

TIMING_RISK_BANDS: tuple[str, ...] = ("low", "medium", "high")
"""The risk bands of :func:`purchase_timing`, least at risk first."""
QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)


@dataclass(frozen=True, slots=True)
class PurchaseTiming(TableResult):
    """Inter-purchase times and the expected next purchase.

    ``table`` (what renders): the number of gaps, their mean and their quantiles in days
    (``statistic``: ``gaps``, ``mean``, ``p10`` .. ``p90``; the engine's interpolated quantiles,
    the same median as each customer's ``median_gap_days``). ``gaps``: the whole distribution, ``gap_days`` and
    ``count``. ``customers`` (indexed by customer): ``purchase_days``, ``gaps``,
    ``median_gap_days``, ``last_purchase``, ``expected_next``, ``basis`` (``own`` or
    ``population``), ``days_overdue`` (at ``period_end``; negative when not yet due) and
    ``risk_band``. ``population_median_gap``: NaN, with ``status`` saying why, when nobody
    bought twice.
    """

    period_end: dt.date
    min_gaps: int
    population_median_gap: float
    status: str
    gaps: pd.DataFrame
    customers: pd.DataFrame
    table: pd.DataFrame
    caption: ClassVar[str] = "Days between purchases (all repeat purchases)"


def purchase_timing(
    transactions: DataLike,
    customer: str = "customer_id",
    date: str = "date",
    period_end: str | dt.date | dt.datetime | None = None,
    min_gaps: int = 2,
) -> PurchaseTiming:
    """Gaps between purchase days, per customer and overall, and each customer's expected next purchase.

    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a", "b"],
    ...     "date": pd.to_datetime(["2026-01-01", "2026-01-11", "2026-01-31", "2026-01-20"])})
    >>> timing = purchase_timing(tx, period_end="2026-02-10")
    >>> timing.customers[["gaps", "median_gap_days", "expected_next", "basis", "risk_band"]].values.tolist()[0]
    [2, 15.0, datetime.date(2026, 2, 15), 'own', 'low']
    >>> timing.customers.loc["b", "expected_next"], timing.customers.loc["b", "risk_band"]
    (datetime.date(2026, 2, 4), 'medium')
    """
    if not isinstance(min_gaps, int) or min_gaps < 1:
        raise input_error("parameter 'min_gaps'", f"got {min_gaps!r}", "a whole number >= 1")
    where = "transactions"
    table = as_table(transactions, "transactions")
    require_columns(table.columns, [customer, date], where)
    rows = table.select(customer=table[customer], day=day_column(table, date, where), spend=ibis.literal(0.0))
    last_day = check_transactions(rows, where, None, date)
    end = last_day if period_end is None else day_number(period_end, "period_end")
    days = rows.filter(rows.day <= end).select("customer", "day").distinct()
    lagged = days.mutate(gap=days.day - days.day.lag().over(ibis.window(group_by="customer", order_by="day")))
    per_customer = (
        lagged.group_by("customer")
        .aggregate(
            purchase_days=lagged.count(),
            gaps=lagged.gap.count(),
            median_gap_days=lagged.gap.median(),
            last_day=lagged.day.max(),
        )
        .execute()
    )
    if per_customer.empty:
        raise input_error(where, f"no purchase on or before the period end {day_to_date(end)}", "an earlier end")
    repeat = lagged.filter(lagged.gap.notnull())
    counts = repeat.group_by("gap").aggregate(count=repeat.count()).execute()
    gaps = counts.rename(columns={"gap": "gap_days"}).sort_values("gap_days", ignore_index=True)
    gaps["gap_days"] = gaps["gap_days"].astype(int)
    gaps["count"] = gaps["count"].astype(int)
    stats = repeat.aggregate(
        gaps=repeat.count(),
        mean=repeat.gap.mean(),
        **{f"p{round(q * 100)}": repeat.gap.quantile(q) for q in QUANTILES},
    ).execute()
    table_frame = pd.DataFrame(
        {"statistic": list(stats.columns), "gap_days": pd.to_numeric(stats.iloc[0], errors="coerce").to_numpy(float)}
    )
    median = float(table_frame.set_index("statistic").loc["p50", "gap_days"])
    customers = _expected(per_customer, customer, end, median, min_gaps)
    status = "ok" if np.isfinite(median) else "no customer bought on two days: no gap to time a next purchase"
    return PurchaseTiming(day_to_date(end), min_gaps, median, status, gaps, customers, table_frame)


def _expected(per_customer: pd.DataFrame, customer: str, end: int, median: float, min_gaps: int) -> pd.DataFrame:
    frame = per_customer.sort_values("customer", kind="stable").set_index("customer")
    frame.index.name = customer
    own = frame["gaps"].to_numpy() >= min_gaps
    own_median = pd.to_numeric(frame["median_gap_days"], errors="coerce").to_numpy(float)
    gap = np.where(own, own_median, median)
    last = frame["last_day"].to_numpy(float)
    out = pd.DataFrame(index=frame.index)
    out["purchase_days"] = frame["purchase_days"].astype(int)
    out["gaps"] = frame["gaps"].astype(int)
    out["median_gap_days"] = own_median
    out["last_purchase"] = [day_to_date(d) for d in last]
    out["expected_next"] = [day_to_date(d) if np.isfinite(d) else None for d in np.ceil(last + gap)]
    out["basis"] = np.where(own, "own", "population")
    out["days_overdue"] = end - (last + gap)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = (end - last) / gap
    band = np.select([ratio < 1, ratio < 2, ratio >= 2], list(TIMING_RISK_BANDS), default="")
    out["risk_band"] = pd.array([b or None for b in band], dtype=object)
    return out


__all__ = ["QUANTILES", "TIMING_RISK_BANDS", "PurchaseTiming", "purchase_timing"]
