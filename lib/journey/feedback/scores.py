"""Experience scores (NPS, CSAT, CES), theme impact on them, and emerging themes.

Statistics here work on counts and per-text numbers already reduced by the engine or a model;
the tests build their inputs by hand. Conventions:

* NPS = % promoters (9-10) − % detractors (0-6), on the −100..100 scale. Its standard error
  treats each answer as +1 / 0 / −1: ``se = 100 * sqrt((p + d − (p − d)²) / n)``; the CI is normal.
* CSAT = share of ratings 4-5 on a 1-5 scale, with a Wilson interval.
* CES = mean effort score (1-7 by default), with a t interval.
* A theme's impact is the difference between the score of texts in the theme and of all other
  texts (NPS: difference of two independent NPS, normal CI; rating: Welch CI), so a pain point
  is a theme whose customers score lower than everybody else, not merely a frequent one.
* Emerging themes: share this window vs the previous one, one-sided two-proportion z-test
  (pooled variance: the score test of "no change", which is the null being tested),
  Holm-adjusted across themes. The interval of the change is Newcombe's hybrid score interval,
  not Wald's: theme shares are small and a new theme has no texts in the previous window,
  where the Wald interval gives that window zero variance and is too narrow.

Intervals and corrections come from the one statistics core (:mod:`journey.stats`): Wilson,
Newcombe and Welch from :mod:`journey.stats.intervals`, Holm from :mod:`journey.stats.multiple`.

Degenerate input (no answers, one group empty) gives NaN and a ``status``, never a fake 0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from journey.display.results import ResultMixin, display_frame
from journey.stats import dist
from journey.stats.intervals import newcombe_difference, welch, wilson, z_quantile
from journey.stats.multiple import adjust_pvalues
from journey.validation import input_error, require_columns

ALPHA = 0.05
MIN_OBS = 10
"""Fewer answers than this in a group gives NaN impact with status 'too few answers'."""


@dataclass(frozen=True, slots=True)
class Score(ResultMixin):
    """One experience score with its CI: ``metric`` (nps, csat, ces), ``value``, ``n_obs``, ``status``."""

    caption = "Experience score"

    metric: str
    value: float
    ci_lower: float
    ci_upper: float
    n_obs: int
    alpha: float = ALPHA
    method: str = ""
    status: str = "ok"

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [{"metric": self.metric, "value": self.value, "value_ci_lower": self.ci_lower,
              "value_ci_upper": self.ci_upper, "n_obs": self.n_obs, "method": self.method, "status": self.status}]
        )  # fmt: skip


def nps_from_counts(promoters: int, passives: int, detractors: int, alpha: float = ALPHA) -> Score:
    """NPS and its normal CI from the three counts (see the module docstring)."""
    n = int(promoters + passives + detractors)
    if n == 0:
        return Score("nps", math.nan, math.nan, math.nan, 0, alpha, "normal", "no answers")
    p, d = promoters / n, detractors / n
    value = 100 * (p - d)
    se = 100 * math.sqrt(max(p + d - (p - d) ** 2, 0.0) / n)
    half = z_quantile(alpha) * se
    return Score("nps", value, value - half, value + half, n, alpha, "normal")


def nps(answers: Sequence[float] | pd.Series, alpha: float = ALPHA) -> Score:
    """NPS of 0-10 answers (missing values ignored)."""
    values = pd.to_numeric(pd.Series(list(answers), dtype=float), errors="coerce").dropna()
    if ((values < 0) | (values > 10)).any():
        raise input_error("nps answers", f"value {values[(values < 0) | (values > 10)].iloc[0]:g}", "0 to 10")
    return nps_from_counts(int((values >= 9).sum()), int(values.between(7, 8).sum()), int((values <= 6).sum()), alpha)


def csat_from_counts(satisfied: int, n: int, alpha: float = ALPHA) -> Score:
    """CSAT (share satisfied) with a Wilson interval."""
    if n == 0:
        return Score("csat", math.nan, math.nan, math.nan, 0, alpha, "wilson", "no answers")
    lower, upper = wilson(satisfied, n, alpha)
    return Score("csat", satisfied / n, lower, upper, int(n), alpha, "wilson")


def csat(ratings: Sequence[float] | pd.Series, alpha: float = ALPHA) -> Score:
    """CSAT of 1-5 ratings: share of 4 and 5 (missing values ignored)."""
    values = pd.to_numeric(pd.Series(list(ratings), dtype=float), errors="coerce").dropna()
    if ((values < 1) | (values > 5)).any():
        raise input_error("ratings", f"value {values[(values < 1) | (values > 5)].iloc[0]:g}", "1 to 5")
    return csat_from_counts(int((values >= 4).sum()), len(values), alpha)


def ces(scores: Sequence[float] | pd.Series, scale: tuple[int, int] = (1, 7), alpha: float = ALPHA) -> Score:
    """Customer effort score: mean on ``scale`` (default 1-7) with a t interval."""
    values = pd.to_numeric(pd.Series(list(scores), dtype=float), errors="coerce").dropna().to_numpy()
    low, high = scale
    if ((values < low) | (values > high)).any():
        raise input_error("effort scores", f"value {values[(values < low) | (values > high)][0]:g}", f"{low} to {high}")
    n = len(values)
    if n < 2:
        return Score(
            "ces", float(values.mean()) if n else math.nan, math.nan, math.nan, n, alpha, "t", "too few answers"
        )
    mean, se = float(values.mean()), float(values.std(ddof=1) / math.sqrt(n))
    half = dist.t_isf(alpha / 2, n - 1) * se
    return Score("ces", mean, mean - half, mean + half, n, alpha, "t")


@dataclass(frozen=True, slots=True)
class ScoreTrend(ResultMixin):
    """A score per period (``period`` start, ``value`` with CI, ``n_obs``, ``status``)."""

    caption = "Score by period"

    metric: str
    frame: pd.DataFrame
    alpha: float = ALPHA

    def to_frame(self) -> pd.DataFrame:
        return self.frame.copy()


def score_trend(table, metric: str = "nps", period: str = "week", alpha: float = ALPHA) -> ScoreTrend:
    """NPS or CSAT per calendar period of a feedback ibis table; counting runs in the engine."""
    import ibis

    if metric not in ("nps", "csat"):
        raise input_error("parameter 'metric'", f"unknown value {metric!r}", "'csat', 'nps'")
    if period not in ("day", "week", "month"):
        raise input_error("parameter 'period'", f"unknown value {period!r}", "'day', 'month', 'week'")
    unit = {"day": "D", "week": "W", "month": "M"}[period]
    column = table["nps"] if metric == "nps" else table["rating"]
    answered = table.filter(column.notnull()).mutate(period=table.ts.truncate(unit))
    col = answered["nps"] if metric == "nps" else answered["rating"]
    counts = (
        answered.group_by("period")
        .aggregate(
            n=answered.count(),
            high=(col >= (9 if metric == "nps" else 4)).sum(),
            low=(col <= 6).sum() if metric == "nps" else ibis.literal(0),
        )
        .order_by("period")
        .to_pandas()
    )
    rows = []
    for row in counts.itertuples(index=False):
        n, high, low = int(row.n), int(row.high), int(row.low)
        score = (
            nps_from_counts(high, n - high - low, low, alpha) if metric == "nps" else csat_from_counts(high, n, alpha)
        )
        rows.append({"period": row.period, "value": score.value, "value_ci_lower": score.ci_lower,
                     "value_ci_upper": score.ci_upper, "n_obs": n, "status": score.status})  # fmt: skip
    frame = pd.DataFrame(rows, columns=["period", "value", "value_ci_lower", "value_ci_upper", "n_obs", "status"])
    return ScoreTrend(metric, frame, alpha)


def _nps_parts(values: np.ndarray) -> tuple[float, float, int]:
    """NPS and its variance (both on the −100..100 scale) of 0-10 answers."""
    n = len(values)
    if n == 0:
        return math.nan, math.nan, 0
    p, d = float(np.mean(values >= 9)), float(np.mean(values <= 6))
    return 100 * (p - d), 100**2 * max(p + d - (p - d) ** 2, 0.0) / n, n


IMPACT_UNITS = {"nps": "NPS points", "rating": "stars"}
"""What a theme's ``impact`` is measured in, by ``impact_metric`` (share × effect on that score)."""


