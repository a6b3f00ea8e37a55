"""The weekly feedback playbook in one call: ``analyze(source, window, ...)`` → every number the report shows.

Reads the current and the previous window of the ``feedback`` table (filtering in the engine),
masks PII, scores sentiment (the learned model when enough texts carry a rating, else VADER),
finds themes and their sub-themes once over both windows (so shares are comparable), reads each
text's customer segment (``plan`` by default) from the source's ``customers`` table when it has
one, then computes scores with CIs, theme impact, emerging themes, findings with quotes, summary
sentences and, per pain point, what the data says (size and trend, effect with interval, where it
concentrates, quotes). The notebook only draws and prints what this returns.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from journey.data import sources
from journey.data.window import Window
from journey.display.results import ResultMixin
from journey.feedback.ingest import FeedbackData, read_feedback
from journey.feedback.insights import Actions, Insights, build_insights, recommended_actions, summary_sentences
from journey.feedback.scores import (
    EmergingThemes,
    Score,
    ScoreTrend,
    ThemeImpact,
    csat,
    emerging_themes,
    nps,
    score_trend,
    theme_impact,
)
from journey.feedback.sentiment import SentimentEvaluation, SentimentModel, sentiment
from journey.feedback.themes import ThemeResult, themes
from journey.validation import JourneyInputError, input_error

MIN_RATED = 60
"""Fewer rated texts than this: sentiment falls back to VADER (a model needs examples of each label)."""


def parse_channels(text: str | Iterable[str] | None) -> list[str] | None:
    """``"survey, review"`` → ``["survey", "review"]``; empty → None (all channels)."""
    if text is None:
        return None
    items = [c.strip().lower() for c in (text.split(",") if isinstance(text, str) else text)]
    return [c for c in items if c] or None


def parse_seed_themes(text: str) -> dict[str, list[str]] | None:
    """``"delivery: parcel, courier; price: price, fees"`` → ``{"delivery": ["parcel", "courier"], ...}``.

    >>> parse_seed_themes("delivery: parcel, courier; price")
    {'delivery': ['parcel', 'courier'], 'price': ['price']}
    """
    out: dict[str, list[str]] = {}
    for part in (text or "").split(";"):
        if not part.strip():
            continue
        name, _, words = part.partition(":")
        keywords = [w.strip().lower() for w in (words or name).split(",") if w.strip()]
        out[name.strip().lower()] = keywords
    return out or None


@dataclass(frozen=True, slots=True)
class FeedbackAnalysis(ResultMixin):
    """Everything the feedback report shows; ``texts`` has one row per (masked) text of both windows."""

    caption = "Feedback overview"

    window: Window
    previous: Window
    data: FeedbackData
    texts: pd.DataFrame
    themes: ThemeResult
    sentiment_method: str
    sentiment_evaluation: SentimentEvaluation | None
    nps: Score
    nps_previous: Score
    csat: Score
    csat_previous: Score
    nps_trend: ScoreTrend
    csat_trend: ScoreTrend
    impact: ThemeImpact
    emerging: EmergingThemes
    insights: Insights
    summary: list[str] = field(default_factory=list)
    actions: Actions | None = None
    theme_map: pd.DataFrame = field(default_factory=pd.DataFrame)

    def to_frame(self) -> pd.DataFrame:
        """Key figures: NPS and CSAT now and in the previous window."""
        rows = []
        for label, score in (("this window", self.nps), ("previous window", self.nps_previous),
                             ("this window", self.csat), ("previous window", self.csat_previous)):  # fmt: skip
            row = score.to_frame().iloc[0].to_dict()
            row["period"] = label
            rows.append(row)
        return pd.DataFrame(rows)[["metric", "period", "value", "value_ci_lower", "value_ci_upper", "n_obs", "status"]]

    def top_themes(self, n: int = 10) -> list[str]:
        current = self.texts[self.texts["window"] == "current"]
        counts = current.loc[current["theme"] != "Outliers", "theme"].value_counts()
        return counts.head(n).index.tolist()

    def sub_themes(self, n: int = 10) -> pd.DataFrame:
        """This window's texts per sub-theme of the top ``n`` themes (``theme``, ``sub_theme``, ``size``, ``share``
        of the theme), largest themes first: the finer level an analyst drills into."""
        current = self.texts[(self.texts["window"] == "current") & self.texts["theme"].isin(self.top_themes(n))]
        counts = current.groupby(["theme", "sub_theme"]).size().rename("size").reset_index()
        counts["share"] = counts["size"] / counts.groupby("theme")["size"].transform("sum")
        order = {theme: i for i, theme in enumerate(self.top_themes(n))}
        counts = counts.sort_values(["theme", "size"], key=lambda c: c.map(order) if c.name == "theme" else -c)
        return counts.reset_index(drop=True)

    def with_opportunities(self, opportunities: Any, segment: str = "plan") -> FeedbackAnalysis:
        """The same analysis with each recommended action carrying its theme's row of the opportunity
        table (:func:`journey.impact.opportunities`, which itself needs this analysis's pain points,
        so it is computed after :func:`analyze`). ``segment``: as passed to :func:`analyze`."""
        current = self.texts[self.texts["window"] == "current"]
        actions = recommended_actions(
            self.impact, texts=current, emerging=self.emerging, segment=segment, opportunities=opportunities
        )
        return replace(self, actions=actions)

    def theme_by(self, column: str, n: int = 10) -> pd.DataFrame:
        """Share of each of the top ``n`` themes within each value of ``column`` (channel, sentiment_label)."""
        current = self.texts[(self.texts["window"] == "current") & self.texts["theme"].isin(self.top_themes(n))]
        table = pd.crosstab(current["theme"], current[column], normalize="columns")
        return table.reindex(self.top_themes(n))


def _sentiment(frame: pd.DataFrame, cache_dir: str | Path | None, seed: int):
    rated = frame[frame["rating"].notna()]
    if len(rated) >= MIN_RATED and rated["rating"].nunique() > 1:
        try:
            model = SentimentModel(folds=3, seed=seed, cache_dir=cache_dir).fit(rated["text"], rated["rating"], "stars")
        except ValueError:  # a label with too few examples: fall back below
            model = None
        if model is not None:
            return model.predict(frame["text"]), "learned from ratings", model.evaluation
    return sentiment(frame["text"]), "VADER", None


def _segments(source: Any, customer_ids: pd.Series, column: str) -> pd.Series | None:
    """Each text's customer ``column`` from the source's ``customers`` table (read for these customers
    only, in the engine), or None when the source is a single table or file, or has no such column."""
    import ibis

    if not column or isinstance(source, pd.DataFrame | ibis.Table) or sources.is_file(source):
        return None
    try:
        customers = sources.as_table(source, table="customers")
    except JourneyInputError:
        return None
    ids = pd.to_numeric(customer_ids, errors="coerce").dropna().astype("int64").unique().tolist()
    if column not in customers.columns or "customer_id" not in customers.columns or not ids:
        return None
    known = customers.filter(customers.customer_id.isin(ids)).select("customer_id", column).to_pandas()
    lookup = known.drop_duplicates("customer_id").set_index("customer_id")[column]
    return pd.to_numeric(customer_ids, errors="coerce").map(lookup)


def _theme_map(frame: pd.DataFrame, cache_dir: str | Path | None) -> pd.DataFrame:
    from sklearn.decomposition import PCA

    from journey.feedback.embeddings import embed

    current = frame[frame["theme"] != "Outliers"]
    if current["theme"].nunique() < 3:
        return pd.DataFrame(columns=["theme", "x", "y", "size", "sentiment"])
    vectors = embed(current["text"].tolist(), cache_dir=cache_dir)
    grouped = pd.DataFrame(vectors, index=current.index).groupby(current["theme"]).mean()
    coords = PCA(n_components=2, random_state=0).fit_transform(grouped.to_numpy())
    stats = current.groupby("theme").agg(size=("text", "size"), sentiment=("sentiment", "mean"))
    return pd.DataFrame({"theme": grouped.index, "x": coords[:, 0], "y": coords[:, 1]}).join(stats, on="theme")


def analyze(
    source: Any,
    window: Window,
    *,
    channels: str | Iterable[str] | None = None,
    n_themes: int | None = None,
    seed_themes: Any = None,
    seed: int = 0,
    period: str = "week",
    segment: str = "plan",
    opportunities: Any = None,
    cache_dir: str | Path | None = None,
) -> FeedbackAnalysis:
    """Run the feedback playbook on ``source`` (backend, URI or path) for ``window`` vs the window before.

    ``segment`` names the column of the source's ``customers`` table that the actions say a pain
    point concentrates in (texts without a known customer are left out of that comparison).
    ``opportunities`` is ``journey.impact``'s ranked opportunity table (one row per ``theme``): each
    action then carries its theme's row (see :func:`recommended_actions`). The table sizes this
    analysis's pain points, so the usual order is ``analyze`` → ``journey.impact.opportunities(...,
    feedback=fb)`` → ``fb.with_opportunities(table)``.
    """
    channel_list = parse_channels(channels)
    if isinstance(seed_themes, str):
        seed_themes = parse_seed_themes(seed_themes)
    previous = window.previous()
    span = Window(previous.start, window.end)
    table = sources.as_table(source, table="feedback")
    data = read_feedback(table, window=span, channels=channel_list)
    frame = data.frame.copy()
    if frame.empty:
        raise input_error("feedback", f"no feedback texts between {previous.start} and {window.end}", "some texts")
    frame["window"] = np.where(frame["ts"] >= pd.Timestamp(window.start_ts), "current", "previous")
    scored, method, evaluation = _sentiment(frame, cache_dir, seed)
    frame["sentiment"] = scored["score"].to_numpy()
    frame["sentiment_label"] = scored["label"].to_numpy()
    found = themes(frame["text"], seed=seed, seed_themes=seed_themes, n_themes=n_themes or None, cache_dir=cache_dir)
    frame["theme_id"] = found.document_themes.to_numpy()
    frame["theme"] = found.labels().to_numpy()
    frame["sub_theme"] = found.sub_labels().to_numpy()
    segments = _segments(source, frame["customer_id"], segment)
    if segments is not None:
        frame[segment] = segments.to_numpy()

    current, before = frame[frame["window"] == "current"], frame[frame["window"] == "previous"]
    impact = theme_impact(current[["theme", "sentiment", "nps", "rating"]])
    emerging = emerging_themes(current["theme"].value_counts(), before["theme"].value_counts())
    nps_now, nps_before = nps(current["nps"]), nps(before["nps"])
    trend_table = span.filter(table)
    if channel_list:
        trend_table = trend_table.filter(trend_table.channel.isin(channel_list))
    findings = build_insights(impact, current[["theme", "text", "sentiment"]], emerging)
    return FeedbackAnalysis(
        window=window,
        previous=previous,
        data=data,
        texts=frame,
        themes=found,
        sentiment_method=method,
        sentiment_evaluation=evaluation,
        nps=nps_now,
        nps_previous=nps_before,
        csat=csat(current["rating"]),
        csat_previous=csat(before["rating"]),
        nps_trend=score_trend(trend_table, "nps", period),
        csat_trend=score_trend(trend_table, "csat", period),
        impact=impact,
        emerging=emerging,
        insights=findings,
        summary=summary_sentences(nps_now, nps_before, impact, emerging, len(current), str(window)),
        actions=recommended_actions(
            impact, texts=current, emerging=emerging, segment=segment, opportunities=opportunities
        ),
        theme_map=_theme_map(current, cache_dir),
    )
