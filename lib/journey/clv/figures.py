"""CLV figures: the distribution of customer value and the value-by-activity map (``Chart`` with alt text)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from journey.clv.value import QUADRANTS, ValueQuadrants, quadrant_of
from journey.display.plots import Chart, empty_chart
from journey.display.text import percent


def clv_distribution(values: pd.DataFrame, horizon: int = 12) -> Chart:
    """Histogram of CLV on a log axis (a few customers hold most of the value), with the median and top decile."""
    clv = values["clv"].dropna().to_numpy(float)
    clv = clv[clv > 0]
    if len(clv) == 0:
        return empty_chart("customer lifetime value")
    fig, ax = plt.subplots(figsize=(8, 3.4))
    # the axis starts at the 1st percentile: near-certain dropouts are worth 1e-5 and would stretch it
    low = max(float(np.quantile(clv, 0.01)), float(clv.min()))
    shown = np.clip(clv, low, None)
    bins = np.logspace(np.log10(low), np.log10(clv.max()), 40) if clv.max() > low else 10
    ax.hist(shown, bins=bins, color=sns.color_palette()[0])
    ax.set_xscale("log")
    median, top = float(np.median(clv)), float(np.quantile(clv, 0.9))
    ax.axvline(median, color="black", lw=0.8, ls="--", label=f"median {median:,.0f}")
    ax.axvline(top, color="C3", lw=0.8, ls=":", label=f"top 10% from {top:,.0f}")
    ax.set_xlabel(f"expected value over the next {horizon} months (log scale)")
    ax.set_ylabel("customers")
    ax.legend(loc="upper right")
    share = np.sort(clv)[::-1][: max(1, len(clv) // 10)].sum() / clv.sum()
    alt = (
        f"Histogram of {len(clv):,} customers' {horizon}-month value on a log axis: median {median:,.0f}, "
        f"the top 10% (from {top:,.0f}) hold {percent(share, 0)} of the total"
    )
    return Chart(fig, alt)


def value_map(values: pd.DataFrame, quadrants: ValueQuadrants) -> Chart:
    """P(alive) against CLV per customer, coloured by quadrant, with the two splits drawn."""
    known = values.dropna(subset=["clv", "p_alive"])
    known = known[known["clv"] > 0]
    if known.empty:
        return empty_chart("the value map")
    labels = quadrant_of(known, quadrants.value_split, quadrants.alive_split)
    fig, ax = plt.subplots(figsize=(8, 4.2))
    palette = dict(zip(QUADRANTS, sns.color_palette("colorblind", 4), strict=True))
    for name in QUADRANTS:
        part = known[labels == name]
        ax.scatter(part["clv"], part["p_alive"], s=6, alpha=0.5, color=palette[name], label=name)
    ax.set_xscale("log")
    ax.axvline(quadrants.value_split, color="black", lw=0.8, ls="--")
    ax.axhline(quadrants.alive_split, color="black", lw=0.8, ls="--")
    ax.set_xlabel("expected value (log scale)")
    ax.set_ylabel("P(alive)")
    ax.set_xlim(left=max(float(np.quantile(known["clv"], 0.01)), float(known["clv"].min())))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small", markerscale=3)
    rows = quadrants.table
    listed = "; ".join(
        f"{q}: {int(c):,} customers, {percent(s, 0)} of value"
        for q, c, s in rows[["quadrant", "customers", "clv_share"]].itertuples(index=False)
    )
    return Chart(fig, f"Scatter of P(alive) against expected value, split at {quadrants.value_split:,.0f} and "
                      f"{percent(quadrants.alive_split, 0)}: {listed}")  # fmt: skip
