"""The ranked opportunity chart: one bar per opportunity, its interval as a whisker, alt text from the drawn numbers."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np

from journey.display.plots import STAGE_COLORS, Chart, empty_chart
from journey.display.text import money
from journey.impact.ranking import SOURCES, Opportunities, label

SOURCE_COLORS = dict(zip(SOURCES, list(STAGE_COLORS.values()), strict=True))


def opportunity_bars(result: Opportunities, n: int = 10) -> Chart:
    """The ``n`` largest opportunities as horizontal bars (largest on top) with interval whiskers,
    coloured by source; the alt text lists each drawn bar with its value and interval."""
    rows = result.table[result.table["rank"].notna()].head(n)
    what = f"revenue per {result.period} at stake"
    if rows.empty:
        return empty_chart(what)
    values = rows["revenue_per_period"].to_numpy(float)
    lower = rows["revenue_per_period_ci_lower"].to_numpy(float)
    upper = rows["revenue_per_period_ci_upper"].to_numpy(float)
    labels = [label(r) for r in rows.itertuples()]
    y = np.arange(len(rows))[::-1]
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(rows) + 1.4))
    colors = [SOURCE_COLORS.get(s, "grey") for s in rows["source"]]
    ax.barh(y, values, color=colors)
    err = np.vstack([values - lower, upper - values])
    ax.errorbar(values, y, xerr=np.where(np.isfinite(err), err, 0.0), fmt="none", ecolor="black", capsize=3, lw=1)
    ax.set_yticks(y, labels)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel(f"Revenue per {result.period} at stake ({1 - result.alpha:.0%} interval)")
    shown = list(dict.fromkeys(rows["source"]))
    handles = [plt.Rectangle((0, 0), 1, 1, color=SOURCE_COLORS.get(s, "grey")) for s in shown]
    ax.legend(handles, shown, loc="lower right", fontsize="small")
    ax.set_title(f"What to fix next: {what}")
    parts = [
        f"{int(r.rank)}. {r.source} {label(r)}: {money(v)} ({money(lo)} to {money(hi)})"
        if math.isfinite(lo) else f"{int(r.rank)}. {r.source} {label(r)}: {money(v)}"
        for r, v, lo, hi in zip(rows.itertuples(), values, lower, upper, strict=True)
    ]  # fmt: skip
    alt = (f"Bar chart of the {len(rows)} largest opportunities by {what}, with "
           f"{1 - result.alpha:.0%} intervals: " + "; ".join(parts) + ".")  # fmt: skip
    return Chart(fig, alt)


__all__ = ["opportunity_bars"]
