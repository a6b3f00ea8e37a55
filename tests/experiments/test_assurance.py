"""Bayesian assurance of a planned test against Monte Carlo simulations of the test."""

from __future__ import annotations

import math
import shutil

import numpy as np
import pytest
from scipy import integrate, stats

from journey import config
from journey import experiments as ab
from journey.datasets import history as hist
from journey.experiments.assurance import assurance, planned_tests, prior_of, proportion_cv2, spec_assurance
from journey.experiments.portfolio import portfolio
from journey.experiments.spec import load_spec

DRAWS = 400_000
Z = stats.norm.isf(0.025)


@pytest.fixture(scope="module")
def sample_portfolio():
    return portfolio(hist.make_history(seed=7))


@pytest.mark.parametrize(("mu", "sd", "n", "p"), [(0.005, 0.037, 10_729, 0.065), (-0.01, 0.05, 40_000, 0.1)])
def test_assurance_equals_a_monte_carlo_of_the_estimate(mu, sd, n, p) -> None:
    rng = np.random.default_rng(3)
    a = assurance(mu, sd, n, proportion_cv2(p))
    theta = rng.normal(mu, sd, DRAWS)
    estimate = theta + rng.normal(0, a.rel_se, DRAWS)  # the normal model of the planned estimate
    win = estimate / a.rel_se > Z
    # binomial MC SE sqrt(a (1 - a) / 400k) <= 0.0008; allow 4 SE
    assert a.assurance == pytest.approx(win.mean(), abs=4 * math.sqrt(win.mean() * (1 - win.mean()) / DRAWS))
    value = theta * win
    assert a.rel_expected_lift == pytest.approx(value.mean(), abs=4 * value.std() / math.sqrt(DRAWS))


def test_assurance_equals_power_integrated_over_the_prior_by_quadrature() -> None:
    mu, sd, sigma = 0.01, 0.04, 0.03
    a = assurance(mu, sd, users_per_arm=2 * 0.5 / sigma**2, cv2=0.5)  # sigma = sqrt(2 * 0.5 / n) = 0.03
    assert a.rel_se == pytest.approx(sigma, rel=1e-12)
    # integral of power(theta) = Phi(theta / sigma - z) against the N(mu, sd^2) density (scipy.integrate.quad)
    ref, _ = integrate.quad(lambda t: stats.norm.cdf(t / sigma - Z) * stats.norm.pdf(t, mu, sd), -1, 1)
    ev, _ = integrate.quad(lambda t: t * stats.norm.cdf(t / sigma - Z) * stats.norm.pdf(t, mu, sd), -1, 1)
    assert a.assurance == pytest.approx(ref, abs=1e-9)
    assert a.rel_expected_lift == pytest.approx(ev, abs=1e-10)
    assert a.rel_lift_if_shipped == pytest.approx(ev / ref, rel=1e-7)


def test_assurance_equals_a_user_level_simulation_of_the_planned_test() -> None:
    mu, sd, n, p = 0.005, 0.037, 10_729, 0.065
    rng = np.random.default_rng(4)
    theta = rng.normal(mu, sd, DRAWS)
    xc = rng.binomial(n, p, DRAWS)
    xt = rng.binomial(n, np.clip(p * (1 + theta), 0, 1))
    pc, pt = xc / n, xt / n
    z = (pt - pc) / np.sqrt(pc * (1 - pc) / n + pt * (1 - pt) / n)  # the house's unpooled two-proportion z test
    win = z > Z
    a = assurance(mu, sd, n, proportion_cv2(p))
    # MC SE ~0.0004. The closed form uses the variance at no effect; a true gain raises the treatment's
    # variance a little, so it is ~2% optimistic (0.0016 here): tolerance 4 MC SE + 0.002
    assert a.assurance == pytest.approx(win.mean(), abs=4 * math.sqrt(win.mean() * (1 - win.mean()) / DRAWS) + 0.002)
    value = theta * win
    # MC SE ~2e-5; same approximation, ~4% of the value: 4 MC SE + 0.0002
    assert a.rel_expected_lift == pytest.approx(value.mean(), abs=4 * value.std() / math.sqrt(DRAWS) + 0.0002)


def test_prior_is_the_portfolio_prior_widened_by_the_uncertainty_of_mu(sample_portfolio) -> None:
    mu, sd = prior_of(sample_portfolio)
    assert mu == sample_portfolio.prior.mu
    assert sd == pytest.approx(math.sqrt(sample_portfolio.prior.tau2 + sample_portfolio.prior.mu_se**2), rel=1e-12)


