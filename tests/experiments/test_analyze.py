"""End-to-end ``analyze`` on seeded per-user tables, and bad input."""

import math

import ibis
import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats import proportion as smprop
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportions_ztest
from statsmodels.stats.weightstats import ttest_ind

from journey import experiments as ab
from journey.datasets.experiments import make_experiment
from journey.validation import JourneyInputError

METRICS = [
    ab.Proportion("converted"),
    ab.Mean("revenue", covariates=["pre_revenue"]),
    ab.Ratio("orders", "sessions", covariates=["pre_orders", "pre_sessions"]),
]


@pytest.fixture(scope="module")
def frame():
    return make_experiment(users=20_000, seed=11, variants=("control", "b", "c"), lift=0.15, revenue_lift=0.05)


def test_to_frame_has_exactly_the_public_columns(frame):
    res = ab.analyze(frame, variant="variant", control="control", metrics=METRICS, alpha=0.05, correction="holm")
    out = res.to_frame()
    assert list(out.columns) == [
        "metric", "variant", "n_control", "n_treatment", "control_mean", "treatment_mean", "effect_size",
        "effect_ci_lower", "effect_ci_upper", "rel_effect_size", "rel_ci_lower", "rel_ci_upper", "pvalue",
        "pvalue_adjusted", "chance_to_win", "variance_reduction", "status",
    ]  # fmt: skip
    assert len(out) == 6 and set(out.variant) == {"b", "c"}
    assert (out.status == "ok").all()


def test_analyze_matches_references_per_row(frame):
    res = ab.analyze(frame, metrics=METRICS, correction="holm")
    out = res.to_frame().set_index(["metric", "variant"])
    c, b = frame[frame.variant == "control"], frame[frame.variant == "b"]
    # reference: statsmodels smprop.test_proportions_2indep(..., method="wald") — unpooled, as the interval
    ref = smprop.test_proportions_2indep(b.converted.sum(), len(b), c.converted.sum(), len(c), method="wald")
    assert out.loc[("converted", "b"), "pvalue"] == pytest.approx(ref.pvalue, rel=1e-9)
    assert out.loc[("converted", "b"), "n_treatment"] == len(b)
    ratio = b.orders.sum() / b.sessions.sum() - c.orders.sum() / c.sessions.sum()
    assert out.loc[("orders/sessions", "b"), "control_mean"] == pytest.approx(c.orders.sum() / c.sessions.sum())
    assert out.loc[("orders/sessions", "b"), "effect_size"] == pytest.approx(ratio, abs=0.01)  # adjusted
    assert out.loc[("revenue", "b"), "variance_reduction"] > 0.5
    ref = multipletests(out.pvalue.to_numpy(), method="holm")[1]
    np.testing.assert_allclose(out.pvalue_adjusted.to_numpy(), ref, rtol=1e-12)


def test_unadjusted_mean_is_welch_and_accepts_ibis_tables(frame):
    res = ab.analyze(ibis.memtable(frame), metrics=[ab.Mean("revenue")], correction="none")
    row = res.get("revenue", "c")
    c, t = frame[frame.variant == "control"].revenue, frame[frame.variant == "c"].revenue
    assert row.pvalue == pytest.approx(ttest_ind(t, c, usevar="unequal")[1], rel=1e-9)
    assert row.variance_reduction == 0


def test_guardrail_is_non_inferiority_and_outside_the_family(frame):
    guard = ab.Mean("revenue", name="revenue_guard", role="guardrail", margin=0.02)
    res = ab.analyze(frame, metrics=[ab.Proportion("converted"), guard], correction="holm")
    g = res.get("revenue_guard", "b")
    # H0: rel <= -margin; one-sided z = (rel + margin) / se_rel
    assert g.pvalue == pytest.approx(stats.norm.sf((g.rel_effect_size + 0.02) / g.rel_se), rel=1e-12)
    assert g.pvalue_adjusted == g.pvalue and g.test == "non-inferiority"
    conv = [r.pvalue for r in res.rows if r.metric == "converted"]
    np.testing.assert_allclose(
        [r.pvalue_adjusted for r in res.rows if r.metric == "converted"], multipletests(conv, method="holm")[1]
    )


