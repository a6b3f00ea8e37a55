"""Propensity model: coefficients, CIs and AUC against independent computations on the same design."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from journey.datasets import make_sample
from journey.stages import propensity
from journey.validation import JourneyInputError


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    return make_sample(users=3000, seed=3)["events"]


@pytest.fixture(scope="module")
def model(events) -> propensity.Propensity:
    return propensity.fit(events, window="28d", seed=1)


def test_features_exclude_the_outcome_and_later_sessions(events):
    raw = propensity.features(events, "28d")
    assert raw["user_id"].is_unique and set(raw["converted"].unique()) <= {0, 1}
    # the purchase itself is never a feature: nobody's first-session stage is past the decision stage
    assert set(raw["stage_reached"]) <= {"awareness", "consideration", "decision"}


def test_coefficients_match_unpenalised_newton_fit_and_wald_ci(model, events):
    raw = propensity.features(events, "28d")
    x = model.design.to_numpy(dtype=float)
    y = raw["converted"].to_numpy(dtype=float)
    train = np.random.default_rng(1).random(len(y)) < 0.7
    xt, yt = x[train], y[train]
    # independent reference: plain Newton-Raphson on the log-likelihood, written out here
    beta = np.zeros(x.shape[1])
    for _ in range(50):
        p = 1 / (1 + np.exp(-xt @ beta))
        hessian = xt.T @ (xt * (p * (1 - p))[:, None])
        beta += np.linalg.solve(hessian, xt.T @ (yt - p))
    se = np.sqrt(np.diag(np.linalg.inv(hessian)))
    z = stats.norm.ppf(0.975)
    table = model.to_frame()
    np.testing.assert_allclose(table["coef"], beta, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(table["coef_ci_lower"], beta - z * se, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(table["coef_ci_upper"], beta + z * se, rtol=1e-5, atol=1e-7)


def test_auc_equals_mann_whitney_on_held_out_users(model, events):
    raw = propensity.features(events, "28d")
    y = raw["converted"].to_numpy()
    test = ~(np.random.default_rng(1).random(len(y)) < 0.7)
    score = model.scores["score"].to_numpy()[test]
    u = stats.mannwhitneyu(score[y[test] == 1], score[y[test] == 0]).statistic
    assert model.auc == pytest.approx(u / ((y[test] == 1).sum() * (y[test] == 0).sum()), rel=1e-12)
    assert 0.5 < model.auc <= 1.0


def test_deciles_and_export(model, tmp_path):
    scores = model.scores
    assert scores["decile"].between(1, 10).all()
    top, bottom = scores[scores["decile"] == 1]["score"], scores[scores["decile"] == 10]["score"]
    assert top.min() >= bottom.max()
    path = model.export_deciles(tmp_path / "deciles.csv")
    assert pd.read_csv(path).shape == (len(scores), 3)
    assert model.calibration["users"].sum() == (~(np.random.default_rng(1).random(len(scores)) < 0.7)).sum()


def test_no_events_status(events):
    result = propensity.fit(events.iloc[:0])
    assert "no events" in result.status and np.isnan(result.auc)


def test_page_load_as_text_is_rejected_by_the_input_layer(events):
    text_loads = events.assign(page_load_ms=events["page_load_ms"].astype(str))
    with pytest.raises(JourneyInputError, match=r"column 'page_load_ms' has type string; expected numbers"):
        propensity.features(text_loads, "28d")