def test_a_bigger_test_succeeds_more_often_and_a_null_prior_gives_half_alpha_at_most() -> None:
    small = assurance(0.01, 0.03, 5_000, proportion_cv2(0.05))
    big = assurance(0.01, 0.03, 200_000, proportion_cv2(0.05))
    assert big.assurance > small.assurance
    assert assurance(0.0, 1e-9, 5_000, proportion_cv2(0.05)).assurance == pytest.approx(0.025, abs=1e-6)


def test_multi_arm_playbooks_test_at_alpha_over_the_arms_and_metrics(sample_portfolio) -> None:
    # two treatments × (one primary + one secondary) under Holm: the first step is alpha / 4
    spec = load_spec("free-shipping-banner")
    assert (len(spec.variants), len(spec.metrics.primary), len(spec.metrics.secondary)) == (3, 1, 1)
    a = spec_assurance(spec, sample_portfolio)
    mu, sd = prior_of(sample_portfolio)
    ref = assurance(mu, sd, spec.sample_size_per_arm, proportion_cv2(spec.baseline), alpha=0.0125)
    assert a.alpha == 0.0125 and a.assurance == ref.assurance


def test_mean_metric_uses_the_playbooks_std(sample_portfolio) -> None:
    spec = load_spec("onboarding-email")  # repeat purchases: baseline 0.015, std 0.14
    a = spec_assurance(spec, sample_portfolio)
    assert a.rel_se == pytest.approx(math.sqrt(2 * (0.14 / 0.015) ** 2 / 5470), rel=1e-12)


def test_planned_tests_lists_the_playbooks_that_have_not_started(sample_portfolio) -> None:
    table = ab.planned_tests(sample_portfolio, as_of="2026-11-22")
    frame = table.to_frame()
    assert frame.experiment.tolist() == ["one-page-checkout"]  # starts 2026-12-07; the others ran in autumn
    row = frame.iloc[0]
    spec = load_spec("one-page-checkout")
    mu, sd = prior_of(sample_portfolio)
    # one treatment × (purchase + revenue_per_user) under Holm: tested at 0.05 / 2
    ref = assurance(mu, sd, spec.sample_size_per_arm, proportion_cv2(spec.baseline), alpha=0.025, mde=spec.mde)
    assert row.users_per_arm == 10_729 and row.assurance == ref.assurance and row.status == "ok"
    assert row.rel_expected_lift == ref.rel_expected_lift
    assert 0 < row.assurance < 0.2  # a 15% MDE against tau ~4%: most such tests do not come out significant
    assert len(planned_tests(sample_portfolio, as_of="2026-08-01").to_frame()) == 4
    assert "assurance" in str(table) and "%" in str(table)


def test_planned_tests_say_why_when_there_is_no_history(tmp_path) -> None:
    folder = tmp_path / "experiments"
    folder.mkdir()
    shutil.copy(config.playbooks_dir() / "experiments" / "one-page-checkout.yml", folder)
    thin = portfolio(hist.make_history(seed=7).iloc[:3])
    row = planned_tests(thin, as_of="2026-11-22", directory=folder).to_frame().iloc[0]
    assert math.isnan(row.assurance) and row.status.startswith("3 finished test(s)")


def test_the_level_is_the_readouts_first_step_over_primary_and_secondary_metrics(sample_portfolio) -> None:
    # checkout-redesign: one treatment, one primary and two secondary metrics under Holm; the
    # readout adjusts all three together, so a lone win needs p < 0.05 / 3 (statsmodels agrees)
    from statsmodels.stats.multitest import multipletests

    spec = load_spec("checkout-redesign")
    assert (len(spec.variants), len(spec.metrics.primary), len(spec.metrics.secondary)) == (2, 1, 2)
    a = spec_assurance(spec, sample_portfolio)
    assert a.alpha == pytest.approx(0.05 / 3, rel=1e-12)
    for factor, rejected in ((0.999, True), (1.001, False)):
        assert bool(multipletests([a.alpha * factor, 0.9, 0.9], alpha=0.05, method="holm")[0][0]) is rejected


def test_a_mean_metric_is_planned_at_the_playbooks_power(sample_portfolio) -> None:
    from journey.experiments.power import sample_size

    spec = load_spec("onboarding-email").model_copy(update={"sample_size_per_arm": None, "power": 0.9})
    expected = sample_size("mean", baseline=spec.baseline, mde=spec.mde, std=spec.std, alpha=spec.alpha, power=0.9)
    assert spec_assurance(spec, sample_portfolio).users_per_arm == expected
    assert expected > sample_size("mean", baseline=spec.baseline, mde=spec.mde, std=spec.std, alpha=spec.alpha)
