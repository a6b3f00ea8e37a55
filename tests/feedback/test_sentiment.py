"""Sentiment: the VADER path against VADER itself, rating labels, and the learned model vs VADER."""

from __future__ import annotations

import bz2
import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from journey import feedback
from journey.datasets.feedback import make_feedback
from journey.feedback.sentiment import SentimentModel, rating_labels, sentiment
from journey.validation import JourneyInputError

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "feedback"


def test_vader_path_matches_vader_on_known_sentences() -> None:
    texts = pd.Series(
        ["The delivery was fast and the staff were lovely!", "The box is brown.", "Worst purchase ever, it broke."],
        index=[7, 8, 9],
    )
    result = feedback.sentiment(texts)
    reference = SentimentIntensityAnalyzer()  # independent: the library's own analyzer, called directly
    expected = [reference.polarity_scores(t)["compound"] for t in texts]
    np.testing.assert_allclose(result["score"], expected, atol=1e-12)
    assert result["label"].tolist() == ["positive", "neutral", "negative"]
    assert result.index.tolist() == [7, 8, 9]
    assert result["score"].between(-1, 1).all()


def test_sentiment_rejects_a_bare_string_and_non_strings() -> None:
    with pytest.raises(JourneyInputError, match="single string"):
        sentiment("great")
    with pytest.raises(JourneyInputError, match="non-string value 3 at position 1"):
        sentiment(["ok", 3])


@pytest.mark.parametrize(
    ("ratings", "scale", "expected"),
    [
        ([1, 2, 3, 4, 5], "stars", ["negative", "negative", "neutral", "positive", "positive"]),
        ([0, 6, 7, 8, 9, 10], "nps", ["negative", "negative", "neutral", "neutral", "positive", "positive"]),
        ([0, 3, 10], "auto", ["negative", "negative", "positive"]),  # outside 1-5: read as NPS
    ],
)
def test_rating_labels(ratings, scale, expected) -> None:
    assert rating_labels(ratings, scale).tolist() == expected


def test_rating_out_of_range_is_rejected() -> None:
    with pytest.raises(JourneyInputError, match="value 6 out of range for stars"):
        rating_labels([1, 6], "stars")
    with pytest.raises(JourneyInputError, match="scale: unknown value 'likert'"):
        rating_labels([1], "likert")  # type: ignore[arg-type]


def _rated(n: int, seed: int) -> pd.DataFrame:
    frame = make_feedback(n, seed=seed)["feedback"]
    return frame[frame["rating"].notna()].reset_index(drop=True)


def _held_out_accuracy(model: SentimentModel, rated: pd.DataFrame, n_train: int) -> tuple[float, float]:
    train, test = rated.iloc[:n_train], rated.iloc[n_train:]
    model.fit(train["text"], train["rating"])
    truth = rating_labels(test["rating"], "stars")
    learned = np.mean(model.predict(test["text"])["label"].to_numpy() == truth)
    vader = np.mean(sentiment(test["text"])["label"].to_numpy() == truth)
    return float(learned), float(vader)


def test_model_on_vader_features_beats_vader_on_held_out_rated_texts() -> None:
    # No embeddings: fast, and shows that learning thresholds from ratings already helps.
    learned, vader = _held_out_accuracy(SentimentModel(use_embeddings=False), _rated(900, seed=11), 400)
    assert learned > vader + 0.10, (learned, vader)


def test_predict_before_fit_is_an_input_error() -> None:
    with pytest.raises(JourneyInputError, match="not fitted"):
        SentimentModel().predict(["x"])


def test_fit_needs_two_labels() -> None:
    with pytest.raises(JourneyInputError, match="at least two labels"):
        SentimentModel(use_embeddings=False).fit(["a", "b", "c"], [5, 5, 4])


@pytest.mark.slow
def test_learned_model_beats_vader_on_held_out_sample_texts(tmp_path) -> None:
    model = SentimentModel(cache_dir=tmp_path)
    learned, vader = _held_out_accuracy(model, _rated(700, seed=5), 300)
    # Measured about 0.78 vs 0.45 on this generator; 0.15 leaves room for seeds and library versions.
    assert learned > vader + 0.15, (learned, vader)
    evaluation = model.evaluation
    assert evaluation is not None and evaluation.model_accuracy > evaluation.vader_accuracy
    frame = evaluation.to_frame()
    assert list(frame.columns) == [
        "method",
        "accuracy_rate",
        "accuracy_rate_ci_lower",
        "accuracy_rate_ci_upper",
        "n_obs",
    ]
    scores = model.predict(["Took 12 days to arrive", "Love it, works perfectly"])
    assert scores["score"].between(-1, 1).all()
    assert scores["label"].tolist() == ["negative", "positive"]


@pytest.mark.slow
@pytest.mark.skipif(not (SHARED / "rotten_tomatoes_corpus_full.csv.bz2").exists(), reason="shared data absent")
def test_learned_model_beats_vader_on_public_reviews(tmp_path) -> None:
    """Rotten Tomatoes fresh/rotten (human labels, read in place from ../shared, never copied)."""
    with bz2.open(SHARED / "rotten_tomatoes_corpus_full.csv.bz2", "rt", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(io.StringIO(handle.read())) if r.get("category") in ("fresh", "rotten")]
    rng = np.random.default_rng(0)
    picked = [rows[i] for i in rng.choice(len(rows), size=700, replace=False)]
    text_key = next(k for k in picked[0] if k.lower() in ("text", "review", "snippet"))
    texts = [r[text_key] for r in picked]
    stars = [5 if r["category"] == "fresh" else 1 for r in picked]
    model = SentimentModel(cache_dir=tmp_path).fit(texts[:500], stars[:500])
    truth = np.array(["positive" if s == 5 else "negative" for s in stars[500:]])
    learned = np.mean(model.predict(texts[500:])["label"].to_numpy() == truth)
    vader = np.mean(sentiment(texts[500:])["label"].to_numpy() == truth)  # README: VADER about 0.65 here
    # Measured 0.685 vs 0.53 (VADER's neutral answers count as misses on fresh/rotten labels).
    assert learned > vader + 0.05, (learned, vader)
