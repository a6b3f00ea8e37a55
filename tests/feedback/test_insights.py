"""Insights: sentences come from the numbers, quotes are masked and rendered escaped."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from journey.display import report
from journey.feedback.insights import (
    Insights,
    build_insights,
    recommended_actions,
    representative_quotes,
    summary_sentences,
)
from journey.feedback.scores import emerging_themes, nps, nps_from_counts, theme_impact


def _texts() -> pd.DataFrame:
    rng = np.random.default_rng(2)
    n = 400
    theme = np.where(np.arange(n) < 100, "Delivery delays", np.where(np.arange(n) < 200, "Fast delivery", "Other"))
    nps_answers = np.where(theme == "Delivery delays", rng.integers(0, 5, n), rng.integers(7, 11, n)).astype(float)
    sentiment = np.where(theme == "Delivery delays", -0.6, 0.5) + rng.normal(0, 0.05, n)
    text = np.where(
        theme == "Delivery delays",
        "My parcel took 12 days, call me on +44 20 7946 0958",
        "Arrived the next day, great!",
    ).astype(object)
    text[0] = "<script>alert('x')</script> parcel late"
    text[1] = "Still waiting for my parcel, tracking has not moved for a week"
    return pd.DataFrame({"theme": theme, "sentiment": sentiment, "nps": nps_answers, "text": text})


def test_representative_quotes_are_masked_readable_and_most_negative_first() -> None:
    frame = _texts()
    quotes = representative_quotes(frame, "Delivery delays", n=2)
    assert len(quotes) == 2
    assert all("+44" not in q for q in quotes) and any("[PHONE]" in q for q in quotes)
    assert not any("<script>" in q for q in quotes)  # markup only when nothing else is left
    assert representative_quotes(frame, "Fast delivery", n=1, most="positive") == ("Arrived the next day, great!",)
    worst = frame[frame.theme == "Delivery delays"].sort_values("sentiment").iloc[0]
    readable = representative_quotes(frame[frame.index > 1], "Delivery delays", n=1)
    assert readable[0] == worst["text"].replace("+44 20 7946 0958", "[PHONE]")
    assert representative_quotes(frame, "Unknown") == ()


def test_findings_state_share_change_and_nps_gap_from_the_numbers() -> None:
    frame = _texts()
    impact = theme_impact(frame[["theme", "sentiment", "nps"]], metric="nps")
    previous = pd.Series({"Delivery delays": 40, "Fast delivery": 120, "Other": 240})
    emerging = emerging_themes(frame["theme"].value_counts(), previous)
    insights = build_insights(impact, frame, emerging)
    first = insights.findings[0]
    assert first.kind == "pain point" and first.theme == "Delivery delays"
    inside = nps(frame.loc[frame.theme == "Delivery delays", "nps"]).value
    rest = nps(frame.loc[frame.theme != "Delivery delays", "nps"]).value
    assert first.sentence.startswith("Delivery delays: 25% of feedback this window, up from 10%;")
    assert f"NPS of those customers {inside:+.0f}".replace("-", "−") in first.sentence
    assert f"vs {rest:+.0f} for everyone else".replace("-", "−") in first.sentence
    kinds = [f.kind for f in insights.findings]
    assert "emerging" in kinds and "delight" in kinds
    assert list(insights.to_frame().columns) == ["kind", "theme", "finding", "quotes"]


def test_quotes_with_markup_render_as_text() -> None:
    payloads = ["<script>alert(1)</script>", '<img src=x onerror="alert(1)">', '<a href="javascript:alert(1)">x</a>']
    rendered = report.quotes(payloads)._repr_html_()
    assert "<script>" not in rendered and "<img" not in rendered and "<a href" not in rendered
    assert "&lt;script&gt;" in rendered
    from journey.feedback.insights import Finding

    html = Insights((Finding("T", "pain point", "x", tuple(payloads)),))._repr_html_()
    assert "<script>" not in html and "&lt;img" in html


def test_summary_has_three_to_five_sentences_with_top_pain_points() -> None:
    frame = _texts()
    impact = theme_impact(frame[["theme", "sentiment", "nps"]], metric="nps")
    emerging = emerging_themes(frame["theme"].value_counts(), pd.Series({"Delivery delays": 40, "Other": 360}))
    sentences = summary_sentences(nps_from_counts(50, 30, 20), nps_from_counts(40, 30, 30), impact, emerging, 400, "W")
    assert 3 <= len(sentences) <= 5
    assert sentences[1] == "NPS is +30 (95% CI +15 to +45, 100 answers), +20 points vs the previous window."
    assert sentences[2].startswith("Top pain points: Delivery delays (25% of feedback)")
    assert sentences[3].startswith("What changed: ") and "Delivery delays (10% → 25%)" in sentences[3]


def _located(frame: pd.DataFrame) -> pd.DataFrame:
    """_texts() with a channel and a plan: 60 of the 100 delay texts come from support (25% of all texts),
    30 from 'free' customers (50 of the 360 with a known plan); 40 texts have no known customer."""
    delays = (frame["theme"] == "Delivery delays").to_numpy()
    rank = np.arange(len(frame))
    channel = np.where(delays & (rank < 60), "support", "survey").astype(object)
    channel[200:240] = "support"  # 40 of the other 300 texts
    plan = np.where(delays & (rank < 30), "free", "plus").astype(object)
    plan[200:220] = "free"
    plan[360:] = None  # no known customer
    return frame.assign(channel=channel, plan=plan)


def test_actions_say_size_trend_effect_where_quotes_and_opportunity_from_the_numbers() -> None:
    frame = _located(_texts())
    impact = theme_impact(frame[["theme", "sentiment", "nps"]], metric="nps")
    previous = pd.Series({"Delivery delays": 40, "Fast delivery": 120, "Other": 240})
    emerging = emerging_themes(frame["theme"].value_counts(), previous)
    actions = recommended_actions(impact, texts=frame, emerging=emerging, segment="plan")
    out = actions.to_frame()
    assert list(out.columns) == ["theme", "size_and_trend", "effect", "where", "quotes", "opportunity", "action"]
    assert out["theme"].tolist() == ["Delivery delays"]
    row = impact.pain_points(1).iloc[0]
    inside = nps(frame.loc[frame.theme == "Delivery delays", "nps"]).value
    rest = nps(frame.loc[frame.theme != "Delivery delays", "nps"]).value
    effect = f"{inside - rest:+.0f}".replace("-", "\N{MINUS SIGN}")
    low, high = (
        f"{row[c]:+.0f}".replace("-", "\N{MINUS SIGN}") for c in ("nps_effect_ci_lower", "nps_effect_ci_upper")
    )
    quotes = representative_quotes(frame, "Delivery delays", 2)
    assert actions.sentences() == [
        "Delivery delays: 25% of feedback this window (100 texts), up from 10%; "
        f"NPS {effect} points vs everyone else (95% CI {low} to {high}), "
        f"costing {abs(row['impact']):.1f} NPS points overall; "
        "most over-represented in support (60 of its 100 texts, 60% vs 25% of all feedback) "
        "and among plan 'free' (30 of its 100 texts, 30% vs 14% of all feedback). "
        f"Customers say “{quotes[0]}” and “{quotes[1]}”. "
        "Opportunity: priced in revenue per week in the What to fix next report."
    ]
    assert "[PHONE]" in out["quotes"].iloc[0] and "+44" not in out["quotes"].iloc[0]  # masked as findings are
    assert "Assign an owner" not in " ".join(out.to_numpy().ravel())  # no template per theme


def test_concentration_is_the_largest_over_representation_with_counts() -> None:
    from journey.feedback.insights import concentration

    frame = _located(_texts())
    found = concentration(frame, "Delivery delays", "plan")
    known = frame[frame["plan"].notna()]
    table = pd.crosstab(known["theme"], known["plan"])  # reference: counts by theme and plan
    share = table.loc["Delivery delays", "free"] / table.loc["Delivery delays"].sum()
    overall = table["free"].sum() / table.to_numpy().sum()
    assert found["value"] == "free" and found["count"] == table.loc["Delivery delays", "free"] == 30
    assert found["share"] == pytest.approx(share, abs=1e-12) and found["overall_share"] == pytest.approx(overall)
    assert found["lift"] == pytest.approx(share / overall, abs=1e-12)
    assert concentration(frame, "Delivery delays", "device") is None  # no such column
    assert concentration(frame.assign(plan="plus"), "Delivery delays", "plan") is None  # same mix everywhere


def test_actions_take_the_theme_row_of_an_opportunity_table_when_given() -> None:
    """The hook for journey.impact (issue 11): its ranked table, one row per theme, joins by theme."""
    frame = _texts()
    impact = theme_impact(frame[["theme", "sentiment", "nps"]], metric="nps")
    table = pd.DataFrame({"theme": ["Delivery delays"], "revenue_at_stake": ["$12,400 per week"], "rank": [1]})
    out = recommended_actions(impact, opportunities=table).to_frame()
    assert out["opportunity"].iloc[0] == "revenue at stake $12,400 per week; rank 1"
    assert out["where"].iloc[0] == "no channel or segment data" and out["quotes"].iloc[0] == ""
    other = recommended_actions(impact, opportunities=table.assign(theme="Price")).to_frame()
    assert other["opportunity"].iloc[0] == "not in the opportunity table"


def test_actions_state_the_stake_in_the_unit_the_impact_was_measured_in() -> None:
    """Ranked by ratings, the impact is in stars: it was once printed as 'NPS points' (0.2 'NPS points' for
    a theme that costs 0.2 stars)."""
    frame = _texts()
    frame["rating"] = np.where(frame["theme"] == "Delivery delays", 1.0, 4.5) + np.random.default_rng(3).normal(
        0, 0.3, len(frame)
    )
    by_rating = theme_impact(frame[["theme", "sentiment", "nps", "rating"]], metric="rating")
    stars = abs(by_rating.pain_points(1)["impact"].iloc[0])
    effect = recommended_actions(by_rating).to_frame()["effect"].iloc[0]
    assert f"costing {stars:.2f} stars of the average rating overall" in effect and "NPS" not in effect
    few = theme_impact(frame[["theme", "sentiment"]].assign(nps=np.nan), metric="nps")  # no effect estimable
    assert recommended_actions(few).to_frame()["effect"].iloc[0] == (
        "effect on the score not estimable (too few NPS answers; too few ratings)"
    )


def test_rating_gap_and_sentiment_are_signed_with_a_minus_sign() -> None:
    """Findings word numbers as journey.display.text does: '−3.5 stars', '−0.60' (a hyphen before)."""
    frame = _texts()
    frame["rating"] = np.where(frame["theme"] == "Delivery delays", 1.0, 4.5)
    impact = theme_impact(frame[["theme", "sentiment", "rating"]].assign(nps=np.nan), metric="rating")
    first = build_insights(impact, frame).findings[0]
    row = impact.pain_points(1).iloc[0]
    assert f"their ratings are \N{MINUS SIGN}{abs(row['rating_effect']):.1f} stars" in first.sentence
    assert f"average sentiment \N{MINUS SIGN}{abs(row['sentiment']):.2f}" in first.sentence
