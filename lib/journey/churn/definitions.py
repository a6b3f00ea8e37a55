"""Churn as survival data: from behaviour (no activity for N days) or from subscription ends.

Both functions return one row per lifetime with ``duration_days`` and ``churned`` (1: churned
at ``duration_days``; 0: censored, still a customer at ``observation_end``), ready for
:func:`journey.churn.kaplan_meier` and :func:`journey.churn.cox`. Days are whole UTC days,
counted in the engine as :func:`journey.clv.rfm_summary` counts them.

**Behavioural churn** (:func:`churn_from_activity`). A customer whose last activity is on
day ``L`` has gone ``N`` days without activity on day ``L + N`` (days ``L+1 … L+N`` are
empty): that is when churn is *declared*, and the customer churned if ``L + N <=
observation_end``. The lifetime runs from the first activity ``F``:

* churned: ``duration_days = L + N − F`` (the time at which churn became known);
* not churned (``L + N > observation_end``): ``duration_days = observation_end − F``,
  censored: their churn, if it comes, is declared after the end.

Measuring churners to ``L + N`` rather than to ``L`` keeps one clock for everybody: under the
other choice a churner's lifetime would stop ``N`` days before the censored customers'
exposure does, and the curve would drop too early. A churner's last activity is kept in
``last_active`` for who wants the other clock.

**Subscription churn** (:func:`churn_from_subscriptions`). Each subscription is a lifetime from
``start``; it churned if its ``end`` is on or before ``observation_end`` (``duration_days =
end − start``), else it is censored at ``observation_end`` (an open subscription, or one whose
cancellation takes effect later).
"""

from __future__ import annotations

import datetime as dt

import ibis
import numpy as np
import pandas as pd

from journey.data.days import day_column, day_number  # the same day arithmetic as rfm_summary
from journey.data.sources import DataLike, as_table
from journey.validation import input_error, require_columns

DateLike = str | dt.date | dt.datetime | None
EPOCH = pd.Timestamp("1970-01-01")


def _today() -> int:
    return day_number(pd.Timestamp.now(tz="UTC"), "today")


def _as_date(days: np.ndarray) -> pd.Series:
    return EPOCH + pd.to_timedelta(np.asarray(days, dtype="int64"), unit="D")


def churn_from_activity(
    activity: DataLike,
    inactive_days: int,
    customer: str = "customer_id",
    date: str = "ts",
    observation_end: DateLike = None,
) -> pd.DataFrame:
    """Per customer (index ``customer``): ``first_active``, ``last_active``, ``duration_days`` and
    ``churned`` after ``inactive_days`` without activity (see the module docstring).

    ``activity`` holds one row per purchase, login or feature event (a DataFrame, an ibis
    table or a file; ``date`` is a date or timestamp column, ``ts`` in the sample's tables);
    the grouping runs in the engine. Activity after ``observation_end``
    (default: the last activity day in the data) is left out, and so are customers whose
    first activity is after it; activity dated after today is refused.

    >>> days = pd.to_datetime(["2026-01-01", "2026-01-05", "2026-01-25"])
    >>> rows = pd.DataFrame({"customer_id": [1, 1, 2], "ts": days})
    >>> out = churn_from_activity(rows, 10, observation_end="2026-01-31")
    >>> out[["duration_days", "churned"]].to_dict("index")  # 1: quiet since Jan 5, churn declared Jan 15
    {1: {'duration_days': 14, 'churned': 1}, 2: {'duration_days': 6, 'churned': 0}}
    """
    if isinstance(inactive_days, bool) or not isinstance(inactive_days, (int, np.integer)) or inactive_days < 1:
        raise input_error("parameter 'inactive_days'", f"{inactive_days!r}", "a whole number of days >= 1")
    where = "activity"
    table = as_table(activity, "activity")
    require_columns(table.columns, [customer, date], where)
    rows = table.select(customer=table[customer], day=day_column(table, date, where))
    stats = rows.aggregate(
        n=rows.count(),
        null_customer=rows.customer.isnull().sum(),
        null_day=rows.day.isnull().sum(),
        future=(rows.day > _today()).sum(),
        last=rows.day.max(),
    ).execute()
    s = {k: stats[k].iloc[0] for k in stats.columns}
    if int(s["n"]) == 0:
        raise input_error(where, "has no rows", "one row per activity (purchase, login, ...)")
    if int(s["null_customer"] or 0):
        raise input_error(where, f"{int(s['null_customer']):,} rows have no customer", "a customer on every row")
    if int(s["null_day"] or 0):
        raise input_error(where, f"column {date!r} is missing on {int(s['null_day']):,} rows", "a date on every row")
    if int(s["future"] or 0):  # a clock error would make every customer look active
        raise input_error(
            where, f"column {date!r} has {int(s['future']):,} dates after today", "activity that happened"
        )
    end = int(s["last"]) if observation_end is None else day_number(observation_end, "observation_end")
    seen = rows.filter(rows.day <= end)
    frame = seen.group_by("customer").aggregate(first=seen.day.min(), last=seen.day.max()).execute()
    if frame.empty:
        raise input_error(
            where,
            f"no activity on or before observation_end {observation_end!r}",
            "an observation end after the first activity",
        )
    frame = frame.sort_values("customer", kind="stable")
    first = frame["first"].to_numpy("int64")
    last = frame["last"].to_numpy("int64")
    declared = last + int(inactive_days)
    churned = declared <= end
    out = pd.DataFrame(
        {
            "first_active": _as_date(first),
            "last_active": _as_date(last),
            "duration_days": np.where(churned, declared, end) - first,
            "churned": churned.astype(int),
        },
        index=pd.Index(frame["customer"].to_numpy(), name=customer),
    )
    out.attrs.update(inactive_days=int(inactive_days), observation_end=_as_date([end])[0])
    return out


