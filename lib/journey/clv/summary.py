"""Per-customer recency-frequency-monetary summaries for the CLV models, built in the engine.

The definitions are those of the BG/NBD and Gamma-Gamma papers as lifetimes implements them
with ``freq="D"`` (and ``freq_multiplier=7`` for weeks): a customer's purchases on one
calendar day merge into one purchase day; ``frequency`` counts repeat purchase days (all
days but the first); ``recency`` is the time from the first to the last purchase day and
``T`` from the first purchase day to the end of the period, in days divided by the unit's
length (continuous weeks, not calendar-week bins, which would shift a customer by up to six
days); ``monetary_value`` is the mean spend of the repeat purchase days (0 when there are
none, as lifetimes and PyMC-Marketing report it; the Gamma-Gamma fit uses repeat buyers only).

Days are whole days since 1970 computed in the engine (``epoch_seconds // 86400``), which is
portable and independent of the session time zone: aware timestamps count UTC days; naive
timestamps and dates count the calendar day as written (transaction exports usually carry
dates, not instants).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import ibis
import numpy as np
import pandas as pd

from journey.data.days import day_column, day_number
from journey.data.sources import DataLike, as_table
from journey.validation import check_option, input_error, require_columns

TimeUnit = Literal["D", "W"]
UNIT_DAYS = {"D": 1.0, "W": 7.0}
COLUMNS = ("frequency", "recency", "T", "monetary_value")
HOLDOUT_COLUMNS = ("frequency_holdout", "duration_holdout")


def rfm_summary(
    transactions: DataLike,
    customer: str = "customer_id",
    date: str = "date",
    amount: str | None = "amount",
    calibration_end: str | dt.date | dt.datetime | None = None,
    observation_end: str | dt.date | dt.datetime | None = None,
    time_unit: TimeUnit = "W",
) -> pd.DataFrame:
    """One row per customer (indexed by ``customer``): ``frequency``, ``recency``, ``T`` and,
    with ``amount``, ``monetary_value``.

    The period ends at ``calibration_end`` (else ``observation_end``, else the last purchase
    day in the data); purchases after it are left out, and so are customers whose first
    purchase is after it. With both ``calibration_end`` and ``observation_end``, the holdout
    ``(calibration_end, observation_end]`` adds ``frequency_holdout`` (purchase days in the
    holdout) and ``duration_holdout`` (its length), as lifetimes' ``calibration_and_holdout_data``.

    ``transactions`` is a DataFrame, an ibis table, a parquet/CSV file or a source: the
    grouping runs in the engine, and only the per-customer rows come back. The result's
    ``attrs["time_unit"]`` remembers the unit for :meth:`journey.clv.GammaGamma.clv`.
    """
    check_option("time_unit", time_unit, tuple(UNIT_DAYS))
    table = as_table(transactions, "transactions")
    where = "transactions"
    require_columns(table.columns, [customer, date, *([amount] if amount else [])], where)
    if amount and not table[amount].type().is_numeric():
        raise input_error(where, f"column {amount!r} has type {table[amount].type()}", "numeric amounts")
    day = day_column(table, date, where)
    rows = table.select(customer=table[customer], day=day, spend=table[amount].cast("float64") if amount else 0.0)
    last_day = check_transactions(rows, where, amount, date)

    if calibration_end is not None:
        end = day_number(calibration_end, "calibration_end")
    elif observation_end is not None:
        end = day_number(observation_end, "observation_end")
    else:
        end = last_day
    holdout_end = None
    if calibration_end is not None and observation_end is not None:
        holdout_end = day_number(observation_end, "observation_end")
        if holdout_end <= end:
            raise input_error(
                "parameter 'observation_end'",
                f"{observation_end!r} is not after calibration_end {calibration_end!r}",
                "an observation end later than the calibration end",
            )

    per_day = rows.group_by(["customer", "day"]).aggregate(spend=rows.spend.sum())
    calib = per_day.filter(per_day.day <= end)
    # repeat spend = all spend - the first day's (arg_min: no window over the customers' days)
    customers = calib.group_by("customer").aggregate(
        n_days=calib.day.count(),
        first_day=calib.day.min(),
        last_day=calib.day.max(),
        repeat_spend=calib.spend.sum() - calib.spend.argmin(calib.day),
    )
    if holdout_end is not None:
        hold = per_day.filter((per_day.day > end) & (per_day.day <= holdout_end))
        hold = hold.group_by("customer").aggregate(h_days=hold.day.count())
        customers = customers.left_join(hold, "customer").select(customers, hold.h_days)
    frame = customers.execute()
    if frame.empty:
        raise input_error(
            where,
            f"no customer has a purchase on or before the period end (day {pd.Timestamp(end, unit='D').date()})",
            "a calibration_end after the first purchases",
        )
    frame = frame.sort_values("customer", kind="stable").set_index("customer")
    frame.index.name = customer
    unit = UNIT_DAYS[time_unit]
    freq = frame["n_days"].to_numpy(float) - 1
    out = pd.DataFrame(index=frame.index)
    out["frequency"] = freq
    out["recency"] = (frame["last_day"].to_numpy(float) - frame["first_day"].to_numpy(float)) / unit
    out["T"] = (end - frame["first_day"].to_numpy(float)) / unit
    if amount:
        with np.errstate(divide="ignore", invalid="ignore"):
            out["monetary_value"] = np.where(freq > 0, frame["repeat_spend"].to_numpy(float) / freq, 0.0)
    if holdout_end is not None:
        h_days = pd.to_numeric(frame["h_days"], errors="coerce").fillna(0).to_numpy(float)
        out["frequency_holdout"] = h_days
        out["duration_holdout"] = (holdout_end - end) / unit
    out.attrs["time_unit"] = time_unit
    return out


def check_transactions(rows: ibis.Table, where: str, amount: str | None, date: str) -> int:
    """One engine query for what would make a per-customer summary silently wrong (missing customers
    or dates, negative or missing amounts, dates after today); returns the last purchase day.
    ``rows`` has ``customer``, ``day`` (:func:`journey.data.days.day_column`) and ``spend``."""
    today = day_number(pd.Timestamp.now(tz="UTC"), "today")
    stats = rows.aggregate(
        null_customer=rows.customer.isnull().sum(),
        null_day=rows.day.isnull().sum(),
        negative=(rows.spend < 0).sum(),
        null_spend=rows.spend.isnull().sum(),
        future=(rows.day > today).sum(),
        n=rows.count(),
        last_day=rows.day.max(),
    ).execute()
    s = {k: int(stats[k].iloc[0] or 0) for k in stats.columns}
    if s["n"] == 0:
        raise input_error(where, "has no rows", "one row per purchase")
    if s["null_customer"]:
        raise input_error(where, f"{s['null_customer']:,} rows have no customer", "a customer on every purchase")
    if s["null_day"]:
        raise input_error(where, f"column {date!r} is missing on {s['null_day']:,} rows", "a date on every purchase")
    if amount and s["null_spend"]:
        raise input_error(
            where, f"column {amount!r} is missing on {s['null_spend']:,} rows", "an amount on every purchase"
        )
    if s["negative"]:
        raise input_error(
            where,
            f"column {amount!r} has {s['negative']:,} negative amounts",
            "purchase amounts >= 0 (net refunds out before summarizing)",
        )
    if s["future"]:
        raise input_error(where, f"column {date!r} has {s['future']:,} dates after today", "purchases that happened")
    return s["last_day"]


__all__ = ["COLUMNS", "HOLDOUT_COLUMNS", "UNIT_DAYS", "rfm_summary"]
