"""Whole days since 1970: the one day arithmetic of every per-customer summary.

CLV summaries, churn definitions and churn snapshots count days the same way, so that a
customer's recency in one table is their quiet days in another. Days are computed in the
engine as ``epoch_seconds // 86400`` (portable, and independent of the session's time zone):
an aware timestamp counts its UTC day; a naive timestamp or a date counts the calendar day as
written (transaction exports usually carry dates, not instants).
"""

from __future__ import annotations

from typing import Any

import ibis
import pandas as pd

from journey.validation import input_error

EPOCH = pd.Timestamp("1970-01-01")


def day_number(value: Any, name: str) -> int:
    """A date parameter (``'2026-06-30'``, a date, a timestamp) as its day number (UTC if aware).

    >>> day_number("1970-01-02", "cutoff"), day_number(pd.Timestamp("2026-01-01 23:30", tz="America/New_York"), "x")
    (1, 20455)
    """
    stamp = _timestamp(value, name, "date", "a date such as '2026-06-30'")
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return int((stamp.normalize() - EPOCH) // pd.Timedelta(days=1))


def day_column(table: ibis.Table, column: str, where: str) -> ibis.Value:
    """The engine expression of ``column``'s day number; dates and timestamps only."""
    dtype = table[column].type()
    if dtype.is_date():
        return table[column].epoch_days().cast("int64")
    if dtype.is_timestamp():
        return (table[column].epoch_seconds() // 86_400).cast("int64")
    raise input_error(where, f"column {column!r} has type {dtype}", "dates or timestamps")


def utc_instant(value: Any, name: str) -> pd.Timestamp:
    """A cutoff parameter as an aware UTC instant: naive values are read as UTC (a date means its midnight).

    >>> utc_instant("2026-06-01", "cutoff")
    Timestamp('2026-06-01 00:00:00+0000', tz='UTC')
    """
    stamp = _timestamp(value, name, "time", "a date such as '2026-09-01'")
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _timestamp(value: Any, name: str, what: str, expected: str) -> pd.Timestamp:
    """``value`` as a timestamp, or the input error that names the parameter (unparseable or empty)."""
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise input_error(f"parameter {name!r}", f"unparseable {what} {value!r}", expected) from exc
    if stamp is pd.NaT:
        raise input_error(f"parameter {name!r}", "is empty", expected)
    return stamp
