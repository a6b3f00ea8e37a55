"""The playbook call: parameters parsed, both windows read, every part present and consistent."""

from __future__ import annotations

import datetime as dt

import pytest

from journey.data.window import Window
from journey.datasets.feedback import make_feedback
from journey.feedback.analysis import analyze, parse_channels, parse_seed_themes
from journey.validation import JourneyInputError


def test_parse_parameters() -> None:
    assert parse_channels(" survey, Review ,") == ["survey", "review"]
    assert parse_channels("") is None
    assert parse_seed_themes("delivery: parcel, courier; price") == {
        "delivery": ["parcel", "courier"],
        "price": ["price"],
    }
    assert parse_seed_themes("") is None


def _window(frame) -> Window:
    end = frame["ts"].max().date()
    return Window(end - dt.timedelta(days=27), end)


def test_unknown_channel_is_rejected() -> None:
    frame = make_feedback(100, seed=1)["feedback"]
    with pytest.raises(JourneyInputError, match="unknown channel 'email'"):
        analyze(frame, _window(frame), channels="email")


@pytest.mark.slow
def test_analyze_small_sample_end_to_end(tmp_path) -> None:
    frame = make_feedback(300, seed=6)["feedback"]
    window = _window(frame)
    result = analyze(frame, window, seed_themes="delivery: delivery, parcel; app: app, crash", cache_dir=tmp_path)
    current = result.texts[result.texts["window"] == "current"]
    assert result.previous == window.previous()
    assert 3 <= len(result.summary) <= 5
    assert result.nps.n_obs == current["nps"].notna().sum()
    assert result.themes.method == "tfidf_kmeans"  # under 200 texts in the two windows
    assert set(result.texts["theme"]) <= set(result.themes.to_frame()["label"])
    assert result.impact.frame["size"].sum() <= len(current)
    assert not result.nps_trend.frame.empty
    assert "[PHONE]" in " ".join(result.texts["text"]) or "+1-202" not in " ".join(result.texts["text"])
    table = result.theme_by("channel")
    assert (table.sum(axis=0).round(6) <= 1).all()
    assert list(result.to_frame()["metric"]) == ["nps", "nps", "csat", "csat"]
