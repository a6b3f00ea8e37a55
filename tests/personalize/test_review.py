"""The personalization review on generated customer tables: parts, play values by hand, a source without plays."""

from __future__ import annotations

import pytest

from journey import plays
from journey.data import sources
from journey.datasets import make_sample
from journey.health import load_config
from journey.health.review import review as health_review
from journey.personalize import load_rules
from journey.personalize.review import review

END = "2026-11-16"


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sample")
    for name, frame in make_sample(users=6000, seed=3).items():
        frame.to_parquet(folder / f"{name}.parquet")
    return sources.connect(folder)


@pytest.fixture(scope="module")
def health(source):
    return health_review(source, END, load_config(), trend_weeks=2)


def test_parts_and_the_value_of_the_measured_play(source, health) -> None:
    rules = load_rules("playbooks/personalization/rules.yml")
    result = review(source, rules, END, 28, health)
    assert result.notes == []
    moved = result.transitions.table
    after = moved.loc[moved.iloc[:, 1] != "not_a_customer", "customers"].sum()
    assert after == result.segments_now.table["customers"].sum()  # every customer now is in the movement table
    assert set(result.response.to_frame()["play"]) == {"winback_offer"}
    value = result.value.to_frame().set_index("play")
    assert set(value.index) == set(rules.plays)
    assert value.loc["vip-care", "status"].startswith("not measured yet")
    # by hand: the treated customers' P(churn) x CLV, times the share of churn the play prevented
    effect = plays.play_uplift(plays.play_outcomes(source)).get("winback_offer")
    actions = result.assignment.actions
    treated = actions[(actions["play"] == "winback_offer") & (actions["group"] == "treatment")]
    risk = health.customer_risk.set_index("customer_id")
    at_stake = (risk["churn_probability"] * risk["clv"]).reindex(treated["customer_id"]).dropna().sum()
    assert value.loc["winback_offer", "expected_value"] == pytest.approx(at_stake * effect["prevented_share"])
    assert value.loc["winback_offer", "customers"] == len(treated)
    assert len(result.summary()) >= 4


def test_without_plays_or_health_the_review_says_what_is_missing(tmp_path) -> None:
    for name, frame in make_sample(users=3000, seed=4).items():
        if name != "plays":
            frame.to_parquet(tmp_path / f"{name}.parquet")
    result = review(sources.connect(tmp_path), load_rules("playbooks/personalization/rules.yml"), END)
    text = " ".join(result.summary())
    assert result.response is None and "Past plays not read" in text
    assert "Play values need the churn probabilities" in text
    assert (result.value.to_frame()["status"].str.startswith("not measured yet")).all()
