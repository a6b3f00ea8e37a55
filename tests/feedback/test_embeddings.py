"""Embedding cache: keyed by text hash, only new texts are embedded, offline model path."""

from __future__ import annotations

import numpy as np
import pytest

from journey.feedback import embeddings
from journey.feedback.embeddings import DIMENSIONS, EmbeddingCache, embed, text_key


class _FakeModel:
    """Deterministic stand-in for the sentence model, recording what it was asked to embed."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def encode(self, texts, **_: object) -> np.ndarray:
        self.seen.extend(texts)
        rng = [np.random.default_rng(int(text_key(t)[:8], 16)).normal(size=DIMENSIONS) for t in texts]
        vectors = np.array(rng, dtype=np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@pytest.fixture
def fake_model(monkeypatch) -> _FakeModel:
    model = _FakeModel()
    monkeypatch.setattr(embeddings, "load_model", lambda: model)
    return model


def test_text_key_is_a_stable_hash() -> None:
    # sha256("hello") = 2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824 (first 32 hex digits)
    assert text_key("hello") == "2cf24dba5fb0a30e26e83b2ac5b9e29e"


def test_second_run_embeds_only_new_texts(tmp_path, fake_model) -> None:
    first = embed(["late parcel", "great app", "late parcel"], cache_dir=tmp_path)
    assert fake_model.seen == ["late parcel", "great app"]  # duplicates embedded once
    assert first.shape == (3, DIMENSIONS) and first.dtype == np.float32
    np.testing.assert_array_equal(first[0], first[2])
    second = embed(["great app", "rude staff"], cache_dir=tmp_path)
    assert fake_model.seen == ["late parcel", "great app", "rude staff"]
    np.testing.assert_array_equal(second[0], first[1])
    shards = list((tmp_path / "embeddings").rglob("*.npz"))
    assert len(shards) == 2 and not any(s.name.startswith(".") for s in shards)
    assert len(EmbeddingCache(tmp_path).load()) == 3


def test_damaged_shard_is_only_a_cache_miss(tmp_path, fake_model) -> None:
    embed(["a"], cache_dir=tmp_path)
    folder = EmbeddingCache(tmp_path).directory
    (folder / "broken.npz").write_bytes(b"not a zip")
    assert embed(["a"], cache_dir=tmp_path).shape == (1, DIMENSIONS)


def test_empty_input(tmp_path, fake_model) -> None:
    assert embed([], cache_dir=tmp_path).shape == (0, DIMENSIONS)


def test_model_path_is_local() -> None:
    path = embeddings.model_path()
    assert "/" in path and (embeddings.Path(path) / "config.json").exists()


@pytest.mark.slow
def test_real_model_is_loaded_offline_and_normalised(tmp_path, monkeypatch) -> None:
    vectors = embed(["The parcel was late", "Delivery took two weeks", "I love the colour"], cache_dir=tmp_path)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    similar, different = vectors[0] @ vectors[1], vectors[0] @ vectors[2]
    assert similar > different
    import os

    assert os.environ["HF_HUB_OFFLINE"] == "1"
