"""Headline KPIs by journey stage for the weekly front page, with the change vs the previous window.

A user "reaches" a stage in a window when they have at least one event of that stage in
it; stages are counted independently (a returning customer can reach retention without a
new awareness event). Conversion is purchasers ÷ users with any event in the window.
All counting runs in the engine; pandas only sees a handful of numbers. Events are read
through :func:`journey.data.event_input.prepare_events`, as every stage function reads them:
timezone-naive timestamps are rejected (a day boundary would depend on the machine's zone).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import ibis
import pandas as pd

from journey.data.event_input import prepare_events
from journey.data.sources import DataLike
from journey.data.window import Window
from journey.display.results import ResultMixin, display_frame, format_number
from journey.display.text import change, percent
from journey.stages.kpis import STAGE_EVENTS, stage_case

PURCHASE_EVENTS = ("purchase", "repeat_purchase")


@dataclass(frozen=True, slots=True)
class StageKPIs(ResultMixin):
    """Users reaching each stage in the window and the previous window of the same length."""

    caption = "Users reaching each stage"

    window: Window
    stages: tuple[str, ...]
    users: tuple[int, ...]
    previous_users: tuple[int, ...]

    def to_frame(self) -> pd.DataFrame:
        frame = pd.DataFrame({"stage": self.stages, "users": self.users, "previous_users": self.previous_users})
        top = frame["users"].iloc[0] if len(frame) else 0
        frame["share_of_first_stage"] = frame["users"] / top if top else math.nan
        frame["rel_change"] = [
            (cur - prev) / prev if prev else math.nan
            for cur, prev in zip(frame["users"], frame["previous_users"], strict=True)
        ]
        return frame


@dataclass(frozen=True, slots=True)
class HeadlineKPIs(ResultMixin):
    """Visitors, purchasers, conversion, orders and revenue in the window vs the previous one."""

    caption = "Headline numbers"

    window: Window
    current: Mapping[str, float]
    previous: Mapping[str, float]

    def to_frame(self) -> pd.DataFrame:
        rows = []
        for metric, value in self.current.items():
            prev = self.previous.get(metric, math.nan)
            change = (value - prev) / prev if prev and not math.isnan(prev) else math.nan
            rows.append({"metric": metric, "value": value, "previous": prev, "rel_change": change})
        return pd.DataFrame(rows)

    def _shown(self) -> pd.DataFrame:
        # each row is its own metric: the conversion row reads as a percentage, like the summary says it
        frame = self.to_frame()
        shown = display_frame(frame)
        rate = frame["metric"] == "conversion"
        for column in ("value", "previous"):
            shown.loc[rate, column] = [format_number(v, unit="percent") for v in frame.loc[rate, column]]
        return shown


def stage_kpis(data: DataLike, window: Window, stages: Mapping[str, Sequence[str]] | None = None) -> StageKPIs:
    """Distinct users with an event of each stage, in ``window`` and in the window before it."""
    stages = dict(stages or STAGE_EVENTS)
    events = prepare_events(data)
    both = Window(window.previous().start, window.end)
    scoped = both.filter(events)
    scoped = scoped.mutate(
        stage=stage_case(scoped.event, stages),  # stage index 1..n, 0 = unmapped
        current=scoped.ts >= ibis.literal(window.start_ts),
    )
    counts = (
        scoped.filter(scoped.stage > 0)
        .group_by(["stage", "current"])
        .aggregate(users=scoped.user_id.nunique())
        .execute()
    )
    names = tuple(stages)
    lookup = {(names[int(row.stage) - 1], bool(row.current)): int(row.users) for row in counts.itertuples()}
    return StageKPIs(
        window=window,
        stages=names,
        users=tuple(lookup.get((s, True), 0) for s in names),
        previous_users=tuple(lookup.get((s, False), 0) for s in names),
    )


def _headline(events: ibis.Table, window: Window) -> dict[str, float]:
    scoped = window.filter(events)
    bought = scoped.event.isin(list(PURCHASE_EVENTS))
    row = scoped.aggregate(
        visitors=scoped.user_id.nunique(),
        purchasers=scoped.user_id.nunique(where=scoped.event == "purchase"),
        orders=bought.sum(),
        revenue=scoped.revenue.sum(where=bought),
    ).execute()
    visitors = int(row["visitors"].iloc[0] or 0)
    purchasers = int(row["purchasers"].iloc[0] or 0)
    orders = int(row["orders"].iloc[0] or 0)
    revenue = row["revenue"].iloc[0]
    revenue = float(revenue) if pd.notna(revenue) else 0.0  # SUM over no orders is NULL; no orders earn 0
    return {
        "visitors": visitors,
        "purchasers": purchasers,
        "conversion": purchasers / visitors if visitors else math.nan,
        "orders": orders,
        "revenue": revenue,
        "revenue_per_order": revenue / orders if orders else math.nan,
    }


def headline_kpis(data: DataLike, window: Window) -> HeadlineKPIs:
    """Headline numbers for ``window`` and for the window of the same length before it."""
    events = prepare_events(data, numeric=["revenue"])
    return HeadlineKPIs(window, _headline(events, window), _headline(events, window.previous()))


def daily_trend(data: DataLike, window: Window) -> pd.DataFrame:
    """Per UTC day: visitors, purchasers and revenue (one grouped query)."""
    events = window.filter(prepare_events(data, numeric=["revenue"]))
    bought = events.event.isin(list(PURCHASE_EVENTS))
    return (
        events.group_by(day=events.ts.date())
        .aggregate(
            visitors=events.user_id.nunique(),
            purchasers=events.user_id.nunique(where=events.event == "purchase"),
            revenue=events.revenue.sum(where=bought),
        )
        .order_by("day")
        .execute()
    )


def summary_sentences(headline: HeadlineKPIs, stages: StageKPIs) -> list[str]:
    """3-5 sentences for the executive summary, built only from the numbers."""
    cur, prev = headline.current, headline.previous
    sentences = [
        f"{int(cur['visitors']):,} people visited between {headline.window.start} and {headline.window.end} "
        f"({change(cur['visitors'], prev['visitors'])}).",
        f"{int(cur['purchasers']):,} made a first purchase: conversion {percent(cur['conversion'])} "
        f"(previous window {percent(prev['conversion'])}).",
        f"Revenue was ${cur['revenue']:,.0f} from {int(cur['orders']):,} orders "
        f"({change(cur['revenue'], prev['revenue'])}).",
    ]
    frame = stages.to_frame()
    if len(frame) > 1 and frame["users"].iloc[0]:
        steps = list(zip(frame["stage"], frame["users"], strict=True))
        drops = [(a_name, b_name, 1 - b / a) for (a_name, a), (b_name, b) in itertools.pairwise(steps) if a]
        if drops:
            a_name, b_name, drop = max(drops, key=lambda d: d[2])
            sentences.append(
                f"The biggest drop is from {a_name} to {b_name}: {percent(drop)} of users who reached "
                f"{a_name} did not reach {b_name}."
            )
    return sentences
