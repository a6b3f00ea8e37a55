"""Independent engines agree with ours: ClickHouse (embedded chdb) and a second ibis backend (Polars).

The generated log (journey.datasets.funnels) is adversarial on purpose: many same-second ties,
re-entries, out-of-order rows and gaps of exactly the window length.
"""

from __future__ import annotations

import ibis
import pandas as pd
import pytest

from journey.datasets.funnels import STEPS, make_funnel_events
from journey.stages import funnels, retention

chdb = pytest.importorskip("chdb")
pl = pytest.importorskip("polars")


@pytest.fixture(scope="module")
def log() -> pd.DataFrame:
    return make_funnel_events(users=4000, seed=11)


def clickhouse_levels(frame: pd.DataFrame, steps, window_s: int) -> pd.DataFrame:
    conds = ", ".join(f"event = '{s}'" for s in steps)
    query = (
        f"SELECT user_id, windowFunnel({window_s})(toDateTime(ts), {conds}) AS level "
        "FROM Python(frame) GROUP BY user_id ORDER BY user_id"
    )
    out = chdb.query(query, "DataFrame")
    return out.astype({"user_id": "int64", "level": "int64"})


@pytest.mark.parametrize("window_s", [86_400, 3_600, 1])
@pytest.mark.parametrize("steps", [STEPS, STEPS[:2], ("product_view", "landing_view", "product_view")])
def test_user_levels_identical_to_clickhouse_window_funnel(log, steps, window_s):
    ours = funnels.user_levels(log, list(steps), window_s).to_frame()
    theirs = clickhouse_levels(log, steps, window_s)
    merged = ours.merge(theirs, on="user_id", how="outer", suffixes=("", "_ch"), indicator=True)
    assert (merged["_merge"] == "both").all()
    mismatched = merged[merged["level"] != merged["level_ch"]]
    assert mismatched.empty, mismatched.head()
    assert ours["level"].max() >= 2  # the check is not vacuous


def test_funnel_counts_match_clickhouse(log):
    ours = funnels.funnel(log, list(STEPS), "1d").to_frame()
    levels = clickhouse_levels(log, STEPS, 86_400)["level"]
    expected = [int((levels >= k).sum()) for k in range(1, len(STEPS) + 1)]
    assert ours["users"].tolist() == expected


def _polars_table(frame: pd.DataFrame) -> ibis.Table:
    con = ibis.polars.connect()
    return con.create_table("events", pl.from_pandas(frame))


def test_polars_backend_agrees_with_duckdb_for_funnel(log):
    table = _polars_table(log)
    for by in (None, "device", "first_touch_channel"):
        a = funnels.funnel(table, list(STEPS), "1d", by=by).to_frame()
        b = funnels.funnel(log, list(STEPS), "1d", by=by).to_frame()
        pd.testing.assert_frame_equal(a, b, check_dtype=False)
    for attribution in ("step:3", "first_touch", "last_touch"):
        a = funnels.funnel(table, list(STEPS), "1d", by="channel", attribution=attribution).to_frame()
        b = funnels.funnel(log, list(STEPS), "1d", by="channel", attribution=attribution).to_frame()
        pd.testing.assert_frame_equal(a, b, check_dtype=False, obj=attribution)
    a = funnels.user_levels(table, list(STEPS), "1h").to_frame()
    b = funnels.user_levels(log, list(STEPS), "1h").to_frame()
    pd.testing.assert_frame_equal(a, b, check_dtype=False)
    a = funnels.dropoff(table, list(STEPS), "1d").to_frame()
    b = funnels.dropoff(log, list(STEPS), "1d").to_frame()
    pd.testing.assert_frame_equal(a, b, check_dtype=False)


def test_polars_backend_agrees_with_duckdb_for_retention(log):
    table = _polars_table(log)
    for period in ("day", "week", "month"):
        for rolling in (False, True):
            kw = dict(period=period, periods=4, rolling=rolling)
            a = retention.cohorts(table, "landing_view", ["purchase", "add_to_cart"], **kw).to_frame()
            b = retention.cohorts(log, "landing_view", ["purchase", "add_to_cart"], **kw).to_frame()
            pd.testing.assert_frame_equal(a, b, check_dtype=False)


_CH_PERIOD = {"day": ("toDate", "day"), "week": ("toMonday", "week"), "month": ("toStartOfMonth", "month")}


