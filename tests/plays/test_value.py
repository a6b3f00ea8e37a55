"""Expected value of plays and the ranked plan, recomputed by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from journey.plays import PlayUplift, assign_plays, play_values
from journey.plays.uplift import COLUMNS
from journey.validation import JourneyInputError


def _uplift() -> PlayUplift:
    rows = [
        {"play": "call", "prevented_share": 0.4, "prevented_share_ci_lower": 0.1, "prevented_share_ci_upper": 0.6},
        {"play": "coupon", "prevented_share": 0.2, "prevented_share_ci_lower": 0.15, "prevented_share_ci_upper": 0.25},
        {"play": "untested", "prevented_share": float("nan")},
    ]
    table = pd.DataFrame(rows).reindex(columns=list(COLUMNS))
    table["status"] = ["ok", "ok", "no holdout"]
    return PlayUplift(0.05, table)


CUSTOMERS = pd.DataFrame({"customer_id": [1, 2, 3], "churn_probability": [0.5, 0.1, 0.8], "clv": [100.0, 1000.0, 10.0]})


def test_values_are_churn_probability_times_clv_times_prevented_share_minus_cost() -> None:
    values = play_values(CUSTOMERS, _uplift(), costs={"call": 15.0})
    assert set(values["play"]) == {"call", "coupon"}  # a play without a usable holdout is never offered
    call = values[values["play"] == "call"].set_index("customer_id")
    assert call.loc[1, "expected_value"] == pytest.approx(0.5 * 100 * 0.4 - 15)
    assert call.loc[2, "expected_value_ci_lower"] == pytest.approx(0.1 * 1000 * 0.1 - 15)
    assert call.loc[2, "expected_value_ci_upper"] == pytest.approx(0.1 * 1000 * 0.6 - 15)


def test_plan_gives_each_customer_the_best_positive_play_ranked_by_value() -> None:
    plan = assign_plays(CUSTOMERS, _uplift(), costs={"call": 15.0})
    table = plan.to_frame()
    # customer 2: call 40 - 15 = 25 vs coupon 20 -> call; customer 1: call 5 vs coupon 10 -> coupon;
    # customer 3: call 3.2 - 15 < 0, coupon 1.6 -> coupon
    assert table[["customer_id", "play"]].values.tolist() == [[2, "call"], [1, "coupon"], [3, "coupon"]]
    assert table["expected_value"].tolist() == pytest.approx([25.0, 10.0, 1.6])
    assert plan.skipped == 0


def test_customers_no_play_helps_are_skipped() -> None:
    plan = assign_plays(CUSTOMERS.assign(churn_probability=0.0), _uplift())
    assert plan.to_frame().empty and plan.skipped == 3


def test_probabilities_outside_zero_one_are_refused() -> None:
    with pytest.raises(JourneyInputError, match=r"column 'churn_probability' has values outside \[0, 1\]"):
        play_values(CUSTOMERS.assign(churn_probability=1.5), _uplift())


def test_a_plan_shows_its_top_rows_and_says_how_many_there_are() -> None:
    plan = assign_plays(CUSTOMERS, _uplift(), costs={"call": 15.0}).top(2)
    assert len(plan.to_frame()) == 3  # every row stays in the data
    html = plan._repr_html_()
    assert "3 customers, expected value 37 in all; the first 2" in html
    assert html.count("<tr") == 3  # the header row and two rows
