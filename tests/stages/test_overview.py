"""Headline KPIs by stage, checked against a straightforward pandas computation on the same rows."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from journey.data.window import Window
from journey.datasets import make_events
from journey.stages import overview
from journey.stages.kpis import STAGE_EVENTS

WINDOW = Window(dt.date(2026, 10, 26), dt.date(2026, 11, 22))


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    return make_events(users=3000, seed=5)


def _in(frame, window):
    return frame[(frame["ts"] >= pd.Timestamp(window.start_ts)) & (frame["ts"] < pd.Timestamp(window.end_ts))]


def test_stage_users_match_pandas(events):
    result = overview.stage_kpis(events, WINDOW)
    for window, column in ((WINDOW, result.users), (WINDOW.previous(), result.previous_users)):
        scoped = _in(events, window)
        expected = [scoped.loc[scoped["event"].isin(evts), "user_id"].nunique() for evts in STAGE_EVENTS.values()]
        assert list(column) == expected


def test_headline_matches_pandas(events):
    result = overview.headline_kpis(events, WINDOW).current
    scoped = _in(events, WINDOW)
    bought = scoped[scoped["event"].isin(["purchase", "repeat_purchase"])]
    assert result["visitors"] == scoped["user_id"].nunique()
    assert result["purchasers"] == scoped.loc[scoped["event"] == "purchase", "user_id"].nunique()
    assert result["conversion"] == pytest.approx(result["purchasers"] / result["visitors"], rel=1e-12)
    assert result["revenue"] == pytest.approx(bought["revenue"].sum(), rel=1e-9)
    assert result["orders"] == len(bought)


def test_headline_table_shows_conversion_as_a_percentage(events):
    result = overview.headline_kpis(events, WINDOW)
    rows = {line.split()[0]: line.split()[1:] for line in str(result).splitlines()[2:]}
    assert rows["conversion"][0] == f"{result.current['conversion'] * 100:.3g}%"
    assert rows["visitors"][0] == f"{result.current['visitors']:,}"


def test_empty_window_gives_nan_conversion_not_zero(events):
    empty = Window(dt.date(2030, 1, 1), dt.date(2030, 1, 7))
    result = overview.headline_kpis(events, empty).current
    assert result["visitors"] == 0 and result["conversion"] != result["conversion"]


def test_summary_names_the_biggest_drop(events):
    stages = overview.stage_kpis(events, WINDOW)
    sentences = overview.summary_sentences(overview.headline_kpis(events, WINDOW), stages)
    frame = stages.to_frame()
    drops = {
        (a, b): 1 - nb / na
        for a, na, b, nb in zip(frame.stage, frame.users, frame.stage[1:], frame.users[1:], strict=False)
    }
    (a, b), _ = max(drops.items(), key=lambda kv: kv[1])
    assert f"from {a} to {b}" in sentences[-1]
    assert 3 <= len(sentences) <= 5


def test_summary_of_an_empty_window_reads_na_not_nan(events):
    """No visitors: conversion cannot be computed and reads 'n/a' (it read 'nan%')."""
    empty = Window(dt.date(2030, 1, 1), dt.date(2030, 1, 7))
    sentences = overview.summary_sentences(overview.headline_kpis(events, empty), overview.stage_kpis(events, empty))
    assert "conversion n/a (previous window n/a)" in sentences[1]
    assert "nan" not in " ".join(sentences)


@pytest.mark.parametrize("read", [overview.stage_kpis, overview.headline_kpis, overview.daily_trend])
def test_naive_timestamps_are_rejected_with_the_message_funnel_gives(events, read):
    """The overview read events without the input checks: naive timestamps were counted in the machine's zone."""
    from journey.stages.funnels import funnel

    naive = events.assign(ts=events["ts"].dt.tz_localize(None))
    with pytest.raises(ValueError) as expected:
        funnel(naive, ["landing_view", "purchase"], "7d")
    with pytest.raises(ValueError) as got:
        read(naive, WINDOW)
    assert str(got.value) == str(expected.value)
    assert "timezone-naive" in str(got.value)


@pytest.mark.parametrize("read", [overview.headline_kpis, overview.daily_trend])
def test_revenue_held_as_text_is_rejected_before_it_is_summed(events, read):
    """A CSV read by DuckDB can leave revenue as text: the sum would fail deep in the engine, or concatenate."""
    with pytest.raises(ValueError, match="column 'revenue' has type string; expected numbers"):
        read(events.assign(revenue=events["revenue"].astype(str)), WINDOW)
