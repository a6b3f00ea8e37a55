"""Shared input handling: window parsing, column and timestamp checks, second truncation."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from journey.data.event_input import parse_window, prepare_events, seconds
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
