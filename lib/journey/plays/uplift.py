"""What a retention play did: churn among treated customers against its random holdout.

A play (a win-back offer, a success manager's call) is worth what it prevents. With a random
holdout, the share of churn it prevents is ``1 − p_treated / p_holdout`` (one minus the risk
ratio), with the adjusted log interval of :func:`journey.stats.ratios.risk_ratio`; the
absolute difference and a two-sided test (the experiments engine's unpooled z) come beside it.
Without a holdout, or with no churn among the holdout, there is nothing to compare and the row
says so instead of showing a number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import ibis
import pandas as pd

from journey.data.event_input import prepare_table
from journey.data.sources import DataLike, as_table
from journey.display.results import TableResult
from journey.stats import dist
from journey.stats.ratios import risk_ratio
from journey.validation import input_error, require_columns

TREATMENT, HOLDOUT = "treatment", "holdout"
COLUMNS = (
    "play",
    "treated",
    "treated_churn",
    "holdout",
    "holdout_churn",
    "effect_size",
    "prevented_share",
    "prevented_share_ci_lower",
    "prevented_share_ci_upper",
    "pvalue",
    "status",
)


@dataclass(frozen=True, slots=True)
class PlayUplift(TableResult):
    """Per play: customers and churn rate in ``treatment`` and ``holdout``, the difference
    ``effect_size`` (treated − holdout churn rate, negative when the play helps), the
    ``prevented_share`` of churn with its interval, a two-sided ``pvalue`` and ``status``."""

    alpha: float
    table: pd.DataFrame

    def report_caption(self) -> str:
        return f"Churn prevented by each play against its random holdout ({1 - self.alpha:.0%} intervals)"

    def display_units(self) -> dict[str, str]:
        return {"treated_churn": "percent", "holdout_churn": "percent", "effect_size": "points"}

    def get(self, play: str) -> pd.Series:
        rows = self.table[self.table["play"] == play]
        if rows.empty:
            raise input_error("play", f"{play!r} not in the results", f"one of {sorted(self.table['play'])}")
        return rows.iloc[0]


def play_outcomes(source: DataLike, window_days: int = 30) -> ibis.Table:
    """One row per customer and past play (the ``plays`` table: customer_id, play, variant,
    assigned_ts) with ``churned``: 1 when the customer placed no order (``order_history``) in the
    ``window_days`` after the assignment, i.e. the play did not bring them back."""
    if window_days < 1:
        raise input_error("parameter 'window_days'", f"is {window_days}", "a positive number of days")
    plays = prepare_table(source, table="plays", columns=["customer_id", "play", "variant"], timestamps=["assigned_ts"])
    orders = prepare_table(source, table="order_history", columns=["customer_id"], timestamps=["ts"])
    joined = plays.left_join(
        orders,
        [
            plays.customer_id == orders.customer_id,
            orders.ts > plays.assigned_ts,
            orders.ts <= plays.assigned_ts + ibis.interval(days=window_days),
        ],
    )
    back = joined.group_by(["customer_id", "play", "variant"]).aggregate(orders=joined.ts.count())
    return back.select("customer_id", "play", "variant", churned=(back.orders == 0).cast("int64"))


def play_uplift(
    outcomes: DataLike,
    play: str = "play",
    variant: str = "variant",
    churned: str = "churned",
    alpha: float = 0.05,
    by: str | None = None,
) -> PlayUplift:
    """Per play (and per value of ``by``, e.g. the customer's segment when the play ran), churn in
    treatment vs holdout from one row per customer and play; the counting runs in the engine.

    Within a segment the holdout is still random (the draw ignores segments), so each row is a
    fair comparison, only smaller: judge segments by their intervals, not their point estimates.
    """
    table = as_table(outcomes, "plays")
    keys = [play, *([by] if by else [])]
    require_columns(table.columns, (*keys, variant, churned), "play outcomes")
    counts = (
        table.group_by([*keys, variant]).aggregate(n=table.count(), events=table[churned].cast("int64").sum()).execute()
    )
    unknown = sorted(set(counts[variant]) - {TREATMENT, HOLDOUT})
    if unknown:
        raise input_error("play outcomes", f"column {variant!r} has {unknown!r}", f"'{TREATMENT}' or '{HOLDOUT}'")
    rows = []
    for key, part in counts.groupby(keys, sort=True, dropna=False):
        arms = part.set_index(variant)
        n_t, x_t = (int(arms.loc[TREATMENT, c]) if TREATMENT in arms.index else 0 for c in ("n", "events"))
        n_h, x_h = (int(arms.loc[HOLDOUT, c]) if HOLDOUT in arms.index else 0 for c in ("n", "events"))
        row = _row(str(key[0]), x_t, n_t, x_h, n_h, alpha)
        rows.append(row if by is None else {by: key[1], **row})
    columns = [*([by] if by else []), *COLUMNS]
    columns = [columns[1], columns[0], *columns[2:]] if by else columns  # play first, then the segment
    return PlayUplift(alpha, pd.DataFrame(rows, columns=columns))


def _row(name: str, x_t: int, n_t: int, x_h: int, n_h: int, alpha: float) -> dict:
    nan = math.nan
    row = dict.fromkeys(COLUMNS, nan) | {"play": name, "treated": n_t, "holdout": n_h}
    row["treated_churn"] = x_t / n_t if n_t else nan
    row["holdout_churn"] = x_h / n_h if n_h else nan
    if n_t == 0 or n_h == 0:
        return row | {"status": "no holdout" if n_h == 0 else "nobody treated"}
    if x_h == 0:
        return row | {"status": "no churn in the holdout: nothing to prevent"}
    p_t, p_h = x_t / n_t, x_h / n_h
    ratio, lower, upper = risk_ratio(x_t, n_t, x_h, n_h, alpha)
    se = math.sqrt(p_t * (1 - p_t) / n_t + p_h * (1 - p_h) / n_h)
    pvalue = 2 * dist.norm_sf(abs(p_t - p_h) / se) if se > 0 else nan
    return row | {
        "effect_size": p_t - p_h,
        "prevented_share": 1 - ratio,
        "prevented_share_ci_lower": 1 - upper,
        "prevented_share_ci_upper": 1 - lower,
        "pvalue": pvalue,
        "status": "ok",
    }
