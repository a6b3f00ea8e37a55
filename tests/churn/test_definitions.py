"""Behavioural and subscription churn on hand-built tables: every boundary of the definition."""

import ibis
import pandas as pd
import pytest

from journey.churn import churn_from_activity, churn_from_subscriptions
from journey.validation import JourneyInputError


def _activity() -> pd.DataFrame:
    rows = [
        ("A", "2026-01-01"), ("A", "2026-01-05"),  # quiet from Jan 6: churn declared Jan 15
        ("B", "2026-01-10"), ("B", "2026-01-22"), ("B", "2026-01-22"),  # same-day rows; declared Feb 1 > end
        ("C", "2026-01-21"),  # declared Jan 31, the end itself: churned
        ("D", "2026-01-03"), ("D", "2026-02-05"),  # activity after the end is not seen
        ("E", "2026-02-02"),  # first seen after the end: not in the data
    ]  # fmt: skip
    return pd.DataFrame({"customer_id": [c for c, _ in rows], "ts": pd.to_datetime([d for _, d in rows])})


EXPECTED = {  # by hand from the module docstring, N = 10, observation end Jan 31
    "A": ("2026-01-01", "2026-01-05", 14, 1),  # L + N − F = Jan 15 − Jan 1
    "B": ("2026-01-10", "2026-01-22", 21, 0),  # censored: end − F = Jan 31 − Jan 10
    "C": ("2026-01-21", "2026-01-21", 10, 1),
    "D": ("2026-01-03", "2026-01-03", 10, 1),
}


def _check(out: pd.DataFrame) -> None:
    assert list(out.index) == list(EXPECTED)
    for customer, (first, last, duration, churned) in EXPECTED.items():
        row = out.loc[customer]
        assert (row.first_active, row.last_active) == (pd.Timestamp(first), pd.Timestamp(last)), customer
        assert (row.duration_days, row.churned) == (duration, churned), customer


def test_activity_churn_is_declared_after_n_quiet_days_and_measured_to_then():
    out = churn_from_activity(_activity(), inactive_days=10, observation_end="2026-01-31")
    _check(out)
    assert out.attrs == {"inactive_days": 10, "observation_end": pd.Timestamp("2026-01-31")}


def test_activity_churn_groups_an_ibis_table_in_the_engine():
    _check(churn_from_activity(ibis.memtable(_activity()), inactive_days=10, observation_end="2026-01-31"))


def test_activity_churn_ends_at_the_last_activity_day_by_default():
    out = churn_from_activity(_activity(), inactive_days=10)
    # the last day in the data is Feb 5 (D): A, B, C churned by then; D active on Feb 5 is censored at 33 days
    assert out.attrs["observation_end"] == pd.Timestamp("2026-02-05")
    assert out.loc["D", ["duration_days", "churned"]].tolist() == [33, 0]
    assert out.loc["E", ["duration_days", "churned"]].tolist() == [3, 0]


def test_activity_days_are_utc_days_of_aware_timestamps():
    # 23:30 at UTC−5 on Jan 21 is Jan 22 in UTC
    frame = pd.DataFrame({"customer_id": ["X"], "ts": pd.to_datetime(["2026-01-21T23:30:00-05:00"]).tz_convert("UTC")})
    out = churn_from_activity(frame, inactive_days=5, observation_end="2026-01-31")
    assert out.loc["X", "last_active"] == pd.Timestamp("2026-01-22")


@pytest.mark.parametrize(
    ("kwargs", "frame", "message"),
    [
        ({"inactive_days": 0}, _activity(), r"^parameter 'inactive_days': 0; expected a whole number of days >= 1$"),
        (
            {"inactive_days": 7.5},
            _activity(),
            r"^parameter 'inactive_days': 7\.5; expected a whole number of days >= 1$",
        ),
        ({"inactive_days": 7}, _activity().iloc[:0], r"^activity: has no rows; expected one row per activity"),
        (
            {"inactive_days": 7},
            _activity().rename(columns={"ts": "day"}),
            r"^activity: missing column 'ts'; expected columns present: 'customer_id', 'day'$",
        ),
        (
            {"inactive_days": 7, "observation_end": "2025-12-01"},
            _activity(),
            r"^activity: no activity on or before observation_end '2025-12-01'",
        ),
        (
            {"inactive_days": 7},
            _activity().assign(customer_id=None),
            r"^activity: 9 rows have no customer; expected a customer on every row$",
        ),
    ],
)
def test_activity_churn_rejects_bad_input_with_one_line(kwargs, frame, message):
    with pytest.raises(JourneyInputError, match=message):
        churn_from_activity(frame, **kwargs)


