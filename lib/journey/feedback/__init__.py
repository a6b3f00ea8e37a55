"""Customer feedback: ingestion, PII masking, sentiment, themes, experience scores and insights.

Submodules share names with their main function (``feedback.sentiment``, ``feedback.themes``):
the package binds the functions, which is the public contract.

``from journey import feedback`` is cheap: the heavy libraries (torch, sentence-transformers,
BERTopic) are imported only when a function that needs them runs.
"""

from journey.feedback.ingest import (
    CHANNELS,
    FeedbackData,
    load_feedback,
    normalize_feedback,
    normalize_text,
    read_feedback,
)
from journey.feedback.pii import PII_TYPES, MaskedTexts, mask_pii, mask_pii_series
from journey.feedback.sentiment import SentimentEvaluation, SentimentModel, rating_labels, sentiment
from journey.feedback.themes import ThemeResult, themes

__all__ = [
    "CHANNELS",
    "PII_TYPES",
    "FeedbackData",
    "MaskedTexts",
    "SentimentEvaluation",
    "SentimentModel",
    "ThemeResult",
    "load_feedback",
    "mask_pii",
    "mask_pii_series",
    "normalize_feedback",
    "normalize_text",
    "rating_labels",
    "read_feedback",
    "sentiment",
    "themes",
]
