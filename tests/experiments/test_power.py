"""Power and sample size against statsmodels.stats.power.NormalIndPower."""

import math

import pytest
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import proportion_effectsize

from journey.experiments import Mean, Proportion
from journey.experiments.power import achieved_power, minimum_detectable_effect, sample_size
from journey.validation import JourneyInputError


def test_mean_sample_size_matches_normal_ind_power():
    n = sample_size(Mean("revenue"), baseline=50, std=20, mde=0.02)
    ref = NormalIndPower().solve_power(effect_size=1.0 / 20, alpha=0.05, power=0.8, ratio=1)  # d = δ/σ
    assert n == math.ceil(ref)


def test_proportion_sample_size_matches_unpooled_effect_and_cohens_h():
    n = sample_size(Proportion("converted"), baseline=0.10, mde=0.10)
    d = 0.01 / math.sqrt((0.1 * 0.9 + 0.11 * 0.89) / 2)
    assert n == math.ceil(NormalIndPower().solve_power(d, alpha=0.05, power=0.8))
    h = NormalIndPower().solve_power(proportion_effectsize(0.11, 0.10), alpha=0.05, power=0.8)
    assert n == pytest.approx(h, rel=1e-3)  # arcsine h agrees for small effects


def test_variance_reduction_scales_sample_size():
    full = sample_size("mean", baseline=10, std=5, mde=0.05)
    cuped = sample_size("mean", baseline=10, std=5, mde=0.05, variance_reduction=0.5)
    assert cuped == pytest.approx(full / 2, abs=1)


def test_mde_and_achieved_power_invert_sample_size():
    mde = minimum_detectable_effect(10_000, "mean", baseline=50, std=20)
    assert achieved_power(10_000, "mean", baseline=50, std=20, mde=mde) == pytest.approx(0.8, abs=1e-8)
    ref = NormalIndPower().power(effect_size=1.0 / 20, nobs1=10_000, alpha=0.05, ratio=1)
    assert achieved_power(10_000, "mean", baseline=50, std=20, mde=0.02) == pytest.approx(ref, rel=1e-10)
    p_mde = minimum_detectable_effect(14_749, "proportion", baseline=0.1)
    assert p_mde == pytest.approx(0.10, rel=1e-3)


def test_mean_without_std_is_an_error():
    with pytest.raises(JourneyInputError, match="std"):
        sample_size("mean", baseline=10)