def test_winsorizing_clips_at_pooled_percentiles_before_cuped(frame):
    res = ab.analyze(frame, metrics=[ab.Mean("revenue", winsorize=0.99)], correction="none")
    lo, hi = np.percentile(frame.revenue, [1, 99])
    clipped = frame.revenue.clip(lo, hi)
    assert res.get("revenue", "b").control_mean == pytest.approx(clipped[frame.variant == "control"].mean(), rel=1e-12)


def test_rows_per_session_are_collapsed_per_user():
    per_user = make_experiment(users=2000, seed=3)
    sessions = per_user.loc[per_user.index.repeat(2)].copy()
    sessions[["orders", "sessions"]] = sessions[["orders", "sessions"]] / 2
    a = ab.analyze(per_user, metrics=[ab.Ratio("orders", "sessions")]).get("orders/sessions")
    b = ab.analyze(sessions, metrics=[ab.Ratio("orders", "sessions")], unit="user_id").get("orders/sessions")
    assert b.se == pytest.approx(a.se, rel=1e-9) and b.n_control == a.n_control


def test_missing_declared_arm_gives_nan_row_with_status():
    df = make_experiment(users=500, seed=1)
    res = ab.analyze(df, metrics=[ab.Proportion("converted")], variants=["control", "treatment", "extra"])
    row = res.get("converted", "extra")
    assert row.status == "treatment arm is empty" and math.isnan(row.pvalue) and math.isnan(row.pvalue_adjusted)
    assert res.srm.flagged


def test_rendered_text_is_pinned():
    res = ab.analyze(make_experiment(users=4000, seed=2, lift=0.3), metrics=[ab.Proportion("converted")])
    caption, header, line = str(res).splitlines()[:3]
    assert caption == "Effects by metric and variant"
    # reports show the decision columns (the rest stay in to_frame()): no sideways scrolling
    assert header.split() == [
        "metric", "variant", "control_mean", "treatment_mean", "rel_effect_size", "rel_ci", "pvalue_adjusted",
        "chance_to_win", "variance_reduction", "status",
    ]  # fmt: skip
    assert line.split()[:5] == ["converted", "treatment", "0.102", "0.136", "33.7%"]
    assert line.split()[-1] == "ok"
    assert len(res.to_frame().columns) == 17


@pytest.mark.parametrize(
    ("change", "metrics", "kwargs", "match"),
    [
        (lambda d: d.drop(columns="variant"), [ab.Proportion("converted")], {}, "missing column 'variant'"),
        (lambda d: d, [ab.Proportion("converted")], {"control": "C"}, "control 'C': not in the data"),
        (lambda d: d[d.variant == "control"], [ab.Proportion("converted")], {}, "single variant"),
        (lambda d: d.assign(converted="yes"), [ab.Proportion("converted")], {}, "numeric"),
        (lambda d: d.assign(sessions=-d.sessions), [ab.Ratio("orders", "sessions")], {}, "negative"),
        (
            lambda d: d.assign(pre_revenue=np.where(d.index % 7 == 0, np.nan, d.pre_revenue)),
            [ab.Mean("revenue", covariates=["pre_revenue"])],
            {},
            "covariate column 'pre_revenue': has 72 missing",
        ),
        (lambda d: d.assign(converted=d.converted * 2), [ab.Proportion("converted")], {}, "0/1"),
        (lambda d: d.assign(converted=d.converted * 0.5), [ab.Proportion("converted")], {}, "other than 0 and 1"),
        (lambda d: d, [], {}, "metrics: is empty"),
        (lambda d: d, [ab.Proportion("converted")], {"correction": "sidak"}, "one of 'bh'"),
    ],
)
def test_bad_input_is_a_clear_error(change, metrics, kwargs, match):
    df = change(make_experiment(users=500, seed=1))
    with pytest.raises(JourneyInputError, match=match):
        ab.analyze(df, metrics=metrics, **kwargs)


