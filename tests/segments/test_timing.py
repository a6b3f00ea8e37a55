"""Purchase timing on hand-built purchases: gaps counted by hand, quantiles against numpy."""

from __future__ import annotations

import datetime as dt

import ibis
import numpy as np
import pandas as pd
import pytest

from journey.segments import purchase_timing
from journey.validation import JourneyInputError


def _tx(rows: list[tuple[str, str]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["customer_id", "date"])
    frame["date"] = pd.to_datetime(frame["date"], utc=True)
    return frame


TX = _tx(
    [
        ("a", "2026-01-01"),
        ("a", "2026-01-04"),  # gap 3
        ("a", "2026-01-04"),  # same day: no gap of 0
        ("a", "2026-01-10"),  # gap 6
        ("a", "2026-01-30"),  # gap 20
        ("b", "2026-01-05"),
        ("b", "2026-01-12"),  # gap 7: one gap only, below min_gaps=2
        ("c", "2026-01-20"),  # one purchase
        ("c", "2026-03-01"),  # after the period end
    ]
)


def test_gaps_are_days_between_distinct_purchase_days_per_customer() -> None:
    timing = purchase_timing(TX, period_end="2026-02-09")
    assert timing.gaps.to_dict("list") == {"gap_days": [3, 6, 7, 20], "count": [1, 1, 1, 1]}
    c = timing.customers
    assert c["purchase_days"].to_dict() == {"a": 4, "b": 2, "c": 1}
    assert c["gaps"].to_dict() == {"a": 3, "b": 1, "c": 0}
    assert c.loc["a", "median_gap_days"] == 6.0 and c.loc["b", "median_gap_days"] == 7.0


def test_gap_quantiles_equal_numpy_linear_percentiles() -> None:
    timing = purchase_timing(TX, period_end="2026-02-09")
    gaps = np.repeat(timing.gaps["gap_days"], timing.gaps["count"]).to_numpy(float)
    got = timing.table.set_index("statistic")["gap_days"]
    # reference: np.percentile(gaps, q) with linear interpolation (DuckDB's quantile_cont)
    for q in (10, 25, 50, 75, 90):
        assert got[f"p{q}"] == pytest.approx(np.percentile(gaps, q), abs=1e-9)
    assert got["gaps"] == 4 and got["mean"] == pytest.approx(gaps.mean(), abs=1e-12)
    assert timing.population_median_gap == pytest.approx(6.5, abs=1e-12)


def test_expected_next_uses_own_median_with_enough_gaps_else_the_population_median() -> None:
    timing = purchase_timing(TX, period_end="2026-02-09")
    c = timing.customers
    # a: 3 gaps >= 2, own median 6 -> 2026-01-30 + 6 d; 10 days since last / 6 -> medium
    assert c.loc["a", ["basis", "expected_next", "days_overdue", "risk_band"]].tolist() == [
        "own",
        dt.date(2026, 2, 5),
        4.0,
        "medium",
    ]
    # b: 1 gap < 2: population median 6.5 -> 2026-01-12 + 6.5 d, rounded up to the day; 28 / 6.5 -> high
    assert c.loc["b", ["basis", "expected_next", "risk_band"]].tolist() == ["population", dt.date(2026, 1, 19), "high"]
    # c: bought 20 days before the end: 20 / 6.5 -> high
    assert c.loc["c", "risk_band"] == "high"
    later = purchase_timing(TX, period_end="2026-02-09", min_gaps=1).customers
    assert later.loc["b", ["basis", "expected_next"]].tolist() == ["own", dt.date(2026, 1, 19)]


def test_nobody_bought_twice_gives_nan_and_a_status_not_a_date() -> None:
    timing = purchase_timing(_tx([("a", "2026-01-01"), ("b", "2026-01-05")]))
    assert np.isnan(timing.population_median_gap)
    assert "no gap" in timing.status
    assert timing.customers["expected_next"].isna().all() and timing.customers["risk_band"].isna().all()


def test_timing_on_an_ibis_table_equals_the_frame() -> None:
    a = purchase_timing(TX, period_end="2026-02-09")
    b = purchase_timing(ibis.memtable(TX), period_end="2026-02-09")
    pd.testing.assert_frame_equal(a.customers, b.customers)
    pd.testing.assert_frame_equal(a.table, b.table)


def test_timing_bad_input_is_one_line_error() -> None:
    with pytest.raises(JourneyInputError, match="missing column 'date'"):
        purchase_timing(TX.rename(columns={"date": "ts"}))
    with pytest.raises(JourneyInputError, match="min_gaps"):
        purchase_timing(TX, min_gaps=0)
    with pytest.raises(JourneyInputError, match="no purchase on or before"):
        purchase_timing(TX, period_end="2025-01-01")
