"""The theme map: themes placed by meaning, sized by volume, coloured by sentiment, labels that never collide.

Theme names are long ("Delivery tuesday, days arrive") and themes about similar things sit
close together by construction, so labels placed at their bubbles overlap each other and the
colour bar. ``adjustText`` moves them apart with leader lines; writing label repulsion here
would be a worse copy of it.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from adjustText import adjust_text

from journey.display.plots import Chart, empty_chart
from journey.display.text import signed
from journey.validation import require_columns

COLUMNS = ("theme", "x", "y", "size", "sentiment")
ADJUST_STEPS = 2000  # it stops earlier once no label overlaps (a crowded 15-label map: ~530 steps, 0.6 s)


def theme_map_figure(theme_map: pd.DataFrame, top: int = 15) -> Chart:
    """The ``top`` largest themes of :attr:`FeedbackAnalysis.theme_map` as a bubble map, with its alt text."""
    require_columns(theme_map.columns, list(COLUMNS), "theme map")
    if theme_map.empty:  # fewer than three themes: nothing to place by meaning
        return empty_chart("a theme map (fewer than three themes)")
    shown = theme_map.nlargest(top, "size")
    fig, ax = plt.subplots(figsize=(9, 6))
    points = ax.scatter(
        shown["x"], shown["y"], s=shown["size"] * 8, c=shown["sentiment"], cmap="RdBu", vmin=-1, vmax=1, alpha=0.7
    )
    fig.colorbar(points, ax=ax, label="average sentiment")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.margins(0.15)  # room inside the frame for labels pushed outward
    labels = [
        ax.text(x, y, str(theme), fontsize=8, ha="center", va="center")
        for theme, x, y in zip(shown["theme"], shown["x"], shown["y"], strict=True)
    ]
    fig.tight_layout()  # final axes size first: labels are moved apart in pixels, for this layout
    if len(labels) > 1:
        # adjustText stops after one second of wall time unless told a step count, so on a busy machine it
        # stopped with labels still overlapping; a step limit makes the layout the same on every machine.
        adjust_text(
            labels,
            ax=ax,
            expand=(1.15, 1.4),
            iter_lim=ADJUST_STEPS,
            arrowprops={"arrowstyle": "-", "color": "0.5", "lw": 0.5},
        )
    largest = "; ".join(
        f"{r.theme} ({int(r.size):,} texts, sentiment {signed(r.sentiment, 2)})" for r in shown.head(5).itertuples()
    )
    alt = (
        f"Map of the {len(shown)} largest themes: position by meaning, bubble size by volume, colour by average "
        f"sentiment from red (negative) to blue (positive). Largest: {largest}"
    )
    return Chart(fig, alt)
