"""Segment movement between two periods, against pandas.crosstab."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from journey.display.plots import Chart
from journey.segments import NOT_A_CUSTOMER, rfm, transition_chart, transition_matrix
from journey.validation import JourneyInputError

BEFORE = pd.Series({"a": "champions", "b": "champions", "c": "new", "d": "new", "e": "at_risk"})
AFTER = pd.Series(
    {"a": "champions", "b": "at_risk", "c": "promising", "d": "one_time_lapsed", "e": "at_risk", "f": "new"}
)


def test_transition_counts_equal_crosstab_and_rows_sum_to_one() -> None:
    t = transition_matrix(BEFORE, AFTER)
    # reference: pd.crosstab of the two labels with the missing side filled
    both = pd.DataFrame({"before": BEFORE, "after": AFTER}).fillna(NOT_A_CUSTOMER)
    expected = pd.crosstab(both["before"], both["after"])
    for (origin, target), count in expected.stack().items():
        assert t.counts.at[origin, target] == count
    assert t.counts.to_numpy().sum() == 6
    occupied = t.counts.sum(axis=1) > 0
    assert t.shares[occupied].sum(axis=1).to_numpy() == pytest.approx(np.ones(occupied.sum()), abs=1e-12)
    assert t.shares[~occupied].isna().all().all()  # a row nobody started from is undefined, not 0 %
    assert t.shares.at["champions", "at_risk"] == 0.5
    assert t.counts.at[NOT_A_CUSTOMER, "new"] == 1
    assert t.stayed() == pytest.approx(2 / 5, abs=1e-12)  # a and e kept theirs, of five first-period customers
    assert list(t.counts.index[:3]) == ["champions", "at_risk", "new"]  # SEGMENTS order


def test_transitions_from_two_rfm_periods_follow_customers() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "c"],
            "amount": [10.0, 12.0, 5.0, 7.0],
            "date": pd.to_datetime(["2026-01-05", "2026-03-01", "2026-01-10", "2026-02-20"]),
        }
    )
    t = transition_matrix(rfm(tx, period_end="2026-01-31"), rfm(tx, period_end="2026-03-31"))
    assert t.counts.loc[NOT_A_CUSTOMER].sum() == 1  # c first bought between the two ends
    assert t.table["customers"].sum() == 3


def test_transition_chart_alt_text_states_the_shares() -> None:
    chart = transition_chart(transition_matrix(BEFORE, AFTER))
    assert isinstance(chart, Chart)
    assert "40% of customers kept their segment" in chart.alt
    assert "champions (2): 50% stayed, 50% to at_risk" in chart.alt


def test_empty_transitions_give_the_no_data_chart() -> None:
    chart = transition_chart(transition_matrix(pd.Series(dtype=object), pd.Series(dtype=object)))
    assert chart.alt.startswith("No data for segment movement")


def test_duplicate_customers_are_a_one_line_error() -> None:
    with pytest.raises(JourneyInputError, match="appears more than once"):
        transition_matrix(pd.Series(["new", "loyal"], index=["a", "a"]), AFTER)
