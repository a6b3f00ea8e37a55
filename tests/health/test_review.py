"""The customer-health review on generated customer tables: every part, and the parts a source lacks."""

from __future__ import annotations

import pandas as pd
import pytest

from journey.data import sources
from journey.datasets import make_sample
from journey.health import load_config
from journey.health.review import review

CUTOFF = "2026-11-16"


@pytest.fixture(scope="module")
def tables():
    return make_sample(users=6000, seed=3)


def _source(tmp_path, tables, drop=()):
    for name, frame in tables.items():
        if name not in drop:
            frame.to_parquet(tmp_path / f"{name}.parquet")
    return sources.connect(tmp_path)


def test_every_part_is_computed_and_summarized(tmp_path, tables) -> None:
    result = review(_source(tmp_path, tables), CUTOFF, load_config(), horizon_days=56, top=5, trend_weeks=2)
    assert result.notes == []
    assert result.values is not None and (result.values["clv"] >= 0).all()
    assert result.quadrants.to_frame()["customers"].sum() == len(result.values)
    assert result.survival.by == "plan" and result.survival.logrank is not None
    assert result.model.status == "ok" and 0.5 < result.model.validation.auc <= 1
    assert result.uplift.get("winback_offer")["status"] == "ok"
    risk = result.at_risk.to_frame()
    assert len(risk) == 5 and risk["expected_loss"].is_monotonic_decreasing
    assert (risk["expected_loss"] == risk["churn_probability"] * risk["clv"]).all()
    assert list(risk.columns) == ["customer_id", "churn_probability", "clv", "expected_loss", "band", "drivers"]
    assert len(result.summary()) >= 5 and all(s.endswith(".") for s in result.summary())


def test_a_source_without_subscriptions_or_plays_still_gives_a_review_that_says_so(tmp_path, tables) -> None:
    result = review(_source(tmp_path, tables, drop=("subscriptions", "plays")), CUTOFF, load_config(), trend_weeks=2)
    assert result.survival is None and result.uplift is None and result.plan is None
    assert result.validation.status.startswith("no scored customers")
    joined = " ".join(result.summary())
    assert "Not in this report: Subscription survival not computed" in joined
    assert "Past plays not read" in joined


def test_the_at_risk_list_holds_ids_and_numbers_only(tmp_path, tables) -> None:
    result = review(_source(tmp_path, tables), CUTOFF, load_config(), top=10, trend_weeks=2)
    risk = result.at_risk.to_frame()
    assert set(risk.columns) <= {"customer_id", "churn_probability", "clv", "expected_loss", "band", "drivers"}
    html = result.at_risk._repr_html_()
    assert "@" not in html and str(int(risk["customer_id"].iloc[0])) in html
    assert pd.api.types.is_integer_dtype(risk["customer_id"])


def test_the_review_names_its_headline_kpis(tmp_path, tables) -> None:
    result = review(_source(tmp_path, tables), CUTOFF, load_config(), trend_weeks=2)
    kpis = {name: (value, unit) for name, value, unit in result.kpis()}
    assert kpis["12-month value"][0] == pytest.approx(result.values["clv"].sum())
    assert 0 <= kpis["share at risk"][0] <= 1 and kpis["share at risk"][1] == "%"
    assert kpis["churn model AUC"][0] == result.model.validation.auc
