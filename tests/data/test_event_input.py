"""Shared input handling: window parsing, column and timestamp checks, second truncation."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from journey.data.event_input import (
    absent_steps,
    check_events_exist,
    parse_window,
    prepare_events,
    prepare_table,
    seconds,
)
from journey.validation import JourneyInputError


@pytest.mark.parametrize(
    ("text", "expected"), [("7d", 604_800), ("36h", 129_600), ("30m", 1800), ("90s", 90), ("2w", 1_209_600)]
)
def test_parse_window_units(text, expected):
    assert parse_window(text) == expected


def test_parse_window_numbers_and_timedelta():
    assert parse_window(3600) == 3600 and parse_window(dt.timedelta(minutes=2)) == 120


def test_seconds_floor_subsecond_times_in_utc():
    frame = pd.DataFrame(
        {
            "user_id": [1, 1],
            "ts": pd.to_datetime(
                ["2026-09-07 00:00:00.999999", "2026-09-07 02:00:01+02:00"], utc=True, format="ISO8601"
            ),
            "event": ["a", "b"],
        }
    )
    table = prepare_events(frame)
    got = sorted(table.select(t=seconds(table)).execute()["t"].tolist())
    base = int(pd.Timestamp("2026-09-07", tz="UTC").timestamp())
    assert got == [base, base + 1]


def test_non_timestamp_column_rejected():
    frame = pd.DataFrame({"user_id": [1], "ts": ["2026-09-07"], "event": ["a"]})
    with pytest.raises(JourneyInputError, match="column 'ts' has dtype"):
        prepare_events(frame)


def _events(names):
    ts = pd.Timestamp("2026-09-07", tz="UTC")
    return prepare_events(pd.DataFrame({"user_id": range(len(names)), "ts": [ts] * len(names), "event": names}))


def test_absent_steps_names_the_missing_steps_with_close_matches_and_does_not_raise():
    table = _events(["landing_view", "product_view", "purchase"])
    got = absent_steps(table, ["landing_view", "purchse", "checkout_start", "purchse"])
    # difflib.get_close_matches("purchse", [...]) -> ["purchase"]; nothing close to checkout_start
    assert got == {"purchse": ("purchase",), "checkout_start": ()}


def test_absent_steps_is_empty_when_every_step_occurs():
    table = _events(["a", "b"])
    assert absent_steps(table, ["a", "b"]) == {}
    assert absent_steps(table, ["a", "c"], present=["a", "b", "c"]) == {}


def test_check_events_exist_still_raises_listing_present_events():
    with pytest.raises(JourneyInputError, match=r"unknown event 'zzz'; expected events present: 'a', 'b'"):
        check_events_exist(_events(["a", "b"]), ["a", "zzz"], "event", "steps")


def test_errors_name_the_file_a_user_passed(tmp_path):
    path = tmp_path / "events.parquet"
    naive = pd.to_datetime(["2026-09-07 10:00"])  # no zone: a day boundary would be the machine's
    pd.DataFrame({"user_id": [1], "ts": naive, "event": ["a"]}).to_parquet(path, index=False)
    with pytest.raises(JourneyInputError) as caught:
        prepare_events(str(path))
    assert str(caught.value) == "events.parquet: column 'ts' has timezone-naive values; expected UTC timestamps"


def test_prepare_table_checks_any_table_s_timestamps_and_numbers(tmp_path):
    """Orders and assignments go through the same checks as events (the overview reads orders)."""
    aware = pd.to_datetime(["2026-09-07 10:00Z"])
    orders = pd.DataFrame({"user_id": [1], "ts": aware.tz_localize(None), "revenue": [9.5]})
    with pytest.raises(JourneyInputError, match=r"^orders: column 'ts' has timezone-naive values \(first at row 0\)"):
        prepare_table(orders, columns=["user_id"], timestamps=["ts"], numeric=["revenue"], table="orders")
    text_revenue = orders.assign(ts=aware, revenue=["9.50"])
    with pytest.raises(JourneyInputError, match=r"^orders: column 'revenue' has type string; expected numbers$"):
        prepare_table(text_revenue, timestamps=["ts"], numeric=["revenue"], table="orders")
    with pytest.raises(JourneyInputError, match=r"^orders: missing column 'assigned_at'"):
        prepare_table(text_revenue, timestamps=["assigned_at"], table="orders")
    good = prepare_table(orders.assign(ts=aware), columns=["user_id"], timestamps=["ts"], numeric=["revenue"])
    assert good.revenue.sum().execute() == 9.5


def test_prepare_events_checks_numeric_columns():
    frame = pd.DataFrame(
        {"user_id": [1], "ts": pd.to_datetime(["2026-09-07T00:00Z"]), "event": ["a"], "revenue": ["x"]}
    )
    with pytest.raises(JourneyInputError, match=r"^events: column 'revenue' has type string; expected numbers$"):
        prepare_events(frame, numeric=["revenue"])
