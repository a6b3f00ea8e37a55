"""Multiple testing across metrics × variants × segments: adjusted p-values and intervals.

* ``holm``: Holm (1979) step-down family-wise error control; the matching simultaneous
  intervals are Bonferroni intervals at level ``1 - alpha/m`` (Holm has no exact interval
  counterpart, Bonferroni's is the standard conservative choice).
* ``bh``: Benjamini & Hochberg (1995) false discovery rate; intervals are the FCR-adjusted
  intervals of Benjamini & Yekutieli (2005): level ``1 - R·alpha/m`` with ``R`` the number
  of discoveries (at least 1).
* ``by``: Benjamini & Yekutieli (2001), FDR under any dependence (BH times ``Σ 1/i``);
  intervals at ``1 - R·alpha/(m Σ 1/i)``.
* ``none``: no adjustment.

NaN p-values (degenerate comparisons) are left out of the family and stay NaN.
Results agree with ``statsmodels.stats.multitest.multipletests`` (``holm``, ``fdr_bh``, ``fdr_by``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from journey.validation import check_option

Correction = Literal["holm", "bh", "by", "bonferroni", "none"]
CORRECTIONS = ("holm", "bh", "by", "bonferroni", "none")


def adjust_pvalues(pvalues: Sequence[float], method: Correction = "holm") -> np.ndarray:
    """Adjusted p-values (same order as given)."""
    check_option("correction", method, CORRECTIONS)
    p = np.asarray(pvalues, dtype=float)
    out = np.full_like(p, np.nan)
    ok = ~np.isnan(p)
    q = p[ok]
    m = q.size
    if m == 0:
        return out
    order = np.argsort(q, kind="mergesort")
    ranked = q[order]
    if method == "none":
        adj = ranked
    elif method == "bonferroni":
        adj = np.minimum(ranked * m, 1.0)
    elif method == "holm":
        adj = np.minimum(np.maximum.accumulate(ranked * (m - np.arange(m))), 1.0)
    else:
        raw = ranked * m * _dependence_factor(m, method) / np.arange(1, m + 1)
        adj = np.minimum(np.minimum.accumulate(raw[::-1])[::-1], 1.0)
    back = np.empty(m)
    back[order] = adj
    out[ok] = back
    return out


def adjusted_alpha(pvalues: Sequence[float], alpha: float = 0.05, method: Correction = "holm") -> float:
    """The per-comparison level at which adjusted confidence intervals are drawn (see module doc)."""
    check_option("correction", method, CORRECTIONS)
    p = np.asarray(pvalues, dtype=float)
    m = int(np.sum(~np.isnan(p)))
    if method == "none" or m <= 1:
        return alpha
    if method in ("holm", "bonferroni"):
        return first_step_alpha(m, alpha, method)
    discoveries = int(np.sum(adjust_pvalues(p, method) <= alpha))
    return max(discoveries, 1) * first_step_alpha(m, alpha, method)


def first_step_alpha(m: int, alpha: float = 0.05, method: Correction = "holm") -> float:
    """The level the smallest of ``m`` p-values must be below to stay significant after the
    correction when it is the only discovery: ``alpha / m`` for Holm, Bonferroni and BH, ``alpha /
    (m Σ 1/i)`` for BY, ``alpha`` without a correction. A planned test's power and chance of
    success use it (:mod:`journey.experiments.assurance`): conservative for BH and BY, where
    other discoveries would lower the bar."""
    check_option("correction", method, CORRECTIONS)
    if method == "none" or m <= 1:
        return alpha
    return alpha / (m * _dependence_factor(m, method))


def _dependence_factor(m: int, method: str) -> float:
    """Benjamini-Yekutieli's ``Σ_{i<=m} 1/i`` (FDR under any dependence); 1 for the others."""
    return float(np.sum(1.0 / np.arange(1, m + 1))) if method == "by" else 1.0
