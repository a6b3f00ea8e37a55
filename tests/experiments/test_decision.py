"""The decision rule: verdicts, the interim bound, and a sentence on the scale it tests."""

import pandas as pd

from journey import experiments as ab
from journey.datasets.experiments import make_experiment
from journey.experiments.decision import decide

METRICS = [ab.Proportion("converted"), ab.Mean("revenue", role="guardrail", margin=0.10)]


def test_clear_win_with_healthy_guardrail_ships():
    res = ab.analyze(make_experiment(users=40_000, seed=1, lift=0.3), metrics=METRICS)
    d = decide(res, planned_per_arm=20_000)
    assert d.verdict == "ship" and d.variant == "treatment"
    assert d.sentence().startswith("Ship treatment: converted improves by +")
    c = res.get("converted").comparison  # the sentence quotes the interval of the tested scale
    assert f"95% CI +{c.effect_ci_lower * 100:.2f} percentage points to +{c.effect_ci_upper * 100:.2f}" in d.sentence()


def _counts(n_c: int, x_c: int, n_t: int, x_t: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "variant": ["control"] * n_c + ["treatment"] * n_t,
            "converted": [1] * x_c + [0] * (n_c - x_c) + [1] * x_t + [0] * (n_t - x_t),
        }
    )


def test_no_ship_when_the_printed_interval_covers_zero():
    # issue #12: pooled p = 0.039 while the unpooled interval covers 0; one SE now decides and prints
    frame = _counts(8000, 100, 2000, 37)
    res = ab.analyze(frame, metrics=[ab.Proportion("converted")], expected=[0.8, 0.2])
    r = res.get("converted")
    assert r.effect_ci_lower < 0 < r.effect_ci_upper and r.pvalue > 0.05
    assert decide(res).verdict == "don't ship"
    pooled = ab.analyze(frame, metrics=[ab.Proportion("converted")], expected=[0.8, 0.2], pooled=True)
    d = decide(pooled)  # pooled=True switches the test and the interval together
    assert d.verdict == "ship" and pooled.get("converted").effect_ci_lower > 0


def test_srm_blocks_everything():
    res = ab.analyze(make_experiment(users=40_000, seed=1, lift=0.3, shares=(0.55, 0.45)), metrics=METRICS)
    assert res.srm.flagged
    assert decide(res).verdict == "don't ship"
    assert "traffic split is broken" in decide(res).reason


def test_null_result_keeps_running_before_plan_and_stops_after():
    res = ab.analyze(make_experiment(users=4_000, seed=2), metrics=METRICS)
    assert decide(res, planned_per_arm=10_000, planned_looks=4).verdict == "keep running"
    assert decide(res, planned_per_arm=1_000).verdict == "don't ship"


def test_interim_look_needs_the_obrien_fleming_bound():
    # significant at the fixed-horizon level but below the first-look O'Brien-Fleming bound
    res = ab.analyze(make_experiment(users=6_000, seed=5, lift=0.25), metrics=[ab.Proportion("converted")])
    z = abs(res.rows[0].comparison.statistic)
    assert 1.96 < z < 4.0, z
    assert decide(res, planned_per_arm=30_000, planned_looks=5).verdict == "keep running"
    assert decide(res, planned_per_arm=3_000).verdict == "ship"
