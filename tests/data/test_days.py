"""Day numbers: the same day for a parameter and for a column, whatever the type or time zone."""

from __future__ import annotations

import datetime as dt

import ibis
import pandas as pd
import pytest

from journey.data.days import day_column, day_number
from journey.validation import JourneyInputError


def test_parameters_and_columns_agree_on_the_day() -> None:
    stamps = pd.Series(
        pd.to_datetime(["2026-03-01 00:00:00Z", "2026-03-01 23:59:59Z", "2026-02-28 23:00:00-02:00"], utc=True)
    )
    table = ibis.memtable(pd.DataFrame({"ts": stamps, "d": [dt.date(2026, 3, 1)] * 3}))
    days = table.select(a=day_column(table, "ts", "t"), b=day_column(table, "d", "t")).execute()
    expected = (dt.date(2026, 3, 1) - dt.date(1970, 1, 1)).days
    assert days["a"].tolist() == [expected] * 3  # the last one is 01:00 UTC on March 1
    assert days["b"].tolist() == [expected] * 3
    assert day_number("2026-03-01", "x") == day_number(dt.date(2026, 3, 1), "x") == expected


def test_bad_values_are_one_line_errors() -> None:
    with pytest.raises(JourneyInputError, match=r"parameter 'cutoff': unparseable date 'soon'"):
        day_number("soon", "cutoff")
    table = ibis.memtable(pd.DataFrame({"ts": ["2026-03-01"]}))
    with pytest.raises(JourneyInputError, match=r"orders: column 'ts' has type string; expected dates or timestamps"):
        day_column(table, "ts", "orders")
