"""From a data source to the per-user analysis table of one experiment (all in the engine).

Each assigned user gets one row: their variant, the assignment day (``day``, 0 = first day
of the experiment, for cumulative looks), segments (device, country, channel of their first
session after assignment), outcomes over the exposure window
``[assigned_at, assigned_at + exposure_days)`` and pre-exposure covariates over
``[assigned_at − pre_days, assigned_at)``. Users without activity get 0, never NULL, so
CUPED covariates are complete (no pre-period activity is a real 0).

Outcome columns: ``converted`` (a purchase), ``revenue``, ``orders``, ``sessions``,
``checkout_starts``, ``checkout_errors``, ``repeat_purchases``, ``page_load_ms`` (sum) and
``page_views`` (events with a load time; ``Ratio("page_load_ms", "page_views")`` is the mean
load time per view). Covariates: ``pre_revenue``, ``pre_orders``, ``pre_sessions``,
``pre_converted``.
"""

from __future__ import annotations

import datetime as dt

import ibis
from ibis import _

from journey.data.event_input import prepare_table
from journey.data.sources import DataLike, connect
from journey.validation import input_error, quote_list

OUTCOMES = (
    "converted",
    "revenue",
    "orders",
    "sessions",
    "checkout_starts",
    "checkout_errors",
    "repeat_purchases",
    "page_load_ms",
    "page_views",
)
COVARIATES = ("pre_revenue", "pre_orders", "pre_sessions", "pre_converted")
SEGMENTS = ("device", "country", "channel")


def _backend(source: DataLike):
    if isinstance(source, ibis.Table):
        raise input_error("source", "an ibis table was given", "a data source (DuckDB file, parquet folder, backend)")
    return source if hasattr(source, "table") else connect(source)


# the event columns the per-user table reads (segments come from the first event after exposure)
EVENT_COLUMNS = ["user_id", "event", "session_id", "device", "country", "channel"]


def _events(con, columns: list[str], numeric: list[str]) -> ibis.Table:
    """The events table through the one input layer: columns present, ``ts`` in UTC, numbers numeric."""
    return prepare_table(con, table="events", columns=columns, timestamps=["ts"], numeric=numeric)


def _until(table: ibis.Table, column: str, until: dt.datetime | None) -> ibis.Table:
    return table if until is None else table.filter(table[column] < ibis.literal(until))


def _assignments(con, experiment: str, until: dt.datetime | None = None) -> ibis.Table:
    table = prepare_table(
        con, table="assignments", columns=["experiment", "user_id", "variant"], timestamps=["assigned_at"]
    )
    assignments = _until(table, "assigned_at", until)
    sel = assignments.filter(assignments.experiment == experiment)
    if sel.count().execute() == 0:
        known = sorted(assignments.select("experiment").distinct().to_pandas()["experiment"].tolist())
        raise input_error(f"experiment {experiment!r}", "has no assignments", f"one of {quote_list(known)}")
    start = sel.assigned_at.min()
    return sel.select(
        "user_id",
        "variant",
        "assigned_at",
        day=((sel.assigned_at.epoch_seconds() - start.epoch_seconds()) / 86_400).floor().cast("int64"),
    )