def impact_text(impact: float, metric: str) -> str:
    """An impact in words, in its unit: ``"3.1 NPS points"``, ``"0.28 stars of the average rating"``."""
    if metric == "nps":
        return f"{abs(impact):.1f} {IMPACT_UNITS[metric]}"
    return f"{abs(impact):.2f} {IMPACT_UNITS[metric]} of the average rating"


@dataclass(frozen=True, slots=True)
class ThemeImpact(ResultMixin):
    """Per theme: volume, sentiment and impact on NPS / rating, ranked into pain points and delights.

    Columns of :meth:`to_frame`: ``theme``, ``size``, ``share``, ``sentiment`` (mean score) with CI,
    ``nps`` of the theme's texts, ``nps_effect`` (theme − all others) with CI, ``rating_effect``
    (mean stars, theme − others, Welch CI), ``impact`` = ``share × effect`` on ``impact_metric``
    (the points the theme moves the overall score by; one metric for all themes so the ranking
    compares like with like), ``kind`` (``pain point`` when that effect's CI lies below 0,
    ``delight`` when above 0 and sentiment is not negative; by sentiment alone when the effect
    cannot be estimated; else ``neutral``), ``status``.
    """

    caption = "Themes by volume, sentiment and impact"

    frame: pd.DataFrame
    alpha: float = ALPHA
    method: str = "difference of means vs all other texts, normal / Welch CI"

    def to_frame(self) -> pd.DataFrame:
        return self.frame.copy()

    def _shown(self) -> pd.DataFrame:
        """What a reader needs to rank themes: size, sentiment, the effect on the score the ranking
        used (not both scores: seventeen columns scrolled sideways) and the impact in its unit."""
        if self.frame.empty:
            return display_frame(self.frame)
        metric = str(self.frame["impact_metric"].iloc[0])
        effect = "nps_effect" if metric == "nps" else "rating_effect"
        columns = ["theme", "size", "share", "sentiment", "sentiment_ci_lower", "sentiment_ci_upper",
                   effect, f"{effect}_ci_lower", f"{effect}_ci_upper", "impact", "kind", "status"]  # fmt: skip
        return display_frame(self.frame[columns]).rename(
            columns={
                effect: f"{metric}_vs_other_themes",
                f"{effect}_ci": f"{metric}_vs_other_themes_ci",
                "impact": f"impact_in_{IMPACT_UNITS[metric].replace(' ', '_')}",
            }
        )

    def pain_points(self, top: int | None = None) -> pd.DataFrame:
        """Pain points, worst first (most points lost; those without an estimate last, by sentiment)."""
        if self.frame.empty:
            return self.frame
        rows = self.frame[self.frame["kind"] == "pain point"].sort_values(["impact", "sentiment"], na_position="last")
        return rows.head(top) if top else rows

    def delights(self, top: int | None = None) -> pd.DataFrame:
        if self.frame.empty:
            return self.frame
        rows = self.frame[self.frame["kind"] == "delight"].sort_values(
            ["impact", "sentiment"], ascending=False, na_position="last"
        )
        return rows.head(top) if top else rows


