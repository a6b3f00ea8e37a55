"""Plot helpers: plain-duration labels, and the time-to-convert figure that uses them."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from journey.display.plots import DURATION_TICKS, duration_label
from journey.stages import figures as stage_plots
from journey.stages.funnels import TimeToConvert


@pytest.mark.parametrize(
    ("seconds", "label"),
    [
        (0, "0 s"), (0.4, "0.4 s"), (46, "46 s"), (60, "1 min"), (290, "4.8 min"), (5_400, "1.5 h"),
        (188_642, "2.2 d"), (12.3 * 86_400, "12 d"), (math.nan, "n/a"),
    ],
)  # fmt: skip
def test_duration_label_picks_the_largest_unit(seconds: float, label: str) -> None:
    assert duration_label(seconds) == label


def test_duration_ticks_read_as_round_durations() -> None:
    assert [duration_label(t) for t in DURATION_TICKS] == [
        "1 s",
        "10 s",
        "1 min",
        "10 min",
        "1 h",
        "6 h",
        "1 d",
        "7 d",
        "30 d",
    ]


def test_time_to_convert_labels_every_bar_with_its_duration() -> None:
    table = pd.DataFrame(
        {"step": ["view", "buy"], "users": [10, 4], "median_seconds": [46.0, 0.0], "p90_seconds": [145.0, 188_642.0]}
    )
    fig = stage_plots.time_to_convert(TimeToConvert(("land", "view", "buy"), 86_400, "ok", table)).fig
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"  # seconds-long medians beside days-long 90th percentiles stay visible
    assert sorted(t.get_text() for t in ax.texts) == sorted(["46 s", "0 s", "2.4 min", "2.2 d"])
    plt.close(fig)
