"""Revenue per period at stake in each funnel step and stage transition, by segment, with a delta-method interval.

**The chain.** For a transition from step (or stage) ``k`` to ``k + 1`` in one segment, over a
window of ``P`` periods (a 28-day window is 4 weeks):

* ``n_a`` users entered step ``k`` (the entrants), ``n_b`` of them reached ``k + 1``: the rate is
  ``r = n_b / n_a``;
* ``S`` is the revenue in the window (the ``value_events``: purchases and repeat purchases) of
  the ``n_b`` users who reached ``k + 1``, so ``V = S / n_b`` is the revenue per user who passes
  the step. ``V`` is the rest of the chain in one number: the downstream conversion from
  ``k + 1`` to the purchase times the value per conversion (``V = (n_K / n_b) × (S / n_K)`` when
  only the ``n_K`` buyers have revenue);
* if the rate moved to a target ``t`` and every user moved past the step were worth what those
  passing it are worth today (the downstream conversion and the value per conversion unchanged),
  the revenue per period would change by

  ``value = (n_a / P) × (t − r) × V``  (entrants per period × Δrate × downstream × value).

**Targets** (``target=``): ``"relative_lift"``, ``t = r (1 + lift)``, so ``value = lift × S / P``:
with the chain unchanged downstream, the same relative lift at any step of one funnel is worth
the same (the revenue of the users past it), which is why the other two targets rank better;
``"best_segment"``, ``t`` = the rate of the segment with the highest rate among those with at
least ``min_entrants`` entrants (that segment itself gets no row; picking the best of several
estimates favours a lucky one, so the value is optimistic); ``"previous_period"``, ``t`` = the
same segment's rate in the window before (negative when the rate improved since).

**Interval: the delta method over users.** The users of a segment are taken as independent
draws; each carries ``a`` (entered ``k``), ``b`` (reached ``k + 1``) and ``y`` (revenue, counted
when ``b``). With ``N`` users in the segment (those who did the first step of the funnel; for
stages, users with any event), ``value = (N / P) g(ā, b̄, ȳ)`` with
``g = (t ā − b̄) ȳ / b̄``; its variance is ``(N / P)² ∇g' Σ ∇g / N`` with ``Σ`` the covariance
of ``(a, b, y)`` from the sums (``a ≥ b``, ``y = 0`` unless ``b``), plus
``(n_a V / P)² var(t)`` when the target is itself estimated (the best segment's or the previous
window's rate, binomial ``t (1 − t) / n``, independent users). Every statistic comes from six
sums per segment (``N, n_a, n_b, S, Q = Σ y²``) that the engine computes; pandas never sees a
user. The tests check the standard error against a bootstrap over users.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from typing import Literal

import ibis
import numpy as np
import pandas as pd

from journey.data.event_input import prepare_events, row_count
from journey.data.sources import DataLike
from journey.data.window import Window
from journey.display.text import percent
from journey.stages import funnels_sql as fsql
from journey.stages.funnels_engine import prepare as prepare_funnel
from journey.stages.kpis import STAGE_EVENTS, stage_case
from journey.stats.intervals import z_quantile
from journey.validation import check_option, input_error

Target = Literal["relative_lift", "best_segment", "previous_period"]
TARGETS: tuple[str, ...] = ("relative_lift", "best_segment", "previous_period")
VALUE_EVENTS = ("purchase", "repeat_purchase")
NO_SEGMENT = "(none)"
STAT_COLUMNS = ["source", "item", "segment", "users", "entrants", "passed", "revenue", "revenue_sq"]
METHOD = "delta method over users"


def _empty_stats() -> pd.DataFrame:
    return pd.DataFrame(columns=STAT_COLUMNS)


def _user_revenue(table: ibis.Table, value_events: Sequence[str], user_id: str) -> ibis.Table:
    bought = table.event.isin(list(value_events))
    per_user = table.group_by(ru=table[user_id]).aggregate(y=table.revenue.sum(where=bought))
    return per_user.mutate(y=per_user.y.fill_null(0.0).cast("float64"))


def funnel_stats(
    events: DataLike,
    window: Window,
    steps: Sequence[str],
    conversion_window: str | int | dt.timedelta = "7d",
    by: str | None = None,
    value_events: Sequence[str] = VALUE_EVENTS,
) -> tuple[pd.DataFrame, str]:
    """The sums behind each funnel step's sizing: one row per (step pair, segment) with ``users``
    (did step 1), ``entrants`` (reached step k), ``passed`` (reached k + 1), ``revenue`` and
    ``revenue_sq`` (sum and sum of squares of the window's revenue of those who passed).

    Levels follow :func:`journey.stages.funnels.funnel` (ClickHouse ``windowFunnel``), a user's
    segment is their ``by`` value on the step-1 event that starts the counted chain (the
    funnel's default attribution). Everything but the final counts runs in the engine.
    Returns the sums and a status (``"ok"`` or why there are none).
    """
    extra = [by] if by else []
    table = window.filter(prepare_events(events, extra=extra, numeric=["revenue"]))
    if row_count(table) == 0:
        return _empty_stats(), f"no events between {window.start} and {window.end}"
    with prepare_funnel(
        table, steps, conversion_window, user_id="user_id", ts="ts", event="event", mode="any_start", extra=extra
    ) as prep:
        if prep.empty:
            return _empty_stats(), prep.status
        counted = fsql.levels(prep.reach)
        revenue = _user_revenue(prep.table, value_events, "user_id")
        joined = counted.left_join(revenue, counted.u == revenue.ru)
        if by:
            values = fsql.user_breakdown(
                prep.table, counted, by, prep.steps, attribution="step:1", chain_step=prep.chain_step,
                user_id="user_id", ts="ts", event="event", channel="channel",
            )  # fmt: skip
            joined = joined.left_join(values, joined.u == values.u)
            segment = joined.b.cast("string").fill_null(NO_SEGMENT)
        else:
            segment = ibis.literal("all")
        y = joined.y.fill_null(0.0)
        counts = (
            joined.group_by(segment=segment, level=joined.level)
            .aggregate(n=joined.count(), s=y.sum(), q=(y * y).sum())
            .execute()
        )
        status = prep.with_absent("ok")
    rows = []
    pairs = list(zip(prep.steps[:-1], prep.steps[1:], strict=True))
    for name, group in counts.groupby("segment", sort=True):
        levels = group.set_index("level")
        at_least = {k: levels.loc[levels.index >= k, ["n", "s", "q"]].sum() for k in range(1, len(prep.steps) + 1)}
        for k, (a, b) in enumerate(pairs, start=1):
            rows.append({
                "source": "funnel step", "item": f"{a} → {b}", "segment": str(name),
                "users": int(at_least[1]["n"]), "entrants": int(at_least[k]["n"]), "passed": int(at_least[k + 1]["n"]),
                "revenue": float(at_least[k + 1]["s"]), "revenue_sq": float(at_least[k + 1]["q"]),
            })  # fmt: skip
    return pd.DataFrame(rows, columns=STAT_COLUMNS), status


def stage_stats(
    events: DataLike,
    window: Window,
    by: str | None = None,
    stages: Mapping[str, Sequence[str]] | None = None,
    value_events: Sequence[str] = VALUE_EVENTS,
) -> tuple[pd.DataFrame, str]:
    """The sums behind each stage transition's sizing (columns as :func:`funnel_stats`).

    A user reaches a stage in the window with any event of it (as the overview counts stages);
    the transition from stage k to k + 1 has as entrants the users who reached k and as passed
    those who reached both. A user's segment is their ``by`` value on their first event in the
    window. One grouped query per window.
    """
    mapping = dict(stages or STAGE_EVENTS)
    extra = [by] if by else []
    table = window.filter(prepare_events(events, extra=extra, numeric=["revenue"]))
    if row_count(table) == 0:
        return _empty_stats(), f"no events between {window.start} and {window.end}"
    t = table.mutate(stage_i=stage_case(table.event, mapping))
    bought = t.event.isin(list(value_events))
    flags = {f"f{i}": (t.stage_i == i).cast("int64").max() for i in range(1, len(mapping) + 1)}
    seg = {"seg": t[by].argmin(t.ts).cast("string")} if by else {}
    per_user = t.group_by(u=t.user_id).aggregate(y=t.revenue.sum(where=bought), **flags, **seg)
    y = per_user.y.fill_null(0.0).cast("float64")
    segment = per_user.seg.fill_null(NO_SEGMENT) if by else ibis.literal("all")
    sums: dict[str, ibis.Value] = {"users": per_user.count()}
    for i in range(1, len(mapping)):
        both = per_user[f"f{i}"] * per_user[f"f{i + 1}"]
        sums[f"a{i}"] = per_user[f"f{i}"].sum()
        sums[f"b{i}"] = both.sum()
        sums[f"s{i}"] = (both * y).sum()
        sums[f"q{i}"] = (both * y * y).sum()
    frame = per_user.group_by(segment=segment).aggregate(**sums).execute().sort_values("segment")
    names = list(mapping)
    rows = []
    for r in frame.itertuples(index=False):
        for i in range(1, len(mapping)):
            rows.append({
                "source": "stage transition", "item": f"{names[i - 1]} → {names[i]}", "segment": str(r.segment),
                "users": int(r.users), "entrants": int(getattr(r, f"a{i}") or 0),
                "passed": int(getattr(r, f"b{i}") or 0), "revenue": float(getattr(r, f"s{i}") or 0.0),
                "revenue_sq": float(getattr(r, f"q{i}") or 0.0),
            })  # fmt: skip
    return pd.DataFrame(rows, columns=STAT_COLUMNS), "ok"


def delta_value(
    users: float,
    entrants: float,
    passed: float,
    revenue: float,
    revenue_sq: float,
    periods: float,
    *,
    target: float | None = None,
    target_var: float = 0.0,
    lift: float | None = None,
) -> tuple[float, float]:
    """``(value, se)``: revenue per period at stake if the rate moved to ``target`` (or, with
    ``lift``, to ``rate × (1 + lift)``), and its delta-method standard error (module docstring).

    >>> value, se = delta_value(1000, 1000, 100, 5000.0, 300000.0, 4, target=0.12)
    >>> round(value, 2)  # 1000 / 4 entrants per period × 0.02 × 50 per user who passes
    250.0
    """
    if entrants <= 0 or passed <= 0 or users <= 0:
        return math.nan, math.nan
    n = float(users)
    ma, mb, my, q = entrants / n, passed / n, revenue / n, revenue_sq / n
    scale = n / periods
    if lift is not None:
        value = scale * lift * my
        grad = np.array([0.0, 0.0, lift])
    elif target is None:
        raise input_error("delta_value", "neither target nor lift given", "a target rate or a relative lift")
    else:
        value = scale * (target * ma - mb) * my / mb
        grad = np.array([target * my / mb, -target * ma * my / mb**2, (target * ma - mb) / mb])
    cov = np.array(
        [
            [ma - ma * ma, mb - ma * mb, my - ma * my],
            [mb - ma * mb, mb - mb * mb, my - mb * my],
            [my - ma * my, my - mb * my, q - my * my],
        ]
    )
    var = scale**2 * float(grad @ cov @ grad) / n
    if lift is None and target_var > 0:
        var += (entrants * (revenue / passed) / periods) ** 2 * target_var
    return float(value), math.sqrt(max(var, 0.0))


def _rate(row: pd.Series) -> float:
    return row["passed"] / row["entrants"] if row["entrants"] > 0 else math.nan


def size_transitions(
    current: pd.DataFrame,
    previous: pd.DataFrame | None,
    periods: float,
    *,
    target: Target = "best_segment",
    lift: float = 0.10,
    min_entrants: int = 30,
    alpha: float = 0.05,
    period: str = "week",
    by: str = "segment",
) -> pd.DataFrame:
    """Rows of the opportunity table from the sums of :func:`funnel_stats` / :func:`stage_stats`:
    ``source``, ``item``, ``segment``, ``theme`` (empty), ``revenue_per_period`` with its
    interval, ``assumption``, ``method``, ``status``, ``rate`` and ``target_rate``. ``by`` names
    the segment column in the assumptions ("the rate of the best device, desktop")."""
    check_option("target", target, TARGETS)
    z = z_quantile(alpha)
    rows = []
    prev = previous.set_index(["source", "item", "segment"]) if previous is not None and len(previous) else None
    for (source, item), group in current.groupby(["source", "item"], sort=False):
        rates = group.apply(_rate, axis=1) if len(group) else pd.Series(dtype=float)
        eligible = group[(group["entrants"] >= min_entrants) & rates.notna()]
        best = eligible.loc[rates[eligible.index].idxmax()] if len(eligible) else None
        for idx, row in group.iterrows():
            rate = rates[idx]
            t, t_var, used_lift, status = math.nan, 0.0, None, "ok"
            if target == "relative_lift":
                used_lift, t = lift, rate * (1 + lift)
                assumption = f"{item} conversion {percent(rate)} → {percent(t)} (+{lift:.0%} relative)"
            elif target == "best_segment":
                if best is None:
                    status = f"no segment with at least {min_entrants} entrants to take as the best"
                    assumption = "to the best segment's rate (none)"
                elif best["segment"] == row["segment"]:
                    continue  # the target itself: nothing at stake by construction
                else:
                    t = _rate(best)
                    t_var = t * (1 - t) / best["entrants"]
                    assumption = (
                        f"{item} conversion {percent(rate)} → {percent(t)}, "
                        f"the rate of the best {by}, {best['segment']}"
                    )
            else:
                key = (source, item, row["segment"])
                if prev is None or key not in prev.index or prev.loc[key, "entrants"] <= 0:
                    status = "no entrants in the previous period"
                    assumption = "back to the previous period's rate (none)"
                else:
                    p = prev.loc[key]
                    t = p["passed"] / p["entrants"]
                    t_var = t * (1 - t) / p["entrants"]
                    assumption = f"{item} conversion {percent(rate)} → {percent(t)}, the previous period's rate"
            if row["entrants"] <= 0:
                status = "no entrants"
            elif row["passed"] <= 0 and status == "ok":
                status = "nobody passed the step, so no revenue per user passing it"
            if status == "ok":
                value, se = delta_value(
                    row["users"], row["entrants"], row["passed"], row["revenue"], row["revenue_sq"], periods,
                    target=None if used_lift is not None else t, target_var=t_var, lift=used_lift,
                )  # fmt: skip
                per_user = row["revenue"] / row["passed"]
                assumption += (
                    f"; {row['entrants'] / periods:,.0f} entrants per {period}, {per_user:,.2f} revenue per user "
                    "passing (downstream conversion and value per conversion unchanged)"
                )
            else:
                value = se = math.nan
            rows.append({
                "source": source, "item": item, "segment": row["segment"], "theme": None,
                "revenue_per_period": value, "revenue_per_period_ci_lower": value - z * se,
                "revenue_per_period_ci_upper": value + z * se, "assumption": assumption, "method": METHOD,
                "status": status, "rate": rate, "target_rate": t,
            })  # fmt: skip
    return pd.DataFrame(rows)


def check_lift(lift: float) -> None:
    if not (isinstance(lift, int | float) and math.isfinite(lift) and lift > -1):
        raise input_error("parameter 'lift'", f"is {lift!r}", "a relative change above -1 (0.10 for +10%)")


__all__ = ["METHOD", "TARGETS", "Target", "delta_value", "funnel_stats", "size_transitions", "stage_stats"]
