"""How well predicted probabilities rank and calibrate binary outcomes: AUC, Brier, reliability.

Shared by every package that scores customers for a later yes/no outcome (churn models,
health scores): one implementation each, from the outcome and the score arrays only.

* :func:`auc`: the area under the ROC curve as the Mann-Whitney statistic (ties count one
  half), with DeLong's variance (DeLong, DeLong & Clarke-Pearson 1988) computed from
  midranks as in Sun & Xu (2014), O(n log n); the interval is the normal one clipped to
  [0, 1], as pROC's ``ci.auc(method="delong")``. Equal to sklearn's ``roc_auc_score``.
* :func:`brier`: the mean squared difference between probability and outcome (sklearn's
  ``brier_score_loss``), beside the score of always predicting the base rate, so a reader
  sees whether the model beats knowing nothing about the customers.
* :func:`reliability_curve`: observed outcome rate against mean predicted probability per
  bin (sklearn's ``calibration_curve`` with the same bin edges), with each bin's count and
  Wilson interval, so a sparse bin is not read as miscalibration.

Each is tested against scikit-learn or the formula evaluated by brute force in
``tests/stats/test_classification.py``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from journey.stats.intervals import wilson, z_quantile
from journey.validation import check_option, input_error

NAN = math.nan
BinStrategy = Literal["uniform", "quantile"]


def binary_outcomes(outcome: np.ndarray | pd.Series, score: np.ndarray | pd.Series, where: str):
    """``(y, p)`` as float arrays after checking what every function here assumes: same length,
    outcomes 0/1, scores finite."""
    y = np.asarray(outcome, dtype=float)
    p = np.asarray(score, dtype=float)
    if y.shape != p.shape or y.ndim != 1:
        raise input_error(where, f"outcomes {y.shape} and scores {p.shape} differ in shape", "two 1-d arrays")
    bad = ~np.isin(y, (0.0, 1.0))
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise input_error(where, f"outcome {outcome[row]!r} is not 0 or 1 (first at row {row})", "0/1 outcomes")
    if not np.isfinite(p).all():
        row = int(np.flatnonzero(~np.isfinite(p))[0])
        raise input_error(where, f"score {p[row]!r} is not finite (first at row {row})", "finite scores")
    return y, p


def midranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n with ties given their mean rank (``scipy.stats.rankdata(method="average")``,
    without importing scipy.stats, which costs ~0.5 s at import)."""
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    below = np.cumsum(counts) - counts  # values strictly smaller than each distinct value
    return (below + (counts + 1) / 2.0)[inverse]


@dataclass(frozen=True, slots=True)
class Auc:
    """The area under the ROC curve (``auc``: the chance that a random positive scores above a
    random negative, ties counting one half), DeLong's ``se``, the ``1 − alpha`` interval,
    the counts of ``positives`` and ``negatives``, and ``status`` (``"ok"`` or why it is NaN)."""

    auc: float
    se: float
    auc_ci_lower: float
    auc_ci_upper: float
    positives: int
    negatives: int
    alpha: float
    status: str


def auc(outcome, score, alpha: float = 0.05) -> Auc:
    """AUC with DeLong's standard error; NaN with a status when one class is absent.

    >>> r = auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> r.auc
    0.75
    """
    y, p = binary_outcomes(outcome, score, "auc")
    pos, neg = p[y == 1], p[y == 0]
    n1, n0 = len(pos), len(neg)
    if n1 == 0 or n0 == 0:
        missing = "positive" if n1 == 0 else "negative"
        return Auc(NAN, NAN, NAN, NAN, n1, n0, alpha, f"no {missing} outcomes: AUC is undefined")
    # placement values from midranks: V10_i = share of negatives below positive i (ties 1/2)
    all_ranks = midranks(np.concatenate([pos, neg]))
    v10 = (all_ranks[:n1] - midranks(pos)) / n0
    v01 = 1.0 - (all_ranks[n1:] - midranks(neg)) / n1
    area = float(v10.mean())
    s10 = float(v10.var(ddof=1)) if n1 > 1 else NAN
    s01 = float(v01.var(ddof=1)) if n0 > 1 else NAN
    se = math.sqrt(s10 / n1 + s01 / n0) if n1 > 1 and n0 > 1 else NAN
    half = z_quantile(alpha) * se
    status = "ok" if math.isfinite(se) else "fewer than 2 positives or negatives: no DeLong interval"
    return Auc(area, se, max(area - half, 0.0), min(area + half, 1.0), n1, n0, alpha, status)


