"""Date windows are inclusive UTC days and filter with a half-open interval."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from journey.data import sources
from journey.data.window import Window, resolve_window
from journey.validation import JourneyInputError


def test_window_includes_both_end_days_and_nothing_after_midnight():
    frame = pd.DataFrame(
        {
            "ts": pd.to_datetime(
                ["2026-11-01T00:00:00Z", "2026-11-07T23:59:59.999Z", "2026-11-08T00:00:00Z", "2026-10-31T23:59:59Z"],
                format="ISO8601",
            )
        }
    )
    window = Window(dt.date(2026, 11, 1), dt.date(2026, 11, 7))
    assert window.days == 7
    assert int(window.filter(sources.as_table(frame)).count().execute()) == 2


def test_previous_window_has_the_same_length_and_touches():
    window = Window(dt.date(2026, 11, 1), dt.date(2026, 11, 28))
    previous = window.previous()
    assert previous.days == 28 and previous.end == dt.date(2026, 10, 31)


def test_trailing_window_ends_on_the_same_day_and_until_end_keeps_all_history():
    window = Window(dt.date(2026, 11, 1), dt.date(2026, 11, 28))
    shown = window.trailing(7 * 12)
    assert shown.end == window.end and shown.days == 84 and shown.start == dt.date(2026, 9, 6)
    stamps = ["2020-01-01T00:00:00Z", "2026-11-28T23:59:59Z", "2026-11-29T00:00:00Z"]
    frame = pd.DataFrame({"ts": pd.to_datetime(stamps, format="ISO8601")})
    assert int(window.until_end(sources.as_table(frame)).count().execute()) == 2


def test_empty_end_date_resolves_to_latest_day_in_data():
    events = sources.connect().table("events")
    window = resolve_window(events, "", "", 28)
    assert window.end == dt.date(2026, 11, 22) and window.start == dt.date(2026, 10, 26)


@pytest.mark.parametrize(
    ("start", "end", "days", "message"),
    [
        ("", "2026-02-30", 28, r"parameter 'end_date': unparseable date '2026-02-30'"),
        ("2026-11-10", "2026-11-01", 28, r"window: end 2026-11-01 is before start 2026-11-10"),
        ("", "2026-11-01", 0, r"parameter 'window_days': is 0; expected a positive number of days"),
    ],
)
def test_bad_window_parameters_are_input_errors(start, end, days, message):
    events = sources.connect().table("events")
    with pytest.raises(JourneyInputError, match=message):
        resolve_window(events, start, end, days)