def theme_impact(
    frame: pd.DataFrame, alpha: float = ALPHA, min_obs: int = MIN_OBS, metric: str = "auto"
) -> ThemeImpact:
    """Impact of each theme from one row per text: ``theme``, ``sentiment`` and optional ``nps`` / ``rating``.

    ``metric`` ranks by ``"rating"`` or ``"nps"``; ``"auto"`` uses ratings when at least
    ``2 * min_obs`` texts have one (they cover more channels than NPS), else NPS. Texts in the
    "Outliers" group are kept in the denominators but get no row of their own.
    """
    require_columns(frame.columns, ["theme", "sentiment"], "theme_impact(frame)")
    if metric not in ("auto", "rating", "nps"):
        raise input_error("parameter 'metric'", f"unknown value {metric!r}", "'auto', 'nps', 'rating'")
    z = z_quantile(alpha)
    n_total = len(frame)
    nps_values = frame["nps"].to_numpy(dtype=float) if "nps" in frame.columns else np.full(n_total, np.nan)
    ratings = frame["rating"].to_numpy(dtype=float) if "rating" in frame.columns else np.full(n_total, np.nan)
    themes_ = frame["theme"].astype(str).to_numpy()
    sentiments = frame["sentiment"].to_numpy(dtype=float)
    if metric == "auto":
        metric = "rating" if np.sum(~np.isnan(ratings)) >= 2 * min_obs else "nps"
    rows = []
    for theme in pd.unique(themes_):
        if theme == "Outliers":
            continue
        inside = themes_ == theme
        s = sentiments[inside]
        s_half = z * s.std(ddof=1) / math.sqrt(len(s)) if len(s) > 1 else math.nan
        status = []
        nps_in, var_in, n_in = _nps_parts(nps_values[inside & ~np.isnan(nps_values)])
        nps_out, var_out, n_out = _nps_parts(nps_values[~inside & ~np.isnan(nps_values)])
        if min(n_in, n_out) >= min_obs:
            nps_effect, nps_half = nps_in - nps_out, z * math.sqrt(var_in + var_out)
        else:
            nps_effect = nps_half = math.nan
            status.append("too few NPS answers")
        r_in, r_out = ratings[inside & ~np.isnan(ratings)], ratings[~inside & ~np.isnan(ratings)]
        if min(len(r_in), len(r_out)) >= min_obs:
            w = welch(r_in.mean(), r_in.var(ddof=1), len(r_in), r_out.mean(), r_out.var(ddof=1), len(r_out), alpha)
            rating_effect = float(w.effect_size)
            rating_half = (w.effect_ci_upper - w.effect_ci_lower) / 2 if math.isfinite(w.se) else 0.0
        else:
            rating_effect = rating_half = math.nan
            status.append("too few ratings")
        share = inside.sum() / n_total
        effect, half = (nps_effect, nps_half) if metric == "nps" else (rating_effect, rating_half)
        mean_sentiment = float(s.mean())
        if math.isnan(effect):
            kind = "pain point" if mean_sentiment < -0.05 else "delight" if mean_sentiment > 0.05 else "neutral"
        elif effect + half < 0:
            kind = "pain point"
        elif effect - half > 0 and mean_sentiment > -0.05:
            kind = "delight"
        else:
            kind = "neutral"
        impact = share * effect
        rows.append({
            "theme": theme, "size": int(inside.sum()), "share": share,
            "sentiment": mean_sentiment, "sentiment_ci_lower": mean_sentiment - s_half,
            "sentiment_ci_upper": mean_sentiment + s_half,
            "nps": nps_in if n_in else math.nan, "nps_n_obs": n_in,
            "nps_effect": nps_effect, "nps_effect_ci_lower": nps_effect - nps_half,
            "nps_effect_ci_upper": nps_effect + nps_half,
            "rating_effect": rating_effect, "rating_effect_ci_lower": rating_effect - rating_half,
            "rating_effect_ci_upper": rating_effect + rating_half,
            "impact": impact, "impact_metric": metric, "kind": kind, "status": "; ".join(status) or "ok",
        })  # fmt: skip
    table = pd.DataFrame(rows)
    if not table.empty:
        table = table.sort_values(["impact", "sentiment"], ascending=[True, True], na_position="last")
    return ThemeImpact(table.reset_index(drop=True), alpha)


