"""Plain-language findings from the numbers, each with representative (masked) quotes.

Every sentence is built from a result object (theme impact, emerging themes, scores), never
typed by hand in a notebook, so a report says exactly what the tested numbers say. Quotes are
re-masked here (masking is idempotent) and are escaped when rendered (``journey.display.report.quotes``
or a result's ``_repr_html_``), so a customer's markup never executes in a report.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from journey.display.results import ResultMixin
from journey.display.text import percent, signed
from journey.feedback.pii import mask_pii
from journey.feedback.scores import EmergingThemes, Score, ThemeImpact, impact_text
from journey.validation import require_columns


@dataclass(frozen=True, slots=True)
class Finding:
    """One finding: ``theme``, ``kind`` (pain point, delight, emerging), the ``sentence`` and its ``quotes``."""

    theme: str
    kind: str
    sentence: str
    quotes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Insights(ResultMixin):
    """Findings in reading order: pain points (worst first), emerging themes, then delights."""

    caption = "Findings"

    findings: tuple[Finding, ...]

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [{"kind": f.kind, "theme": f.theme, "finding": f.sentence, "quotes": " | ".join(f.quotes)}
             for f in self.findings],
            columns=["kind", "theme", "finding", "quotes"],
        )  # fmt: skip

    def sentences(self) -> list[str]:
        return [f.sentence for f in self.findings]


def representative_quotes(texts: pd.DataFrame, theme: str, n: int = 2, most: str = "negative") -> tuple[str, ...]:
    """Up to ``n`` distinct, readable texts of ``theme`` (most negative or most positive first), masked.

    ``texts`` has one row per text: ``theme``, ``text``, ``sentiment``. Texts of 20-240 characters
    without markup are preferred; others are used only when nothing else is left.
    """
    require_columns(texts.columns, ["theme", "text", "sentiment"], "representative_quotes(texts)")
    rows = texts[texts["theme"] == theme].drop_duplicates("text")
    if rows.empty:
        return ()
    length = rows["text"].str.len()
    readable = length.between(20, 240) & ~rows["text"].str.contains("<", regex=False)
    rows = rows.assign(_readable=readable).sort_values(
        ["_readable", "sentiment"], ascending=[False, most == "negative"], kind="stable"
    )
    return tuple(mask_pii(t) for t in rows["text"].head(n))


def build_insights(
    impact: ThemeImpact,
    texts: pd.DataFrame,
    emerging: EmergingThemes | None = None,
    top: int = 3,
    n_quotes: int = 2,
) -> Insights:
    """Findings such as "Delivery: 14% of feedback, up from 9%; NPS of those customers −38 vs +21 for the rest"."""
    trend = emerging.to_frame().set_index("theme") if emerging is not None and not emerging.frame.empty else None
    findings: list[Finding] = []

    def sentence(row: pd.Series) -> str:
        parts = [f"{row['theme']}: {percent(row['share'], 0)} of feedback"]
        if trend is not None and row["theme"] in trend.index and not math.isnan(trend.at[row["theme"], "share"]):
            before = trend.at[row["theme"], "previous_share"]
            now = trend.at[row["theme"], "share"]
            if percent(now, 0) == percent(before, 0):
                parts[0] += " this window, as in the previous one"
            else:
                parts[0] += f" this window, {'up' if now > before else 'down'} from {percent(before, 0)}"
        if not math.isnan(row["nps_effect"]):
            rest = row["nps"] - row["nps_effect"]
            parts.append(f"NPS of those customers {signed(row['nps'])} vs {signed(rest)} for everyone else")
        elif not math.isnan(row["rating_effect"]):
            parts.append(f"their ratings are {signed(row['rating_effect'], 1)} stars vs everyone else")
        parts.append(f"average sentiment {signed(row['sentiment'], 2)}")
        return "; ".join(parts) + "."

    for _, row in impact.pain_points(top).iterrows():
        findings.append(
            Finding(row["theme"], "pain point", sentence(row), representative_quotes(texts, row["theme"], n_quotes))
        )
    if trend is not None:
        for theme, row in trend[trend["emerging"]].iterrows():
            text = (f"Emerging: {theme} rose to {percent(row['share'], 0)} of feedback "
                    f"from {percent(row['previous_share'], 0)} "
                    f"(p = {row['pvalue_holm']:.3g} after Holm adjustment).")  # fmt: skip
            findings.append(Finding(theme, "emerging", text, representative_quotes(texts, theme, n_quotes)))
    for _, row in impact.delights(max(1, top - 1)).iterrows():
        quotes = representative_quotes(texts, row["theme"], n_quotes, most="positive")
        findings.append(Finding(row["theme"], "delight", sentence(row), quotes))
    return Insights(tuple(findings))


def summary_sentences(
    nps_now: Score,
    nps_before: Score,
    impact: ThemeImpact,
    emerging: EmergingThemes | None,
    n_texts: int,
    window: str,
) -> list[str]:
    """3-5 sentences for the executive summary: volume, NPS and its change, top 3 pain points, what changed."""
    out = [f"{n_texts:,} pieces of feedback in {window}."]
    if not math.isnan(nps_now.value):
        line = (f"NPS is {signed(nps_now.value)} (95% CI {signed(nps_now.ci_lower)} to {signed(nps_now.ci_upper)}, "
                f"{nps_now.n_obs:,} answers)")  # fmt: skip
        if not math.isnan(nps_before.value):
            line += f", {signed(nps_now.value - nps_before.value)} points vs the previous window"
        out.append(line + ".")
    pains = impact.pain_points(3)
    if not pains.empty:
        listed = ", ".join(f"{r.theme} ({percent(r.share, 0)} of feedback)" for r in pains.itertuples())
        out.append(f"Top pain points: {listed}.")
    if emerging is not None and not emerging.frame.empty and emerging.frame["emerging"].any():
        rows = emerging.emerging().head(2)
        listed = " and ".join(
            f"{r.theme} ({percent(r.previous_share, 0)} → {percent(r.share, 0)})" for r in rows.itertuples()
        )
        out.append(f"What changed: {listed} grew significantly.")
    else:
        out.append("What changed: no theme grew significantly vs the previous window.")
    delights = impact.delights(1)
    if not delights.empty:
        out.append(f"Customers are happiest about {delights['theme'].iloc[0]}.")
    return out[:5]


@dataclass(frozen=True, slots=True)
class Actions(ResultMixin):
    """What the data says about each top pain point, one row per theme, in ``to_frame()``'s columns:

    ``theme``; ``size_and_trend`` (its share of this window's feedback, the text count and the share
    in the previous window); ``effect`` (the difference in score between its customers and everyone
    else with its interval, and the points it costs the overall score, from :func:`theme_impact`);
    ``where`` (the channel and the segment where it is most over-represented against the overall
    mix, with counts); ``quotes`` (two representative texts, masked); ``opportunity`` (its row in
    the opportunity table of ``journey.impact`` when one is passed, else a note that it is not
    sized yet); ``action`` (all of it in one sentence).
    """

    caption = "Recommended actions"

    frame: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.frame.copy()

    def sentences(self) -> list[str]:
        return self.frame["action"].tolist() if "action" in self.frame.columns else []


ACTION_COLUMNS = ["theme", "size_and_trend", "effect", "where", "quotes", "opportunity", "action"]
NOT_SIZED = "priced in revenue per week in the What to fix next report"
"""What ``opportunity`` says until ``journey.impact``'s opportunity table is passed to :func:`recommended_actions`."""
MIN_CONCENTRATED = 5
"""A channel or segment needs this many of the theme's texts to be named as where it concentrates."""