@dataclass(frozen=True, slots=True)
class Brier:
    """``brier``: mean squared error of the probabilities; ``reference``: the Brier score of
    predicting the observed base rate for everyone; ``skill = 1 − brier / reference`` (above 0:
    better than the base rate); ``n_obs``."""

    brier: float
    reference: float
    skill: float
    n_obs: int


def brier(outcome, probability) -> Brier:
    """Brier score and skill against the base rate (NaN when there are no outcomes).

    >>> round(brier([0, 1, 1, 0], [0.2, 0.7, 0.9, 0.4]).brier, 4)
    0.075
    """
    y, p = binary_outcomes(outcome, probability, "brier")
    if len(y) == 0:
        return Brier(NAN, NAN, NAN, 0)
    if ((p < 0) | (p > 1)).any():
        raise input_error("brier", "probabilities outside [0, 1]", "probabilities")
    score = float(np.mean((p - y) ** 2))
    rate = float(y.mean())
    reference = rate * (1 - rate)
    skill = 1 - score / reference if reference > 0 else NAN
    return Brier(score, reference, skill, len(y))


def reliability_curve(
    outcome, probability, bins: int = 10, strategy: BinStrategy = "uniform", alpha: float = 0.05
) -> pd.DataFrame:
    """Per non-empty bin: ``predicted`` (mean probability), ``observed`` (outcome rate) with its
    Wilson interval ``observed_ci_lower/_upper``, and ``customers``; bin edges ``bin_lower`` and
    ``bin_upper``.

    Bins are those of sklearn's ``calibration_curve(y, p, n_bins=bins, strategy=...)``: equal
    widths on [0, 1] (``"uniform"``) or equal counts (``"quantile"``); a probability on an
    inner edge falls in the bin below it.
    """
    check_option("strategy", strategy, ("uniform", "quantile"))
    y, p = binary_outcomes(outcome, probability, "reliability_curve")
    columns = ["bin_lower", "bin_upper", "predicted", "observed", "observed_ci_lower", "observed_ci_upper", "customers"]
    if len(y) == 0:
        return pd.DataFrame(columns=columns)
    if ((p < 0) | (p > 1)).any():
        raise input_error("reliability_curve", "probabilities outside [0, 1]", "probabilities")
    if strategy == "uniform":
        edges = np.linspace(0.0, 1.0, bins + 1)
    else:
        edges = np.percentile(p, np.linspace(0, 1, bins + 1) * 100)
    ids = np.searchsorted(edges[1:-1], p, side="left")
    counts = np.bincount(ids, minlength=len(edges) - 1)
    sums_p = np.bincount(ids, weights=p, minlength=len(edges) - 1)
    sums_y = np.bincount(ids, weights=y, minlength=len(edges) - 1)
    keep = counts > 0
    intervals = [wilson(s, n, alpha) for s, n in zip(sums_y[keep], counts[keep], strict=True)]
    return pd.DataFrame(
        {
            "bin_lower": edges[:-1][keep],
            "bin_upper": edges[1:][keep],
            "predicted": sums_p[keep] / counts[keep],
            "observed": sums_y[keep] / counts[keep],
            "observed_ci_lower": [lo for lo, _ in intervals],
            "observed_ci_upper": [hi for _, hi in intervals],
            "customers": counts[keep].astype(int),
        }
    )


__all__ = ["Auc", "BinStrategy", "Brier", "auc", "binary_outcomes", "brier", "midranks", "reliability_curve"]
