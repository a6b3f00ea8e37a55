"""Revenue per period at stake in each feedback pain point: the points it costs the score, in money.

**What feedback already says.** :func:`journey.feedback.scores.theme_impact` gives each pain
point its ``share`` of the window's feedback and its ``effect``: how far its customers' score
(NPS points, or stars of the rating) lies below everyone else's, with an interval. Its
``impact = share × effect`` is the points the theme costs the overall score.

**From points to money: a link, stated.** Closing the gap lifts the theme's customers by
``−effect`` points each. How much revenue a point is worth comes from one of two places, and the
row says which:

* ``"estimated"`` (default): the slope ``β`` of each customer's revenue per period in the window
  (``order_history``) on their own score in the window (their NPS answers as +100 / 0 / −100,
  or their mean stars), ordinary least squares with a heteroskedasticity-robust (HC1) standard
  error. It is a cross-sectional **association**: happier customers may spend more for other
  reasons, so the value is an upper bound of what fixing the theme alone would bring;
* ``value_per_point=`` (stated): the revenue per period one point of one customer's score is
  worth, given by the caller (e.g. from a past experiment); no estimation error of its own.

**The chain.** With ``C`` customers in the base (those with an order in the year up to the
window's end) and the theme's share of feedback taken as its share of customers,

``value = share × (−effect) × β × C``  (customers affected × points regained × money per point).

**Interval: the delta method.** ``share``, ``effect`` and ``β`` are taken as independent
estimates: ``var = (C β)² (effect² var(share) + share² var(effect)) + (C share effect)² var(β)``,
with ``var(share) = share (1 − share) / n`` over the window's ``n`` texts and ``var(effect)``
from the effect's interval. ``C`` is a count, not an estimate.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from journey.data.event_input import prepare_table, row_count
from journey.data.sources import DataLike
from journey.data.window import Window
from journey.stats.intervals import z_quantile
from journey.validation import input_error, require_columns

MIN_LINK_CUSTOMERS = 20
"""Fewer scored customers than this: no slope is estimated (the source says so)."""
BASE_DAYS = 365
METHOD = "delta method (share, score gap, revenue per point independent)"


@dataclass(frozen=True, slots=True)
class ScoreLink:
    """Revenue per period per point of one customer's score: ``slope`` with ``se`` (HC1), from
    ``n_obs`` customers, and the ``customers`` in the base that the table scales to; ``kind`` is
    ``"estimated"`` or ``"stated"``; ``status`` says why ``slope`` is NaN."""

    metric: str
    slope: float
    se: float
    n_obs: int
    customers: int
    kind: str
    status: str = "ok"


def _slope_hc1(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Slope of ``y`` on ``x`` (with an intercept) and its HC1 standard error, by statsmodels."""
    import statsmodels.api as sm  # loaded only when a link is estimated

    fit = sm.OLS(y, sm.add_constant(x, has_constant="add")).fit(cov_type="HC1")
    return float(fit.params[1]), float(fit.bse[1])


def customer_scores(texts: pd.DataFrame, metric: str) -> pd.Series:
    """Each customer's score in ``metric``'s points: mean NPS contribution (+100 promoter, 0 passive,
    −100 detractor) or mean stars; customers without a known id or answer are left out."""
    column = "nps" if metric == "nps" else "rating"
    require_columns(texts.columns, ["customer_id", column], "feedback texts")
    known = texts[["customer_id", column]].dropna()
    if known.empty:
        return pd.Series(dtype=float)
    value = known[column].astype(float)
    if metric == "nps":
        value = np.where(value >= 9, 100.0, np.where(value <= 6, -100.0, 0.0))
    frame = pd.DataFrame({"customer_id": known["customer_id"].astype("int64").to_numpy(), "x": value})
    return frame.groupby("customer_id")["x"].mean()