@dataclass(frozen=True, slots=True)
class EmergingThemes(ResultMixin):
    """Theme shares now vs the previous window; ``emerging`` when the rise is significant (Holm)."""

    caption = "Themes rising since the previous window"

    frame: pd.DataFrame
    alpha: float = ALPHA
    method: str = "one-sided two-proportion z-test, Holm-adjusted; Newcombe interval"

    def to_frame(self) -> pd.DataFrame:
        return self.frame.copy()

    def emerging(self) -> pd.DataFrame:
        return self.frame[self.frame["emerging"]]


def emerging_themes(current: pd.Series, previous: pd.Series, alpha: float = ALPHA) -> EmergingThemes:
    """Compare theme counts (index = theme, values = number of texts) of two windows."""
    themes_ = [t for t in current.index.union(previous.index) if t != "Outliers"]
    cur = current.reindex(themes_, fill_value=0).astype(float)
    prev = previous.reindex(themes_, fill_value=0).astype(float)
    n_cur, n_prev = float(current.sum()), float(previous.sum())
    rows = []
    for theme in themes_:
        if n_cur == 0 or n_prev == 0:
            rows.append({"theme": theme, "share": math.nan, "previous_share": math.nan, "share_diff": math.nan,
                         "share_diff_ci_lower": math.nan, "share_diff_ci_upper": math.nan, "rel_change": math.nan,
                         "pvalue": math.nan, "status": "a window has no texts"})  # fmt: skip
            continue
        p1, p0 = cur[theme] / n_cur, prev[theme] / n_prev
        pooled = (cur[theme] + prev[theme]) / (n_cur + n_prev)
        se0 = math.sqrt(pooled * (1 - pooled) * (1 / n_cur + 1 / n_prev))
        pvalue = dist.norm_sf((p1 - p0) / se0) if se0 > 0 else math.nan
        diff, low, high = newcombe_difference(cur[theme], n_cur, prev[theme], n_prev, alpha)
        rows.append({"theme": theme, "share": p1, "previous_share": p0, "share_diff": diff,
                     "share_diff_ci_lower": low, "share_diff_ci_upper": high,
                     "rel_change": (p1 - p0) / p0 if p0 > 0 else math.nan, "pvalue": pvalue,
                     "status": "ok"})  # fmt: skip
    frame = pd.DataFrame(rows)
    if frame.empty:
        return EmergingThemes(frame, alpha)
    frame["pvalue_holm"] = adjust_pvalues(frame["pvalue"].to_numpy(), "holm")
    frame["emerging"] = (frame["pvalue_holm"] < alpha).fillna(False)
    frame = frame.sort_values(["emerging", "share_diff"], ascending=[False, False]).reset_index(drop=True)
    return EmergingThemes(frame, alpha)
