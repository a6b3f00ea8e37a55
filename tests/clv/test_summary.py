"""rfm_summary on hand-built transactions: every number below is counted by hand in the comments."""

from __future__ import annotations

import datetime as dt

import ibis
import numpy as np
import pandas as pd
import pytest

from journey.clv import rfm_summary
from journey.validation import JourneyInputError


def _tx(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["customer_id", "date", "amount"])
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


TX = _tx(
    [
        ("a", "2026-01-01", 10.0),  # a: first day
        ("a", "2026-01-01", 5.0),  # same day: merges into one purchase day of 15
        ("a", "2026-01-15", 20.0),  # repeat day 1
        ("a", "2026-01-29", 40.0),  # repeat day 2
        ("a", "2026-03-01", 99.0),  # after the calibration end
        ("b", "2026-01-08", 7.0),  # b: one purchase only
        ("c", "2026-02-10", 30.0),  # c: first purchase after the calibration end
        ("c", "2026-02-20", 10.0),
        ("d", "2026-01-02", 8.0),  # d: buys again in the holdout only
        ("d", "2026-02-05", 12.0),
        ("d", "2026-02-05", 1.0),  # same holdout day: one holdout purchase day
    ]
)


def test_same_day_purchases_merge_and_recency_and_t_are_continuous_weeks() -> None:
    s = rfm_summary(TX, observation_end="2026-01-31")
    # a: days 1, 15, 29 -> frequency 2, recency 28 d = 4 weeks, T = 30 d; repeat spend (20 + 40) / 2
    assert s.loc["a"].to_dict() == pytest.approx(
        {"frequency": 2.0, "recency": 4.0, "T": 30 / 7, "monetary_value": 30.0}
    )
    # b: a single purchase: no repeat, recency 0, spend 0 (as lifetimes and PyMC-Marketing report it)
    assert s.loc["b"].to_dict() == pytest.approx({"frequency": 0.0, "recency": 0.0, "T": 23 / 7, "monetary_value": 0.0})
    # c first bought after the period end: not a customer of this period
    assert "c" not in s.index
    assert s.index.name == "customer_id" and s.attrs["time_unit"] == "W"


def test_days_as_the_unit() -> None:
    s = rfm_summary(TX, observation_end="2026-01-31", time_unit="D")
    assert s.loc["a", "recency"] == 28.0 and s.loc["a", "T"] == 30.0


def test_calibration_and_holdout_columns() -> None:
    s = rfm_summary(TX, calibration_end="2026-01-31", observation_end="2026-02-28", time_unit="D")
    assert list(s.columns) == ["frequency", "recency", "T", "monetary_value", "frequency_holdout", "duration_holdout"]
    # holdout (Jan 31, Feb 28]: a none (Mar 1 is after it), d one purchase day (two rows on Feb 5)
    assert s["frequency_holdout"].to_dict() == {"a": 0.0, "b": 0.0, "d": 1.0}
    assert (s["duration_holdout"] == 28.0).all()
    # calibration numbers ignore the holdout: d bought once before the end
    assert s.loc["d", ["frequency", "recency", "T"]].tolist() == [0.0, 0.0, 29.0]


def test_period_end_defaults_to_the_last_purchase_day() -> None:
    s = rfm_summary(TX, time_unit="D")
    # the last purchase is 2026-03-01; a bought on 4 days
    assert s.loc["a", "frequency"] == 3.0
    assert s.loc["a", "T"] == (dt.date(2026, 3, 1) - dt.date(2026, 1, 1)).days


def test_an_ibis_table_gives_the_same_summary_as_the_frame() -> None:
    con = ibis.duckdb.connect()
    table = con.create_table("transactions", TX)
    from_table = rfm_summary(table, calibration_end="2026-01-31", observation_end="2026-02-28")
    from_frame = rfm_summary(TX, calibration_end="2026-01-31", observation_end="2026-02-28")
    pd.testing.assert_frame_equal(from_table, from_frame)


def test_timestamps_count_utc_days_and_dates_count_calendar_days() -> None:
    aware = TX.assign(date=TX["date"].dt.tz_localize("Europe/Berlin"))  # midnight Berlin = 23:00 UTC the day before
    s = rfm_summary(aware, observation_end="2026-01-31", time_unit="D")
    assert s.loc["a", "T"] == 31.0  # first purchase day is Dec 31 in UTC
    dates = TX.assign(date=TX["date"].dt.date)
    pd.testing.assert_frame_equal(
        rfm_summary(dates, observation_end="2026-01-31"), rfm_summary(TX, observation_end="2026-01-31")
    )


def test_without_amounts_there_is_no_monetary_value() -> None:
    s = rfm_summary(TX.drop(columns="amount"), amount=None, observation_end="2026-01-31")
    assert list(s.columns) == ["frequency", "recency", "T"]


@pytest.mark.parametrize(
    ("frame", "kwargs", "message"),
    [
        (TX.assign(amount=-1.0), {}, r"transactions: column 'amount' has 11 negative amounts"),
        (
            _tx([("a", "2026-01-01", 1.0), ("a", "2999-01-01", 1.0)]),
            {},
            r"transactions: column 'date' has 1 dates after today",
        ),
        (
            TX,
            {"calibration_end": "2025-06-30"},
            r"no customer has a purchase on or before the period end \(day 2025-06-30\)",
        ),
        (
            TX,
            {"calibration_end": "2026-01-31", "observation_end": "2026-01-10"},
            r"parameter 'observation_end': '2026-01-10' is not after calibration_end '2026-01-31'",
        ),
        (TX.rename(columns={"date": "day"}), {}, r"transactions: missing column 'date'"),
        (TX.assign(date=TX["date"].astype(str)), {}, r"column 'date' has type string; expected dates or timestamps"),
        (TX.iloc[:0], {}, r"transactions: has no rows"),
        (TX, {"calibration_end": "not a date"}, r"parameter 'calibration_end': unparseable date 'not a date'"),
        (TX, {"time_unit": "M"}, r"time_unit: unknown value 'M'; expected one of 'D', 'W'"),
    ],
)
def test_bad_input_gets_one_line_errors(frame, kwargs, message) -> None:
    with pytest.raises(JourneyInputError, match=message):
        rfm_summary(frame, **kwargs)


def test_summary_feeds_the_models() -> None:
    from journey.clv import BetaGeo

    s = rfm_summary(TX, observation_end="2026-01-31")
    p = BetaGeo(0.5, 2.0, 0.8, 2.0).p_alive(s)
    assert np.all((p > 0) & (p <= 1))
