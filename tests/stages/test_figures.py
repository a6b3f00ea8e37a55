"""Stage figures draw from result objects without error (visual checks are done on the rendered reports)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest

from journey.datasets.funnels import STEPS, make_funnel_events
from journey.stages import attribution, funnels, retention
from journey.stages import figures as stage_plots
from journey.stages import kpis as stages


@pytest.fixture(scope="module")
def log():
    frame = make_funnel_events(users=300, seed=5)
    frame["session_id"] = frame["user_id"]
    frame["page_load_ms"] = 1500.0
    return frame


def test_every_figure_builds(log):
    steps = list(STEPS[:3])
    figures = [
        stage_plots.funnel_bars(funnels.funnel(log, steps, "1d")),
        stage_plots.funnel_by(funnels.funnel(log, steps, "1d", by="device")),
        stage_plots.time_to_convert(funnels.time_to_convert(log, steps, "1d")),
        stage_plots.cohort_heatmap(retention.cohorts(log, "landing_view", ["purchase"], periods=3)),
        stage_plots.retention_curve(retention.cohorts(log, "landing_view", ["purchase"], periods=3).curve()),
        stage_plots.attribution_comparison(attribution.attribute(log, ["landing_view"], "purchase")),
        stage_plots.exposure_effects(stages.exposure_conversion(log, "landing_view", ["faq_view"], "purchase")),
        stage_plots.rate_bars(stages.conversion_by_page_load(log), "page_load", "conversion", "load"),
    ]
    assert all(isinstance(f, plt.Figure) for f in figures)
    for f in figures:
        plt.close(f)


def test_empty_window_renders_placeholders(log):
    empty = log.iloc[:0]
    figures = [
        stage_plots.funnel_bars(funnels.funnel(empty, ["landing_view"], "1d")),
        stage_plots.cohort_heatmap(retention.cohorts(empty, "landing_view", ["purchase"], periods=3)),
        stage_plots.retention_curve(retention.cohorts(empty, "landing_view", ["purchase"], periods=3).curve()),
        stage_plots.attribution_comparison(attribution.attribute(empty, ["landing_view"], "purchase")),
        stage_plots.exposure_effects(stages.exposure_conversion(empty, "landing_view", ["faq_view"], "purchase")),
    ]
    assert all(isinstance(f, plt.Figure) for f in figures)
    for f in figures:
        plt.close(f)
