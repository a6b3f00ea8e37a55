"""Behaviour segments and preference profiles from the events table, computed in the engine.

Behaviour segments (:data:`journey.segments.rules.BEHAVIOUR_RULES`) count sessions, not clicks:
a customer is a comparison shopper when at least ``min_sessions`` of their sessions hold a
``compare`` event (one, on a history as short as the sample's). They are not exclusive (a
customer can read reviews and compare). Only one row per customer comes back from the engine:
their number of sessions and, per rule, the number of sessions that hold its signal
(``count(distinct session) filter (...)``).

Preference profiles are shares of a customer's events by a dimension's values (``channel``,
``device``, and ``category`` when the events carry one): ``preferred_<dimension>`` is the value
with the most events (ties: the first in sort order), ``<dimension>_share`` its share.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import ibis
import numpy as np
import pandas as pd

from journey.data.event_input import prepare_table
from journey.data.sources import DataLike
from journey.display.results import TableResult
from journey.segments.rules import BEHAVIOUR_RULES, BehaviourRule
from journey.validation import input_error


@dataclass(frozen=True, slots=True)
class BehaviourSegments(TableResult):
    """``customers`` (indexed by customer): ``sessions``, ``<segment>_sessions`` (sessions with the
    rule's signal) and a boolean column per segment. ``table`` (what renders): per segment,
    ``customers``, ``share`` of customers with events, and the rule in words (``definition``)."""

    rules: tuple[BehaviourRule, ...]
    customers: pd.DataFrame
    table: pd.DataFrame
    caption: ClassVar[str] = "Behaviour segments (a customer can be in several)"


def behaviour_segments(
    events: DataLike,
    customer: str = "user_id",
    session: str = "session_id",
    rules: Sequence[BehaviourRule] = BEHAVIOUR_RULES,
) -> BehaviourSegments:
    """Which customers hold each behaviour habit, from their sessions.

    >>> import pandas as pd
    >>> ev = pd.DataFrame({"user_id": [1, 1, 1, 2], "session_id": [1, 2, 2, 3],
    ...     "event": ["compare", "compare", "review_read", "add_to_cart"], "channel": "email"})
    >>> seg = behaviour_segments(ev)
    >>> seg.customers[["sessions", "comparison_shoppers_sessions", "review_readers", "deal_seekers"]].values.tolist()
    [[2, 2, True, False], [1, 0, False, True]]
    """
    rules = tuple(rules)
    if not rules:
        raise input_error("parameter 'rules'", "is empty", "at least one behaviour rule")
    needs_channel = any(rule.channels for rule in rules)
    table = prepare_table(events, columns=[customer, session, "event", *(["channel"] if needs_channel else [])])
    metrics = {"sessions": table[session].nunique()}
    for rule in rules:
        signal = table.event.isin(list(rule.events))
        if rule.channels:
            signal &= table.channel.isin(list(rule.channels))
        metrics[f"{rule.segment}_sessions"] = table[session].nunique(where=signal)
    frame = table.group_by(customer=table[customer]).aggregate(**metrics).execute()
    frame = frame.sort_values("customer", kind="stable").set_index("customer")
    frame.index.name = customer
    out = frame.astype(int)
    for rule in rules:
        out[rule.segment] = out[f"{rule.segment}_sessions"] >= rule.min_sessions
    n = len(out)
    summary = pd.DataFrame(
        {
            "segment": [rule.segment for rule in rules],
            "customers": [int(out[rule.segment].sum()) for rule in rules],
            "share": [out[rule.segment].mean() if n else np.nan for rule in rules],
            "definition": [rule.description for rule in rules],
        }
    )
    return BehaviourSegments(rules, out, summary)


@dataclass(frozen=True, slots=True)
class Preferences(TableResult):
    """Preference profiles. ``shares``: one row per customer, dimension and value (``events``,
    ``share`` of the customer's events with a value in that dimension). ``customers`` (indexed by
    customer): ``preferred_<dimension>`` and ``<dimension>_share`` per dimension. ``table`` (what
    renders): per dimension and value, how many customers prefer it and their ``share``."""

    dimensions: tuple[str, ...]
    shares: pd.DataFrame
    customers: pd.DataFrame
    table: pd.DataFrame
    caption: ClassVar[str] = "Preferred channel, device and category: customers by their top value"


def preferences(
    events: DataLike, customer: str = "user_id", dimensions: Sequence[str] = ("channel", "device")
) -> Preferences:
    """Each customer's affinity to the values of ``dimensions`` (event shares), and their top value.

    >>> import pandas as pd
    >>> ev = pd.DataFrame({"user_id": [1, 1, 1, 2], "channel": ["email", "email", "organic", "organic"]})
    >>> prefs = preferences(ev, dimensions=["channel"])
    >>> prefs.customers.values.tolist()
    [['email', 0.6666666666666666], ['organic', 1.0]]
    """
    dimensions = tuple(dict.fromkeys(dimensions))
    if not dimensions:
        raise input_error("parameter 'dimensions'", "is empty", "event columns such as 'channel', 'device'")
    table = prepare_table(events, columns=[customer, *dimensions])
    parts = []
    for dimension in dimensions:
        rows = table.filter(table[dimension].notnull())
        counts = rows.group_by(customer=rows[customer], value=rows[dimension].cast("string")).aggregate(
            events=rows.count()
        )
        per_customer = ibis.window(group_by="customer")
        ranked = ibis.window(group_by="customer", order_by=[ibis.desc("events"), "value"])
        counts = counts.mutate(
            dimension=ibis.literal(dimension),
            share=counts.events / counts.events.sum().over(per_customer),
            rank=ibis.row_number().over(ranked),
        )
        parts.append(counts)
    shares = ibis.union(*parts).execute() if len(parts) > 1 else parts[0].execute()
    shares = shares.sort_values(["customer", "dimension", "rank"], kind="stable", ignore_index=True)
    top = shares[shares["rank"] == 0]
    wide = pd.DataFrame(index=pd.Index(sorted(shares["customer"].unique()), name=customer))
    for dimension in dimensions:
        rows = top[top["dimension"] == dimension].set_index("customer")
        wide[f"preferred_{dimension}"] = rows["value"].reindex(wide.index)
        wide[f"{dimension}_share"] = rows["share"].reindex(wide.index).astype(float)
    summary = top.groupby(["dimension", "value"]).size().rename("customers").reset_index()
    summary["share"] = summary["customers"] / len(wide) if len(wide) else np.nan
    summary = summary.sort_values(["dimension", "customers"], ascending=[True, False], ignore_index=True)
    long = shares.drop(columns="rank").rename(columns={"customer": customer})
    long = long[[customer, "dimension", "value", "events", "share"]]
    return Preferences(dimensions, long, wide, summary)


__all__ = ["BehaviourSegments", "Preferences", "behaviour_segments", "preferences"]
