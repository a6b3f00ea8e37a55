"""Experience scores, theme impact and emerging themes against hand computations and statsmodels/scipy."""

from __future__ import annotations

import math

import ibis
import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint, proportions_ztest

from journey.feedback.scores import (
    ces,
    csat,
    csat_from_counts,
    emerging_themes,
    nps,
    nps_from_counts,
    score_trend,
    theme_impact,
)


def test_nps_matches_hand_computation() -> None:
    # 50 promoters, 30 passives, 20 detractors: NPS = 100 * (0.5 - 0.2) = 30.
    # Var per answer of +1/0/-1 scores = p + d - (p - d)^2 = 0.7 - 0.09 = 0.61; se = 100 * sqrt(0.61 / 100) = 7.8102.
    score = nps_from_counts(50, 30, 20)
    assert score.value == pytest.approx(30.0, abs=1e-12)
    assert score.ci_lower == pytest.approx(30 - 1.959964 * 7.810250, abs=1e-4)  # 14.6922
    assert score.ci_upper == pytest.approx(30 + 1.959964 * 7.810250, abs=1e-4)  # 45.3078
    assert score.n_obs == 100


def test_nps_of_answers_equals_mean_of_plus_minus_scores() -> None:
    answers = np.random.default_rng(3).integers(0, 11, 400)
    coded = np.where(answers >= 9, 1.0, np.where(answers <= 6, -1.0, 0.0))
    score = nps(answers)
    assert score.value == pytest.approx(100 * coded.mean(), abs=1e-9)
    se = 100 * coded.std(ddof=0) / math.sqrt(len(coded))  # independent: plug-in SE of a mean
    assert score.ci_upper - score.value == pytest.approx(1.959964 * se, rel=1e-6)


def test_nps_without_answers_is_nan_with_status() -> None:
    score = nps([np.nan, None])
    assert math.isnan(score.value) and score.status == "no answers"


def test_csat_matches_statsmodels_wilson() -> None:
    ratings = [5, 4, 4, 3, 1, 5, 2, 4, 5, 5, np.nan]
    score = csat(ratings)
    assert score.value == pytest.approx(7 / 10)
    lower, upper = proportion_confint(7, 10, alpha=0.05, method="wilson")
    assert (score.ci_lower, score.ci_upper) == pytest.approx((lower, upper), abs=1e-9)
    assert csat_from_counts(0, 0).status == "no answers"


def test_ces_matches_scipy_t_interval() -> None:
    values = [2, 3, 5, 7, 1, 4, 4, 6]
    score = ces(values)
    lower, upper = stats.t.interval(0.95, len(values) - 1, loc=np.mean(values), scale=stats.sem(values))
    assert score.value == pytest.approx(np.mean(values))
    assert (score.ci_lower, score.ci_upper) == pytest.approx((lower, upper), abs=1e-9)


def test_score_rendering_pins_text() -> None:
    assert str(nps_from_counts(50, 30, 20)).splitlines()[1].split() == [
        "metric", "value", "value_ci", "n_obs", "method", "status"
    ]  # fmt: skip
    assert "[14.7, 45.3]" in str(nps_from_counts(50, 30, 20))


def test_score_trend_counts_in_the_engine_per_week() -> None:
    frame = pd.DataFrame(
        {
            "ts": pd.to_datetime(["2026-11-02", "2026-11-03", "2026-11-04", "2026-11-09", "2026-11-10"], utc=True),
            "nps": [10, 0, 8, np.nan, 9],
            "rating": [5, 1, 4, 2, 5],
        }
    )
    trend = score_trend(ibis.memtable(frame), "nps", "week").to_frame()
    assert trend["n_obs"].tolist() == [3, 1]
    assert trend["value"].tolist() == pytest.approx([nps([10, 0, 8]).value, nps([9]).value])
    csat_trend = score_trend(ibis.memtable(frame), "csat", "week").to_frame()
    assert csat_trend["value"].tolist() == pytest.approx([2 / 3, 0.5])


def _impact_frame() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    n = 300
    theme = np.where(np.arange(n) < 60, "Delivery", np.where(np.arange(n) < 120, "Fast delivery", "Other"))
    nps_answers = np.where(
        theme == "Delivery", rng.integers(0, 7, n), np.where(theme == "Fast delivery", rng.integers(9, 11, n), 8)
    ).astype(float)
    rating = np.where(theme == "Delivery", rng.integers(1, 3, n), rng.integers(3, 6, n)).astype(float)
    sentiment = np.where(theme == "Delivery", -0.5, 0.4) + rng.normal(0, 0.1, n)
    return pd.DataFrame({"theme": theme, "sentiment": sentiment, "nps": nps_answers, "rating": rating})


