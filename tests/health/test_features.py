"""Health features at a cutoff, counted by hand on a small customer database."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from journey.health.features import customer_features, subscription_churn_after
from journey.validation import JourneyInputError
from tests.health.conftest import CUTOFF


def test_features_are_measured_strictly_before_the_cutoff(con) -> None:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    f = customer_features(con, CUTOFF, feature_count=8).set_index("customer_id")
    assert f.index.tolist() == [1, 2]
    assert f.loc[1, "logins_4w"] == 7 and f.loc[2, "logins_4w"] == 0  # weeks 7 and 21 days before; 70 is too old
    # active weeks in the 84 days before: customer 1 used 2, 4, 0 features -> mean 2 of 8
    assert f.loc[1, "feature_adoption"] == pytest.approx(2 / 8) and f.loc[2, "feature_adoption"] == 0.0
    assert f.loc[1, "spend_365d"] == 20.0 and f.loc[2, "spend_365d"] == 7.5  # 400 days ago is out of the year
    assert f.loc[1, "unresolved_tickets"] == 1 and f.loc[2, "unresolved_tickets"] == 1
    # customer 1: only the text 3 days before counts (200 days is past 180); customer 2's is after the cutoff
    compound = SentimentIntensityAnalyzer().polarity_scores("I love it, great app")["compound"]
    assert f.loc[1, "feedback_sentiment"] == pytest.approx(compound) and np.isnan(f.loc[2, "feedback_sentiment"])


def test_churn_after_labels_subscribers_active_at_the_cutoff(con) -> None:
    labels = subscription_churn_after(con, CUTOFF, horizon_days=60).set_index("customer_id")["churned"]
    # 1 ends 30 days after (churned); 2 has one subscription open beyond the horizon (not churned); 3 ended before
    assert labels.to_dict() == {1: 1, 2: 0}


def test_bad_parameters_are_one_line_errors(con) -> None:
    with pytest.raises(JourneyInputError, match=r"parameter 'cutoff': unparseable time 'soon'"):
        customer_features(con, "soon")
    with pytest.raises(JourneyInputError, match=r"parameter 'horizon_days': is 0"):
        subscription_churn_after(con, CUTOFF, 0)


def test_band_trend_scores_each_weekly_cutoff(con) -> None:
    from journey.health import health_scores, load_config
    from journey.health.features import customer_features
    from journey.health.trend import band_trend, band_trend_chart

    recipe = load_config()
    trend = band_trend(con, CUTOFF, recipe, weeks=3)
    table = trend.to_frame()
    assert sorted(table["cutoff"].unique()) == [
        (CUTOFF - pd.Timedelta(weeks=k)).tz_convert(None).normalize() for k in (2, 1, 0)
    ]
    last = table[table["cutoff"] == CUTOFF.tz_convert(None).normalize()].set_index("band")["customers"]
    expected = health_scores(customer_features(con, CUTOFF), recipe).band_counts().set_index("band")["customers"]
    assert last.to_dict() == expected.to_dict()
    chart = band_trend_chart(trend, recipe)
    assert chart.alt.startswith("Stacked shares of customers per health band")
