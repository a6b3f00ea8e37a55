"""Retention cohorts on hand-built logs; ClickHouse ``retention`` cross-check in test_engines_crosscheck.py."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from journey.stages import retention
from journey.validation import JourneyInputError
from tests.helpers import T0, event_log

MONDAY = T0  # a Monday
DAY = pd.Timedelta(days=1)


def log(rows: list[tuple]) -> pd.DataFrame:
    """(user_id, offset from Monday 2026-09-07 as a Timedelta, event[, plan])."""
    return event_log(rows, columns={"plan": "free"})


def test_weekly_classic_counts_and_unobserved_cells_null():
    frame = log(
        [
            (1, 0 * DAY, "signup"),
            (1, 1 * DAY, "buy"),  # week 0
            (1, 8 * DAY, "buy"),  # week 1
            (2, 6 * DAY, "signup"),  # Sunday: still week 0 of 2026-09-07
            (2, 15 * DAY, "buy"),  # week 2
            (3, 7 * DAY, "signup"),  # Monday: next cohort
            (3, 7 * DAY + pd.Timedelta(hours=1), "buy"),
            (9, 20 * DAY + pd.Timedelta(hours=23), "other"),  # data end: Sunday 2026-09-27
        ]
    )
    result = retention.cohorts(frame, "signup", ["buy"], period="week", periods=3)
    table = result.to_frame()
    assert table["cohort"].dt.date.astype(str).tolist() == ["2026-09-07", "2026-09-14"]
    assert table["cohort_size"].tolist() == [2, 1]
    # cohort 09-07: weeks 0..2 observed (data ends Sun 09-27), week 3 not
    assert table.loc[0, [0, 1, 2]].tolist() == [1, 1, 1] and pd.isna(table.loc[0, 3])
    assert table.loc[1, [0, 1]].tolist() == [1, 0] and pd.isna(table.loc[1, 2]) and pd.isna(table.loc[1, 3])
    rates = result.rates
    assert rates.loc[0, 0] == pytest.approx(0.5) and np.isnan(rates.loc[1, 2])


def test_rolling_counts_return_in_period_or_later():
    frame = log([(1, 0 * DAY, "signup"), (1, 15 * DAY, "buy"), (2, 0 * DAY, "signup"), (9, 30 * DAY, "x")])
    table = retention.cohorts(frame, "signup", ["buy"], periods=3, rolling=True).to_frame()
    assert table.loc[0, [0, 1, 2, 3]].tolist() == [1, 1, 1, 0]
    classic = retention.cohorts(frame, "signup", ["buy"], periods=3).to_frame()
    assert classic.loc[0, [0, 1, 2, 3]].tolist() == [0, 0, 1, 0]


def test_return_before_first_cohort_event_does_not_count():
    frame = log([(1, 0 * DAY, "buy"), (1, 1 * DAY, "signup"), (9, 30 * DAY, "x")])
    table = retention.cohorts(frame, "signup", ["buy"], periods=1).to_frame()
    assert table.loc[0, 0] == 0


def test_cohort_is_first_cohort_event_and_period_zero_includes_it():
    frame = log([(1, 0 * DAY, "buy"), (1, 8 * DAY, "buy"), (9, 30 * DAY, "x")])
    table = retention.cohorts(frame, "buy", ["buy"], periods=2).to_frame()
    assert table["cohort_size"].tolist() == [1] and table.loc[0, [0, 1, 2]].tolist() == [1, 1, 0]


def test_day_and_month_periods():
    frame = log([(1, 0 * DAY, "s"), (1, 2 * DAY, "r"), (2, 30 * DAY, "s"), (2, 60 * DAY, "r"), (9, 90 * DAY, "x")])
    days = retention.cohorts(frame, "s", ["r"], period="day", periods=2).to_frame()
    assert days.loc[0, [0, 1, 2]].tolist() == [0, 0, 1]
    months = retention.cohorts(frame, "s", ["r"], period="month", periods=2).to_frame()
    # 2026-09-07 -> September; +30 d = 10-07 October; +60 d = 11-06 November; data ends 12-06
    assert months["cohort"].dt.date.astype(str).tolist() == ["2026-09-01", "2026-10-01"]
    assert months.loc[1, [0, 1]].tolist() == [0, 1] and pd.isna(months.loc[1, 2])


def test_breakdown_by_value_on_first_cohort_event():
    frame = log([(1, 0 * DAY, "s", "pro"), (1, 1 * DAY, "s", "free"), (2, 0 * DAY, "s", "free"), (9, 9 * DAY, "x")])
    table = retention.cohorts(frame, "s", ["s"], periods=0, by="plan").to_frame()
    assert dict(zip(table["plan"], table["cohort_size"], strict=True)) == {"free": 1, "pro": 1}


def test_curve_pools_observed_cells_with_wilson_ci():
    frame = log(
        [(u, 0 * DAY, "s") for u in range(1, 5)]
        + [(1, 8 * DAY, "r"), (2, 8 * DAY, "r"), (5, 7 * DAY, "s"), (5, 8 * DAY, "r"), (9, 13 * DAY, "x")]
    )
    result = retention.cohorts(frame, "s", ["r"], periods=1)
    curve = result.curve(alpha=0.05).to_frame()
    # period 1 observed only for the first cohort (4 users, 2 returned)
    row = curve.loc[curve["period"] == 1].iloc[0]
    assert (row["n_obs"], row["users"]) == (4, 2)
    low, high = proportion_confint(2, 4, alpha=0.05, method="wilson")  # independent reference
    assert row["rate_ci_lower"] == pytest.approx(low, abs=1e-12) and row["rate_ci_upper"] == pytest.approx(high)


def test_end_parameter_limits_observation():
    frame = log([(1, 0 * DAY, "s"), (1, 8 * DAY, "r"), (9, 30 * DAY, "x")])
    table = retention.cohorts(frame, "s", ["r"], periods=1, end="2026-09-13").to_frame()
    assert table.loc[0, 0] == 0 and pd.isna(table.loc[0, 1])


def test_bad_inputs():
    frame = log([(1, 0 * DAY, "s")])
    with pytest.raises(JourneyInputError, match="'day', 'month', 'week'"):
        retention.cohorts(frame, "s", ["s"], period="year")
    with pytest.raises(JourneyInputError, match=r"unknown event 'nope'.*events present: 's'"):
        retention.cohorts(frame, "s", ["nope"])
    with pytest.raises(JourneyInputError, match="return_events"):
        retention.cohorts(frame, "s", [])


def test_no_events_is_empty_with_status():
    result = retention.cohorts(log([(1, 0 * DAY, "s")]).iloc[:0], "s", ["s"])
    assert result.to_frame().empty and "no events" in result.status


def test_cohort_table_renders_with_integer_period_columns():
    frame = log([(1, 0 * DAY, "s"), (1, 8 * DAY, "r"), (9, 30 * DAY, "x")])
    result = retention.cohorts(frame, "s", ["r"], periods=1)
    text = str(result)
    assert text.splitlines()[1].split() == ["cohort", "cohort_size", "0", "1"]
    assert "<td>2026-09-07</td>" in result._repr_html_()
    unfinished = retention.cohorts(frame, "s", ["r"], periods=6)
    assert unfinished.to_frame()[6].isna().all()
    cells = unfinished._shown().iloc[0].tolist()
    assert cells[2:] == ["0", "1", "0", "0", "", "", ""]  # periods not ended are blank, as in the heatmap, not 0


def test_start_shows_later_cohorts_but_first_events_come_from_all_history():
    # user 1 bought before the start and again after it: not a new customer; user 2 is new
    frame = log(
        [(1, 0 * DAY, "buy"), (1, 15 * DAY, "buy"), (2, 15 * DAY, "buy"), (2, 22 * DAY, "buy"), (9, 30 * DAY, "x")]
    )
    table = retention.cohorts(frame, "buy", ["buy"], periods=1, start="2026-09-21").to_frame()
    assert table["cohort"].dt.date.astype(str).tolist() == ["2026-09-21"]
    assert table["cohort_size"].tolist() == [1] and table.loc[0, [0, 1]].tolist() == [1, 1]
    # what cutting the history at the start would wrongly say: two new customers that week
    cut = frame[frame["ts"] >= MONDAY + 14 * DAY]
    assert retention.cohorts(cut, "buy", ["buy"], periods=1).to_frame()["cohort_size"].tolist() == [2]
    # a start in mid-week shows that whole week: users' first events are known exactly
    mid = retention.cohorts(frame, "buy", ["buy"], periods=1, start="2026-09-23").to_frame()
    pd.testing.assert_frame_equal(mid, table)


@pytest.mark.parametrize("period", ["day", "week", "month"])
def test_index_of_day_inverts_period_start(period):
    import datetime as dt

    for day in (dt.date(1970, 1, 1), dt.date(2026, 9, 7), dt.date(2026, 9, 13), dt.date(2028, 2, 29)):
        index = retention.index_of_day(day, period)
        assert retention.period_start(index, period) <= day < retention.period_start(index + 1, period)


@pytest.mark.parametrize("period", ["day", "week", "month"])
def test_index_of_day_matches_the_engines_period_index(period):
    """The Python index (used for ``start``) and the SQL one (used for cohorts) must agree on every day."""
    import datetime as dt

    import ibis

    days = [dt.date(1969, 12, 29) + dt.timedelta(days=k) for k in range(0, 25_000, 37)]
    frame = pd.DataFrame({"ts": pd.to_datetime(days, utc=True) + pd.Timedelta(hours=23, minutes=59)})
    table = ibis.memtable(frame)
    got = table.select(p=retention.period_index(table, "ts", period)).execute()["p"].tolist()
    assert got == [retention.index_of_day(day, period) for day in days]


def test_rolling_counts_no_return_after_end():
    # the data ends at `end` (2026-09-13, a Sunday): a return on 09-21 is not observed, so week 0
    # has no one returning "in week 0 or later" yet; classic already gave 0 (hand-computed)
    log = pd.DataFrame(
        {
            "user_id": [1, 1],
            "ts": pd.to_datetime(["2026-09-07 10:00", "2026-09-21 10:00"], utc=True),
            "event": ["s", "r"],
        }
    )
    for rolling in (True, False):
        table = retention.cohorts(
            log, "s", ["r"], period="week", periods=1, rolling=rolling, end="2026-09-13"
        ).to_frame()
        assert table[0].tolist() == [0] and table[1].isna().all() and table["cohort_size"].tolist() == [1]
    after = retention.cohorts(log, "s", ["r"], period="week", periods=2, rolling=True, end="2026-09-27").to_frame()
    assert after.loc[0, [0, 1, 2]].tolist() == [1, 1, 1]  # observed now: week 2 or later counts in 0-2


@pytest.mark.parametrize("tier", [[np.nan, 2.0], pd.array([None, 2], dtype="Int64"), [None, "gold"]])
def test_a_null_breakdown_value_is_a_group_of_its_own_whatever_the_column_type(tier):
    log = pd.DataFrame(
        {
            "user_id": [1, 2],
            "ts": pd.to_datetime(["2026-09-07 10:00", "2026-09-07 11:00"], utc=True),
            "event": ["s", "s"],
            "tier": tier,
        }
    )
    table = retention.cohorts(log, "s", ["s"], period="day", periods=0, by="tier").to_frame()
    assert table["cohort_size"].tolist() == [1, 1] and table[0].tolist() == [1, 1]
    assert table["tier"].isna().sum() == 1
