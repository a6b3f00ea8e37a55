"""RFM scores and named segments, on the CLV summary of :func:`journey.clv.rfm_summary`.

Recency and frequency come from the CLV summary (in days), so the two packages cannot
disagree on what a purchase day is: ``purchases`` = repeat purchase days + 1,
``days_since_last`` = ``T - recency``, ``days_since_first`` = ``T``. ``monetary`` is the mean
spend per purchase day **including the first** (one extra sum in the engine): the summary's
``monetary_value`` leaves the first day out, as Gamma-Gamma needs, which would score every
one-time buyer 0.

Why not quintiles: when 70 % of customers bought once, quintile edges on frequency coincide
and a customer with one purchase lands in the same bucket as one with three. The scores here
(1 worst .. 5 best) follow one rule, ties never split:

* **frequency**: 1 = bought once; repeat buyers get 2-5 from their minimum rank among repeat
  buyers only, ``2 + floor(4 * fewer / n_repeat)`` (:func:`f_scores`), so a population of
  one-time buyers cannot squeeze them, and the fewest repeat purchases always score 2 (with a
  mid-rank, two-time buyers who are 70 % of repeat buyers would score 3 and pass for loyal);
* **recency** and **monetary**: 1-5 from the mid-rank among all buyers (:func:`rank_scores`):
  ``1 + floor(5 * (worse + equal / 2) / n)``, so equal values get equal scores and a
  population where everyone is equal sits in the middle (3), not at an end.

Scores are relative to the period: the same customer can change score because others moved.
Named segments are the first matching row of :data:`journey.segments.rules.SEGMENT_RULES`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from journey.clv.summary import rfm_summary
from journey.data.days import day_column, day_number
from journey.data.sources import DataLike, as_table
from journey.display.results import TableResult
from journey.segments.rules import SEGMENT_RULES, SEGMENTS

CUSTOMER_COLUMNS = (
    "purchases",
    "days_since_last",
    "days_since_first",
    "monetary",
    "r_score",
    "f_score",
    "m_score",
    "segment",
)


def rank_scores(values: np.ndarray, higher_is_better: bool = True, scores: int = 5, ties: str = "mid") -> np.ndarray:
    """Scores 1..``scores`` from the rank: ``1 + floor(scores * (worse + equal / 2) / n)`` with
    ``ties="mid"`` (ties share their mid-rank; all values equal give the middle score), or
    ``1 + floor(scores * worse / n)`` with ``ties="min"`` (ties share their lowest rank).

    >>> rank_scores(np.array([1.0, 2.0, 3.0, 4.0, 5.0])).tolist()
    [1, 2, 3, 4, 5]
    >>> rank_scores(np.array([7.0, 7.0, 7.0])).tolist()
    [3, 3, 3]
    >>> rank_scores(np.array([0.0, 10.0, 30.0]), higher_is_better=False).tolist()
    [5, 3, 1]
    """
    values = np.asarray(values, float)
    if values.size == 0:
        return np.zeros(0, int)
    ordered = np.sort(values)
    below = np.searchsorted(ordered, values, side="left")
    equal = np.searchsorted(ordered, values, side="right") - below
    worse = below if higher_is_better else values.size - below - equal
    rank = (worse + equal / 2) / values.size if ties == "mid" else worse / values.size
    return np.minimum(1 + np.floor(scores * rank).astype(int), scores)


def f_scores(purchases: np.ndarray) -> np.ndarray:
    """Frequency scores: 1 for one purchase day; 2-5 by minimum rank among repeat buyers.

    >>> f_scores(np.array([1, 1, 1, 1, 2, 2, 2, 3, 9])).tolist()
    [1, 1, 1, 1, 2, 2, 2, 4, 5]
    """
    purchases = np.asarray(purchases, float)
    out = np.ones(purchases.size, int)
    repeat = purchases > 1
    out[repeat] = 1 + rank_scores(purchases[repeat], scores=4, ties="min")
    return out


def name_segments(r: np.ndarray, f: np.ndarray) -> np.ndarray:
    """Named segment per customer: the first row of ``SEGMENT_RULES`` whose ranges hold (r, f)."""
    r, f = np.asarray(r), np.asarray(f)
    names = np.full(r.size, None, dtype=object)
    for rule in SEGMENT_RULES:
        hit = (names == None) & (r >= rule.r[0]) & (r <= rule.r[1]) & (f >= rule.f[0]) & (f <= rule.f[1])  # noqa: E711
        names[hit] = rule.segment
    return names


@dataclass(frozen=True, slots=True)
class RFMSegments(TableResult):
    """RFM scores per customer and the size of each named segment.

    ``customers``: one row per customer (indexed by the customer column): ``purchases`` (purchase
    days), ``days_since_last``, ``days_since_first``, ``monetary`` (mean spend per purchase day),
    ``r_score``, ``f_score``, ``m_score`` (1-5) and ``segment``. ``table`` (what renders): per
    named segment, in :data:`SEGMENTS` order, ``customers``, ``share``, ``median_days_since_last``,
    ``mean_purchases`` and ``mean_monetary``. ``period_end``: the day the period ends (the last
    purchase day when not given).
    """

    period_end: dt.date
    customers: pd.DataFrame
    table: pd.DataFrame
    caption: ClassVar[str] = "Customers by RFM segment"

    def segment_of(self) -> pd.Series:
        """Customer -> segment, the input of :func:`journey.segments.transition_matrix`."""
        return self.customers["segment"]


def rfm(
    transactions: DataLike,
    customer: str = "customer_id",
    date: str = "date",
    amount: str = "amount",
    period_end: str | dt.date | dt.datetime | None = None,
) -> RFMSegments:
    """Score every customer who bought on or before ``period_end`` and name their segment.

    ``transactions``: a frame, an ibis table, a file or a source, as :func:`journey.clv.rfm_summary`
    takes it (which also checks it: negative amounts, future dates, missing values are one-line
    errors). The grouping runs in the engine; one row per customer comes back.

    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 2, 3], "amount": [10.0, 20.0, 5.0, 8.0],
    ...     "date": pd.to_datetime(["2026-01-01", "2026-03-01", "2026-02-20", "2026-01-05"])})
    >>> scored = rfm(tx).customers
    >>> scored["days_since_last"].tolist(), scored["r_score"].tolist(), scored["f_score"].tolist()
    ([0.0, 9.0, 55.0], [5, 3, 1], [2, 1, 1])
    >>> scored["segment"].tolist()
    ['promising', 'needs_attention', 'one_time_lapsed']
    """
    summary = rfm_summary(transactions, customer, date, amount, calibration_end=period_end, time_unit="D")
    end, spend = _spend(as_table(transactions, "transactions"), customer, date, amount, period_end)
    purchases = summary["frequency"].to_numpy(float) + 1
    out = pd.DataFrame(index=summary.index)
    out["purchases"] = purchases.astype(int)
    out["days_since_last"] = summary["T"].to_numpy(float) - summary["recency"].to_numpy(float)
    out["days_since_first"] = summary["T"].to_numpy(float)
    out["monetary"] = spend.reindex(summary.index).to_numpy(float) / purchases
    out["r_score"] = rank_scores(out["days_since_last"].to_numpy(), higher_is_better=False)
    out["f_score"] = f_scores(purchases)
    out["m_score"] = rank_scores(out["monetary"].to_numpy())
    out["segment"] = name_segments(out["r_score"].to_numpy(), out["f_score"].to_numpy())
    return RFMSegments(end, out, segment_table(out))


def segment_table(customers: pd.DataFrame) -> pd.DataFrame:
    """Per named segment (all of them, empty ones with 0 customers): size, share and typical values."""
    grouped = customers.groupby("segment", observed=True)
    table = pd.DataFrame(
        {
            "customers": grouped.size(),
            "median_days_since_last": grouped["days_since_last"].median(),
            "mean_purchases": grouped["purchases"].mean(),
            "mean_monetary": grouped["monetary"].mean(),
        }
    ).reindex(list(SEGMENTS))
    table["customers"] = table["customers"].fillna(0).astype(int)
    total = int(table["customers"].sum())
    table.insert(1, "share", table["customers"] / total if total else np.nan)
    return table.rename_axis("segment").reset_index()


def _spend(table, customer: str, date: str, amount: str, period_end) -> tuple[dt.date, pd.Series]:
    """The period's last day (``period_end``, else the last purchase day, as rfm_summary takes it)
    and the total spend per customer up to it, summed in the engine."""
    day = day_column(table, date, "transactions")
    rows = table.select(customer=table[customer], day=day, spend=table[amount].cast("float64"))
    end_day = int(rows.day.max().execute()) if period_end is None else day_number(period_end, "period_end")
    rows = rows.filter(rows.day <= end_day)
    frame = rows.group_by("customer").aggregate(spend=rows.spend.sum()).execute()
    return day_to_date(end_day), frame.set_index("customer")["spend"]


def day_to_date(day: int) -> dt.date:
    """A day number (days since 1970-01-01, as the engine counts them) as a date."""
    return dt.date(1970, 1, 1) + dt.timedelta(days=int(day))


__all__ = ["CUSTOMER_COLUMNS", "RFMSegments", "f_scores", "name_segments", "rank_scores", "rfm", "segment_table"]
