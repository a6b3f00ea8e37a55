"""The out-of-time logistic churn model against statsmodels Logit and scikit-learn metrics."""

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from sklearn.calibration import calibration_curve
from sklearn.metrics import brier_score_loss, roc_auc_score

from journey.churn import Snapshot, churn_model, snapshot
from journey.validation import JourneyInputError
from tests.churn.simulate import simulate_activity

HORIZON = 60


@pytest.fixture(scope="module")
def periods():
    activity, features = simulate_activity()
    past = snapshot(activity, "2025-06-30", HORIZON, features=features)
    later = snapshot(activity, "2025-08-29", HORIZON, features=features)
    return past, later


def test_snapshot_features_and_labels_on_a_hand_built_log():
    days = {
        "A": ["2026-03-01", "2026-03-20", "2026-03-31", "2026-04-15"],  # active at the cutoff, back within 30 days
        "B": ["2026-02-01", "2026-03-25"],  # active at the cutoff, never back: churned
        "C": ["2026-01-01"],  # quiet for 89 days at the cutoff: churn declared before it, not in the snapshot
        "D": ["2026-04-05"],  # first seen after the cutoff: not in the snapshot
        "Z": ["2026-05-01"],  # the log runs to May 1
    }
    rows = [(c, d) for c, ds in days.items() for d in ds]
    log = pd.DataFrame({"customer_id": [c for c, _ in rows], "ts": pd.to_datetime([d for _, d in rows])})
    snap = snapshot(log, "2026-03-31", 30)
    # by hand, cutoff Mar 31: A last Mar 31, first Mar 1, 3 active days in (Mar 1, Mar 31] and 3 in 90 days
    # (Mar 1 is day 30 before the cutoff: outside the 30-day window, inside the 90-day one)
    assert list(snap.table.index) == ["A", "B"]
    assert snap.table.loc["A"].tolist() == [0.0, 30.0, 2.0, 3.0, 0]
    assert snap.table.loc["B"].tolist() == [6.0, 58.0, 1.0, 2.0, 1]
    assert (snap.cutoff, snap.horizon_days) == (pd.Timestamp("2026-03-31"), 30)


def test_coefficients_equal_statsmodels_logit_on_the_past_snapshot(periods):
    past, later = periods
    model = churn_model(past, later)
    names = ["days_since_last", "tenure_days", "active_days_30", "active_days_90", "unresolved_tickets"]
    assert model.covariates == tuple(names) and model.status == "ok"
    # reference: statsmodels Logit(churned, add_constant(features)).fit()
    ref = sm.Logit(past.table["churned"], sm.add_constant(past.table[names])).fit(disp=0)
    np.testing.assert_allclose(model.params.to_numpy(), ref.params.to_numpy(), rtol=1e-8)
    np.testing.assert_allclose(model.standard_errors.to_numpy(), ref.bse.to_numpy(), rtol=1e-8)
    np.testing.assert_allclose(
        model.table[["coef_ci_lower", "coef_ci_upper"]].to_numpy(), ref.conf_int().to_numpy(), rtol=1e-8
    )
    np.testing.assert_allclose(model.table["pvalue"], ref.pvalues.to_numpy(), rtol=1e-6)
    # the planted truth: unresolved tickets raise churn
    assert model.table.set_index("term").loc["unresolved_tickets", "coef_ci_lower"] > 0


def test_validation_scores_the_later_snapshot_with_the_past_fit(periods):
    past, later = periods
    model = churn_model(past, later)
    names = list(model.covariates)
    ref = sm.Logit(past.table["churned"], sm.add_constant(past.table[names])).fit(disp=0)
    p = ref.predict(sm.add_constant(later.table[names]))
    y = later.table["churned"]
    v = model.validation
    # reference: sklearn roc_auc_score, brier_score_loss and calibration_curve on the later period
    assert v.auc == pytest.approx(roc_auc_score(y, p), rel=1e-10)
    assert v.brier == pytest.approx(brier_score_loss(y, p), rel=1e-8)
    observed, predicted = calibration_curve(y, p, n_bins=10)
    np.testing.assert_allclose(v.reliability["observed"], observed, rtol=1e-10)
    np.testing.assert_allclose(v.reliability["predicted"], predicted, rtol=1e-8)
    assert (v.n_obs, v.churners, v.cutoff) == (len(y), int(y.sum()), later.cutoff)
    assert v.auc_ci_lower < v.auc < v.auc_ci_upper and v.brier < v.brier_reference


@pytest.mark.parametrize(
    ("later_cutoff", "message"),
    [
        (
            "2025-06-30",
            r"^churn_model: the validation cutoff 2025-06-30 is before the training labels are known \(2025-06-30 \+ 60 days\); expected a later snapshot with a cutoff on or after 2025-08-29 \(fit on the past, score the next period\)$",
        ),
        ("2025-08-28", r"^churn_model: the validation cutoff 2025-08-28 is before the training labels are known"),
        ("2025-05-01", r"^churn_model: the validation cutoff 2025-05-01 is before"),
    ],
)
def test_validation_inside_the_training_period_is_refused(periods, later_cutoff, message):
    past, _ = periods
    activity, features = simulate_activity()
    later = snapshot(activity, later_cutoff, HORIZON, features=features)
    with pytest.raises(JourneyInputError, match=message):
        churn_model(past, later)