def _at_stake(impact: float, metric: str, size: int) -> str:
    """What a pain point costs, in the unit its impact was measured in (NPS points or stars of the
    average rating); the text count when the effect could not be estimated."""
    return f"{size:,} texts" if math.isnan(impact) else impact_text(impact, metric)


def concentration(texts: pd.DataFrame, theme: str, column: str, min_count: int = MIN_CONCENTRATED) -> dict | None:
    """Where ``theme`` is most over-represented along ``column`` (channel, segment) against the overall mix.

    For each value with at least ``min_count`` of the theme's texts: its share of the theme's texts
    over its share of all texts (the lift). Returns the value with the highest lift above 1 as
    ``{"value", "count", "theme_n", "share", "overall_share", "lift"}``, or None (no such value,
    or no such column). Missing values (texts without a known customer) are left out of both shares.
    """
    if column not in texts.columns:
        return None
    known = texts[texts[column].notna()]
    inside = known[known["theme"] == theme]
    if inside.empty:
        return None
    counts = inside[column].value_counts()
    overall = known[column].value_counts(normalize=True)
    share = counts / len(inside)
    lift = (share / overall.reindex(share.index)).where(counts >= min_count).dropna()
    lift = lift[lift > 1]
    if lift.empty:
        return None
    best = sorted(lift.index, key=lambda v: (-lift[v], str(v)))[0]
    return {"value": best, "count": int(counts[best]), "theme_n": len(inside), "share": float(share[best]),
            "overall_share": float(overall[best]), "lift": float(lift[best])}  # fmt: skip


