"""The theme map keeps its labels apart: crowded themes must stay readable in the feedback report."""

from __future__ import annotations

import itertools

import adjustText
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from journey.feedback.theme_plot import theme_map_figure
from journey.validation import JourneyInputError


def _crowded(n: int = 15) -> pd.DataFrame:
    """Themes with long names, most of them packed into one corner (as similar themes are)."""
    rng = np.random.default_rng(3)
    x = np.r_[rng.normal(0, 0.02, n - 3), [1.0, -1.0, 0.5]]
    y = np.r_[rng.normal(0, 0.02, n - 3), [1.0, 0.8, -1.0]]
    return pd.DataFrame(
        {
            "theme": [f"Theme {i}: delivery arrived late again" for i in range(n)],
            "x": x,
            "y": y,
            "size": rng.integers(5, 80, n),
            "sentiment": rng.uniform(-1, 1, n),
        }
    )


def _overlapping_labels(fig: plt.Figure) -> list[tuple[int, int]]:
    fig.tight_layout()  # as plots.show does before saving
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in fig.axes[0].texts]
    assert len(boxes) == 15
    return [(a, b) for (a, ba), (b, bb) in itertools.combinations(enumerate(boxes), 2) if ba.overlaps(bb)]


def test_labels_do_not_overlap_on_a_crowded_map():
    assert _overlapping_labels(theme_map_figure(_crowded()).fig) == []
    plt.close("all")


def test_the_layout_does_not_depend_on_how_busy_the_machine_is(monkeypatch):
    """adjustText's default stops after one second of wall time: on a loaded CI machine labels stayed overlapped.

    Here each reading of its clock jumps a minute, so any time limit would stop it at the first step.
    """
    clock = itertools.count(step=60.0)
    monkeypatch.setattr(adjustText, "timer", lambda: next(clock))
    assert _overlapping_labels(theme_map_figure(_crowded()).fig) == []
    plt.close("all")


def test_only_the_largest_themes_are_drawn_and_columns_are_checked():
    frame = _crowded(30)
    chart = theme_map_figure(frame, top=10)
    shown = {t.get_text() for t in chart.fig.axes[0].texts}
    assert shown == set(frame.nlargest(10, "size")["theme"])
    plt.close(chart.fig)
    with pytest.raises(JourneyInputError, match="sentiment"):
        theme_map_figure(frame.drop(columns="sentiment"))


def test_an_empty_map_still_draws():
    """Fewer than three themes give an empty map (analysis._theme_map): the report keeps its figure."""
    chart = theme_map_figure(pd.DataFrame(columns=["theme", "x", "y", "size", "sentiment"]))
    assert [t.get_text() for t in chart.fig.axes[0].texts] == [
        "No data for a theme map (fewer than three themes) in this window"
    ]
    assert chart.alt == "No data for a theme map (fewer than three themes) in this window."
    plt.close(chart.fig)


def test_alt_text_names_the_largest_themes_with_size_and_sentiment():
    frame = pd.DataFrame({"theme": ["Late parcels", "Great fit", "App crashes"], "x": [0.0, 1.0, -1.0],
                          "y": [0.0, 1.0, 1.0], "size": [120, 80, 1500], "sentiment": [-0.61, 0.5, -0.2]})  # fmt: skip
    chart = theme_map_figure(frame, top=2)
    assert "Map of the 2 largest themes" in chart.alt
    assert "Largest: App crashes (1,500 texts, sentiment \N{MINUS SIGN}0.20); Late parcels (120 texts, " in chart.alt
    assert "Great fit" not in chart.alt  # not drawn, not described
    plt.close(chart.fig)
