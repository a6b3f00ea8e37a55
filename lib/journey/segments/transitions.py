"""Segment movement between two periods: a transition matrix (counts and row shares) and its heatmap.

Rows are the segment at the end of the first period, columns at the end of the second. A
customer present in only one period is counted under :data:`NOT_A_CUSTOMER` on the other side
(with cumulative histories, as :func:`journey.segments.rfm` builds them, that is a customer
whose first purchase fell between the two period ends), so every customer of either period is
counted once and no movement is hidden. The heatmap is :func:`journey.segments.figures.transition_chart`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from journey.display.results import TableResult
from journey.segments.rfm import RFMSegments
from journey.segments.rules import SEGMENTS
from journey.validation import input_error

NOT_A_CUSTOMER = "not_a_customer"


@dataclass(frozen=True, slots=True)
class Transitions(TableResult):
    """``table`` (what renders): one row per movement with customers, ``from_segment``,
    ``to_segment``, ``customers`` and ``row_share`` (the share of the ``from_segment`` row).
    ``counts`` and ``shares``: the same as matrices (rows: from, columns: to; labels in
    :data:`journey.segments.SEGMENTS` order, then :data:`NOT_A_CUSTOMER`)."""

    counts: pd.DataFrame
    shares: pd.DataFrame
    table: pd.DataFrame
    caption: ClassVar[str] = "Segment movement between the two periods"

    def stayed(self) -> float:
        """Share of the first period's customers who kept their segment (NaN without customers)."""
        inside = self.counts.drop(index=NOT_A_CUSTOMER, errors="ignore")
        total = inside.to_numpy().sum()
        same = sum(inside.at[s, s] for s in inside.index if s in inside.columns)
        return float(same / total) if total else float("nan")


def _as_series(value: RFMSegments | pd.Series, name: str) -> pd.Series:
    if isinstance(value, RFMSegments):
        return value.segment_of()
    if isinstance(value, pd.Series):
        if value.index.has_duplicates:
            dup = value.index[value.index.duplicated()][0]
            raise input_error(name, f"customer {dup!r} appears more than once", "one segment per customer")
        return value
    raise input_error(name, f"got {type(value).__name__}", "an RFMSegments result or a Series customer -> segment")


def transition_matrix(before: RFMSegments | pd.Series, after: RFMSegments | pd.Series) -> Transitions:
    """Count customers by (segment before, segment after).

    >>> import pandas as pd
    >>> before = pd.Series({"a": "new", "b": "new"})
    >>> t = transition_matrix(before, pd.Series({"a": "promising", "b": "new", "c": "new"}))
    >>> t.table.values.tolist()
    [['new', 'new', 1, 0.5], ['new', 'promising', 1, 0.5], ['not_a_customer', 'new', 1, 1.0]]
    >>> t.counts.loc["not_a_customer", "new"]
    np.int64(1)
    """
    first, second = _as_series(before, "before"), _as_series(after, "after")
    customers = first.index.union(second.index)
    origin = first.reindex(customers).astype(object).fillna(NOT_A_CUSTOMER)
    target = second.reindex(customers).astype(object).fillna(NOT_A_CUSTOMER)
    present = set(origin) | set(target)
    labels = [s for s in (*SEGMENTS, NOT_A_CUSTOMER) if s in present] + sorted(
        present - {*SEGMENTS, NOT_A_CUSTOMER}, key=str
    )
    counts = pd.crosstab(pd.Categorical(origin, labels), pd.Categorical(target, labels), dropna=False)
    counts = counts.reindex(index=labels, columns=labels, fill_value=0)
    counts.index.name, counts.columns.name = "from_segment", "to_segment"
    totals = counts.sum(axis=1).to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = counts.div(np.where(totals > 0, totals, np.nan), axis=0)
    long = counts.stack().rename("customers").reset_index()
    long["row_share"] = shares.stack().to_numpy()
    long = long[long["customers"] > 0].reset_index(drop=True)
    long["customers"] = long["customers"].astype(int)
    return Transitions(counts, shares, long)


__all__ = ["NOT_A_CUSTOMER", "Transitions", "transition_matrix"]