def clickhouse_cohorts(frame: pd.DataFrame, cohort_event: str, returns, period: str, periods: int) -> pd.DataFrame:
    """ClickHouse ``retention(cond_cohort, cond_k0, ..., cond_kN)`` per user, summed per cohort."""
    start, unit = _CH_PERIOD[period]
    ret = ", ".join(repr(r) for r in returns)
    conds = ", ".join(
        f"event IN ({ret}) AND t >= ft AND dateDiff('{unit}', {start}(ft), {start}(t)) = {k}"
        for k in range(periods + 1)
    )
    query = f"""
        WITH first AS (
            SELECT user_id AS fu, min(toDateTime(ts)) AS ft FROM Python(frame)
            WHERE event = '{cohort_event}' GROUP BY user_id)
        SELECT cohort, count() AS cohort_size, {", ".join(f"sum(r[{k + 2}]) AS c{k}" for k in range(periods + 1))}
        FROM (
            SELECT {start}(any(ft)) AS cohort, retention(t = ft AND event = '{cohort_event}', {conds}) AS r
            FROM (SELECT user_id, toDateTime(ts) AS t, event FROM Python(frame)) AS e
            JOIN first ON e.user_id = first.fu
            GROUP BY user_id)
        GROUP BY cohort ORDER BY cohort"""
    return chdb.query(query, "DataFrame")


@pytest.mark.parametrize("period", ["day", "week", "month"])
def test_cohort_counts_identical_to_clickhouse_retention(log, period):
    periods = 4
    ours = retention.cohorts(log, "landing_view", ["purchase", "add_to_cart"], period=period, periods=periods)
    frame = ours.to_frame()
    theirs = clickhouse_cohorts(log, "landing_view", ["purchase", "add_to_cart"], period, periods)
    assert frame["cohort"].dt.date.tolist() == pd.to_datetime(theirs["cohort"]).dt.date.tolist()
    assert frame["cohort_size"].tolist() == theirs["cohort_size"].astype(int).tolist()
    for k in range(periods + 1):
        observed = frame[k].notna().to_numpy()
        assert observed.any() if k == 0 else True
        assert frame.loc[observed, k].astype(int).tolist() == theirs.loc[observed, f"c{k}"].astype(int).tolist()
    assert frame.loc[:, list(range(periods + 1))].notna().sum().sum() >= 3


SAMPLE_STEPS = ("landing_view", "product_view", "add_to_cart", "checkout_start", "purchase")


@pytest.fixture(scope="module")
def sample():
    from journey import config

    parquet = config.sample_dir() / "parquet" / "events.parquet"
    if not parquet.exists():
        pytest.skip("sample data not built (journey data sample)")
    return parquet


def test_sample_data_levels_identical_to_clickhouse(sample):
    from journey.data import sources

    events = sources.connect(sample.parent).table("events")
    ours = funnels.user_levels(events, list(SAMPLE_STEPS), "7d").to_frame()
    conds = ", ".join(f"event = '{s}'" for s in SAMPLE_STEPS)
    theirs = chdb.query(
        f"SELECT user_id, windowFunnel(604800)(toDateTime(ts), {conds}) AS level FROM file('{sample}', Parquet) "
        "GROUP BY user_id ORDER BY user_id",
        "DataFrame",
    ).astype({"user_id": "int64", "level": "int64"})
    pd.testing.assert_frame_equal(ours.reset_index(drop=True), theirs, check_dtype=False)
    assert ours["level"].max() == len(SAMPLE_STEPS)


def test_sample_data_cohorts_identical_to_clickhouse(sample):
    from journey.data import sources

    events = sources.connect(sample.parent).table("events")
    frame = retention.cohorts(events, "purchase", ["repeat_purchase"], period="week", periods=6).to_frame()
    theirs = clickhouse_cohorts_file(str(sample), "purchase", ["repeat_purchase"], 6)
    assert frame["cohort_size"].tolist() == theirs["cohort_size"].astype(int).tolist()
    for k in range(7):
        observed = frame[k].notna().to_numpy()
        assert frame.loc[observed, k].astype(int).tolist() == theirs.loc[observed, f"c{k}"].astype(int).tolist()


def clickhouse_cohorts_file(path: str, cohort_event: str, returns, periods: int) -> pd.DataFrame:
    ret = ", ".join(repr(r) for r in returns)
    conds = ", ".join(
        f"assumeNotNull(event IN ({ret}) AND t >= ft AND dateDiff('week', toMonday(ft), toMonday(t)) = {k})"
        for k in range(periods + 1)
    )
    query = f"""
        WITH first AS (
            SELECT user_id AS fu, min(toDateTime(ts)) AS ft FROM file('{path}', Parquet)
            WHERE event = '{cohort_event}' GROUP BY user_id)
        SELECT cohort, count() AS cohort_size, {", ".join(f"sum(r[{k + 2}]) AS c{k}" for k in range(periods + 1))}
        FROM (
            SELECT toMonday(any(ft)) AS cohort,
                   retention(assumeNotNull(t = ft AND event = '{cohort_event}'), {conds}) AS r
            FROM (SELECT user_id, toDateTime(assumeNotNull(ts)) AS t, assumeNotNull(event) AS event
                  FROM file('{path}', Parquet)) AS e
            JOIN first ON e.user_id = first.fu
            GROUP BY user_id)
        GROUP BY cohort ORDER BY cohort"""
    return chdb.query(query, "DataFrame")
