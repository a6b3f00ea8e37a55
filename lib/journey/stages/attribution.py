"""Multi-touch attribution: rule-based models in the engine, Markov removal effect solved exactly.

Definitions:

* a user's **conversion** is their first ``conversion_event``; its ``revenue`` (0 when null)
  is what gets credited;
* a user's **touches** are their ``touch_events`` at or before that conversion (all of them
  for users who never convert), ordered by time, ties by channel name; users with no touch
  are left out;
* rule models give each converting user's one conversion as weights over their touches:
  ``first``, ``last``, ``linear`` (1/n per touch), ``linear_unique`` (1/d per distinct
  channel), ``position`` (40/20/40; 50/50 with two touches; all with one),
  ``time_decay`` (weight 2^(-age/half-life), age = conversion time - touch time, normalised);
* ``markov``: the first-order absorbing Markov chain over channel paths (start -> touches ->
  conversion or null), built from **all** paths including non-converting ones. The removal
  effect of a channel is ``1 - P(conv | channel removed) / P(conv)``, with absorption
  probabilities solved exactly from ``(I - Q) x = r`` (no simulation); conversions and
  revenue are shared in proportion to the removal effects. Repeated channels in a path
  are kept (self-transitions).
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import ibis
import numpy as np
import pandas as pd

from journey.data.event_input import check_events_exist, check_steps, prepare_events, row_count
from journey.data.sources import DataLike
from journey.display.results import TableResult, display_frame, format_number
from journey.validation import check_option, input_error

MODELS = ("first", "last", "linear", "linear_unique", "position", "time_decay", "markov")


@dataclass(frozen=True, slots=True)
class Attribution(TableResult):
    """Credited ``conversions`` and ``revenue`` per ``channel`` and ``model`` (long format), with
    ``share`` of the model's conversions. Records the touch/conversion events, the time-decay
    ``half_life_days``, ``users`` with a touch, ``converters`` among them and a ``status``."""

    caption = "Share of conversions credited to each channel, by model"

    touch_events: tuple[str, ...]
    conversion_event: str
    models: tuple[str, ...]
    half_life_days: float
    users: int
    converters: int
    status: str
    table: pd.DataFrame

    def _shown(self) -> pd.DataFrame:
        # one row per channel and a column per model reads at a glance (the long table had channels x models rows);
        # credited counts and revenue stay in to_frame()
        if self.table.empty:
            return display_frame(self.to_frame())
        wide = self.pivot("share")
        shown = wide.apply(lambda column: [format_number(v, "share") for v in column])
        return shown.rename_axis(columns=None).reset_index()

    def pivot(self, value: str = "conversions") -> pd.DataFrame:
        """Channels as rows, models as columns (for the comparison plot)."""
        return self.table.pivot(index="channel", columns="model", values=value).reindex(columns=list(self.models))


def _touches(
    table: ibis.Table,
    touch_events: Sequence[str],
    conversion_event: str,
    *,
    user_id: str,
    ts: str,
    event: str,
    channel: str,
    revenue: str | None,
) -> ibis.Table:
    """Touches kept for attribution: ``u, ts, ch, cts, rev, i, n`` (cts null = never converted)."""
    conv = table.filter(table[event] == conversion_event)
    rev = conv[revenue].fill_null(0).cast("float64") if revenue else ibis.literal(0.0)
    conv = conv.select(cu=conv[user_id], cts=conv[ts], rev=rev)
    first = conv.group_by("cu").aggregate(fts=conv.cts.min())
    conv = conv.join(first, (conv.cu == first.cu) & (conv.cts == first.fts))
    conv = conv.group_by(cu=conv.cu).aggregate(cts=conv.cts.min(), rev=conv.rev.max())
    touch = table.filter(table[event].isin(list(touch_events)))
    touch = touch.select(u=touch[user_id], tts=touch[ts], ch=touch[channel].cast("string").fill_null("(none)"))
    joined = touch.left_join(conv, touch.u == conv.cu)
    joined = joined.filter(joined.cts.isnull() | (joined.tts <= joined.cts))
    joined = joined.select("u", "tts", "ch", "cts", rev=joined.rev.fill_null(0.0))
    order = ibis.window(group_by="u", order_by=["tts", "ch"])
    whole = ibis.window(group_by="u")
    return joined.mutate(i=ibis.row_number().over(order) + 1, n=joined.u.count().over(whole))


def _rule_weights(touches: ibis.Table, model: str, half_life_s: float) -> ibis.Table:
    """``ch, conversions, revenue`` credited by one rule-based model, from converters only."""
    t = touches.filter(touches.cts.notnull())
    if model == "linear_unique":
        pairs = t.select("u", "ch", "rev").distinct()
        d = pairs.mutate(d=pairs.u.count().over(ibis.window(group_by="u")))
        w = d.mutate(w=1.0 / d.d.cast("float64"))
    else:
        n = t.n.cast("float64")
        if model == "first":
            weight = ibis.ifelse(t.i == 1, 1.0, 0.0)
        elif model == "last":
            weight = ibis.ifelse(t.i == t.n, 1.0, 0.0)
        elif model == "linear":
            weight = 1.0 / n
        elif model == "position":
            ends = ibis.ifelse((t.i == 1) | (t.i == t.n), 0.4, 0.2 / (n - 2).nullif(0))
            weight = ibis.cases((t.n == 1, 1.0), (t.n == 2, 0.5), else_=ends)
        else:  # time_decay
            age = (t.cts.epoch_seconds() - t.tts.epoch_seconds()).cast("float64")
            a = t.mutate(age=age)
            # ages counted from the user's newest touch: the same normalised weights, but the
            # newest weighs 1, so touches more than ~1075 half-lives old cannot all underflow to 0 (0/0)
            a = a.mutate(rel=a.age - a.age.min().over(ibis.window(group_by="u")))
            w0 = a.mutate(raw=(-(a.rel / half_life_s) * math.log(2)).exp())
            w = w0.mutate(w=w0.raw / w0.raw.sum().over(ibis.window(group_by="u")))
        if model != "time_decay":
            w = t.mutate(w=weight)
    return w.group_by("ch").aggregate(conversions=w.w.sum(), revenue=(w.w * w.rev).sum())


def markov_removal(paths: pd.DataFrame) -> pd.DataFrame:
    """Removal effects from aggregated paths (``path`` tuple, ``converted`` bool, ``users``).

    States: start, each channel, conv, null. Transition counts are weighted by ``users``.
    Returns ``channel, removal_effect`` plus the base conversion probability in ``attrs``.
    """
    counts: Counter[tuple[str, str]] = Counter()
    for path, converted, users in zip(paths["path"], paths["converted"], paths["users"], strict=True):
        states = ["(start)", *path, "(conversion)" if converted else "(null)"]
        for a, b in itertools.pairwise(states):
            counts[(a, b)] += int(users)
    channels = sorted({c for path in paths["path"] for c in path})
    base = _conversion_probability(counts, channels, removed=None)
    effects = [
        1.0 - _conversion_probability(counts, channels, removed=c) / base if base > 0 else np.nan for c in channels
    ]
    out = pd.DataFrame({"channel": channels, "removal_effect": effects})
    out.attrs["conversion_probability"] = base
    return out


def _conversion_probability(counts: Counter, channels: list[str], removed: str | None) -> float:
    """P(absorbed in conversion | start), solving (I - Q) x = r over the transient states.

    Removing a channel sends every transition into it to null (the usual removal definition).
    """
    transient = ["(start)", *[c for c in channels if c != removed]]
    index = {s: i for i, s in enumerate(transient)}
    m = len(transient)
    q = np.zeros((m, m))
    r = np.zeros(m)
    totals = Counter()
    for (a, _b), n in counts.items():
        totals[a] += n
    for (a, b), n in counts.items():
        if a not in index or totals[a] == 0:
            continue
        p = n / totals[a]
        if b == "(conversion)":
            r[index[a]] += p
        elif b in index:
            q[index[a], index[b]] += p
        # transitions to null or to the removed channel are absorbed in null
    x = np.linalg.solve(np.eye(m) - q, r)
    return float(x[index["(start)"]])


def attribute(
    events: DataLike,
    touch_events: Sequence[str],
    conversion_event: str,
    channel: str = "channel",
    models: Sequence[str] = MODELS,
    *,
    half_life_days: float = 7.0,
    revenue: str | None = "revenue",
    user_id: str = "user_id",
    ts: str = "ts",
    event: str = "event",
) -> Attribution:
    """Credited conversions and revenue per channel for each model (definitions in the module docstring)."""
    touches_list = check_steps(touch_events, "touch_events")
    models = tuple(check_steps(models, "models"))
    for model in models:
        check_option("models", model, MODELS)
    if not half_life_days > 0:
        raise input_error("parameter 'half_life_days'", f"is {half_life_days!r}", "a positive number of days")
    table = prepare_events(events, user_id=user_id, ts=ts, event=event, extra=[channel])
    if revenue is not None and revenue not in table.columns:
        revenue = None
    columns = ["channel", "model", "conversions", "revenue", "share"]
    if row_count(table) == 0:
        return Attribution(
            touches_list,
            conversion_event,
            models,
            half_life_days,
            0,
            0,
            "no events in the data",
            pd.DataFrame(columns=columns),
        )
    check_events_exist(table, [*touches_list, conversion_event], event, "touch_events/conversion_event")
    touches = _touches(
        table, touches_list, conversion_event, user_id=user_id, ts=ts, event=event, channel=channel, revenue=revenue
    )
    per_user = touches.group_by("u").aggregate(conv=touches.cts.notnull().max())
    stats = per_user.aggregate(users=per_user.count(), converters=per_user.conv.cast("int64").sum()).execute()
    users, converters = int(stats["users"].iloc[0]), int(stats["converters"].fillna(0).iloc[0])
    parts = []
    for model in models:
        if model == "markov":
            part = _markov(touches)
        else:
            part = _rule_weights(touches, model, half_life_days * 86_400).execute()
        part["model"] = model
        parts.append(part)
    frame = pd.concat(parts, ignore_index=True)
    frame = frame.rename(columns={"ch": "channel"})[["channel", "model", "conversions", "revenue"]]
    frame = frame.sort_values(["model", "channel"], key=lambda s: s.map(_model_order) if s.name == "model" else s)
    totals = frame.groupby("model")["conversions"].transform("sum")
    frame["share"] = frame["conversions"] / totals.where(totals > 0)
    status = "ok" if converters else f"no user with a touch did {conversion_event!r}"
    return Attribution(
        touches_list,
        conversion_event,
        models,
        half_life_days,
        users,
        converters,
        status,
        frame.reset_index(drop=True),
    )


def _model_order(model: str) -> int:
    return MODELS.index(model)


def _markov(touches: ibis.Table) -> pd.DataFrame:
    """Aggregate paths in the engine, then solve the chain on the (small) path table."""
    per_user = touches.group_by("u").aggregate(
        path=touches.ch.collect(order_by=[touches.tts, touches.ch]),
        converted=touches.cts.notnull().max(),
        rev=touches.rev.max(),
    )
    paths = per_user.group_by("path", "converted").aggregate(users=per_user.count(), rev=per_user.rev.sum())
    paths = paths.execute()
    paths["path"] = [tuple(p) for p in paths["path"]]
    effects = markov_removal(paths)
    conversions = float(paths.loc[paths["converted"], "users"].sum())
    revenue = float(paths.loc[paths["converted"], "rev"].sum())
    total = effects["removal_effect"].sum()
    share = effects["removal_effect"] / total if total > 0 else np.nan
    return pd.DataFrame({"ch": effects["channel"], "conversions": share * conversions, "revenue": share * revenue})