def score_link(texts: pd.DataFrame, orders: DataLike, window: Window, metric: str, periods: float) -> ScoreLink:
    """Estimate the revenue per period a point of a customer's score goes with (module docstring).

    ``orders`` is the ``order_history`` table (``customer_id``, ``ts``, ``amount``); spend per
    customer in the window and the customer base run in the engine.
    """
    scores = customer_scores(texts, metric)
    table = prepare_table(orders, columns=["customer_id"], timestamps=["ts"], numeric=["amount"], table="order_history")
    since = window.end_ts - dt.timedelta(days=BASE_DAYS)
    base = table.filter((table.ts >= since) & (table.ts < window.end_ts))
    customers = int(base.customer_id.nunique().execute()) if row_count(base) else 0
    if len(scores) < MIN_LINK_CUSTOMERS:
        why = f"{len(scores)} customers with a known id and a score; at least {MIN_LINK_CUSTOMERS} needed"
        return ScoreLink(metric, math.nan, math.nan, len(scores), customers, "estimated", why)
    ids = scores.index.astype("int64").tolist()
    scoped = window.filter(table)
    scoped = scoped.filter(scoped.customer_id.isin(ids))
    spend = scoped.group_by("customer_id").aggregate(spend=scoped.amount.sum()).execute()
    per_customer = spend.set_index("customer_id")["spend"].reindex(scores.index).fillna(0.0) / periods
    x, y = scores.to_numpy(float), per_customer.to_numpy(float)
    if np.ptp(x) == 0:
        return ScoreLink(
            metric, math.nan, math.nan, len(x), customers, "estimated", "every customer gave the same score"
        )
    slope, se = _slope_hc1(x, y)
    return ScoreLink(metric, slope, se, len(x), customers, "estimated")


def stated_link(value_per_point: float, metric: str, customers: int) -> ScoreLink:
    """A link the caller states: ``value_per_point`` revenue per period per point of one customer's score."""
    if not (isinstance(value_per_point, int | float) and math.isfinite(value_per_point)):
        raise input_error("parameter 'value_per_point'", f"is {value_per_point!r}", "a finite number")
    return ScoreLink(metric, float(value_per_point), 0.0, 0, customers, "stated")


def size_pain_points(
    impact: pd.DataFrame, n_texts: int, link: ScoreLink, *, alpha: float = 0.05, period: str = "week"
) -> pd.DataFrame:
    """Rows of the opportunity table for the pain points of a :class:`~journey.feedback.scores.ThemeImpact`
    frame (``kind == "pain point"``); a theme whose gap could not be estimated gets NaN with its status."""
    z = z_quantile(alpha)
    rows = []
    pains = impact[impact["kind"] == "pain point"] if len(impact) else impact
    unit = "NPS points" if link.metric == "nps" else "stars"
    for r in pains.itertuples(index=False):
        effect_name = "nps_effect" if link.metric == "nps" else "rating_effect"
        effect = float(getattr(r, effect_name))
        half = (float(getattr(r, f"{effect_name}_ci_upper")) - float(getattr(r, f"{effect_name}_ci_lower"))) / 2
        var_effect = (half / z) ** 2 if math.isfinite(half) else math.nan
        share = float(r.share)
        var_share = share * (1 - share) / n_texts if n_texts else math.nan
        how = (f"{link.slope:,.3g} revenue per {period} per point, estimated from {link.n_obs:,} customers' spend "
               "on their own score (association)" if link.kind == "estimated"
               else f"{link.slope:,.3g} revenue per {period} per point (stated)")  # fmt: skip
        assumption = (f"{r.theme}: its {share:.1%} of {link.customers:,} customers regain {-effect:.2f} {unit} "
                      f"(the gap closed); {how}")  # fmt: skip
        status = "ok"
        if not math.isfinite(effect):
            status = f"score gap not estimable ({r.status})"
        elif not math.isfinite(link.slope):
            status = f"no link from score to revenue ({link.status})"
        if status == "ok":
            scale = link.customers * link.slope
            value = share * (-effect) * scale
            var = scale**2 * (effect**2 * var_share + share**2 * var_effect)
            var += (link.customers * share * effect) ** 2 * link.se**2
            lower, upper = value - z * math.sqrt(var), value + z * math.sqrt(var)
        else:
            value = lower = upper = math.nan
        rows.append({
            "source": "pain point", "item": r.theme, "segment": "all", "theme": r.theme,
            "revenue_per_period": value, "revenue_per_period_ci_lower": lower, "revenue_per_period_ci_upper": upper,
            "assumption": assumption, "method": METHOD, "status": status,
        })  # fmt: skip
    return pd.DataFrame(rows)


__all__ = ["ScoreLink", "customer_scores", "score_link", "size_pain_points", "stated_link"]
