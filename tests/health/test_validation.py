"""Health-score validation: AUC against scikit-learn, its interval against DeLong, lift by decile."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from journey.health import validate
from journey.validation import JourneyInputError


def _population(n: int = 4000, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    score = np.round(rng.uniform(0, 100, n))  # whole numbers: ties happen
    churned = rng.random(n) < 0.5 / (1 + np.exp((score - 40) / 10))
    return score, churned


def test_auc_equals_scikit_learn_with_ties() -> None:
    score, churned = _population()
    result = validate(score, churned)
    # lower score = higher risk: sklearn's AUC of the risk (-score) against churn
    assert result.auc == pytest.approx(roc_auc_score(churned, -score), abs=1e-12)
    assert result.status == "ok" and result.n_obs == 4000 and result.churners == churned.sum()


def test_auc_interval_is_the_shared_delong_interval_of_the_risk() -> None:
    from journey.stats.classification import auc

    score, churned = _population()
    result = validate(score, churned)
    reference = auc(churned.astype(float), -score)  # tested against DeLong's definition in tests/stats
    assert (result.auc_ci_lower, result.auc_ci_upper) == (reference.auc_ci_lower, reference.auc_ci_upper)
    assert result.auc_ci_lower < result.auc < result.auc_ci_upper


def test_lift_by_decile_counts_churners_per_tenth_of_the_ranking() -> None:
    score, churned = _population()
    table = validate(score, churned).to_frame()
    assert table["decile"].tolist() == list(range(1, 11)) and (table["customers"] == 400).all()
    ranked = pd.Series(churned[np.argsort(score, kind="stable")])  # lowest scores first, ties by position
    expected = ranked.groupby(np.arange(4000) // 400).mean().to_numpy()
    np.testing.assert_allclose(table["churn_rate"], expected)
    np.testing.assert_allclose(table["lift"], expected / churned.mean())
    assert table["lift"].iloc[0] > 1 > table["lift"].iloc[-1]  # the generator makes low scores churn


def test_nobody_churned_is_a_status_not_a_number() -> None:
    result = validate(np.array([10.0, 50.0]), np.array([0, 0]))
    assert math.isnan(result.auc) and result.status == "nobody churned: the ranking cannot be judged"


def test_bad_input_is_a_one_line_error() -> None:
    with pytest.raises(JourneyInputError, match=r"validate: 2 scores but 1 churn flags"):
        validate(np.array([1.0, 2.0]), np.array([1]))
    with pytest.raises(JourneyInputError, match=r"churned: has values other than 0/1"):
        validate(np.array([1.0, 2.0]), np.array([1, 2]))
