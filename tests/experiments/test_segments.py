"""Segments, post-stratification and the novelty trend test."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.stats.multitest import multipletests

from journey import experiments as ab
from journey.datasets.experiments import make_experiment
from journey.experiments.segments import novelty, segments, trend_test


def test_segment_rows_match_per_segment_analysis_and_family_adjustment():
    df = make_experiment(users=12_000, seed=4, lift=0.2)
    res = segments(df, metrics=[ab.Proportion("converted"), ab.Mean("revenue")], by="device", correction="bh")
    frame = res.to_frame()
    assert list(frame.columns[:3]) == ["segment", "metric", "variant"] and len(frame) == 6
    mobile = df[df.device == "mobile"]
    one = ab.analyze(mobile, metrics=[ab.Proportion("converted")]).get("converted")
    row = frame[(frame.segment == "mobile") & (frame.metric == "converted")].iloc[0]
    assert row.pvalue == pytest.approx(one.pvalue, rel=1e-12)
    np.testing.assert_allclose(frame.pvalue_adjusted, multipletests(frame.pvalue, method="fdr_bh")[1], rtol=1e-12)
    shown = str(res).splitlines()
    assert shown[0] == "Effects by segment"
    assert shown[1].split()[:4] == ["segment", "n_control", "n_treatment", "metric"]
    assert "chance_to_win" not in shown[1] and "rel_ci" in shown[1] and len(shown) == 2 + len(frame)


def test_post_stratified_effect_is_share_weighted_mean_of_segment_effects():
    df = make_experiment(users=8_000, seed=5)
    res = segments(df, metrics=[ab.Mean("revenue")], by="device", correction="none")
    rows = [r for r in res.rows]
    shares = df.device.value_counts(normalize=True).sort_index()
    expected = sum(shares[s] * r.effect_size for s, r in zip(res.segment_of, rows, strict=True))
    overall = res.overall.iloc[0]
    assert overall.effect_size == pytest.approx(expected, rel=1e-9)
    var = sum(shares[s] ** 2 * r.comparison.se**2 for s, r in zip(res.segment_of, rows, strict=True))
    assert overall.se == pytest.approx(np.sqrt(var), rel=1e-9)


def test_trend_test_matches_wls_with_known_variances():
    days = np.arange(10)
    se = np.linspace(0.01, 0.03, 10)
    eff = 0.05 - 0.003 * days + np.random.default_rng(0).normal(0, se)
    slope, slope_se, p = trend_test(days, eff, se)
    fit = sm.WLS(eff, sm.add_constant(days), weights=1 / se**2).fit(cov_type="fixed scale")  # scale = 1
    assert slope == pytest.approx(fit.params[1], rel=1e-10)
    assert slope_se == pytest.approx(fit.bse[1], rel=1e-10)
    assert p == pytest.approx(fit.pvalues[1], rel=1e-8)


def test_novelty_detects_a_fading_effect():
    rng = np.random.default_rng(1)
    n = 40_000
    day = rng.integers(0, 10, n)
    treated = rng.random(n) < 0.5
    conv = rng.random(n) < 0.1 + treated * 0.05 * np.exp(-day / 3)
    df = pd.DataFrame(
        {
            "variant": np.where(treated, "treatment", "control"),
            "converted": conv.astype(int),
            "days_since_exposure": day,
        }
    )
    res = novelty(df, ab.Proportion("converted"))
    assert res.flagged and res.slope < 0
    assert "shrinks" in res.sentence()
    assert len(res.to_frame()) == 10
