"""Figures for the stage notebooks, drawn from result objects (never from raw events).

Each function returns a matplotlib figure; notebooks pass it to :func:`journey.display.plots.show`
with alt text. Colours come from the project theme (colorblind palette).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns
from matplotlib.ticker import PercentFormatter

from journey.display.plots import DURATION_TICKS, duration_label, no_data
from journey.stages.attribution import Attribution
from journey.stages.funnels import Funnel, TimeToConvert
from journey.stages.kpis import StageTable
from journey.stages.retention import Cohorts, RetentionCurve


def funnel_bars(result: Funnel, title: str = "") -> plt.Figure:
    """Horizontal bars of users per step, labelled with users, conversion from start and step conversion."""
    frame = result.table
    if frame.empty or frame["users"].max() == 0:
        return no_data("the funnel")
    fig, ax = plt.subplots(figsize=(8, 0.6 * len(frame) + 1.2))
    ax.barh(frame["step"], frame["users"], color=sns.color_palette()[0])
    for y, row in enumerate(frame.itertuples()):
        label = f"  {row.users:,} ({row.conversion_from_start:.1%} of start"
        label += f", {row.conversion_from_previous:.1%} of previous)" if y else ")"
        ax.text(row.users, y, label, va="center", fontsize=9)
    ax.invert_yaxis()
    ax.set_xlabel("users")
    ax.set_xlim(0, max(frame["users"].max(), 1) * 1.6)
    ax.set_title(title or f"Funnel within {result.window_seconds / 86_400:g} days")
    return fig


def funnel_by(result: Funnel) -> plt.Figure:
    """Conversion from the first step to each step, one line per breakdown value."""
    frame = result.table
    if frame.empty:
        return no_data("the funnel breakdown")
    fig, ax = plt.subplots(figsize=(8, 3.8))
    for value, group in frame.groupby(result.by, sort=True):
        ax.plot(
            group["step"], group["conversion_from_start"], marker="o", label=f"{value} ({group['users'].iloc[0]:,})"
        )
    ax.yaxis.set_major_formatter(PercentFormatter(1))  # decimals as the ticks need: 2.5% never reads 2%
    ax.set_ylabel("conversion from first step")
    ax.legend(title=result.by, fontsize=8)
    return fig


def time_to_convert(result: TimeToConvert) -> plt.Figure:
    """Median and 90th percentile time from the chain start to each step, on a log scale.

    Medians are often seconds and 90th percentiles days (people come back later): on a linear
    axis the medians vanish, so the axis is logarithmic with plain-duration ticks and every bar
    says its value.
    """
    frame = result.table
    if frame.empty or frame["users"].sum() == 0:
        return no_data("time to convert")
    fig, ax = plt.subplots(figsize=(8, 0.7 * len(frame) + 1.4))
    y = np.arange(len(frame))
    longest = 1.0
    for offset, column, label in ((-0.2, "median_seconds", "median"), (0.2, "p90_seconds", "90th percentile")):
        seconds = frame[column].astype(float).clip(lower=1.0)  # a log axis has no 0: under a second shows as 1 s
        ax.barh(y + offset, seconds, height=0.4, label=label)
        for yi, value, raw in zip(y + offset, seconds, frame[column], strict=True):
            ax.text(value * 1.1, yi, duration_label(float(raw)), va="center", fontsize=8)
        longest = max(longest, float(np.nanmax(seconds)))
    ax.set_xscale("log")
    ticks = [t for t in DURATION_TICKS if t <= longest * 3]
    ax.set_xticks(ticks, [duration_label(t) for t in ticks])
    ax.minorticks_off()
    ax.set_xlim(1, longest * 4)  # room for the value labels
    ax.set_yticks(y, frame["step"])
    ax.invert_yaxis()
    ax.set_xlabel("time from the first step (log scale)")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False)  # clear of the bars
    return fig


def exposure_effects(result: StageTable) -> plt.Figure:
    """Difference in conversion (exposed - unexposed) with its CI, one row per exposure."""
    frame = result.table.dropna(subset=["effect_size"])
    if frame.empty:
        return no_data("exposures")
    fig, ax = plt.subplots(figsize=(8, 0.55 * max(len(frame), 1) + 1.2))
    y = np.arange(len(frame))
    err = [frame["effect_size"] - frame["effect_size_ci_lower"], frame["effect_size_ci_upper"] - frame["effect_size"]]
    ax.errorbar(frame["effect_size"] * 100, y, xerr=np.array(err) * 100, fmt="o", capsize=4)
    ax.axvline(0, color="grey", lw=1)
    ax.set_yticks(y, frame["label"])
    ax.invert_yaxis()
    ax.set_xlabel("conversion difference, exposed - unexposed (percentage points; association, not cause)")
    return fig


def cohort_heatmap(result: Cohorts) -> plt.Figure:
    """Retention rates per cohort (rows) and period (columns); blank cells are not yet observed."""
    rates = result.rates
    if rates.empty:
        return no_data("cohorts")
    matrix = rates[list(range(result.periods + 1))].astype(float)
    matrix.index = [f"{c:%Y-%m-%d} ({n:,})" for c, n in zip(rates["cohort"], rates["cohort_size"], strict=True)]
    fig, ax = plt.subplots(figsize=(9, 0.35 * len(matrix) + 1.5))
    sns.heatmap(matrix, annot=True, fmt=".0%", cmap="Blues", cbar=False, ax=ax, annot_kws={"fontsize": 7})
    ax.grid(False)
    ax.set_xlabel(f"{result.period}s since the cohort {result.period}")
    ax.set_ylabel("cohort (users)")
    return fig


def retention_curve(result: RetentionCurve) -> plt.Figure:
    frame = result.table.dropna(subset=["rate"])
    if frame.empty:
        return no_data("retention")
    fig, ax = plt.subplots(figsize=(8, 3.2))
    ax.plot(frame["period"], frame["rate"], marker="o")
    ax.fill_between(frame["period"], frame["rate_ci_lower"], frame["rate_ci_upper"], alpha=0.25)
    ax.yaxis.set_major_formatter(PercentFormatter(1))
    ax.set_xlabel("period")
    ax.set_ylabel("retained")
    return fig


def attribution_comparison(result: Attribution) -> plt.Figure:
    """Share of conversions credited to each channel, one bar group per channel, one bar per model."""
    wide = result.pivot("share")
    if wide.empty:
        return no_data("attribution")
    fig, ax = plt.subplots(figsize=(9, 3.8))
    wide.plot.bar(ax=ax, width=0.8, rot=0)
    ax.yaxis.set_major_formatter(PercentFormatter(1))
    ax.set_ylabel("share of conversions")
    ax.set_xlabel("")
    # above the axes: inside, the legend covered the tallest bars
    ax.legend(title="model", fontsize=8, ncols=min(len(wide.columns), 7), loc="lower center", bbox_to_anchor=(0.5, 1.0))
    return fig


def rate_bars(result: StageTable, label: str, value: str, xlabel: str) -> plt.Figure:
    """A simple bar per row (e.g. conversion by page-load bucket, bounce by channel)."""
    frame = result.table
    if frame.empty:
        return no_data(xlabel)
    fig, ax = plt.subplots(figsize=(8, 3.2))
    ax.bar(frame[label].astype(str), frame[value])
    ax.yaxis.set_major_formatter(PercentFormatter(1))
    ax.set_xlabel(xlabel)
    return fig