def test_snapshots_with_different_horizons_are_refused(periods):
    past, later = periods
    other = Snapshot(later.cutoff, 30, later.table)
    with pytest.raises(
        JourneyInputError, match=r"^churn_model: horizons differ \(60 and 30 days\); expected one churn definition"
    ):
        churn_model(past, other)


def test_risk_list_ranks_by_probability_with_the_features_that_raise_it(periods):
    past, later = periods
    model = churn_model(past, later)
    risk = model.risk_list(later, top=20, reasons=2)
    assert risk.table["rank"].tolist() == list(range(1, 21))
    probability = model.predict(later)
    assert risk.table["churn_probability"].tolist() == sorted(probability, reverse=True)[:20]
    first = risk.table.iloc[0]
    # reference: beta_j (x_j − mean_j of the past snapshot), the two largest positive, by hand
    names = list(model.covariates)
    x = later.table.loc[first["customer"], names].to_numpy(float)
    c = model.params[names].to_numpy() * (x - past.table[names].mean().to_numpy())
    top = np.argsort(-c)[:2]
    assert first["reasons"] == ", ".join(f"{names[j]} {c[j]:+.2f}" for j in top if c[j] > 0)
    # log-odds = const + beta · mean + the sum of the contributions
    logit = model.params["const"] + model.params[names].to_numpy() @ past.table[names].mean().to_numpy() + c.sum()
    assert first["churn_probability"] == pytest.approx(1 / (1 + math.exp(-logit)), rel=1e-12)
    text = str(risk).splitlines()
    assert text[0] == "Customers most at risk of churning after 2025-08-29"
    assert "," not in text[2].split()[1]  # ids are labels, not numbers with separators


@pytest.mark.parametrize(
    ("change", "status"),
    [
        (lambda t: t.assign(churned=0), "every customer in the training snapshot stayed"),
        (lambda t: t.assign(unresolved_tickets=2.0), "feature 'unresolved_tickets' is constant"),
        (lambda t: t.assign(unresolved_tickets=t["churned"] * 3.0), "the fit did not converge"),
    ],
)
def test_a_model_that_cannot_be_fitted_is_nan_with_a_status(periods, change, status):
    past, later = periods
    broken = Snapshot(past.cutoff, past.horizon_days, change(past.table))
    model = churn_model(broken, later)
    assert model.status.startswith(status)
    assert model.params.isna().all() and model.table["odds_ratio"].isna().all()
    assert math.isnan(model.validation.auc) and model.validation.status.startswith("model not fitted")
    assert model.risk_list(later).table.empty
    assert str(model).startswith("Churn model: not fitted")


def test_snapshot_refuses_a_horizon_the_log_does_not_cover_and_missing_features():
    activity, features = simulate_activity(customers=50)
    with pytest.raises(
        JourneyInputError,
        match=r"^activity: ends on 2026-02-05, before cutoff \+ horizon 2026-03-02; expected activity through the whole horizon",
    ):
        snapshot(activity, "2026-01-01", 60)
    with pytest.raises(
        JourneyInputError,
        match=r"^snapshot at 2025-06-30: feature 'unresolved_tickets' is missing for \d+ customers; expected a value for every customer",
    ):
        snapshot(activity, "2025-06-30", 60, features=features.iloc[:10])


def test_validation_renders_auc_interval_and_brier(periods):
    text = str(churn_model(*periods).validation).splitlines()
    assert text[0] == "Churn model scored out of time on customers active at 2025-08-29"
    assert text[1].split() == [
        "n_obs",
        "churners",
        "churn_rate",
        "auc",
        "auc_ci",
        "brier",
        "brier_reference",
        "brier_skill",
    ]


def test_a_snapshot_with_labels_that_are_not_zero_or_one_is_refused():
    table = pd.DataFrame({"x": [1.0, 2.0], "churned": [0, 2]}, index=["a", "b"])
    with pytest.raises(
        JourneyInputError,
        match=r"^snapshot at 2026-01-01: column 'churned' has value 2 \(first at row 1\); expected 0/1$",
    ):
        Snapshot(pd.Timestamp("2026-01-01"), 30, table)


def test_current_features_are_the_snapshot_features_without_a_label_or_a_future():
    from journey.churn import current_features

    days = {"A": ["2026-03-01", "2026-03-31"], "B": ["2026-02-01", "2026-03-25"], "C": ["2026-01-01"]}
    rows = [(c, d) for c, ds in days.items() for d in ds]
    log = pd.DataFrame({"customer_id": [c for c, _ in rows], "ts": pd.to_datetime([d for _, d in rows])})
    # the log ends at the cutoff: a snapshot cannot label it, but today's customers can be scored
    with pytest.raises(JourneyInputError, match="a label needs it observed"):
        snapshot(log, "2026-03-31", 30)
    now = current_features(log, "2026-03-31", 30)
    assert list(now.index) == ["A", "B"] and "churned" not in now.columns
    assert now.loc["A"].tolist() == [0.0, 30.0, 1.0, 2.0]
    assert now.loc["B"].tolist() == [6.0, 58.0, 1.0, 2.0]
