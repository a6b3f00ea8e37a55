"""Per-customer health features at a cutoff, built in the engine from the customer tables.

Everything is measured strictly before the ``cutoff`` (an instant, UTC), so a score computed at
a cutoff can be validated against what happened after it:

* ``logins_4w``: logins in the usage weeks starting in the 28 days before the cutoff;
* ``feature_adoption``: mean features used per active week in the 84 days before, as a share of
  the product's ``feature_count`` features (0 when the customer had no active week);
* ``spend_365d``: order value in the 365 days before;
* ``unresolved_tickets``: tickets opened before the cutoff and not resolved by it;
* ``feedback_sentiment``: mean VADER compound score (-1..1) of the customer's feedback texts in
  the 180 days before (NaN without feedback: the score then leaves the component out).

:func:`subscription_churn_after` labels the subscribers active at the cutoff by whether their
subscription ended within the horizon after it: the outcome a health score should rank.
"""

from __future__ import annotations

import datetime as dt

import ibis
import numpy as np
import pandas as pd

from journey.data.days import utc_instant
from journey.data.event_input import prepare_table
from journey.data.sources import DataLike
from journey.validation import input_error

FEATURES = ("logins_4w", "feature_adoption", "spend_365d", "unresolved_tickets", "feedback_sentiment")


def _before(table: ibis.Table, column: str, cutoff: pd.Timestamp, days: int) -> ibis.Table:
    start = cutoff - pd.Timedelta(days=days)
    return table.filter((table[column] >= start.to_pydatetime()) & (table[column] < cutoff.to_pydatetime()))


def customer_features(
    source: DataLike, cutoff: str | dt.datetime, feature_count: int = 8, active_days: int = 365
) -> pd.DataFrame:
    """One row per customer with an order or a login in the ``active_days`` before ``cutoff``:
    ``customer_id`` and :data:`FEATURES`."""
    at = utc_instant(cutoff, "cutoff")
    if feature_count < 1:
        raise input_error("parameter 'feature_count'", f"is {feature_count}", "the number of product features (>= 1)")
    orders = prepare_table(
        source, table="order_history", columns=["customer_id"], timestamps=["ts"], numeric=["amount"]
    )
    usage = prepare_table(
        source, table="usage", columns=["customer_id"], timestamps=["week_start"], numeric=["logins", "features_used"]
    )
    # the customers a health score is for: those with an order or a login in the `active_days`
    # before the cutoff (acquired long ago and silent since are lapsed, not unhealthy)
    recent_orders = _before(orders, "ts", at, active_days).select("customer_id")
    recent_logins = _before(usage, "week_start", at, active_days).select("customer_id")
    customers = recent_orders.union(recent_logins, distinct=True)
    tickets = prepare_table(
        source, table="support_tickets", columns=["customer_id"], timestamps=["opened_ts", "resolved_ts"]
    )
    recent = _before(usage, "week_start", at, 28)
    logins = recent.group_by("customer_id").aggregate(logins_4w=recent.logins.sum())
    weeks = _before(usage, "week_start", at, 84)
    adoption = weeks.group_by("customer_id").aggregate(
        feature_adoption=weeks.features_used.mean() / float(feature_count)
    )
    spent = _before(orders, "ts", at, 365)
    spend = spent.group_by("customer_id").aggregate(spend_365d=spent.amount.sum())
    open_ = tickets.filter(
        (tickets.opened_ts < at.to_pydatetime())
        & (tickets.resolved_ts.isnull() | (tickets.resolved_ts >= at.to_pydatetime()))
    )
    unresolved = open_.group_by("customer_id").aggregate(unresolved_tickets=open_.count())
    joined = customers
    for part in (logins, adoption, spend, unresolved):
        joined = joined.left_join(part, "customer_id").drop("customer_id_right")
    frame = joined.execute().sort_values("customer_id", kind="stable").reset_index(drop=True)
    frame["logins_4w"] = pd.to_numeric(frame["logins_4w"]).fillna(0).astype(float)
    frame["feature_adoption"] = pd.to_numeric(frame["feature_adoption"]).fillna(0.0).astype(float)
    frame["spend_365d"] = pd.to_numeric(frame["spend_365d"]).fillna(0.0).astype(float)
    frame["unresolved_tickets"] = pd.to_numeric(frame["unresolved_tickets"]).fillna(0).astype(int)
    frame["feedback_sentiment"] = _sentiment(source, at, frame["customer_id"])
    return frame[["customer_id", *FEATURES]]


def _sentiment(source: DataLike, at: pd.Timestamp, customers: pd.Series) -> np.ndarray:
    """Mean VADER compound per customer over their feedback in the 180 days before ``at``."""
    from journey.feedback.sentiment import vader_scores

    feedback = prepare_table(source, table="feedback", columns=["customer_id", "text"], timestamps=["ts"])
    texts = _before(feedback, "ts", at, 180).select("customer_id", "text").execute()
    if texts.empty:
        return np.full(len(customers), np.nan)
    texts["compound"] = vader_scores(texts["text"].fillna("").astype(str).tolist())[:, 3]
    means = texts.groupby("customer_id")["compound"].mean()
    return customers.map(means).to_numpy(dtype=float)


def subscription_churn_after(source: DataLike, cutoff: str | dt.datetime, horizon_days: int = 90) -> pd.DataFrame:
    """Subscribers active at ``cutoff`` (started before it, not ended by it) and ``churned``: 1 when the
    subscription ended within ``horizon_days`` after the cutoff. A customer with several active
    subscriptions churns when all of them end in the horizon."""
    at = utc_instant(cutoff, "cutoff")
    if horizon_days < 1:
        raise input_error("parameter 'horizon_days'", f"is {horizon_days}", "a positive number of days")
    subs = prepare_table(source, table="subscriptions", columns=["customer_id"], timestamps=["start_ts", "end_ts"])
    active = subs.filter(
        (subs.start_ts < at.to_pydatetime()) & (subs.end_ts.isnull() | (subs.end_ts >= at.to_pydatetime()))
    )
    horizon = (at + pd.Timedelta(days=horizon_days)).to_pydatetime()
    ended = (active.end_ts.notnull() & (active.end_ts < horizon)).cast("int64")
    frame = active.group_by("customer_id").aggregate(churned=ended.min()).execute()
    return frame.sort_values("customer_id", kind="stable").reset_index(drop=True)
