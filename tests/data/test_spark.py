"""Spark (local mode, through ibis's pyspark backend) gives DuckDB's numbers, row for row.

The funnel log is the adversarial one of the engine cross-checks (same-second ties, re-entries,
out-of-order rows, gaps of exactly the window), so the window-function chain that replaces the
ASOF join on Spark is checked where the two formulations could differ. The experiment readout
runs on the sample data through ``sources.connect("spark+parquet://...")``.
"""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from journey.data import sources
from journey.datasets.funnels import STEPS, make_funnel_events
from journey.stages import funnels, retention

pytestmark = [pytest.mark.spark, pytest.mark.slow]

pytest.importorskip("pyspark")
if shutil.which("java") is None:  # pragma: no cover - Java 17 is on CI machines
    pytest.skip("Spark needs a Java runtime (java not on PATH)", allow_module_level=True)


@pytest.fixture(scope="module")
def log() -> pd.DataFrame:
    return make_funnel_events(users=1500, seed=11)


@pytest.fixture(scope="module")
def spark_log(log):
    from journey.data.spark import _session, from_session

    session = _session("local[2]")
    frame = session.createDataFrame(log)
    frame.createOrReplaceTempView("adversarial_events")
    return from_session(session).table("adversarial_events")


def _same(a: pd.DataFrame, b: pd.DataFrame, sort: str | None = None) -> None:
    if sort:
        a, b = a.sort_values(sort), b.sort_values(sort)
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_dtype=False)


def test_spark_source_reads_timestamps_as_utc_instants(spark_log, log):
    # Spark's TIMESTAMP is an instant; in the UTC session its first day is the pandas log's first UTC day
    first = pd.Timestamp(spark_log.ts.min().execute())
    first = first.tz_localize("UTC") if first.tzinfo is None else first
    assert first == log["ts"].min()


def test_spark_has_no_asof_join_so_the_window_chain_is_taken(spark_log):
    from journey.stages import funnels_sql as fsql

    assert not fsql.has_asof_join(spark_log)


@pytest.mark.parametrize("window", ["1d", "1h", "1s"])
def test_funnel_and_user_levels_on_spark_equal_duckdb(spark_log, log, window):
    _same(
        funnels.funnel(spark_log, list(STEPS), window).to_frame(), funnels.funnel(log, list(STEPS), window).to_frame()
    )
    ours = funnels.user_levels(spark_log, list(STEPS), window).to_frame()
    theirs = funnels.user_levels(log, list(STEPS), window).to_frame()
    _same(ours, theirs, sort="user_id")
    assert theirs["level"].max() >= 2  # not vacuous


def test_repeated_steps_breakdowns_and_attribution_on_spark_equal_duckdb(spark_log, log):
    repeated = ["product_view", "landing_view", "product_view"]
    _same(funnels.funnel(spark_log, repeated, "1d").to_frame(), funnels.funnel(log, repeated, "1d").to_frame())
    for kw in (
        {"by": "device"},
        {"by": "channel", "attribution": "first_touch"},
        {"by": "channel", "attribution": "step:3"},
    ):
        _same(
            funnels.funnel(spark_log, list(STEPS), "1d", **kw).to_frame(),
            funnels.funnel(log, list(STEPS), "1d", **kw).to_frame(),
        )


def test_dropoff_next_event_on_spark_equals_duckdb(spark_log, log):
    # the forward ASOF join (first event after the last step) is a running minimum on Spark
    ours = funnels.dropoff(spark_log, list(STEPS), "1d").to_frame()
    theirs = funnels.dropoff(log, list(STEPS), "1d").to_frame()
    _same(ours, theirs)
    assert len(theirs) > 3


@pytest.mark.parametrize("period", ["day", "week", "month"])
def test_retention_cohorts_on_spark_equal_duckdb(spark_log, log, period):
    for rolling in (False, True):
        kw = dict(period=period, periods=4, rolling=rolling)
        ours = retention.cohorts(spark_log, "landing_view", ["purchase", "add_to_cart"], **kw).to_frame()
        theirs = retention.cohorts(log, "landing_view", ["purchase", "add_to_cart"], **kw).to_frame()
        _same(ours, theirs)


@pytest.fixture(scope="module")
def sample_spark():
    from journey import config

    return sources.connect(f"spark+parquet://{config.sample_dir() / 'parquet'}?master=local[2]")


def test_experiment_readout_on_spark_equals_duckdb(sample_spark):
    # the sufficient statistics (sums of squares and cross-products per arm) run as Spark SQL
    from journey import experiments as ab

    ours = ab.readout(sample_spark, "checkout-redesign").result.to_frame()
    theirs = ab.readout(sources.connect(), "checkout-redesign").result.to_frame()
    numbers = theirs.select_dtypes("number").columns
    assert (theirs["n_control"] > 1000).all()
    pd.testing.assert_frame_equal(ours[numbers], theirs[numbers], check_exact=False, rtol=1e-9, atol=1e-12)
    assert ours.drop(columns=numbers).equals(theirs.drop(columns=numbers))


def test_spark_uri_rejects_unknown_options_and_missing_folders(tmp_path):
    from journey.validation import JourneyInputError

    with pytest.raises(JourneyInputError, match="unknown option"):
        sources.connect(f"spark+parquet://{tmp_path}?mastr=local")
    with pytest.raises(JourneyInputError, match="not found"):
        sources.connect(f"spark+parquet://{tmp_path / 'nowhere'}")
    with pytest.raises(JourneyInputError, match=r"no \.parquet"):
        sources.connect(f"spark+parquet://{tmp_path}")
