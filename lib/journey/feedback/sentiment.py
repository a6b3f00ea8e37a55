"""Sentiment: VADER by default, and a model that learns from the customer's own ratings.

VADER (a rule-based lexicon, fully offline) is a sound default but misses negative texts
without sentiment words ("Took 12 days to arrive"). :class:`SentimentModel` learns what this
business's customers mean from texts that come with a star rating or an NPS answer: features
are sentence embeddings plus VADER's four scores, the classifier a logistic regression whose
probabilities are calibrated (sigmoid, cross-fitted), and it then scores channels that carry
no rating (social posts, support tickets). Its cross-validated accuracy is reported beside
VADER's on the same labels, so nobody has to take the learned model on trust.

Labels from ratings: stars 1-2 negative, 3 neutral, 4-5 positive; NPS 0-6 negative
(detractors), 7-8 neutral (passives), 9-10 positive (promoters).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from journey.display.results import ResultMixin
from journey.stats.intervals import wilson
from journey.validation import check_option, input_error

LABELS = ("negative", "neutral", "positive")
Scale = Literal["auto", "stars", "nps"]
NEUTRAL_BAND = 0.05
"""VADER's own convention: compound scores within ±0.05 are neutral."""


@functools.lru_cache(maxsize=1)
def _vader():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def _as_list(texts: Sequence[str] | pd.Series, where: str) -> tuple[list[str], pd.Index]:
    if isinstance(texts, str):
        raise input_error(where, "got a single string", "a sequence of texts (wrap one text in a list)")
    series = texts if isinstance(texts, pd.Series) else pd.Series(list(texts), dtype=object)
    values = series.tolist()
    for i, value in enumerate(values):
        if not isinstance(value, str):
            raise input_error(where, f"non-string value {value!r} at position {i}", "strings")
    return values, series.index


def vader_scores(texts: Sequence[str]) -> np.ndarray:
    """VADER's ``neg, neu, pos, compound`` for each text (n x 4)."""
    analyzer = _vader()
    rows = [analyzer.polarity_scores(t) for t in texts]
    return np.array([[r["neg"], r["neu"], r["pos"], r["compound"]] for r in rows], dtype=float).reshape(-1, 4)


def label_scores(scores: np.ndarray, neutral_band: float = NEUTRAL_BAND) -> np.ndarray:
    """Scores in [-1, 1] → negative / neutral / positive."""
    return np.where(scores > neutral_band, "positive", np.where(scores < -neutral_band, "negative", "neutral"))


def sentiment(texts: Sequence[str] | pd.Series, neutral_band: float = NEUTRAL_BAND) -> pd.DataFrame:
    """VADER sentiment per text: ``score`` (compound, in [-1, 1]) and ``label``, index aligned with ``texts``.

    >>> sentiment(["I love it", "It is a chair", "Terrible, broken on arrival"])["label"].tolist()
    ['positive', 'neutral', 'negative']
    """
    values, index = _as_list(texts, "sentiment(texts)")
    scores = vader_scores(values)[:, 3]
    return pd.DataFrame({"score": scores, "label": label_scores(scores, neutral_band)}, index=index)


def rating_labels(ratings: Sequence[float] | pd.Series, scale: Scale = "auto") -> np.ndarray:
    """Sentiment labels implied by star ratings (1-5) or NPS answers (0-10); see the module docstring."""
    check_option("scale", scale, ["auto", "stars", "nps"])
    values = pd.to_numeric(pd.Series(list(ratings)), errors="coerce").to_numpy(dtype=float)
    if np.isnan(values).any():
        raise input_error("ratings", f"{int(np.isnan(values).sum())} missing or non-numeric values", "numbers")
    if scale == "auto":
        scale = "nps" if (values.min() < 1 or values.max() > 5) else "stars"
    low, high = (1, 5) if scale == "stars" else (0, 10)
    outside = (values < low) | (values > high)
    if outside.any():
        raise input_error(
            "ratings", f"value {values[outside][0]:g} out of range for {scale}", f"values from {low} to {high}"
        )
    if scale == "stars":
        return np.where(values <= 2, "negative", np.where(values >= 4, "positive", "neutral"))
    return np.where(values <= 6, "negative", np.where(values >= 9, "positive", "neutral"))


@dataclass(frozen=True, slots=True)
class SentimentEvaluation(ResultMixin):
    """Cross-validated accuracy of the learned model beside VADER's, on the same rating-derived labels.

    ``accuracy_*`` are the shares of texts whose predicted label equals the label implied by
    the rating; CIs are Wilson 95% intervals over texts. ``folds`` is the number of CV folds.
    """

    caption = "How well the sentiment model reads ratings"

    n_obs: int
    folds: int
    model_accuracy: float
    vader_accuracy: float
    model_correct: int
    vader_correct: int
    scale: str
    features: str = "embeddings + VADER"

    def to_frame(self) -> pd.DataFrame:
        rows = []
        for method, acc, correct in (
            (f"learned ({self.features}, calibrated logistic regression)", self.model_accuracy, self.model_correct),
            ("VADER lexicon", self.vader_accuracy, self.vader_correct),
        ):
            lower, upper = wilson(correct, self.n_obs, 0.05)
            rows.append(
                {"method": method, "accuracy_rate": acc, "accuracy_rate_ci_lower": lower,
                 "accuracy_rate_ci_upper": upper, "n_obs": self.n_obs}
            )  # fmt: skip
        return pd.DataFrame(rows)


