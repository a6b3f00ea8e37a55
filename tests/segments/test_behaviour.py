"""Behaviour segments and preference profiles on hand-built events, against pandas references."""

from __future__ import annotations

import pandas as pd
import pytest

from journey.datasets import make_sample
from journey.segments import BEHAVIOURS, behaviour_segments, preferences
from journey.segments.rules import BehaviourRule
from journey.validation import JourneyInputError

EVENTS = pd.DataFrame(
    [
        # user, session, event, channel, device, category
        (1, 10, "compare", "organic", "mobile", "shoes"),
        (1, 10, "compare", "organic", "mobile", "shoes"),  # same session: counts once
        (1, 11, "review_read", "email", "mobile", "bags"),
        (1, 11, "add_to_cart", "email", "desktop", "bags"),  # a cart through an offer channel
        (2, 20, "add_to_cart", "organic", "desktop", "shoes"),  # a cart, but not through an offer
        (2, 21, "review_read", "paid_search", "desktop", None),
        (3, 30, "landing_view", "display", "tablet", "hats"),
    ],
    columns=["user_id", "session_id", "event", "channel", "device", "category"],
)


def test_behaviour_segments_count_sessions_with_each_signal() -> None:
    result = behaviour_segments(EVENTS)
    c = result.customers
    assert c["sessions"].to_dict() == {1: 2, 2: 2, 3: 1}
    assert c["comparison_shoppers_sessions"].to_dict() == {1: 1, 2: 0, 3: 0}
    assert c["comparison_shoppers"].to_dict() == {1: True, 2: False, 3: False}
    assert c["review_readers"].to_dict() == {1: True, 2: True, 3: False}
    assert c["deal_seekers"].to_dict() == {1: True, 2: False, 3: False}  # user 2 carted via organic
    assert result.table["segment"].tolist() == list(BEHAVIOURS)
    assert result.table["customers"].tolist() == [1, 2, 1]


def test_behaviour_rule_threshold_is_a_number_of_sessions() -> None:
    rule = BehaviourRule("comparers", ("compare",), None, 2, "compared in 2+ sessions")
    assert not behaviour_segments(EVENTS, rules=[rule]).customers["comparers"].any()  # 2 compares, 1 session


def test_behaviour_segments_need_the_channel_column_only_for_channel_rules() -> None:
    no_channel = EVENTS.drop(columns="channel")
    with pytest.raises(JourneyInputError, match="missing column 'channel'"):
        behaviour_segments(no_channel)
    rule = BehaviourRule("readers", ("review_read",), None, 1, "read reviews")
    assert behaviour_segments(no_channel, rules=[rule]).customers["readers"].sum() == 2


def test_preference_shares_equal_pandas_value_counts_and_top_value_per_dimension() -> None:
    prefs = preferences(EVENTS, dimensions=["channel", "device", "category"])
    for dimension in ("channel", "device", "category"):
        # reference: pandas value_counts(normalize=True) per user, nulls dropped
        expected = EVENTS.dropna(subset=[dimension]).groupby("user_id")[dimension].value_counts(normalize=True)
        got = prefs.shares[prefs.shares["dimension"] == dimension].set_index(["user_id", "value"])["share"]
        assert got.sort_index().to_numpy() == pytest.approx(expected.sort_index().to_numpy(), abs=1e-12)
    c = prefs.customers
    assert c["preferred_device"].to_dict() == {1: "mobile", 2: "desktop", 3: "tablet"}
    assert c.loc[1, "device_share"] == pytest.approx(3 / 4, abs=1e-12)
    # user 2 has one category event (the other is null): shoes with share 1
    assert c.loc[2, ["preferred_category", "category_share"]].tolist() == ["shoes", 1.0]
    # a tie (user 1: 2 organic, 2 email) goes to the first value in sort order
    assert c.loc[1, "preferred_channel"] == "email"
    summary = prefs.table[prefs.table["dimension"] == "device"]
    assert summary["customers"].sum() == 3 and summary["share"].sum() == pytest.approx(1.0, abs=1e-12)


def test_preferences_reject_a_dimension_the_events_do_not_carry() -> None:
    with pytest.raises(JourneyInputError, match="missing column 'category'"):
        preferences(EVENTS.drop(columns="category"), dimensions=["channel", "category"])


def test_sample_events_give_non_empty_behaviour_segments() -> None:
    events = make_sample(2000)["events"]
    table = behaviour_segments(events).table.set_index("segment")
    assert (table["customers"] > 0).all()
    assert (table["share"] < 0.5).all()  # habits of some, not of everyone
