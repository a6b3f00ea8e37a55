"""BERTopic's embedding backend through the disk cache, in a module of its own so fitted models pickle.

KeyBERTInspired and seed themes embed words and representative texts; through the cache a rerun
embeds none of them again and, when every vector is cached, never loads torch at all. Importing
this module imports BERTopic (without its torch-based extras, see :mod:`journey.feedback.lightimport`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from journey.feedback.embeddings import embed
from journey.feedback.lightimport import import_bertopic

import_bertopic()
from bertopic.backend import BaseEmbedder  # noqa: E402 - after the light import above


class CachedEmbedder(BaseEmbedder):
    """Embeds through :func:`journey.feedback.embeddings.embed` with the given cache folder."""

    def __init__(self, cache_dir: str | Path | None = None) -> None:
        super().__init__()
        self.cache_dir = None if cache_dir is None else str(cache_dir)

    def embed(self, documents: list[str], verbose: bool = False) -> np.ndarray:
        return embed(list(documents), cache_dir=self.cache_dir)
