"""Figures for the feedback report (notebook 60): weekly NPS and CSAT, and themes by channel and sentiment.

Like every figure function, each returns a :class:`journey.display.plots.Chart` (figure and alt
text built from the same numbers). The theme map is in :mod:`journey.feedback.theme_plot`.
"""

from __future__ import annotations

import datetime as dt

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from journey.display.plots import Chart, empty_chart
from journey.display.text import percent, signed
from journey.feedback.scores import ScoreTrend

_SCORE_NAMES = {"nps": "NPS", "csat": "CSAT (share of 4-5 stars)"}


def _score_text(metric: str, value: float) -> str:
    return percent(value, 0) if metric == "csat" else signed(value)  # CSAT is a share, NPS is -100..100


def score_trends(trends: list[ScoreTrend], window_start: dt.datetime | None = None) -> Chart:
    """One panel per score (NPS, CSAT) by period with 95% bands; a dashed line where the report window starts."""
    trends = [t for t in trends if not t.frame.empty]
    if not trends:
        return empty_chart("NPS or CSAT")
    fig, axes = plt.subplots(1, len(trends), figsize=(5.5 * len(trends), 3.6), squeeze=False)
    parts = []
    for ax, trend in zip(axes[0], trends, strict=True):
        frame = trend.frame
        name = _SCORE_NAMES.get(trend.metric, trend.metric)
        ax.plot(frame["period"], frame["value"], marker="o")
        ax.fill_between(frame["period"], frame["value_ci_lower"], frame["value_ci_upper"], alpha=0.25)
        if window_start is not None:
            ax.axvline(window_start, color="grey", linestyle="--", linewidth=1)
        ax.set_title(name)
        ax.set_xlabel("week")
        ax.set_ylabel(trend.metric.upper())
        ax.tick_params(axis="x", rotation=45)
        last = frame.iloc[-1]
        parts.append(
            f"{name} {_score_text(trend.metric, frame['value'].iloc[0])} in the first period, "
            f"{_score_text(trend.metric, last['value'])} in the last ({pd.Timestamp(last['period']):%Y-%m-%d})"
        )
    alt = "Weekly scores with 95% confidence bands"
    alt += "; the dashed line marks the start of the report window: " if window_start is not None else ": "
    return Chart(fig, alt + "; ".join(parts))


def theme_heatmaps(by_channel: pd.DataFrame, by_sentiment: pd.DataFrame) -> Chart:
    """Share of each channel's (left) and each sentiment label's (right) feedback in each of the largest
    themes: the frames of ``FeedbackAnalysis.theme_by('channel')`` and ``theme_by('sentiment_label')``."""
    if by_channel.empty and by_sentiment.empty:
        return empty_chart("themes by channel and sentiment")
    fig, axes = plt.subplots(1, 2, figsize=(12, 5), sharey=True)
    parts = []
    for ax, table, cmap, title in (
        (axes[0], by_channel, "Blues", "Theme x channel"),
        (axes[1], by_sentiment, "Purples", "Theme x sentiment"),
    ):
        ax.set_title(title)
        ax.set_xlabel("")
        ax.set_ylabel("")
        if table.empty:
            ax.axis("off")
            continue
        sns.heatmap(table, annot=True, fmt=".0%", cmap=cmap, cbar=False, ax=ax)
        ax.set_xlabel("")
        ax.set_ylabel("")
        shares = {column: table[column].dropna() for column in table.columns}
        tops = [f"{c}: {v.idxmax()} ({percent(v.max(), 0)})" for c, v in shares.items() if len(v)]
        parts.append(f"largest theme per {title.split(' x ')[1]}: " + ", ".join(tops))
    alt = "Heatmaps of the share of each theme within each channel and within each sentiment label; " + "; ".join(parts)
    return Chart(fig, alt)
