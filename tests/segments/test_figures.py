"""Segment figures: Charts whose alt text carries the numbers drawn; importing segments loads no matplotlib."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd

from journey.display.plots import Chart
from journey.segments import purchase_timing, rfm, segment_chart, timing_chart

TX = pd.DataFrame(
    {
        "customer_id": ["a", "a", "a", "b", "b", "c"],
        "amount": [10.0, 20.0, 5.0, 8.0, 9.0, 7.0],
        "date": pd.to_datetime(["2026-01-01", "2026-01-11", "2026-01-31", "2026-01-05", "2026-01-09", "2026-01-20"]),
    }
)


def test_segment_chart_alt_text_lists_every_segment_with_its_count_and_share() -> None:
    result = rfm(TX)
    chart = segment_chart(result)
    assert isinstance(chart, Chart)
    assert "Bar chart of 3 customers by RFM segment as of 2026-01-31" in chart.alt
    for row in result.table.itertuples():
        assert f"{row.segment} {row.customers:,}" in chart.alt


def test_timing_chart_alt_text_states_the_median_and_quartiles() -> None:
    timing = purchase_timing(TX)
    # gaps: a 10, 20; b 4 -> median 10, p25 7, p75 15, p90 18 (numpy linear percentiles)
    alt = timing_chart(timing).alt
    assert "3 gaps between purchase days: median 10 days" in alt
    assert "half between 7 and 15 days, 90% within 18 days" in alt


def test_timing_chart_without_repeat_purchases_is_the_no_data_chart() -> None:
    assert timing_chart(purchase_timing(TX[TX["customer_id"] == "c"])).alt.startswith("No data for days between")


def test_importing_segments_loads_no_plotting_library() -> None:
    code = "import sys, journey.segments; print(*[m for m in ('matplotlib', 'seaborn') if m in sys.modules])"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""
