"""The ranked opportunity chart: bars in rank order with interval whiskers, alt text from the drawn numbers."""

from __future__ import annotations

import pandas as pd

from journey.display.plots import Chart, show
from journey.impact.figures import opportunity_bars
from journey.impact.ranking import Opportunities, rank_rows
from tests.impact.test_transitions import WINDOW


def _result(values: list[float]) -> Opportunities:
    rows = pd.DataFrame({"source": ["funnel step", "pain point", "at-risk customers"][: len(values)],
                         "item": ["checkout", "Late delivery", "churn probability × CLV"][: len(values)],
                         "segment": ["mobile", "all", "all"][: len(values)], "theme": None,
                         "revenue_per_period": values, "revenue_per_period_ci_lower": [v - 10 for v in values],
                         "revenue_per_period_ci_upper": [v + 20 for v in values], "assumption": "x", "method": "m",
                         "status": "ok"})  # fmt: skip
    sources = pd.DataFrame({"source": [], "rows": [], "status": []})
    return Opportunities(WINDOW, "week", "best_segment", 0.05, rank_rows([rows]), sources)


def test_bars_are_drawn_largest_on_top_with_whiskers_and_alt_text_from_the_numbers() -> None:
    chart = opportunity_bars(_result([120.0, 340.0, 55.0]))
    assert isinstance(chart, Chart)
    ax = chart.fig.axes[0]
    widths = [p.get_width() for p in ax.patches if p.get_height() < 1][:3]
    tops = sorted(zip([p.get_y() for p in ax.patches[:3]], widths, strict=True), reverse=True)
    assert [w for _, w in tops] == [340.0, 120.0, 55.0]  # the largest bar on top
    at = dict(zip(ax.get_yticks(), [t.get_text() for t in ax.get_yticklabels()], strict=True))
    assert at[max(at)] == "Late delivery" and at[min(at)] == "churn probability × CLV"
    assert any(len(c.get_segments()) == 3 for c in ax.collections)  # one interval whisker per bar
    assert chart.alt.startswith("Bar chart of the 3 largest opportunities by revenue per week at stake")
    assert "1. pain point Late delivery: 340 (330 to 360)" in chart.alt
    assert "2. funnel step checkout (mobile): 120 (110 to 140)" in chart.alt
    assert show(chart).alt == chart.alt


def test_an_empty_table_draws_the_no_data_placeholder() -> None:
    chart = opportunity_bars(_result([]))
    assert chart.alt == "No data for revenue per week at stake in this window."
