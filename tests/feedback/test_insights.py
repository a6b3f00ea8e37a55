"""Insights: sentences come from the numbers, quotes are masked and rendered escaped."""

from __future__ import annotations

import numpy as np
import pandas as pd

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


def test_recommended_actions_cover_resolution_communication_process() -> None:
    frame = _texts()
    actions = recommended_actions(theme_impact(frame[["theme", "sentiment", "nps"]], metric="nps"))
    frame_out = actions.to_frame()
    assert list(frame_out.columns) == ["theme", "resolution", "communication", "process"]
    assert frame_out["theme"].tolist() == ["Delivery delays"]
    # share 25% x NPS effect: the points the theme costs the overall NPS
    points = abs(theme_impact(frame[["theme", "sentiment", "nps"]], metric="nps").pain_points(1)["impact"].iloc[0])
    assert f"({points:.1f} NPS points at stake)" in frame_out["resolution"].iloc[0]


def test_actions_state_the_stake_in_the_unit_the_impact_was_measured_in() -> None:
    """Ranked by ratings, the impact is in stars: it was once printed as 'NPS points' (0.2 'NPS points' for
    a theme that costs 0.2 stars)."""
    frame = _texts()
    frame["rating"] = np.where(frame["theme"] == "Delivery delays", 1.0, 4.5) + np.random.default_rng(3).normal(
        0, 0.3, len(frame)
    )
    by_rating = theme_impact(frame[["theme", "sentiment", "nps", "rating"]], metric="rating")
    stars = abs(by_rating.pain_points(1)["impact"].iloc[0])
    resolution = recommended_actions(by_rating).to_frame()["resolution"].iloc[0]
    assert f"({stars:.2f} stars of the average rating at stake)" in resolution and "NPS" not in resolution
    few = theme_impact(frame[["theme", "sentiment"]].assign(nps=np.nan), metric="nps")  # no effect estimable
    assert "(100 texts at stake)" in recommended_actions(few).to_frame()["resolution"].iloc[0]


def test_rating_gap_and_sentiment_are_signed_with_a_minus_sign() -> None:
    """Findings word numbers as journey.display.text does: '−3.5 stars', '−0.60' (a hyphen before)."""
    frame = _texts()
    frame["rating"] = np.where(frame["theme"] == "Delivery delays", 1.0, 4.5)
    impact = theme_impact(frame[["theme", "sentiment", "rating"]].assign(nps=np.nan), metric="rating")
    first = build_insights(impact, frame).findings[0]
    row = impact.pain_points(1).iloc[0]
    assert f"their ratings are \N{MINUS SIGN}{abs(row['rating_effect']):.1f} stars" in first.sentence
    assert f"average sentiment \N{MINUS SIGN}{abs(row['sentiment']):.2f}" in first.sentence
