"""Customer feedback: ingestion, PII masking, sentiment, themes, experience scores and insights.

Submodules share names with their main function (``feedback.sentiment``, ``feedback.themes``):
the package binds the functions, which is the public contract.

``from journey import feedback`` is cheap: the heavy libraries (torch, sentence-transformers,
BERTopic) are imported only when a function that needs them runs.
"""

from journey.feedback.analysis import FeedbackAnalysis, analyze, parse_channels, parse_seed_themes
from journey.feedback.ingest import (
    CHANNELS,
    FeedbackData,
    load_feedback,
    normalize_feedback,
    normalize_text,
    read_feedback,
)
from journey.feedback.insights import (
    Actions,
    Finding,
    Insights,
    build_insights,
    recommended_actions,
    summary_sentences,
)
from journey.feedback.pii import PII_TYPES, MaskedTexts, mask_pii, mask_pii_series
from journey.feedback.scores import (
    EmergingThemes,
    Score,
    ScoreTrend,
    ThemeImpact,
    ces,
    csat,
    emerging_themes,
    nps,
    nps_from_counts,
    score_trend,
    theme_impact,
)
from journey.feedback.sentiment import SentimentEvaluation, SentimentModel, rating_labels, sentiment
from journey.feedback.themes import ThemeResult, themes

__all__ = [
    "CHANNELS",
    "PII_TYPES",
    "Actions",
    "EmergingThemes",
    "FeedbackAnalysis",
    "FeedbackData",
    "Finding",
    "Insights",
    "MaskedTexts",
    "Score",
    "ScoreTrend",
    "SentimentEvaluation",
    "SentimentModel",
    "ThemeImpact",
    "ThemeResult",
    "analyze",
    "build_insights",
    "ces",
    "csat",
    "emerging_themes",
    "load_feedback",
    "mask_pii",
    "mask_pii_series",
    "normalize_feedback",
    "normalize_text",
    "nps",
    "nps_from_counts",
    "parse_channels",
    "parse_seed_themes",
    "rating_labels",
    "read_feedback",
    "recommended_actions",
    "score_trend",
    "sentiment",
    "summary_sentences",
    "theme_impact",
    "themes",
]