def _where(texts: pd.DataFrame | None, theme: str, segment: str) -> str:
    if texts is None:
        return "no channel or segment data"
    parts = []
    for column, lead in (("channel", "in {}"), (segment, f"among {segment} '{{}}'")):
        found = concentration(texts, theme, column)
        if found is not None:
            parts.append(
                f"{lead.format(found['value'])} ({found['count']:,} of its {found['theme_n']:,} texts, "
                f"{percent(found['share'], 0)} vs {percent(found['overall_share'], 0)} of all feedback)"
            )
    return "most over-represented " + " and ".join(parts) if parts else "spread like feedback overall"


def _effect(row: Any, alpha: float) -> str:
    metric = row.impact_metric
    effect = row.nps_effect if metric == "nps" else row.rating_effect
    if math.isnan(effect):
        return f"effect on the score not estimable ({row.status})"
    lower, upper = (row.nps_effect_ci_lower, row.nps_effect_ci_upper) if metric == "nps" else (
        row.rating_effect_ci_lower, row.rating_effect_ci_upper)  # fmt: skip
    level = f"{1 - alpha:.0%} CI"
    if metric == "nps":
        gap = f"NPS {signed(effect)} points vs everyone else ({level} {signed(lower)} to {signed(upper)})"
    else:
        gap = f"ratings {signed(effect, 2)} stars vs everyone else ({level} {signed(lower, 2)} to {signed(upper, 2)})"
    return f"{gap}, costing {_at_stake(row.impact, metric, row.size)} overall"


def _size_and_trend(row: Any, trend: pd.DataFrame | None) -> str:
    text = f"{percent(row.share, 0)} of feedback this window ({row.size:,} texts)"
    if trend is not None and row.theme in trend.index and not math.isnan(trend.at[row.theme, "previous_share"]):
        before = trend.at[row.theme, "previous_share"]
        if percent(row.share, 0) == percent(before, 0):
            return text + ", as in the previous window"
        return text + f", {'up' if row.share > before else 'down'} from {percent(before, 0)}"
    return text


def _opportunity(theme: str, opportunities: Any) -> str:
    """The theme's row of the opportunity table (``journey.impact``), in words: every column but ``theme``.
    ``opportunities`` is :class:`journey.impact.Opportunities` (its ``by_theme()`` rows) or such a frame."""
    if opportunities is None:
        return NOT_SIZED
    if hasattr(opportunities, "by_theme"):
        opportunities = opportunities.by_theme()
    require_columns(opportunities.columns, ["theme"], "recommended_actions(opportunities)")
    rows = opportunities[opportunities["theme"] == theme]
    if rows.empty:
        return "not in the opportunity table"
    return "; ".join(f"{k.replace('_', ' ')} {v}" for k, v in rows.iloc[0].items() if k != "theme")


def recommended_actions(
    impact: ThemeImpact,
    top: int = 3,
    *,
    texts: pd.DataFrame | None = None,
    emerging: EmergingThemes | None = None,
    segment: str = "segment",
    opportunities: Any = None,
    n_quotes: int = 2,
) -> Actions:
    """What the data says about each of the ``top`` pain points (see :class:`Actions` for the columns).

    ``texts`` has one row per text of this window: ``theme``, ``text``, ``sentiment`` and, where
    known, ``channel`` and the ``segment`` column; ``emerging`` gives the previous window's shares.
    ``opportunities`` is ``journey.impact``'s ranked opportunity table (:class:`journey.impact.Opportunities`,
    or a frame with one row per ``theme``); until it is passed, each row points to the What to fix
    next report (notebook 90), which passes it.
    """
    trend = emerging.to_frame().set_index("theme") if emerging is not None and not emerging.frame.empty else None
    rows = []
    for r in impact.pain_points(top).itertuples():
        quotes = representative_quotes(texts, r.theme, n_quotes) if texts is not None else ()
        row = {"theme": r.theme, "size_and_trend": _size_and_trend(r, trend), "effect": _effect(r, impact.alpha),
               "where": _where(texts, r.theme, segment), "quotes": " | ".join(f"“{q}”" for q in quotes),
               "opportunity": _opportunity(r.theme, opportunities)}  # fmt: skip
        said = f" Customers say {' and '.join(f'“{q}”' for q in quotes)}." if quotes else ""
        row["action"] = (f"{r.theme}: {row['size_and_trend']}; {row['effect']}; {row['where']}.{said} "
                         f"Opportunity: {row['opportunity']}.")  # fmt: skip
        rows.append(row)
    return Actions(pd.DataFrame(rows, columns=ACTION_COLUMNS))
