"""Sequential methods: published boundaries and a seeded type-I error simulation."""

import math

import numpy as np
import pytest

from journey.experiments.estimators import compare
from journey.experiments.sequential import (
    cs_half_width,
    cs_pvalues,
    msprt_pvalues,
    obf_spending,
    obrien_fleming_bounds,
    sequential,
)
from journey.experiments.stats import Moments
from journey.validation import JourneyInputError


@pytest.mark.parametrize(
    ("looks", "published"),
    [
        # Lan-DeMets O'Brien-Fleming, two-sided alpha = 0.05, equally spaced looks
        # (Jennison & Turnbull 2000, Table 2.x; R ldbounds / gsDesign sfLDOF give the same to 3 decimals)
        (5, [4.877, 3.357, 2.680, 2.290, 2.031]),
        (4, [4.333, 2.963, 2.359, 2.014]),
        (3, [3.710, 2.511, 1.993]),
    ],
)
def test_lan_demets_obrien_fleming_bounds_match_published(looks, published):
    got = obrien_fleming_bounds(np.arange(1, looks + 1) / looks, 0.05)
    np.testing.assert_allclose(got, published, atol=2e-3)


def test_single_look_is_the_fixed_horizon_test():
    assert obrien_fleming_bounds([1.0])[0] == pytest.approx(1.959964, abs=1e-5)
    assert obf_spending(1.0) == pytest.approx(0.05)


def test_confidence_sequence_is_wider_than_fixed_interval_and_tightest_near_plan():
    se = 1 / np.sqrt(np.array([100, 1000, 10_000]))
    half = cs_half_width(se, [100, 1000, 10_000], n_star=1000)
    assert np.all(half / se > 1.96)
    c = -2 * np.log(0.05) + np.log(1 - 2 * np.log(0.05))  # v = c at n = n*
    assert half[1] / se[1] == pytest.approx(np.sqrt(2 * (c + 1) / c * np.log(np.sqrt(c + 1) / 0.05)), rel=1e-12)


def test_msprt_pvalue_is_monotone_and_matches_formula():
    p = msprt_pvalues([0.0, 0.5, 0.1], [0.2, 0.2, 0.2], tau=0.5)
    s2, t2 = 0.04, 0.25
    lam = np.sqrt(s2 / (s2 + t2)) * np.exp(t2 * 0.25 / (2 * s2 * (s2 + t2)))
    assert p[1] == pytest.approx(1 / lam, rel=1e-12)
    assert p[2] == p[1] and p[0] == 1.0


def test_sequential_result_from_comparisons():
    rng = np.random.default_rng(0)
    looks = []
    yc, yt = rng.normal(0, 1, 4000), rng.normal(0.1, 1, 4000)
    for k in (1000, 2000, 3000, 4000):
        looks.append(compare(Moments.from_arrays({"y": yc[:k]}), Moments.from_arrays({"y": yt[:k]}), "y"))
    res = sequential(looks, planned_users=8000, tau=0.1, metric="y", variant="treatment")
    frame = res.to_frame()
    assert list(frame.users) == [2000, 4000, 6000, 8000]
    np.testing.assert_allclose(frame.obf_bound, [4.333, 2.963, 2.359, 2.014], atol=2e-3)
    assert res.stopped
    with pytest.raises(JourneyInputError, match="tau"):
        sequential(looks, planned_users=8000, tau=-0.1)
    untuned = sequential(looks, planned_users=8000)  # tau optional: no mSPRT, the CS p-value stands
    assert np.isnan(untuned.tau) and np.isnan(untuned.to_frame().pvalue_msprt).all()
    assert untuned.cs_pvalue == res.cs_pvalue


def test_cs_pvalue_is_where_the_confidence_sequence_touches_zero():
    effect = np.array([0.02, 0.09, 0.05, 0.12, 0.11])
    se = np.array([0.08, 0.05, 0.04, 0.035, 0.03])
    n, n_star, alpha = np.array([1000, 2000, 3000, 4000, 5000]), 4000, 0.05
    p = cs_pvalues(effect, se, n, n_star, alpha)
    # reference: the band of Waudby-Smith et al. (2023, Thm 2.2) written out here, tuning v fixed
    # by the design alpha; at level p_k its half-width equals |effect| (the band touches 0)
    c = -2 * math.log(alpha) + math.log(1 - 2 * math.log(alpha))
    v = n / n_star * c
    raw = np.sqrt(v + 1) * np.exp(-((effect / se) ** 2) * v / (2 * (v + 1)))
    for k in range(len(effect)):
        if raw[k] < 1:
            half = se[k] * math.sqrt(2 * (v[k] + 1) / v[k] * math.log(math.sqrt(v[k] + 1) / raw[k]))
            assert half == pytest.approx(abs(effect[k]), rel=1e-10)
    np.testing.assert_allclose(p, np.minimum.accumulate(np.minimum(raw, 1.0)), rtol=1e-12)
    assert np.all(np.diff(p) <= 0)  # always valid: never rises again
    # at the design level: below alpha exactly at the looks where the band excludes 0 (or did before)
    excluded = np.abs(effect) > cs_half_width(se, n, n_star, alpha)
    np.testing.assert_array_equal(p < alpha, np.logical_or.accumulate(excluded))


def test_sequential_methods_keep_type_one_error_while_peeking_does_not():
    """Seeded A/A simulation: 10 equally spaced looks at normal data, sufficient statistics
    simulated in closed form (sum ~ N(0, m), within-chunk sum of squares ~ χ²_{m-1})."""
    rng = np.random.default_rng(2024)
    sims, looks, m, alpha = 4000, 10, 200, 0.05
    arms = []
    for _ in range(2):
        sums = rng.normal(0, np.sqrt(m), (sims, looks))
        ss_within = rng.chisquare(m - 1, (sims, looks))
        n = m * np.arange(1, looks + 1)
        total = np.cumsum(sums, axis=1)
        # pooled sum of squares around the running mean
        ss = np.cumsum(ss_within + sums**2 / m, axis=1) - total**2 / n
        arms.append((total / n, ss / (n - 1), n))
    (mc, vc, n), (mt, vt, _) = arms
    effect, se = mt - mc, np.sqrt(vc / n + vt / n)
    z = np.abs(effect / se)
    naive = np.mean((z >= 1.959964).any(axis=1))
    bounds = obrien_fleming_bounds(np.arange(1, looks + 1) / looks, alpha)
    obf = np.mean((z >= bounds).any(axis=1))
    cs = np.mean((np.abs(effect) >= cs_half_width(se, 2 * n, 2 * n[-1], alpha)).any(axis=1))
    msprt = np.mean(msprt_pvalues(effect, se, tau=0.1)[:, -1] < alpha)
    mc_tol = 3 * np.sqrt(alpha * (1 - alpha) / sims)  # 3 Monte Carlo standard errors ≈ 0.010
    assert naive > 0.15  # ten peeks at 1.96 inflate type-I error to about 0.19
    assert obf <= alpha + mc_tol
    assert cs <= alpha + mc_tol
    assert msprt <= alpha + mc_tol
