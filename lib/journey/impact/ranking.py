"""What to fix next: every opportunity in one unit, revenue per period, ranked, each with its assumption.

:func:`opportunities` sizes four kinds of source and ranks them together:

* **funnel steps** and **stage transitions** (:mod:`journey.impact.transitions`): the revenue per
  period if a step's conversion moved to a stated target, by segment, delta-method interval
  over users;
* **pain points** (:mod:`journey.impact.pain_points`): the points a feedback theme costs the
  score, turned into revenue by an estimated (or stated) revenue per point;
* **at-risk customers** (:mod:`journey.impact.at_risk`): churn probability × CLV, summed.

Rows are **alternatives**, not parts of a sum: moving one funnel step changes the base of the
next, a pain point's customers are partly the at-risk ones, and a funnel step may repeat a stage
transition. Each row says what it assumes (``assumption``) and how its interval was computed
(``method``). A source that cannot be sized (no events in the window, no feedback scores, no
churn model) has no rows and says why in :attr:`Opportunities.sources`; nothing raises for it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

import pandas as pd

from journey.data.sources import DataLike, as_table
from journey.data.window import Window
from journey.display.results import ResultMixin, display_frame
from journey.display.text import money
from journey.impact import at_risk, pain_points, transitions
from journey.impact.transitions import Target
from journey.validation import JourneyInputError, check_level, check_option, input_error

Period = Literal["day", "week", "month"]
PERIOD_DAYS: dict[str, float] = {"day": 1.0, "week": 7.0, "month": 365.25 / 12}
DEFAULT_STEPS = ("add_to_cart", "checkout_start", "purchase")
SOURCES = ("funnel step", "stage transition", "pain point", "at-risk customers")
COLUMNS = [
    "rank", "source", "item", "segment", "theme", "revenue_per_period", "revenue_per_period_ci_lower",
    "revenue_per_period_ci_upper", "assumption", "method", "status",
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class Opportunities(ResultMixin):
    """The ranked opportunity table.

    ``table`` (what :meth:`to_frame` returns): ``rank`` (1 = most revenue at stake; empty for rows
    whose value could not be computed, listed last), ``source`` (funnel step, stage transition,
    pain point, at-risk customers), ``item``, ``segment``, ``theme`` (pain points only),
    ``revenue_per_period`` with its ``1 − alpha`` interval, ``assumption``, ``method`` (how the
    interval was computed) and ``status``. ``sources``: each source kind with its row count and
    status (why it has no rows). ``window``, ``period`` (the unit: revenue per ``period``),
    ``target`` and ``alpha`` record the choices.
    """

    window: Window
    period: str
    target: str
    alpha: float
    table: pd.DataFrame
    sources: pd.DataFrame

    def report_caption(self) -> str:
        return (f"Revenue per {self.period} at stake, ranked ({1 - self.alpha:.0%} intervals), "
                f"{self.window.start} to {self.window.end}")  # fmt: skip

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def _shown(self) -> pd.DataFrame:
        return display_frame(self.table.drop(columns=["theme"]).rename(
            columns=lambda c: c.replace("revenue_per_period", f"revenue_per_{self.period}")))  # fmt: skip

    def top(self, n: int = 10) -> Opportunities:
        """The ``n`` opportunities with the most revenue at stake (same object, fewer rows)."""
        if not isinstance(n, int) or n < 1:
            raise input_error("parameter 'n'", f"is {n!r}", "a positive integer")
        return replace(self, table=self.table.head(n).reset_index(drop=True))

    def by_theme(self) -> pd.DataFrame:
        """One row per pain point for ``journey.feedback``'s ``opportunities=`` hook: ``theme``, ``rank``,
        the revenue per period in words with its interval, and the assumption."""
        rows = self.table[self.table["source"] == "pain point"]
        words = [
            "not computed" if not math.isfinite(r.revenue_per_period) else
            f"{money(r.revenue_per_period)} per {self.period} ({1 - self.alpha:.0%} CI "
            f"{money(r.revenue_per_period_ci_lower)} to {money(r.revenue_per_period_ci_upper)})"
            for r in rows.itertuples()
        ]  # fmt: skip
        ranks = [f"{int(v)} of {self.ranked}" if pd.notna(v) else "unranked" for v in rows["rank"]]
        return pd.DataFrame({"theme": rows["theme"].to_numpy(), "rank": ranks, "revenue": words,
                             "assumption": rows["assumption"].to_numpy()})  # fmt: skip

    @property
    def ranked(self) -> int:
        """Rows with a value (and so a rank)."""
        return int(self.table["rank"].notna().sum())

    def sentences(self, n: int = 3) -> list[str]:
        """The top ``n`` opportunities in words, for an executive summary."""
        out = []
        for r in self.table[self.table["rank"].notna()].head(n).itertuples():
            out.append(
                f"{int(r.rank)}. {r.source.capitalize()} {label(r)}: {money(r.revenue_per_period)} per "
                f"{self.period} ({1 - self.alpha:.0%} CI {money(r.revenue_per_period_ci_lower)} to "
                f"{money(r.revenue_per_period_ci_upper)}). Assumes {r.assumption}."
            )
        return out


def label(row: Any) -> str:
    """An opportunity's name as reports show it: the item, with its segment unless it covers all."""
    where = "" if row.segment in ("all", None) else f" ({row.segment})"
    return f"{row.item}{where}"