def analysis_table(
    source: DataLike,
    experiment: str,
    exposure_days: int = 14,
    pre_days: int = 28,
    until: dt.datetime | None = None,
) -> ibis.Table:
    """The per-user table (an ibis expression; nothing runs until it is aggregated).

    ``until`` (exclusive, UTC) replays the experiment as it stood at that moment: later
    assignments, events and orders are ignored, as at an interim look.
    """
    if exposure_days <= 0 or pre_days < 0:
        raise input_error("windows", f"exposure_days={exposure_days}, pre_days={pre_days}", "positive day counts")
    con = _backend(source)
    a = _assignments(con, experiment, until)
    events = _until(_events(con, EVENT_COLUMNS, numeric=["page_load_ms"]), "ts", until)
    orders = _until(
        prepare_table(con, table="orders", columns=["user_id"], timestamps=["ts"], numeric=["revenue"]), "ts", until
    )
    window = ibis.interval(days=exposure_days)
    pre = ibis.interval(days=pre_days)

    ev = events.join(a.select("user_id", "assigned_at"), "user_id")
    post = ev.filter(ev.ts >= ev.assigned_at, ev.ts < ev.assigned_at + window)
    post_agg = post.group_by("user_id").aggregate(
        converted=(post.event == "purchase").any().cast("int64"),
        sessions=post.session_id.nunique(),
        checkout_starts=(post.event == "checkout_start").sum().cast("int64"),
        checkout_errors=(post.event == "checkout_error").sum().cast("int64"),
        repeat_purchases=(post.event == "repeat_purchase").sum().cast("int64"),
        page_load_ms=post.page_load_ms.sum(),
        page_views=post.page_load_ms.count(),
        device=post.device.argmin(post.ts),
        country=post.country.argmin(post.ts),
        channel=post.channel.argmin(post.ts),
    )
    before = ev.filter(ev.ts < ev.assigned_at, ev.ts >= ev.assigned_at - pre)
    pre_ev = before.group_by("user_id").aggregate(
        pre_sessions=before.session_id.nunique(),
        pre_converted=(before.event == "purchase").any().cast("int64"),
    )
    od = orders.join(a.select("user_id", "assigned_at"), "user_id")
    post_o = od.filter(od.ts >= od.assigned_at, od.ts < od.assigned_at + window)
    post_o = post_o.group_by("user_id").aggregate(revenue=post_o.revenue.sum(), orders=post_o.count())
    pre_o = od.filter(od.ts < od.assigned_at, od.ts >= od.assigned_at - pre)
    pre_o = pre_o.group_by("user_id").aggregate(pre_revenue=pre_o.revenue.sum(), pre_orders=pre_o.count())

    t = a
    for part in (post_agg, pre_ev, post_o, pre_o):
        t = t.left_join(part, "user_id").drop("user_id_right")
    fill = {c: ibis.coalesce(t[c], 0) for c in (*OUTCOMES, *COVARIATES)}
    fill.update({c: ibis.coalesce(t[c], "unknown") for c in SEGMENTS})
    fill["revenue"] = ibis.coalesce(t.revenue, 0.0)
    fill["pre_revenue"] = ibis.coalesce(t.pre_revenue, 0.0)
    fill["page_load_ms"] = ibis.coalesce(t.page_load_ms, 0.0)
    return t.mutate(**fill)


def daily_table(
    source: DataLike, experiment: str, exposure_days: int = 14, until: dt.datetime | None = None
) -> ibis.Table:
    """One row per user × day since exposure (0 .. exposure_days − 1) with that day's
    ``converted`` and ``revenue`` (zeros filled), for the novelty check: the columns
    :data:`journey.experiments.spec.DAILY_COLUMNS` lets a playbook's ``novelty`` name."""
    con = _backend(source)
    a = _assignments(con, experiment, until)
    events = _until(_events(con, ["user_id", "event"], numeric=["revenue"]), "ts", until)
    ev = events.join(a.select("user_id", "assigned_at"), "user_id")
    ev = ev.mutate(
        days_since_exposure=((ev.ts.epoch_seconds() - ev.assigned_at.epoch_seconds()) / 86_400).floor().cast("int64")
    )
    ev = ev.filter(ev.days_since_exposure >= 0, ev.days_since_exposure < exposure_days)
    per_day = ev.group_by(["user_id", "days_since_exposure"]).aggregate(
        converted=(ev.event == "purchase").any().cast("int64"),
        revenue=ev.revenue.sum(),
    )
    days = ibis.memtable({"days_since_exposure": list(range(exposure_days))})
    grid = a.select("user_id", "variant").cross_join(days)
    out = grid.left_join(per_day, ["user_id", "days_since_exposure"])
    out = out.select(
        "user_id",
        "variant",
        "days_since_exposure",
        converted=ibis.coalesce(_.converted, 0),
        revenue=ibis.coalesce(_.revenue, 0.0),
    )
    return out