def test_a_parquet_or_csv_file_gives_the_same_readout_as_the_frame(frame, tmp_path):
    """A per-user export is read where it lies (DuckDB SQL path), not loaded into pandas first."""
    expected = ab.analyze(frame, metrics=METRICS).to_frame()
    frame.to_parquet(tmp_path / "users.parquet", index=False)
    frame.to_csv(tmp_path / "users.csv", index=False)
    for path in (tmp_path / "users.parquet", str(tmp_path / "users.csv")):
        got = ab.analyze(path, metrics=METRICS).to_frame()
        pd.testing.assert_frame_equal(got, expected, rtol=1e-9)
    assert ab.srm(tmp_path / "users.parquet").pvalue == pytest.approx(ab.srm(frame).pvalue, rel=1e-12)


def test_source_without_experiment_name_is_an_error():
    with pytest.raises(JourneyInputError, match="experiment="):
        ab.analyze("data/sample/journey.duckdb", metrics=METRICS)


def test_degenerate_all_zero_conversions_is_nan_not_zero():
    df = make_experiment(users=500, seed=1).assign(converted=0)
    row = ab.analyze(df, metrics=[ab.Proportion("converted")]).get("converted")
    assert row.status == "no conversions in either arm"
    assert math.isnan(row.pvalue) and math.isnan(row.chance_to_win) and math.isnan(row.effect_size)


def test_frame_round_trip_dicts():
    res = ab.analyze(make_experiment(users=500, seed=1), metrics=[ab.Proportion("converted")])
    assert res.to_dicts()[0]["metric"] == "converted"
    assert isinstance(res.details_frame(), pd.DataFrame)
    assert "journey-result" in res._repr_html_()


def test_integer_variant_labels_work():
    df = make_experiment(users=1000, seed=1)
    df["variant"] = (df.variant == "treatment").astype(int)
    row = ab.analyze(df, control=0, metrics=[ab.Proportion("converted")]).get("converted")
    assert row.variant == "1" and row.status == "ok"


def test_expected_loss_is_relative_to_control_for_every_metric():
    """Beta-binomial loss (in conversion rate) is divided by the control rate, matching the Gaussian model's units."""
    from journey.experiments import bayes

    df = make_experiment(users=6000, seed=5, lift=0.1)
    res = ab.analyze(df, metrics=[ab.Proportion("converted"), ab.Mean("revenue")])
    row = res.get("converted")
    c, t = df[df.variant == "control"].converted, df[df.variant == "treatment"].converted
    post = bayes.beta_binomial(int(c.sum()), len(c), int(t.sum()), len(t))
    assert row.expected_loss == pytest.approx(post.expected_loss / c.mean(), rel=1e-9)
    revenue = res.get("revenue")
    gauss = bayes.gaussian(revenue.rel_effect_size, revenue.rel_se, 0.0, 0.3, True)
    assert revenue.expected_loss == pytest.approx(gauss.expected_loss, rel=1e-12)


def test_pooled_reaches_the_proportion_test_through_analyze(frame):
    res = ab.analyze(frame, metrics=[ab.Proportion("converted"), ab.Mean("revenue")], pooled=True)
    c, b = frame[frame.variant == "control"], frame[frame.variant == "b"]
    # reference: statsmodels proportions_ztest (pooled-variance z)
    _z, p = proportions_ztest([b.converted.sum(), c.converted.sum()], [len(b), len(c)])
    assert res.get("converted", "b").pvalue == pytest.approx(p, rel=1e-9)
    assert res.pooled and "pooled" in res.get("converted", "b").method
    assert "pooled" not in res.get("revenue", "b").method  # a mean has no pooled form
