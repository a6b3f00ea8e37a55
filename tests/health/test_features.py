"""Health features at a cutoff, counted by hand on a small customer database."""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
import pytest

from journey.health.features import customer_features, subscription_churn_after
from journey.validation import JourneyInputError

CUTOFF = pd.Timestamp("2026-06-01", tz="UTC")


def _ts(days_before: float) -> pd.Timestamp:
    return CUTOFF - pd.Timedelta(days=days_before)


@pytest.fixture
def con():
    backend = ibis.duckdb.connect()
    backend.raw_sql("SET TimeZone = 'UTC'")
    tables = {
        "order_history": pd.DataFrame(
            {
                "order_id": [1, 2, 3, 4],
                "customer_id": [1, 1, 2, 3],
                "ts": [_ts(400), _ts(10), _ts(30), _ts(-5)],
                "amount": [50.0, 20.0, 7.5, 99.0],
            }
        ),  # customer 3's first order is after the cutoff: not a customer yet
        "usage": pd.DataFrame(
            {
                "customer_id": [1, 1, 1, 2],
                "week_start": [_ts(7), _ts(21), _ts(70), _ts(100)],
                "logins": [3, 4, 10, 5],
                "features_used": [2, 4, 0, 8],
            }
        ),
        "support_tickets": pd.DataFrame(
            {
                "ticket_id": [1, 2, 3, 4],
                "customer_id": [1, 1, 2, 2],
                "opened_ts": [_ts(20), _ts(50), _ts(5), _ts(-1)],
                "resolved_ts": [pd.NaT, _ts(40), _ts(-3), pd.NaT],
            }
        ),  # 1: open; 2: resolved before; 3: resolved after the cutoff (open at it); 4: opened after
        "feedback": pd.DataFrame(
            {
                "feedback_id": [1, 2, 3],
                "customer_id": [1, 1, 2],
                "ts": [_ts(3), _ts(200), _ts(-2)],
                "text": ["I love it, great app", "terrible", "awful"],
            }
        ),
        "subscriptions": pd.DataFrame(
            {
                "subscription_id": [1, 2, 3, 4],
                "customer_id": [1, 2, 2, 3],
                "start_ts": [_ts(300), _ts(200), _ts(100), _ts(50)],
                "end_ts": [_ts(-30), _ts(-200), pd.NaT, _ts(5)],
            }
        ),
    }
    for name, frame in tables.items():
        for column in frame.columns:
            if column.endswith("ts") or column == "week_start":
                frame[column] = pd.to_datetime(frame[column], utc=True)
        backend.create_table(name, frame)
    return backend


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
