"""Figures for the stage notebooks (00-40), drawn from result objects (never from raw events).

Each function returns a :class:`journey.display.plots.Chart`: the figure and its alt text,
both built here from the same numbers, so the description a screen reader hears cannot drift
from what is drawn. Notebooks pass it to :func:`journey.display.plots.show`. An empty result
gives the ``no_data`` placeholder with an alt text saying so. Colours come from the project
theme (colorblind palette).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.ticker import PercentFormatter

from journey.data.window import Window
from journey.display.plots import DURATION_TICKS, STAGE_COLORS, Chart, duration_label, empty_chart
from journey.display.text import percent, signed
from journey.stages.attribution import Attribution
from journey.stages.funnels import Funnel, TimeToConvert
from journey.stages.kpis import StageTable
from journey.stages.retention import Cohorts, RetentionCurve

if TYPE_CHECKING:  # overview and propensity import ibis/statsmodels paths the stage figures do not need
    from journey.stages.overview import StageKPIs
    from journey.stages.propensity import Propensity


def _listed(pairs) -> str:
    return "; ".join(f"{name}: {value}" for name, value in pairs)


def stage_users(result: StageKPIs) -> Chart:
    """Users reaching each journey stage this window (coloured bars) over the previous window (grey)."""
    frame = result.to_frame()
    if frame.empty or frame["users"].max() == 0:
        return empty_chart("the journey stages")
    fig, ax = plt.subplots(figsize=(8, 3.6))
    ax.barh(frame["stage"], frame["previous_users"], color="#cccccc", label="previous window", height=0.8)
    colors = [STAGE_COLORS.get(s, sns.color_palette()[0]) for s in frame["stage"]]
    ax.barh(frame["stage"], frame["users"], color=colors, label="this window", height=0.5)
    for y, (users, share) in enumerate(zip(frame["users"], frame["share_of_first_stage"], strict=True)):
        ax.text(users, y, f"  {users:,} ({percent(share, 0)})", va="center")
    ax.invert_yaxis()
    ax.set_xlabel("users")
    ax.legend(loc="lower right")
    alt = (
        "Horizontal bars of users reaching each journey stage this window, over grey bars for the previous window; "
        + _listed((s, f"{u:,} (previous {p:,})") for s, u, p in frame[["stage", "users", "previous_users"]].values)
    )
    return Chart(fig, alt)


def daily_trend(frame: pd.DataFrame, window: Window) -> Chart:
    """Visitors and purchasers (scaled x10 to share the axis) per UTC day, from ``overview.daily_trend``."""
    if frame.empty:
        return empty_chart("the daily trend")
    fig, ax = plt.subplots(figsize=(9, 3.4))
    ax.plot(frame["day"], frame["visitors"], label="visitors")
    ax.plot(frame["day"], frame["purchasers"] * 10, label="purchasers × 10")
    ax.set_ylabel("people per day")
    ax.legend()
    fig.autofmt_xdate()
    busiest = frame.loc[frame["visitors"].idxmax()]
    alt = (
        f"Line chart of daily visitors and purchasers (scaled ×10) from {window.start} to {window.end}: "
        f"{int(frame['visitors'].mean()):,} visitors and {frame['purchasers'].mean():.1f} purchasers a day on average; "
        f"busiest day {pd.Timestamp(busiest['day']):%Y-%m-%d} with {int(busiest['visitors']):,} visitors"
    )
    return Chart(fig, alt)


def reach_bars(result: StageTable) -> Chart:
    """Users reached and new users per channel (awareness)."""
    frame = result.table
    if frame.empty:
        return empty_chart("channel reach")
    fig, ax = plt.subplots(figsize=(8, 3.6))
    ax.bar(frame["channel"], frame["reach"], label="reach")
    ax.bar(frame["channel"], frame["new_users"], width=0.5, label="new users")
    ax.set_xlabel("channel")
    ax.set_ylabel("users")
    ax.legend()
    alt = "Bars of users reached and new users per channel: " + _listed(
        (c, f"{r:,} reached, {n:,} new") for c, r, n in frame[["channel", "reach", "new_users"]].values
    )
    return Chart(fig, alt)


def funnel_bars(result: Funnel, title: str = "") -> Chart:
    """Horizontal bars of users per step, labelled with users, conversion from start and step conversion."""
    frame = result.table
    if frame.empty or frame["users"].max() == 0:
        return empty_chart("the funnel")
    fig, ax = plt.subplots(figsize=(8, 0.6 * len(frame) + 1.2))
    ax.barh(frame["step"], frame["users"], color=sns.color_palette()[0])
    for y, row in enumerate(frame.itertuples()):
        label = f"  {row.users:,} ({percent(row.conversion_from_start)} of start"
        label += f", {percent(row.conversion_from_previous)} of previous)" if y else ")"
        ax.text(row.users, y, label, va="center", fontsize=9)
    ax.invert_yaxis()
    ax.set_xlabel("users")
    ax.set_xlim(0, max(frame["users"].max(), 1) * 1.6)
    title = title or f"Funnel within {result.window_seconds / 86_400:g} days"
    ax.set_title(title)
    alt = f"{title}: bars of users per step; " + _listed(
        (s, f"{u:,} ({percent(c)} of start)") for s, u, c in frame[["step", "users", "conversion_from_start"]].values
    )
    return Chart(fig, alt)


def funnel_by(result: Funnel) -> Chart:
    """Conversion from the first step to each step, one line per breakdown value."""
    frame = result.table
    if frame.empty:
        return empty_chart("the funnel breakdown")
    fig, ax = plt.subplots(figsize=(8, 3.8))
    ends = []
    for value, group in frame.groupby(result.by, sort=True, dropna=False):  # the null group is users too
        value = "(none)" if pd.isna(value) else value
        ax.plot(
            group["step"], group["conversion_from_start"], marker="o", label=f"{value} ({group['users'].iloc[0]:,})"
        )
        ends.append((value, percent(group["conversion_from_start"].iloc[-1])))
    ax.yaxis.set_major_formatter(PercentFormatter(1))  # decimals as the ticks need: 2.5% never reads 2%
    ax.set_xlabel("step")
    ax.set_ylabel("conversion from first step")
    ax.legend(title=result.by, fontsize=8)
    last = frame["step"].iloc[-1]
    alt = f"Conversion from the first step to each step, one line per {result.by}; reaching {last!r}: " + _listed(ends)
    return Chart(fig, alt)


def time_to_convert(result: TimeToConvert) -> Chart:
    """Median and 90th percentile time from the chain start to each step, on a log scale.

    Medians are often seconds and 90th percentiles days (people come back later): on a linear
    axis the medians vanish, so the axis is logarithmic with plain-duration ticks and every bar
    says its value.
    """
    frame = result.table
    if frame.empty or frame["users"].sum() == 0:
        return empty_chart("time to convert")
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
    alt = "Median and 90th percentile time from the first step to each step: " + _listed(
        (s, f"median {duration_label(float(m))}, 90th percentile {duration_label(float(p))}")
        for s, m, p in frame[["step", "median_seconds", "p90_seconds"]].values
    )
    return Chart(fig, alt)


def exposure_effects(result: StageTable) -> Chart:
    """Difference in conversion (exposed - unexposed) with its CI, one row per exposure."""
    frame = result.table.dropna(subset=["effect_size"]) if not result.table.empty else result.table
    if frame.empty:
        return empty_chart("exposures")
    fig, ax = plt.subplots(figsize=(8, 0.55 * max(len(frame), 1) + 1.2))
    y = np.arange(len(frame))
    err = [frame["effect_size"] - frame["effect_size_ci_lower"], frame["effect_size_ci_upper"] - frame["effect_size"]]
    ax.errorbar(frame["effect_size"] * 100, y, xerr=np.array(err) * 100, fmt="o", capsize=4)
    ax.axvline(0, color="grey", lw=1)
    ax.set_yticks(y, frame["label"])
    ax.invert_yaxis()
    ax.set_xlabel("conversion difference, exposed - unexposed (percentage points; association, not cause)")

    def interval(r) -> str:
        lo, hi = signed(r.effect_size_ci_lower * 100, 1), signed(r.effect_size_ci_upper * 100, 1)
        return f"{signed(r.effect_size * 100, 1)} [{lo}, {hi}]"

    alt = (
        "Difference in purchase rate between exposed and unexposed users, in percentage points with 95% intervals "
        "(association, not cause): " + _listed((r.label, interval(r)) for r in frame.itertuples())
    )
    return Chart(fig, alt)


def cohort_heatmap(result: Cohorts) -> Chart:
    """Retention rates per cohort (rows) and period (columns); blank cells are not yet observed."""
    rates = result.rates
    if rates.empty:
        return empty_chart("cohorts")
    matrix = rates[list(range(result.periods + 1))].astype(float)
    matrix.index = [f"{c:%Y-%m-%d} ({n:,})" for c, n in zip(rates["cohort"], rates["cohort_size"], strict=True)]
    fig, ax = plt.subplots(figsize=(9, 0.35 * len(matrix) + 1.5))
    sns.heatmap(matrix, annot=True, fmt=".0%", cmap="Blues", cbar=False, ax=ax, annot_kws={"fontsize": 7})
    ax.grid(False)
    ax.set_xlabel(f"{result.period}s since the cohort {result.period}")
    ax.set_ylabel("cohort (users)")
    first = matrix[1].dropna() if 1 in matrix else pd.Series(dtype=float)
    alt = (
        f"Heatmap of the share of each {result.period} cohort returning in each following {result.period}: "
        f"{len(matrix)} cohorts from {rates['cohort'].min():%Y-%m-%d} to {rates['cohort'].max():%Y-%m-%d}, "
        f"{int(rates['cohort_size'].sum()):,} users"
    )
    if len(first):
        alt += f"; {result.period} 1 retention from {percent(first.min())} to {percent(first.max())}"
    return Chart(fig, alt)


def retention_curve(result: RetentionCurve) -> Chart:
    """Average retention per period, pooled across cohorts, with its 95% band."""
    frame = result.table.dropna(subset=["rate"]) if not result.table.empty else result.table
    if frame.empty:
        return empty_chart("retention")
    fig, ax = plt.subplots(figsize=(8, 3.2))
    ax.plot(frame["period"], frame["rate"], marker="o")
    ax.fill_between(frame["period"], frame["rate_ci_lower"], frame["rate_ci_upper"], alpha=0.25)
    ax.yaxis.set_major_formatter(PercentFormatter(1))
    ax.set_xlabel("period")
    ax.set_ylabel("retained")
    alt = "Average retention by period with a shaded 95% band: " + _listed(
        (f"period {int(p)}", percent(r)) for p, r in frame[["period", "rate"]].values
    )
    return Chart(fig, alt)


def attribution_comparison(result: Attribution) -> Chart:
    """Share of conversions credited to each channel, one bar group per channel, one bar per model."""
    wide = result.pivot("share")
    if wide.empty:
        return empty_chart("attribution")
    fig, ax = plt.subplots(figsize=(9, 3.8))
    wide.plot.bar(ax=ax, width=0.8, rot=0)
    ax.yaxis.set_major_formatter(PercentFormatter(1))
    ax.set_ylabel("share of conversions")
    ax.set_xlabel("channel")
    # above the axes: inside, the legend covered the tallest bars
    ax.legend(title="model", fontsize=8, ncols=min(len(wide.columns), 7), loc="lower center", bbox_to_anchor=(0.5, 1.0))
    alt = (
        f"Grouped bars of the share of conversions credited to each channel under the {', '.join(wide.columns)} "
        "models; range across models: "
        + _listed((c, f"{percent(row.min())} to {percent(row.max())}") for c, row in wide.iterrows())
    )
    return Chart(fig, alt)


def rate_bars(result: StageTable, label: str, value: str, xlabel: str) -> Chart:
    """A simple bar per row (e.g. conversion by page-load bucket, bounce by channel)."""
    frame = result.table
    if frame.empty:
        return empty_chart(xlabel)
    fig, ax = plt.subplots(figsize=(8, 3.2))
    ax.bar(frame[label].astype(str), frame[value])
    ax.yaxis.set_major_formatter(PercentFormatter(1))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(value.replace("_", " "))
    alt = f"Bars of {value.replace('_', ' ')} by {xlabel}: " + _listed(
        (name, percent(rate)) for name, rate in zip(frame[label].astype(str), frame[value], strict=True)
    )
    return Chart(fig, alt)


def calibration(model: Propensity) -> Chart:
    """Predicted vs observed purchase rate per score decile on held-out users, against the diagonal."""
    cal = model.calibration.reindex(columns=["predicted_rate", "observed_rate"]).dropna()
    if cal.empty:
        return empty_chart(f"a calibration plot ({model.status})")
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.plot(cal["predicted_rate"], cal["observed_rate"], marker="o")
    ax.plot([0, 1], [0, 1], color="grey", lw=1, ls="--")
    ax.set_xlabel("predicted purchase rate")
    ax.set_ylabel("observed purchase rate")
    ax.set_title(f"Calibration on held-out users (AUC {model.auc:.2f})" if model.status == "ok" else model.status)
    gap = (cal["observed_rate"] - cal["predicted_rate"]).abs().max()
    alt = (
        f"Calibration plot of predicted vs observed purchase rate in {len(cal)} score groups of held-out users; "
        f"AUC {model.auc:.2f}; predicted rates from {percent(cal['predicted_rate'].min())} to "
        f"{percent(cal['predicted_rate'].max())}, largest gap to the diagonal {_gap_points(gap)}"
    )
    return Chart(fig, alt)


def _gap_points(value: float) -> str:
    """An unsigned gap between two shares in percentage points (``'2.1 percentage points'``)."""
    return f"{abs(value) * 100:.1f} percentage points"
