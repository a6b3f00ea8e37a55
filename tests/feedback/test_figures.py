"""Feedback figures: weekly scores and themes by channel/sentiment, from hand-built tables, with alt text."""

from __future__ import annotations

import datetime as dt

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from journey.feedback import figures
from journey.feedback.scores import ScoreTrend


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def trend(metric: str, values: list[float]) -> ScoreTrend:
    periods = pd.to_datetime(["2026-11-02", "2026-11-09", "2026-11-16"][: len(values)], utc=True)
    frame = pd.DataFrame({"period": periods, "value": values, "value_ci_lower": [v - 5 for v in values],
                          "value_ci_upper": [v + 5 for v in values], "n_obs": [50] * len(values)})  # fmt: skip
    return ScoreTrend(metric, frame)


def test_score_trends_state_first_and_last_value_of_each_score():
    start = dt.datetime(2026, 11, 9, tzinfo=dt.UTC)
    chart = figures.score_trends([trend("nps", [12.0, -4.0, 21.0]), trend("csat", [0.81, 0.74])], start)
    assert "NPS +12 in the first period, +21 in the last (2026-11-16)" in chart.alt
    assert "CSAT (share of 4-5 stars) 81% in the first period, 74% in the last (2026-11-09)" in chart.alt
    assert "dashed line marks the start of the report window" in chart.alt
    assert [ax.get_title() for ax in chart.fig.axes] == ["NPS", "CSAT (share of 4-5 stars)"]
    assert [ax.get_ylabel() for ax in chart.fig.axes] == ["NPS", "CSAT"]


def test_theme_heatmaps_state_the_largest_theme_of_each_column():
    by_channel = pd.DataFrame({"survey": [0.7, 0.3], "social": [0.25, 0.75]}, index=["Delivery", "Price"])
    by_sentiment = pd.DataFrame({"negative": [0.9, 0.1]}, index=["Delivery", "Price"])
    chart = figures.theme_heatmaps(by_channel, by_sentiment)
    assert "largest theme per channel: survey: Delivery (70%), social: Price (75%)" in chart.alt
    assert "largest theme per sentiment: negative: Delivery (90%)" in chart.alt
    assert [ax.get_title() for ax in chart.fig.axes] == ["Theme x channel", "Theme x sentiment"]


@pytest.mark.parametrize(
    ("what", "draw"),
    [
        ("NPS or CSAT", lambda: figures.score_trends([trend("nps", []), trend("csat", [])])),
        ("themes by channel and sentiment", lambda: figures.theme_heatmaps(pd.DataFrame(), pd.DataFrame())),
    ],
)
def test_empty_input_gives_the_placeholder_with_an_alt_text_saying_so(what, draw):
    chart = draw()
    assert chart.alt == f"No data for {what} in this window."
    assert [t.get_text() for t in chart.fig.axes[0].texts] == [f"No data for {what} in this window"]
