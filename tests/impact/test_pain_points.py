"""Pain points in revenue per period: the score → revenue link against statsmodels, the chain by hand,
the delta-method interval against the exact variance of a product of independent estimates."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from journey.data.window import Window
from journey.impact.pain_points import ScoreLink, customer_scores, score_link, size_pain_points, stated_link
from journey.stats.intervals import z_quantile
from journey.validation import JourneyInputError

WINDOW = Window(dt.date(2026, 11, 2), dt.date(2026, 11, 15))  # 2 weeks


def test_nps_answers_count_as_plus_100_0_minus_100_per_customer() -> None:
    texts = pd.DataFrame({"customer_id": [1, 1, 2, 3, None], "nps": [10, 0, 7, 6, 10], "rating": [np.nan] * 5})
    got = customer_scores(texts, "nps")
    assert got.to_dict() == {1: 0.0, 2: 0.0, 3: -100.0}  # (100 − 100) / 2; passive; detractor; no id: left out


def _link_data() -> tuple[pd.DataFrame, pd.DataFrame]:
    """40 customers: promoters spend 100 + 2 i in the window, detractors 20 + i (i = their index)."""
    ids = np.arange(1, 41)
    promoter = ids % 2 == 0
    texts = pd.DataFrame({"customer_id": ids, "nps": np.where(promoter, 10.0, 2.0), "rating": np.nan})
    spend = np.where(promoter, 100 + 2 * ids, 20 + ids).astype(float)
    at = pd.Timestamp("2026-11-05", tz="UTC")
    orders = pd.DataFrame({"order_id": ids, "customer_id": ids, "ts": at, "amount": spend})
    old = pd.DataFrame({"order_id": [99, 98], "customer_id": [77, 78], "ts": [at - pd.Timedelta(days=200),
                        at - pd.Timedelta(days=800)], "amount": [5.0, 5.0]})  # fmt: skip
    return texts, pd.concat([orders, old], ignore_index=True)


def test_score_link_regresses_spend_per_period_on_each_customers_score() -> None:
    texts, orders = _link_data()
    link = score_link(texts, orders, WINDOW, "nps", periods=2)
    x = np.where(texts["nps"] >= 9, 100.0, -100.0)
    y = orders.set_index("customer_id").loc[texts["customer_id"], "amount"].to_numpy() / 2
    fit = sm.OLS(y, sm.add_constant(x)).fit(cov_type="HC1")  # the same regression, built here from the rows
    assert link.slope == pytest.approx(fit.params[1], rel=1e-10) and link.se == pytest.approx(fit.bse[1], rel=1e-10)
    assert link.customers == 41  # the 40, and 77 who ordered 200 days ago; 78 (800 days ago) is out of the base
    assert link.kind == "estimated" and link.n_obs == 40


def test_score_link_with_too_few_customers_is_nan_with_a_reason() -> None:
    texts, orders = _link_data()
    link = score_link(texts.head(5), orders, WINDOW, "nps", periods=2)
    assert math.isnan(link.slope) and "5 customers" in link.status


def _impact() -> pd.DataFrame:
    z = z_quantile(0.05)
    return pd.DataFrame({
        "theme": ["Late delivery", "Nice app", "Fees"], "share": [0.2, 0.3, 0.1],
        "nps_effect": [-30.0, 20.0, np.nan], "nps_effect_ci_lower": [-30 - 10 * z, 10.0, np.nan],
        "nps_effect_ci_upper": [-30 + 10 * z, 30.0, np.nan], "kind": ["pain point", "delight", "pain point"],
        "status": ["ok", "ok", "too few NPS answers"],
    })  # fmt: skip


def test_pain_point_value_is_share_times_gap_times_revenue_per_point_times_customers() -> None:
    link = ScoreLink("nps", 0.5, 0.1, 400, 1000, "estimated")
    rows = size_pain_points(_impact(), 500, link).set_index("theme")
    # 20% of 1,000 customers regain 30 NPS points at 0.5 per point per week: 0.2 × 30 × 0.5 × 1000 = 3,000
    assert rows.loc["Late delivery", "revenue_per_period"] == pytest.approx(3000.0)
    assert "Nice app" not in rows.index  # a delight is not an opportunity to fix
    assert math.isnan(rows.loc["Fees", "revenue_per_period"]) and "too few NPS answers" in rows.loc["Fees", "status"]
    assert "(association)" in rows.loc["Late delivery", "assumption"]


def test_pain_point_interval_matches_the_exact_variance_of_the_product() -> None:
    link = ScoreLink("nps", 0.5, 0.1, 400, 1000, "estimated")
    row = size_pain_points(_impact(), 500, link).iloc[0]
    z = z_quantile(0.05)
    se = (row["revenue_per_period_ci_upper"] - row["revenue_per_period_ci_lower"]) / (2 * z)
    # exact variance of a product of independent estimates: Π(μ² + σ²) − Πμ² (share, gap, slope), × 1000²
    moments = [(0.2, 0.2 * 0.8 / 500), (30.0, 10.0**2), (0.5, 0.1**2)]
    exact = math.sqrt(math.prod(m * m + v for m, v in moments) - math.prod(m * m for m, _ in moments)) * 1000
    # the delta method drops the products of variances: here 1.1% of the SD, so 2%
    assert se == pytest.approx(exact, rel=0.02)


def test_a_stated_link_has_no_error_of_its_own_and_says_so() -> None:
    rows = size_pain_points(_impact(), 500, stated_link(0.5, "nps", 1000))
    assert rows.iloc[0]["revenue_per_period"] == pytest.approx(3000.0)
    assert "(stated)" in rows.iloc[0]["assumption"]
    with pytest.raises(JourneyInputError, match="value_per_point"):
        stated_link(float("nan"), "nps", 1000)
