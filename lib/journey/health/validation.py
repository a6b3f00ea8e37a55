"""Does the health score rank the customers who later churn? AUC and lift by decile.

A score is only worth its recipe if, scored at a cutoff, the customers it calls unhealthy
are the ones who churn afterwards. ``validate`` takes scores computed at a cutoff and who
churned in the period after it (never the same period: that would reward a score for
describing churn rather than predicting it) and reports the AUC (the chance that a random
later churner scored below a random stayer, ties counting half) and the churn rate of each
score decile against the overall rate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from journey.display.results import TableResult
from journey.stats.classification import auc
from journey.validation import input_error


@dataclass(frozen=True, slots=True)
class HealthValidation(TableResult):
    """``auc`` (with ``auc_ci_lower``/``auc_ci_upper``, DeLong's interval), ``n_obs``,
    ``churners``, ``status`` and ``table``: per score decile (1 = lowest scores) the customers,
    churners, ``churn_rate`` and ``lift`` (decile rate / overall rate)."""

    auc: float
    auc_ci_lower: float
    auc_ci_upper: float
    n_obs: int
    churners: int
    status: str
    table: pd.DataFrame

    def report_caption(self) -> str:
        return f"Churn after the cutoff by health-score decile (AUC {self.auc:.2f}; decile 1 = lowest scores)"


def validate(scores: pd.Series | np.ndarray, churned: pd.Series | np.ndarray, deciles: int = 10) -> HealthValidation:
    """AUC and lift by decile of ``scores`` (higher = healthier) against later ``churned`` (0/1)."""
    s = np.asarray(scores, dtype=float)
    c = np.asarray(churned)
    if s.shape != c.shape:
        raise input_error("validate", f"{len(s)} scores but {len(c)} churn flags", "one flag per score")
    if not np.isin(c, [0, 1, True, False]).all():
        raise input_error("churned", "has values other than 0/1", "1 for customers who churned after the cutoff")
    keep = np.isfinite(s)
    s, c = s[keep], c[keep].astype(bool)
    n, k = len(s), int(c.sum())
    columns = ["decile", "customers", "churners", "churn_rate", "lift"]
    if n == 0 or k == 0 or k == n:
        why = "no scored customers" if n == 0 else "nobody churned" if k == 0 else "everybody churned"
        return HealthValidation(
            np.nan, np.nan, np.nan, n, k, f"{why}: the ranking cannot be judged", pd.DataFrame(columns=columns)
        )
    ranking = auc(c.astype(float), -s)  # lower score = higher risk of churn
    order = pd.Series(s).rank(method="first").to_numpy()
    bins = np.ceil(order * min(deciles, n) / n).astype(int)
    frame = (
        pd.DataFrame({"decile": bins, "churned": c})
        .groupby("decile")
        .agg(customers=("churned", "size"), churners=("churned", "sum"))
        .reset_index()
    )
    frame["churn_rate"] = frame["churners"] / frame["customers"]
    frame["lift"] = frame["churn_rate"] / (k / n)
    return HealthValidation(
        ranking.auc, ranking.auc_ci_lower, ranking.auc_ci_upper, n, k, ranking.status, frame[columns]
    )