def rank_rows(parts: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Stack the sources' rows and rank them by revenue per period (largest first, NaN last, unranked)."""
    frames = [p for p in parts if len(p)]
    if not frames:
        return pd.DataFrame(columns=COLUMNS)
    table = pd.concat(frames, ignore_index=True)
    table = table.sort_values("revenue_per_period", ascending=False, na_position="last", kind="stable")
    table = table.reset_index(drop=True)
    finite = table["revenue_per_period"].notna()
    table["rank"] = pd.array([i + 1 if ok else None for i, ok in enumerate(finite)], dtype="Int64")
    return table[COLUMNS]


def _feedback_parts(feedback: Any) -> tuple[pd.DataFrame, pd.DataFrame, int, Window | None, str]:
    """``(impact frame, current texts, n texts, window, status)`` from a FeedbackAnalysis."""
    if feedback is None:
        return pd.DataFrame(), pd.DataFrame(), 0, None, "no feedback passed (feedback= a journey.feedback analysis)"
    if not (hasattr(feedback, "impact") and hasattr(feedback, "texts")):
        raise input_error("parameter 'feedback'", f"is a {type(feedback).__name__}",
                          "the result of journey.feedback.analysis.analyze")  # fmt: skip
    texts = feedback.texts
    current = texts[texts["window"] == "current"] if "window" in texts.columns else texts
    impact = feedback.impact.frame
    if impact.empty or not (impact["kind"] == "pain point").any():
        return impact, current, len(current), feedback.window, "no pain points in the feedback"
    return impact, current, len(current), feedback.window, "ok"


def opportunities(
    source: DataLike,
    window: Window,
    *,
    steps: Sequence[str] = DEFAULT_STEPS,
    conversion_window: str | int | dt.timedelta = "7d",
    by: str | None = "device",
    target: Target = "best_segment",
    lift: float = 0.10,
    stages: Mapping[str, Sequence[str]] | None = None,
    period: Period = "week",
    feedback: Any = None,
    value_per_point: float | None = None,
    customers: Any = None,
    alpha: float = 0.05,
    min_entrants: int = 30,
) -> Opportunities:
    """Size every opportunity in revenue per ``period`` and rank them (see the module docstring).

    ``source``: the backend or path holding ``events`` (and ``order_history`` for the pain points'
    revenue per point); ``window``: the report window (a whole number of periods reads best).
    ``steps`` / ``conversion_window``: the funnel (ClickHouse ``windowFunnel`` semantics);
    ``stages``: the event → stage mapping (``journey.stages.kpis.STAGE_EVENTS``). ``by``: the
    events' segment column (a user's value on the step-1 event of their counted chain for
    funnels, on their first event in the window for stages); ``None`` sizes all users together.
    ``target``: what a step's conversion moves to, ``"best_segment"`` (needs ``by``; segments with
    ``min_entrants`` entrants compete), ``"relative_lift"`` (``× (1 + lift)``) or
    ``"previous_period"`` (the window before). ``feedback``: the result of
    :func:`journey.feedback.analysis.analyze`; ``value_per_point`` states the revenue per period one
    point of one customer's score is worth instead of estimating it. ``customers``: the
    customer-health review (:func:`journey.health.review.review`) or a frame with
    ``churn_probability`` and ``clv``.
    """
    if not isinstance(window, Window):
        raise input_error("parameter 'window'", f"is a {type(window).__name__}", "a journey.data.window.Window")
    check_option("target", target, transitions.TARGETS)
    check_option("period", period, tuple(PERIOD_DAYS))
    transitions.check_lift(lift)
    check_level(alpha)
    if target == "best_segment" and by is None:
        raise input_error("parameter 'by'", "is None with target='best_segment'",
                          "a segment column of the events (device, channel, ...) or another target")  # fmt: skip
    if not isinstance(min_entrants, int) or min_entrants < 1:
        raise input_error("parameter 'min_entrants'", f"is {min_entrants!r}", "a positive integer")
    periods = window.days / PERIOD_DAYS[period]
    events = as_table(source, "events")
    status: dict[str, str] = {}
    funnel_now, status["funnel step"] = transitions.funnel_stats(events, window, steps, conversion_window, by)
    stage_now, status["stage transition"] = transitions.stage_stats(events, window, by, stages)
    previous = None
    if target == "previous_period":
        before = window.previous()
        funnel_before, _ = transitions.funnel_stats(events, before, steps, conversion_window, by)
        stage_before, _ = transitions.stage_stats(events, before, by, stages)
        previous = pd.concat([funnel_before, stage_before], ignore_index=True)
    sized = transitions.size_transitions(
        pd.concat([funnel_now, stage_now], ignore_index=True), previous, periods, target=target, lift=lift,
        min_entrants=min_entrants, alpha=alpha, period=period, by=by or "segment",
    )  # fmt: skip
    parts = [sized]
    parts.append(_pain_rows(source, feedback, value_per_point, period, alpha, status))
    frame, horizon, status["at-risk customers"] = at_risk.customer_risk_frame(customers)
    parts.append(at_risk.size_at_risk(frame, status["at-risk customers"], period_days=PERIOD_DAYS[period],
                                      horizon_days=horizon, alpha=alpha, period=period))  # fmt: skip
    table = rank_rows(parts)
    counts = table["source"].value_counts()
    rows = []
    for name in SOURCES:
        n = int(counts.get(name, 0))
        why = status[name]
        if n == 0 and why == "ok":
            why = "nothing to size"
        rows.append({"source": name, "rows": n, "status": why})
    return Opportunities(window, period, target, alpha, table, pd.DataFrame(rows))


def _pain_rows(
    source: DataLike, feedback: Any, value_per_point: float | None, period: str, alpha: float, status: dict
) -> pd.DataFrame:
    impact, texts, n_texts, fb_window, status["pain point"] = _feedback_parts(feedback)
    if status["pain point"] != "ok":
        return pd.DataFrame()
    metric = str(impact["impact_metric"].iloc[0])
    try:
        orders = as_table(source, "order_history")
    except JourneyInputError as exc:
        orders, why = None, f"no order history for the customer base ({exc})"
    if value_per_point is not None:
        customers = 0
        if orders is not None:
            since = fb_window.end_ts - dt.timedelta(days=pain_points.BASE_DAYS)
            base = orders.filter((orders.ts >= since) & (orders.ts < fb_window.end_ts))
            customers = int(base.customer_id.nunique().execute())
        link = pain_points.stated_link(value_per_point, metric, customers)
    elif orders is None:
        status["pain point"] = why
        return pd.DataFrame()
    else:
        link = pain_points.score_link(texts, orders, fb_window, metric, fb_window.days / PERIOD_DAYS[period])
    if not math.isfinite(link.slope):
        status["pain point"] = f"no link from score to revenue ({link.status}); pass value_per_point= to state one"
        return pd.DataFrame()
    if link.customers == 0:
        status["pain point"] = "no customers with an order in the year to the window's end"
        return pd.DataFrame()
    return pain_points.size_pain_points(impact, n_texts, link, alpha=alpha, period=period)


__all__ = ["COLUMNS", "DEFAULT_STEPS", "PERIOD_DAYS", "Opportunities", "label", "opportunities", "rank_rows"]
