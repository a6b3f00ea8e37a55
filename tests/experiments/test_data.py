"""Per-user analysis table built in the engine, checked against pandas on seeded sample data."""

import pandas as pd
import pytest

from journey.data import sources
from journey.datasets import make_sample
from journey.experiments.data import analysis_table, daily_table
from journey.experiments.spec import DAILY_COLUMNS
from journey.validation import JourneyInputError


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    tables = make_sample(users=3000, seed=3)
    folder = tmp_path_factory.mktemp("sample")
    for name, frame in tables.items():
        frame.to_parquet(folder / f"{name}.parquet")
    return sources.connect(folder), tables


def test_analysis_table_matches_pandas(con):
    backend, tables = con
    got = analysis_table(backend, "checkout-redesign", exposure_days=14).to_pandas().set_index("user_id")
    a = tables["assignments"].query("experiment == 'checkout-redesign'").set_index("user_id")
    assert len(got) == len(a) and (got.variant == a.variant.loc[got.index]).all()
    orders = tables["orders"].merge(a[["assigned_at"]], left_on="user_id", right_index=True)
    inside = orders[(orders.ts >= orders.assigned_at) & (orders.ts < orders.assigned_at + pd.Timedelta(days=14))]
    revenue = inside.groupby("user_id").revenue.sum().reindex(got.index, fill_value=0.0)
    pd.testing.assert_series_equal(got.revenue, revenue, check_names=False, rtol=1e-9)
    ev = tables["events"].merge(a[["assigned_at"]], left_on="user_id", right_index=True)
    before = ev[(ev.ts < ev.assigned_at) & (ev.ts >= ev.assigned_at - pd.Timedelta(days=28))]
    pre_sessions = before.groupby("user_id").session_id.nunique().reindex(got.index, fill_value=0)
    assert (got.pre_sessions.to_numpy() == pre_sessions.to_numpy()).all()
    assert got[["converted", "pre_revenue", "device"]].notna().all().all()


def test_daily_table_has_one_row_per_user_and_day(con):
    backend, _ = con
    daily = daily_table(backend, "checkout-redesign", exposure_days=7).to_pandas()
    assert daily.groupby("user_id").size().eq(7).all()
    assert set(DAILY_COLUMNS) <= set(daily.columns)  # what a playbook's novelty may name


def test_unknown_experiment_lists_known_ones(con):
    with pytest.raises(JourneyInputError, match="onboarding-email"):
        analysis_table(con[0], "nope")


@pytest.mark.parametrize(("table", "column"), [("assignments", "assigned_at"), ("events", "ts"), ("orders", "ts")])
def test_tables_with_naive_timestamps_are_rejected_by_the_input_layer(tmp_path, table, column):
    # Every reader goes through event_input.prepare_table: a naive timestamp would shift every
    # exposure window by the writer's UTC offset, so it is refused as funnel refuses it.
    tables = make_sample(users=300, seed=5)
    tables[table][column] = tables[table][column].dt.tz_localize(None)
    for name, frame in tables.items():
        frame.to_parquet(tmp_path / f"{name}.parquet")
    with pytest.raises(
        JourneyInputError, match=rf"column {column!r} has timezone-naive values; expected UTC timestamps"
    ):
        analysis_table(sources.connect(tmp_path), "checkout-redesign").to_pandas()


def test_a_missing_event_column_names_the_table_and_the_column(tmp_path):
    tables = make_sample(users=300, seed=5)
    tables["events"] = tables["events"].drop(columns="session_id")
    for name, frame in tables.items():
        frame.to_parquet(tmp_path / f"{name}.parquet")
    with pytest.raises(JourneyInputError, match=r"missing column 'session_id'"):
        analysis_table(sources.connect(tmp_path), "checkout-redesign")