@dataclass
class SentimentModel:
    """Sentiment learned from ratings: ``SentimentModel().fit(texts, ratings).predict(texts)``.

    Parameters are the choices that shape it: ``C`` (inverse regularisation of the logistic
    regression), ``folds`` (cross-validation folds for calibration and for the evaluation),
    ``seed``, ``cache_dir`` (embedding cache), ``use_embeddings`` (False = VADER features only,
    which needs no model download and no torch).
    """

    C: float = 1.0
    folds: int = 5
    seed: int = 0
    cache_dir: str | Path | None = None
    use_embeddings: bool = True
    neutral_band: float = NEUTRAL_BAND
    scale: str = field(default="", init=False)
    evaluation: SentimentEvaluation | None = field(default=None, init=False)
    _classifier: object = field(default=None, init=False, repr=False)

    def _features(self, texts: list[str]) -> np.ndarray:
        vader = vader_scores(texts)
        if not self.use_embeddings:
            return vader
        from journey.feedback.embeddings import embed

        return np.hstack([embed(texts, cache_dir=self.cache_dir), vader])

    def _make_classifier(self, n_folds: int):
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.linear_model import LogisticRegression

        base = LogisticRegression(C=self.C, max_iter=2000)
        return CalibratedClassifierCV(base, method="sigmoid", cv=n_folds)

    def fit(
        self, texts: Sequence[str] | pd.Series, ratings: Sequence[float] | pd.Series, scale: Scale = "auto"
    ) -> SentimentModel:
        """Learn from texts and their ratings (stars 1-5 or NPS 0-10), and cross-validate against VADER."""
        from sklearn.model_selection import StratifiedKFold, cross_val_predict

        values, _ = _as_list(texts, "SentimentModel.fit(texts)")
        ratings = list(ratings)
        if len(ratings) != len(values):
            raise input_error(
                "SentimentModel.fit", f"{len(values)} texts but {len(ratings)} ratings", "one rating per text"
            )
        labels = rating_labels(ratings, scale)
        self.scale = scale if scale != "auto" else ("nps" if max(ratings) > 5 or min(ratings) < 1 else "stars")
        counts = pd.Series(labels).value_counts()
        if len(counts) < 2:
            raise input_error(
                "ratings", f"all {len(labels)} imply the label {counts.index[0]!r}", "at least two labels"
            )
        n_folds = int(min(self.folds, counts.min()))
        if n_folds < 2:
            raise input_error(
                "ratings", f"label {counts.idxmin()!r} has only {counts.min()} example", "at least 2 per label"
            )
        features = self._features(values)
        splitter = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=self.seed)
        predicted = cross_val_predict(self._make_classifier(min(3, n_folds)), features, labels, cv=splitter)
        vader_pred = label_scores(features[:, -1], self.neutral_band)
        self.evaluation = SentimentEvaluation(
            n_obs=len(labels),
            folds=n_folds,
            model_accuracy=float(np.mean(predicted == labels)),
            vader_accuracy=float(np.mean(vader_pred == labels)),
            model_correct=int(np.sum(predicted == labels)),
            vader_correct=int(np.sum(vader_pred == labels)),
            scale=self.scale,
            features="embeddings + VADER" if self.use_embeddings else "VADER scores",
        )
        self._classifier = self._make_classifier(min(3, n_folds)).fit(features, labels)
        return self

    def predict(self, texts: Sequence[str] | pd.Series) -> pd.DataFrame:
        """``score`` = P(positive) − P(negative) in [-1, 1], ``label`` (most likely class), class probabilities."""
        if self._classifier is None:
            raise input_error("SentimentModel.predict", "model is not fitted", "call fit(texts, ratings) first")
        values, index = _as_list(texts, "SentimentModel.predict(texts)")
        if not values:
            return pd.DataFrame({"score": [], "label": []}, index=index)
        proba = self._classifier.predict_proba(self._features(values))
        classes = list(self._classifier.classes_)
        full = np.zeros((len(values), 3))
        for j, label in enumerate(LABELS):
            if label in classes:
                full[:, j] = proba[:, classes.index(label)]
        frame = pd.DataFrame(
            {
                "score": full[:, 2] - full[:, 0],
                "label": np.array(LABELS)[full.argmax(axis=1)],
                "p_negative": full[:, 0],
                "p_neutral": full[:, 1],
                "p_positive": full[:, 2],
            },
            index=index,
        )
        return frame