def _subscriptions() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [1, 2, 3, 4, 5],
            "plan": ["basic", "pro", "pro", "basic", "pro"],
            "start_ts": pd.to_datetime(["2026-01-01", "2026-01-10", "2026-01-05", "2026-02-10", "2026-01-20"]),
            # 1 cancelled; 2 open; 3 ends after the observation end; 4 starts after it; 5 same-day cancel
            "end_ts": pd.to_datetime(["2026-01-21", None, "2026-03-01", None, "2026-01-20"]),
        }
    )


def test_subscription_churn_is_the_end_on_or_before_the_observation_end():
    out = churn_from_subscriptions(_subscriptions(), observation_end="2026-01-31")
    # by hand: 1 churned after 20 days; 2 open, censored at Jan 31 (21 days); 3 ends later, censored (26);
    # 4 starts after the end: left out; 5 cancelled the day it started (0 days)
    assert out["customer_id"].tolist() == [1, 2, 3, 5]
    assert out["duration_days"].tolist() == [20, 21, 26, 0]
    assert out["churned"].tolist() == [1, 0, 0, 1]
    assert out["plan"].tolist() == ["basic", "pro", "pro", "pro"]  # other columns kept for by=


def test_subscription_churn_ends_at_the_last_start_or_end_by_default():
    out = churn_from_subscriptions(ibis.memtable(_subscriptions()))
    assert out.attrs["observation_end"] == pd.Timestamp("2026-03-01")
    assert out.set_index("customer_id").loc[3, ["duration_days", "churned"]].tolist() == [55, 1]


def test_subscription_that_ends_before_it_starts_is_refused():
    frame = _subscriptions()
    frame.loc[0, "end_ts"] = pd.Timestamp("2025-12-25")
    with pytest.raises(
        JourneyInputError,
        match=r"^subscriptions: 1 subscriptions end before they start; expected 'end_ts' on or after 'start_ts'$",
    ):
        churn_from_subscriptions(frame)


def test_survival_data_from_subscriptions_feed_kaplan_meier_by_plan_with_the_default_columns():
    from journey.churn import kaplan_meier

    km = kaplan_meier(churn_from_subscriptions(_subscriptions(), observation_end="2026-01-31"), by="plan")
    # by hand: basic has one subscription, churned at 20 days; pro churns at 0 days (1 of 3 at risk)
    assert km.table[["plan", "time", "at_risk", "events"]].values.tolist() == [["basic", 20, 1, 1], ["pro", 0, 3, 1]]


def test_activity_or_starts_after_today_are_refused_and_future_ends_cap_the_default_end():
    tomorrow = pd.Timestamp.now(tz="UTC").normalize().tz_localize(None) + pd.Timedelta(days=1)
    log = pd.DataFrame({"customer_id": ["A", "B"], "ts": [pd.Timestamp("2026-01-02"), tomorrow]})
    with pytest.raises(
        JourneyInputError, match=r"^activity: column 'ts' has 1 dates after today; expected activity that happened$"
    ):
        churn_from_activity(log, inactive_days=10)
    subs = pd.DataFrame({"customer_id": [1], "start_ts": [tomorrow], "end_ts": [pd.NaT]})
    with pytest.raises(JourneyInputError, match=r"^subscriptions: column 'start_ts' has 1 starts after today"):
        churn_from_subscriptions(subs)
    # a cancellation that takes effect next month: censored today, not churned
    subs = pd.DataFrame(
        {"customer_id": [1], "start_ts": [pd.Timestamp("2026-01-01")], "end_ts": [tomorrow + pd.Timedelta(days=30)]}
    )
    out = churn_from_subscriptions(subs)
    assert out.attrs["observation_end"] == tomorrow - pd.Timedelta(days=1)
    assert out["churned"].tolist() == [0]