def test_theme_impact_against_hand_computed_differences() -> None:
    frame = _impact_frame()
    result = theme_impact(frame, metric="nps").to_frame().set_index("theme")
    inside, outside = frame[frame.theme == "Delivery"], frame[frame.theme != "Delivery"]
    expected = nps(inside.nps).value - nps(outside.nps).value
    assert result.loc["Delivery", "nps_effect"] == pytest.approx(expected, abs=1e-9)
    half = (
        1.959964
        * math.hypot(
            nps(inside.nps).ci_upper - nps(inside.nps).value, nps(outside.nps).ci_upper - nps(outside.nps).value
        )
        / 1.959964
    )
    assert result.loc["Delivery", "nps_effect_ci_upper"] - expected == pytest.approx(half, rel=1e-6)
    welch = stats.ttest_ind(inside.rating, outside.rating, equal_var=False).confidence_interval(0.95)
    assert result.loc["Delivery", "rating_effect_ci_lower"] == pytest.approx(welch.low, abs=1e-9)
    assert result.loc["Delivery", "rating_effect_ci_upper"] == pytest.approx(welch.high, abs=1e-9)
    assert result.loc["Delivery", "share"] == pytest.approx(0.2)
    assert result.loc["Delivery", "impact"] == pytest.approx(0.2 * expected)
    assert result.loc["Delivery", "kind"] == "pain point"
    assert result.loc["Fast delivery", "kind"] == "delight"


def test_pain_points_rank_worst_first_and_small_groups_get_status() -> None:
    frame = _impact_frame()
    frame.loc[:4, "theme"] = "Tiny"
    result = theme_impact(frame, metric="nps")
    assert result.pain_points()["theme"].iloc[0] == "Delivery"
    assert result.delights()["theme"].iloc[0] == "Fast delivery"
    tiny = result.to_frame().set_index("theme").loc["Tiny"]
    assert math.isnan(tiny["nps_effect"]) and "too few NPS answers" in tiny["status"]


def test_emerging_themes_match_statsmodels_with_holm() -> None:
    current = pd.Series({"App crash": 90, "Delivery": 100, "Price": 110, "Outliers": 5})
    previous = pd.Series({"App crash": 30, "Delivery": 110, "Price": 120, "Outliers": 5})
    result = emerging_themes(current, previous).to_frame().set_index("theme")
    n_cur, n_prev = current.sum(), previous.sum()
    raw = []
    for theme in ["App crash", "Delivery", "Price"]:
        _, p = proportions_ztest([current[theme], previous[theme]], [n_cur, n_prev], alternative="larger")
        raw.append(p)
        assert result.loc[theme, "pvalue"] == pytest.approx(p, rel=1e-9)
    holm = multipletests(raw, method="holm")[1]
    assert result.loc[["App crash", "Delivery", "Price"], "pvalue_holm"].tolist() == pytest.approx(list(holm))
    assert result.loc["App crash", "emerging"] and not result.loc["Delivery", "emerging"]
    assert "Outliers" not in result.index
    assert result.loc["App crash", "share"] == pytest.approx(90 / n_cur)


def test_emerging_theme_change_has_newcombe_interval_even_when_new() -> None:
    # 'Refunds' has no texts in the previous window: Wald would give that window zero variance
    current = pd.Series({"Refunds": 4, "Delivery": 60, "Price": 36})
    previous = pd.Series({"Delivery": 50, "Price": 70})
    result = emerging_themes(current, previous).to_frame().set_index("theme")
    for theme in ["Refunds", "Delivery"]:
        x1, x0 = int(current.get(theme, 0)), int(previous.get(theme, 0))
        # reference: statsmodels confint_proportions_2indep(..., method="newcomb", compare="diff")
        low, high = confint_proportions_2indep(x1, 100, x0, 120, method="newcomb", compare="diff")
        assert result.loc[theme, "share_diff"] == pytest.approx(x1 / 100 - x0 / 120, abs=1e-15)
        assert result.loc[theme, "share_diff_ci_lower"] == pytest.approx(low, abs=1e-12)
        assert result.loc[theme, "share_diff_ci_upper"] == pytest.approx(high, abs=1e-12)


def test_emerging_with_an_empty_window_is_nan_with_status() -> None:
    result = emerging_themes(pd.Series({"A": 3}), pd.Series(dtype=float)).to_frame()
    assert math.isnan(result["pvalue"].iloc[0]) and result["status"].iloc[0] == "a window has no texts"
    assert not result["emerging"].iloc[0]


def test_auto_impact_metric_uses_ratings_when_there_are_enough() -> None:
    frame = _impact_frame()
    result = theme_impact(frame).to_frame().set_index("theme")
    assert (result["impact_metric"] == "rating").all()
    assert result.loc["Delivery", "impact"] == pytest.approx(0.2 * result.loc["Delivery", "rating_effect"])
    no_ratings = theme_impact(frame.drop(columns="rating")).to_frame()
    assert (no_ratings["impact_metric"] == "nps").all()


def test_reports_show_the_effect_on_the_ranking_score_and_the_impact_in_its_unit() -> None:
    frame = _impact_frame()
    by_rating, by_nps = theme_impact(frame), theme_impact(frame, metric="nps")
    shown = by_rating._shown()
    assert list(shown.columns) == [
        "theme", "size", "share", "sentiment", "sentiment_ci", "rating_vs_other_themes",
        "rating_vs_other_themes_ci", "impact_in_stars", "kind", "status",
    ]  # fmt: skip
    row = by_rating.to_frame().iloc[0]
    assert shown["impact_in_stars"].iloc[0] == f"{row['impact']:.3g}"
    assert "impact_in_NPS_points" in by_nps._shown().columns and "nps_vs_other_themes" in by_nps._shown().columns
    html = by_rating._repr_html_()
    assert "impact in stars" in html and "nps effect" not in html
    assert len(by_rating.to_frame().columns) == 18  # the public frame keeps every column
