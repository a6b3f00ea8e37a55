"""Plain-language findings from the numbers, each with representative (masked) quotes.

Every sentence is built from a result object (theme impact, emerging themes, scores), never
typed by hand in a notebook, so a report says exactly what the tested numbers say. Quotes are
re-masked here (masking is idempotent) and are escaped when rendered (``journey.display.report.quotes``
or a result's ``_repr_html_``), so a customer's markup never executes in a report.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

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
    """Recommended actions, one row per pain point: ``theme``, ``resolution``, ``communication``, ``process``."""

    caption = "Recommended actions"

    frame: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.frame.copy()


def _at_stake(impact: float, metric: str, size: int) -> str:
    """What a pain point costs, in the unit its impact was measured in (NPS points or stars of the
    average rating); the text count when the effect could not be estimated."""
    return f"{size:,} texts" if math.isnan(impact) else impact_text(impact, metric)


def recommended_actions(impact: ThemeImpact, top: int = 3) -> Actions:
    """For each top pain point: a resolution, a communication and a process action, sized by its numbers."""
    rows = []
    for r in impact.pain_points(top).itertuples():
        at_stake = _at_stake(r.impact, r.impact_metric, r.size)
        rows.append({
            "theme": r.theme,
            "resolution": f"Assign an owner to fix the root cause of '{r.theme}' ({at_stake} at stake) "
                          "and follow up the customers who raised it.",
            "communication": f"Acknowledge '{r.theme}' where customers raised it (reply templates for support "
                             "and social, a status note in the app) and say when it will be fixed.",
            "process": f"Track the share of feedback about '{r.theme}' (now {percent(r.share, 0)}) weekly and "
                       "alert when it rises significantly.",
        })  # fmt: skip
    return Actions(pd.DataFrame(rows, columns=["theme", "resolution", "communication", "process"]))
