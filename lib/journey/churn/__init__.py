"""Churn: who leaves, when, and why, from behaviour or from subscription ends.

- :func:`churn_from_activity` / :func:`churn_from_subscriptions`: per-customer survival data
  (``duration_days``, ``churned``) from activity with an inactivity threshold, or from
  subscription starts and ends (the grouping runs in the engine);
- :func:`kaplan_meier`: survival curves with Greenwood intervals, by group with the log-rank test;
- :func:`cox`: proportional hazards with Efron's ties (statsmodels ``PHReg``): hazard ratios
  with intervals and concordance;
- :func:`snapshot` / :func:`churn_model`: a logistic churn model fitted on one cutoff and
  validated on a later one (AUC, Brier, reliability curve), and its ranked risk list;
- :mod:`journey.churn.figures`: survival curves and the reliability diagram.

>>> from journey import churn
>>> import pandas as pd
>>> km = churn.kaplan_meier(pd.DataFrame({"days": [2, 3, 3, 5, 8], "churned": [1, 1, 0, 1, 0]}), "days", "churned")
>>> float(km.groups["median_duration"].iloc[0])
5.0
"""

from journey.churn.cox import Cox, concordance_index, cox
from journey.churn.definitions import churn_from_activity, churn_from_subscriptions
from journey.churn.logistic import (
    ChurnModel,
    ChurnValidation,
    RiskList,
    Snapshot,
    churn_model,
    current_features,
    snapshot,
)
from journey.churn.survival import KaplanMeier, LogRank, kaplan_meier, logrank

__all__ = [
    "ChurnModel",
    "ChurnValidation",
    "Cox",
    "KaplanMeier",
    "LogRank",
    "RiskList",
    "Snapshot",
    "churn_from_activity",
    "churn_from_subscriptions",
    "churn_model",
    "concordance_index",
    "cox",
    "current_features",
    "kaplan_meier",
    "logrank",
    "snapshot",
]
