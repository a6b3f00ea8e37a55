"""Customer feedback: ingestion, PII masking, sentiment, themes, experience scores and insights.

``from journey import feedback`` is cheap: the heavy libraries (torch, sentence-transformers,
BERTopic) are imported only when a function that needs them runs.
"""

from journey.feedback.pii import PII_TYPES, MaskedTexts, mask_pii, mask_pii_series

__all__ = ["PII_TYPES", "MaskedTexts", "mask_pii", "mask_pii_series"]
