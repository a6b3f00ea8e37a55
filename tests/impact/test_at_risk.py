"""At-risk customers: churn probability × CLV per period, its interval against a simulation of churn."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from journey.impact.at_risk import customer_risk_frame, size_at_risk
from journey.stats.intervals import z_quantile
from journey.validation import JourneyInputError


def test_value_is_the_expected_clv_lost_spread_over_its_twelve_months() -> None:
    frame = pd.DataFrame({"churn_probability": [0.5, 0.1, 1.0], "clv": [365.25, 730.5, 0.0]})
    row = size_at_risk(frame, "ok", period_days=7, horizon_days=56).iloc[0]
    # expected 12-month value lost: 0.5 × 365.25 + 0.1 × 730.5 = 255.675; per week × 7 / 365.25 = 4.9
    assert row["revenue_per_period"] == pytest.approx(4.9)
    assert "in the next 56 days" in row["assumption"]


def test_interval_covers_the_simulated_realised_loss() -> None:
    rng = np.random.default_rng(5)
    p, clv = rng.beta(1, 4, 3000), rng.gamma(2, 150, 3000)
    row = size_at_risk(pd.DataFrame({"churn_probability": p, "clv": clv}), "ok", period_days=7).iloc[0]
    losses = (rng.random((2000, 3000)) < p) @ clv * 7 / 365.25  # each customer churns on their own coin
    z = z_quantile(0.05)
    se = (row["revenue_per_period_ci_upper"] - row["revenue_per_period_ci_lower"]) / (2 * z)
    # 2,000 simulated periods: mean within 0.5% (its MC error is ~0.05%), SD within 5% (MC error ~1.6%)
    assert row["revenue_per_period"] == pytest.approx(losses.mean(), rel=0.005)
    assert se == pytest.approx(losses.std(ddof=1), rel=0.05)


def test_a_review_without_a_churn_model_gives_no_row_and_its_notes() -> None:
    class Review:  # the parts of journey.health.review.CustomerHealthReview this reads
        customer_risk = None
        horizon_days = 56
        notes = ("Churn model not fitted: no churners.",)

    frame, horizon, status = customer_risk_frame(Review())
    assert frame is None and horizon == 56 and "no churners" in status
    assert size_at_risk(frame, status, period_days=7).empty
    assert "no customers passed" in customer_risk_frame(None)[2]


def test_bad_customers_input_is_a_clear_error() -> None:
    with pytest.raises(JourneyInputError, match="missing column 'clv'"):
        customer_risk_frame(pd.DataFrame({"churn_probability": [0.2]}))
    with pytest.raises(JourneyInputError, match="CustomerHealthReview"):
        customer_risk_frame([0.2])
    with pytest.raises(JourneyInputError, match="probabilities in"):
        size_at_risk(pd.DataFrame({"churn_probability": [1.2], "clv": [10.0]}), "ok", period_days=7)
