"""Segments (post-stratification) and the novelty check.

* :func:`segments`: every metric × variant × segment compared in one engine query
  (``GROUP BY variant, segment``), with p-values adjusted over the whole family, plus the
  post-stratified overall effect ``Σ_s w_s Δ_s`` with pooled segment shares ``w_s`` and
  variance ``Σ_s w_s² Var(Δ_s)`` (Miratrix, Sekhon & Yu 2013, leading term), which removes
  between-segment variance from the overall estimate.
* :func:`novelty`: the effect by days since exposure and a weighted least-squares trend
  test of effect on day (weights ``1/se²``, the scale treated as known), so a novelty or
  learning effect that fades or grows shows up as a significant slope.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from journey.data.sources import DataLike, as_table
from journey.display.results import ResultMixin, display_frame
from journey.display.text import significant
from journey.experiments.analyze import (
    FRAME_COLUMNS,
    SHOWN_COLUMNS,
    MetricResult,
    _adjust,
    _metric_row,
    _plan,
    _validate,
    _winsorized,
)
from journey.experiments.estimators import Adjustment, Comparison, RelCI, compare, two_sided_pvalue
from journey.experiments.metrics import Mean, Proportion, Ratio
from journey.experiments.stats import Moments, reduce_moments
from journey.stats import dist
from journey.stats.multiple import Correction
from journey.validation import check_option, input_error, quote_list, require_columns


@dataclass(frozen=True, slots=True)
class SegmentResult(ResultMixin):
    """Per-segment comparisons (``rows``, segment names in ``segment_of``) and the
    post-stratified overall effect per metric × variant (``overall``)."""

    caption = "Effects by segment"

    by: str
    segment_of: tuple[str, ...]
    rows: tuple[MetricResult, ...]
    overall: pd.DataFrame
    correction: str
    alpha: float

    def to_frame(self) -> pd.DataFrame:
        frame = pd.DataFrame([r.record() for r in self.rows], columns=list(FRAME_COLUMNS))
        frame.insert(0, "segment", list(self.segment_of))
        return frame

    def _shown(self) -> pd.DataFrame:
        # segment sizes matter here (a small segment's wide interval), the Bayesian view does not
        shown = ["segment", "n_control", "n_treatment", *(c for c in SHOWN_COLUMNS if c != "chance_to_win")]
        return display_frame(self.to_frame()[shown])


def _table_and_moments(data, variant, metrics, by):
    table = as_table(data)
    needed = [variant, *by, *[c for m in metrics for c in m.columns]]
    require_columns(table.columns, list(dict.fromkeys(needed)), "experiment data")
    table, cols = _winsorized(table, metrics)
    names, pairs, ranges = _plan(metrics, cols)
    checks, moments = reduce_moments(table, variant, names, by=by, pairs=pairs, minimum=ranges[1], binary=ranges[0])
    _validate(checks, metrics, cols, variant)
    return cols, names, moments


def segments(
    data: DataLike,
    variant: str = "variant",
    control: str = "control",
    metrics: Sequence[Proportion | Mean | Ratio] = (),
    by: str = "device",
    alpha: float = 0.05,
    correction: Correction = "holm",
    *,
    adjustment: Adjustment = "lin",
    rel_ci: RelCI = "delta",
    prior_std: float = 0.3,
    pooled: bool = False,
) -> SegmentResult:
    """Compare arms within each value of ``by``; adjust over metrics × variants × segments
    (``pooled`` as in :func:`~journey.experiments.analyze.analyze`)."""
    check_option("correction", correction, ("holm", "bh", "by", "bonferroni", "none"))
    metrics = list(metrics)
    if not metrics:
        raise input_error("metrics", "is empty", "at least one Proportion, Mean or Ratio")
    cols, names, moments = _table_and_moments(data, variant, metrics, [by])
    arms = sorted({k[0] for k in moments})
    if control not in arms:
        raise input_error(f"control {control!r}", "not in the data", f"one of the variants present: {quote_list(arms)}")
    segs = sorted({k[1] for k in moments}, key=str)
    empty = Moments(0, names, [math.nan] * len(names), [[math.nan] * len(names)] * len(names))
    rows, seg_of, overall = [], [], []
    for m in metrics:
        num, den, covs = cols[m.label]
        for arm in arms:
            if arm == control:
                continue
            parts = []
            for s in segs:
                c, t = moments.get((control, s), empty), moments.get((arm, s), empty)
                cmp = compare(
                    c, t, num, den, covs, kind=m.kind, alpha=alpha, adjustment=adjustment, rel_ci=rel_ci, pooled=pooled
                )
                rows.append(_metric_row(m, arm, cmp, prior_std))
                seg_of.append(str(s))
                parts.append(cmp)
            overall.append(_post_stratified(m.label, arm, parts, alpha))
    rows = _adjust(rows, alpha, correction)
    return SegmentResult(by, tuple(seg_of), tuple(rows), pd.DataFrame(overall), correction, alpha)


def _post_stratified(metric: str, arm: str, parts: Sequence[Comparison], alpha: float) -> dict:
    usable = [p for p in parts if math.isfinite(p.effect_size) and math.isfinite(p.se)]
    n = np.array([p.n_control + p.n_treatment for p in usable], float)
    if not usable:
        effect = se = math.nan
    else:
        w = n / n.sum()
        effect = float(w @ [p.effect_size for p in usable])
        se = float(math.sqrt(w**2 @ np.array([p.se**2 for p in usable])))
    q = dist.norm_isf(alpha / 2)
    return {
        "metric": metric,
        "variant": arm,
        "effect_size": effect,
        "se": se,
        "effect_ci_lower": effect - q * se,
        "effect_ci_upper": effect + q * se,
        "pvalue": two_sided_pvalue(effect / se) if se > 0 else math.nan,
        "segments_used": len(usable),
        "segments_dropped": len(parts) - len(usable),
    }


@dataclass(frozen=True, slots=True)
class NoveltyResult(ResultMixin):
    """Effect by day since exposure and the trend test (``slope`` per day, its ``pvalue``)."""

    caption = "Effect by days since exposure"

    metric: str
    variant: str
    days: tuple[int, ...]
    effects: tuple[Comparison, ...]
    slope: float
    slope_se: float
    pvalue: float
    alpha: float

    @property
    def flagged(self) -> bool:
        return bool(self.pvalue < self.alpha)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "period": list(self.days),
                "n_control": [e.n_control for e in self.effects],
                "n_treatment": [e.n_treatment for e in self.effects],
                "effect_size": [e.effect_size for e in self.effects],
                "effect_ci_lower": [e.effect_ci_lower for e in self.effects],
                "effect_ci_upper": [e.effect_ci_upper for e in self.effects],
                "rel_effect_size": [e.rel_effect_size for e in self.effects],
                "status": [e.status for e in self.effects],
            }
        )

    def sentence(self) -> str:
        if not math.isfinite(self.pvalue):
            return "Too few days with data to test for a novelty effect."
        direction = "shrinks" if self.slope < 0 else "grows"
        if self.flagged:
            return (
                f"The effect {direction} with days since exposure ({significant(self.slope, signed=True)} per day, p = "
                f"{self.pvalue:.2g}): a novelty or learning effect; judge the later days."
            )
        return f"No trend in the effect over days since exposure (p = {self.pvalue:.2g})."


def trend_test(days: Sequence[float], effects: Sequence[float], se: Sequence[float]) -> tuple[float, float, float]:
    """Weighted least-squares slope of effect on day with weights ``1/se²`` (known variances):
    ``(slope, se_slope, two-sided p)``; NaN with fewer than 3 usable days."""
    d, e, s = (np.asarray(x, float) for x in (days, effects, se))
    ok = np.isfinite(d) & np.isfinite(e) & np.isfinite(s) & (s > 0)
    if ok.sum() < 3:
        return math.nan, math.nan, math.nan
    d, e, w = d[ok], e[ok], 1 / s[ok] ** 2
    dm, em = np.average(d, weights=w), np.average(e, weights=w)
    sxx = float(w @ (d - dm) ** 2)
    slope = float(w @ ((d - dm) * (e - em)) / sxx)
    slope_se = math.sqrt(1 / sxx)
    return slope, slope_se, two_sided_pvalue(slope / slope_se)


def novelty(
    data: DataLike,
    metric: Proportion | Mean | Ratio,
    variant: str = "variant",
    control: str = "control",
    treatment: str | None = None,
    day: str = "days_since_exposure",
    alpha: float = 0.05,
) -> NoveltyResult:
    """Effect of ``treatment`` (the first non-control arm by default) by ``day`` and its trend."""
    cols, _names, moments = _table_and_moments(data, variant, [metric], [day])
    num, den, covs = cols[metric.label]
    arms = sorted({k[0] for k in moments})
    treatment = treatment or next((a for a in arms if a != control), None)
    if control not in arms or treatment not in arms:
        raise input_error("novelty", f"control {control!r} / treatment {treatment!r}", f"variants {quote_list(arms)}")
    days = sorted({k[1] for k in moments if k[0] in (control, treatment)})
    effects = []
    for d in days:
        if (control, d) in moments and (treatment, d) in moments:
            effects.append(
                compare(moments[(control, d)], moments[(treatment, d)], num, den, covs, kind=metric.kind, alpha=alpha)
            )
    days = [d for d in days if (control, d) in moments and (treatment, d) in moments]
    slope, slope_se, p = trend_test(days, [e.effect_size for e in effects], [e.se for e in effects])
    return NoveltyResult(
        metric.label, treatment, tuple(int(d) for d in days), tuple(effects), slope, slope_se, p, alpha
    )
