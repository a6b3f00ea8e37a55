"""Figures of the segments: segment sizes, days between purchases, segment movement.

Each returns a :class:`journey.display.plots.Chart` whose alt text carries the numbers drawn;
matplotlib and seaborn are imported inside (about 0.7 s), so importing the segments does not
pay for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from journey.segments.rfm import RFMSegments
from journey.segments.timing import PurchaseTiming
from journey.segments.transitions import NOT_A_CUSTOMER, Transitions

if TYPE_CHECKING:
    from journey.display.plots import Chart


def segment_chart(segments: RFMSegments) -> Chart:
    """Horizontal bars: customers per named segment, best segment on top."""
    import matplotlib.pyplot as plt

    from journey.display.plots import Chart, empty_chart

    table = segments.table
    total = int(table["customers"].sum())
    if not total:
        return empty_chart("RFM segments")
    fig, ax = plt.subplots(figsize=(7, 0.4 * len(table) + 1.2))
    ax.barh(table["segment"][::-1], table["customers"][::-1])
    ax.set_xlabel("customers")
    for y, (count, share) in enumerate(zip(table["customers"][::-1], table["share"][::-1], strict=True)):
        ax.text(count, y, f" {count:,} ({share:.0%})", va="center")
    parts = ", ".join(
        f"{s} {c:,} ({p:.0%})" for s, c, p in zip(table["segment"], table["customers"], table["share"], strict=True)
    )
    return Chart(fig, f"Bar chart of {total:,} customers by RFM segment as of {segments.period_end}: {parts}.")


def timing_chart(timing: PurchaseTiming, max_days: int | None = None) -> Chart:
    """Histogram of days between purchases (all repeat purchases), with the median marked."""
    import matplotlib.pyplot as plt

    from journey.display.plots import Chart, empty_chart

    gaps = timing.gaps
    if gaps.empty or not gaps["count"].sum():
        return empty_chart("days between purchases")
    q = timing.table.set_index("statistic")["gap_days"]
    # weekly bins up to the 90th percentile (or max_days): one-day bars vanish under the theme's white edges,
    # and the long tail of rare gaps would squeeze the bulk against the axis
    cap = float(max_days if max_days is not None else max(q["p90"], 7))
    shown = gaps[gaps["gap_days"] <= cap]
    fig, ax = plt.subplots(figsize=(7, 3.4))
    bins = np.arange(0, cap + 7, 7)
    ax.hist(shown["gap_days"], weights=shown["count"], bins=bins, linewidth=0)
    median = timing.population_median_gap
    ax.axvline(median, color="black", ls="--", lw=1)
    ax.set_xlabel(f"days between two purchase days (up to {cap:.0f})")
    ax.set_ylabel("repeat purchases (per week of gap)")
    alt = (
        f"Histogram of {int(q['gaps']):,} gaps between purchase days: median {median:.0f} days "
        f"(dashed line), half between {q['p25']:.0f} and {q['p75']:.0f} days, 90% within {q['p90']:.0f} days."
    )
    return Chart(fig, alt)


def transition_chart(transitions: Transitions) -> Chart:
    """Heatmap of row shares (each row sums to 100 %), annotated with the customer counts."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    from journey.display.plots import Chart, empty_chart

    counts, shares = transitions.counts, transitions.shares
    if counts.to_numpy().sum() == 0:
        return empty_chart("segment movement")
    size = max(4.0, 0.75 * len(counts) + 2)
    fig, ax = plt.subplots(figsize=(size + 1.5, size))
    annot = np.array([[f"{c:,}" if c else "" for c in row] for row in counts.to_numpy()])
    sns.heatmap(
        shares.fillna(0.0), annot=annot, fmt="", cmap="Blues", vmin=0, vmax=1, cbar_kws={"label": "row share"}, ax=ax
    )
    ax.set_xlabel("segment at the end of the second period")
    ax.set_ylabel("segment at the end of the first period")
    parts = []
    for segment in counts.index:
        total = int(counts.loc[segment].sum())
        if segment == NOT_A_CUSTOMER or not total:
            continue
        kept = float(shares.at[segment, segment]) if segment in shares.columns else 0.0
        moved = shares.loc[segment].drop(segment, errors="ignore")
        top = moved.idxmax() if moved.max() > 0 else None
        text = f"{segment} ({total:,}): {kept:.0%} stayed"
        if top is not None:
            text += f", {moved[top]:.0%} to {top}"
        parts.append(text)
    stayed = transitions.stayed()
    alt = (
        f"Heatmap of segment movement between two periods; {stayed:.0%} of customers kept their segment. "
        + "; ".join(parts)
        + "."
    )
    return Chart(fig, alt)


__all__ = ["segment_chart", "timing_chart", "transition_chart"]
