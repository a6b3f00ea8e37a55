"""How the health bands moved: the score recomputed at weekly cutoffs, customers per band each week."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from journey.data.days import utc_instant
from journey.data.sources import DataLike
from journey.display.plots import Chart, empty_chart
from journey.display.results import TableResult
from journey.display.text import percent
from journey.health.config import HealthConfig
from journey.health.features import customer_features
from journey.health.score import health_scores


@dataclass(frozen=True, slots=True)
class BandTrend(TableResult):
    """Per weekly ``cutoff`` and ``band``: ``customers`` and their ``share`` of that week's scored customers."""

    table: pd.DataFrame

    def report_caption(self) -> str:
        return "Customers per health band at each weekly cutoff"

    def wide(self) -> pd.DataFrame:
        return self.table.pivot(index="cutoff", columns="band", values="share").fillna(0.0)


def band_trend(
    source: DataLike,
    end: str | dt.datetime,
    recipe: HealthConfig,
    weeks: int = 8,
    features: Callable[[pd.Timestamp], pd.DataFrame] | None = None,
) -> BandTrend:
    """Score every customer at ``end`` and at each of the ``weeks - 1`` weekly cutoffs before it.

    ``features`` (cutoff -> :func:`customer_features`) lets a caller that already built some
    cutoffs' features reuse them; by default they are built from ``source``."""
    build = features or (lambda cutoff: customer_features(source, cutoff))
    at = utc_instant(end, "end")
    rows = []
    for k in range(weeks - 1, -1, -1):
        cutoff = at - pd.Timedelta(weeks=k)
        counts = health_scores(build(cutoff), recipe).band_counts()
        rows.append(counts.assign(cutoff=cutoff.tz_convert(None).normalize()))
    frame = pd.concat(rows, ignore_index=True)[["cutoff", "band", "customers", "share"]]
    return BandTrend(frame)


def band_trend_chart(trend: BandTrend, recipe: HealthConfig) -> Chart:
    """Stacked shares of customers per band over the weekly cutoffs."""
    wide = trend.wide()
    if wide.empty:
        return empty_chart("the health trend")
    order = [b.name for b in recipe.bands if b.name in wide.columns] + [c for c in wide.columns if c not in
                                                                         {b.name for b in recipe.bands}]  # fmt: skip
    wide = wide[order]
    fig, ax = plt.subplots(figsize=(8, 3.4))
    colors = [*sns.color_palette("RdYlGn", len(recipe.bands)), (0.6, 0.6, 0.6)][: len(order)]
    ax.stackplot(wide.index, *[wide[c] for c in order], labels=order, colors=colors, alpha=0.9)
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: percent(v, 0)))
    ax.set_ylim(0, 1)
    ax.set_ylabel("share of customers")
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %d"))
    fig.autofmt_xdate()
    ax.legend(loc="upper left", fontsize="small", ncols=len(order))
    first, last = wide.iloc[0], wide.iloc[-1]
    moves = "; ".join(f"{band}: {percent(first[band], 0)} to {percent(last[band], 0)}" for band in order)
    return Chart(fig, f"Stacked shares of customers per health band, {wide.index[0].date()} to "
                      f"{wide.index[-1].date()}: {moves}")  # fmt: skip
