"""Notebook inputs: comma-separated parameters, and the window every stage notebook resolves the same way."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest

from journey.data.window import Window
from journey.datasets import make_events
from journey.runs.notebook_params import StageInputs, comma_list, load_window
from journey.validation import JourneyInputError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("landing_view,product_view", ["landing_view", "product_view"]),
        (" a , b ,, c ,", ["a", "b", "c"]),  # spaces and empty items (a trailing comma) are dropped
        ("", []),
        ("repeat_purchase", ["repeat_purchase"]),
    ],
)
def test_comma_list_strips_items_and_drops_empty_ones(text, expected):
    assert comma_list(text) == expected


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    return make_events(users=400, seed=3)


@pytest.fixture(scope="module")
def source(events, tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("src") / "journey.duckdb"
    with duckdb.connect(str(path)) as con:
        con.register("frame", events)
        con.execute("CREATE TABLE events AS SELECT * FROM frame")
    return str(path)


def _users_in(frame: pd.DataFrame, window: Window) -> int:
    inside = (frame["ts"] >= pd.Timestamp(window.start_ts)) & (frame["ts"] < pd.Timestamp(window.end_ts))
    return int(inside.sum())


def test_load_window_ends_on_the_latest_day_and_splits_current_and_previous(events, source):
    inputs = load_window(source, "", "", 14)
    assert isinstance(inputs, StageInputs)
    latest = events["ts"].max().tz_convert("UTC").date()
    assert inputs.window == Window(latest - dt.timedelta(days=13), latest)
    # counted in pandas on the generator's rows: the half-open [start 00:00, end + 1 day 00:00) of each window
    assert inputs.current.count().execute() == _users_in(events, inputs.window)
    assert inputs.previous.count().execute() == _users_in(events, inputs.window.previous())
    assert inputs.events.count().execute() == len(events)


def test_load_window_takes_explicit_dates(source):
    inputs = load_window(source, "2026-11-01", "2026-11-07", 28)
    assert inputs.window == Window(dt.date(2026, 11, 1), dt.date(2026, 11, 7))
    assert inputs.window.previous() == Window(dt.date(2026, 10, 25), dt.date(2026, 10, 31))


def test_load_window_rejects_an_unparseable_date(source):
    with pytest.raises(JourneyInputError, match="end_date"):
        load_window(source, "", "28/11/2026", 28)