def churn_from_subscriptions(
    subscriptions: DataLike,
    customer: str = "customer_id",
    start: str = "start_ts",
    end: str = "end_ts",
    observation_end: DateLike = None,
) -> pd.DataFrame:
    """One row per subscription started on or before ``observation_end``: its columns, plus
    ``duration_days`` and ``churned`` (see the module docstring).

    The default column names are the sample's ``subscriptions`` table's. ``end`` is null while a
    subscription is open. ``observation_end`` defaults to the last
    start or end day in the data, or today if an end lies after it (a cancellation that has not
    taken effect). An end before its start, or a start after today, is refused (a data error
    that would give a negative lifetime or an observation end in the future).

    >>> subs = pd.DataFrame({"customer_id": [1, 2], "plan": ["basic", "pro"],
    ...     "start_ts": pd.to_datetime(["2026-01-01", "2026-01-10"]), "end_ts": pd.to_datetime(["2026-01-21", None])})
    >>> churn_from_subscriptions(subs, observation_end="2026-01-31")[["plan", "duration_days", "churned"]]
        plan  duration_days  churned
    0  basic             20        1
    1    pro             21        0
    """
    where = "subscriptions"
    table = as_table(subscriptions, "subscriptions")
    require_columns(table.columns, [customer, start, end], where)
    start_day, end_day = day_column(table, start, where), day_column(table, end, where)
    marked = table.mutate(_start_day=start_day, _end_day=end_day)
    stats = marked.aggregate(
        n=marked.count(),
        null_customer=marked[customer].isnull().sum(),
        null_start=marked._start_day.isnull().sum(),
        backwards=(marked._end_day < marked._start_day).sum(),
        future=(marked._start_day > _today()).sum(),
        last=ibis_greatest(marked._start_day.max(), marked._end_day.max()),
    ).execute()
    s = {k: stats[k].iloc[0] for k in stats.columns}
    if int(s["n"]) == 0:
        raise input_error(where, "has no rows", "one row per subscription")
    if int(s["null_customer"] or 0):
        raise input_error(where, f"{int(s['null_customer']):,} rows have no customer", "a customer on every row")
    if int(s["null_start"] or 0):
        raise input_error(
            where, f"column {start!r} is missing on {int(s['null_start']):,} rows", "a start on every row"
        )
    if int(s["backwards"] or 0):
        raise input_error(
            where, f"{int(s['backwards']):,} subscriptions end before they start", f"{end!r} on or after {start!r}"
        )
    if int(s["future"] or 0):
        raise input_error(
            where, f"column {start!r} has {int(s['future']):,} starts after today", "subscriptions that started"
        )
    last_day = min(int(s["last"]), _today())  # an end after today is a cancellation that has not taken effect
    stop = last_day if observation_end is None else day_number(observation_end, "observation_end")
    frame = marked.filter(marked._start_day <= stop).execute()
    if frame.empty:
        raise input_error(
            where, f"no subscription starts on or before observation_end {observation_end!r}", "an earlier start"
        )
    begin = frame.pop("_start_day").to_numpy("int64")
    finish = pd.to_numeric(frame.pop("_end_day"), errors="coerce").to_numpy(float)
    churned = np.isfinite(finish) & (finish <= stop)
    frame["duration_days"] = (np.where(churned, finish, stop) - begin).astype("int64")
    frame["churned"] = churned.astype(int)
    frame.attrs.update(observation_end=_as_date([stop])[0])
    return frame


def ibis_greatest(a, b):
    """The larger of two scalar expressions where either may be null (no open subscription ends)."""
    return ibis.greatest(a.fill_null(b), b.fill_null(a))


__all__ = ["churn_from_activity", "churn_from_subscriptions"]
