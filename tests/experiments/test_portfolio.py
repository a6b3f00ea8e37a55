"""The experiment portfolio: win rate, prior, shrinkage, winners' curse and cumulative impact."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.meta_analysis import combine_effects

from journey import experiments as ab
from journey.datasets import history as hist
from journey.experiments.portfolio import experiment_history, finished_tests, portfolio
from journey.experiments.results import record, validate_results
from journey.validation import JourneyInputError


def test_public_name_is_ab_portfolio() -> None:
    assert ab.portfolio is portfolio and ab.experiment_history is experiment_history


def test_win_rate_is_the_shipped_share_and_the_prior_is_statsmodels_dl() -> None:
    h = hist.make_history(seed=7)
    p = portfolio(h)
    assert p.k == 60 and p.shipped == int((h.decision == "ship").sum())
    assert p.win_rate == pytest.approx((h.decision == "ship").mean(), abs=1e-12)
    sig = (h.pvalue < 0.05) & (h.rel_effect_size > 0)
    assert p.significant_positive_share == pytest.approx(sig.mean(), abs=1e-12)
    # combine_effects(y, se**2, method_re="chi2") is DerSimonian-Laird: same formulas, 1e-10
    ref = combine_effects(h.rel_effect_size.to_numpy(), h.rel_effect_se.to_numpy() ** 2, method_re="chi2")
    assert p.prior.mu == pytest.approx(ref.mean_effect_re, rel=1e-10)
    assert p.prior.tau2 == pytest.approx(ref.tau2, rel=1e-10)
    assert p.effect_median == pytest.approx(float(np.median(h.rel_effect_size)), abs=1e-12)
    assert p.share_truly_positive == pytest.approx(0.5 * math.erfc(-p.prior.mu / p.prior.tau / math.sqrt(2)), 1e-12)


def test_reml_by_argument() -> None:
    p = portfolio(hist.make_history(seed=7), method="reml")
    assert p.method == "reml" and p.prior.method == "reml" and p.prior.iterations > 0


def test_each_estimate_is_shrunk_to_its_normal_normal_posterior_mean() -> None:
    p = portfolio(hist.make_history(seed=7))
    t = p.experiments
    mu, tau2 = p.prior.mu, p.prior.tau2
    s2 = t.rel_effect_se**2
    # closed form (tau^2 y + s^2 mu) / (tau^2 + s^2), sd sqrt(tau^2 s^2 / (tau^2 + s^2))
    np.testing.assert_allclose(t.rel_shrunk, (tau2 * t.rel_effect_size + s2 * mu) / (tau2 + s2), rtol=1e-12)
    np.testing.assert_allclose(t.rel_shrunk_sd, np.sqrt(tau2 * s2 / (tau2 + s2)), rtol=1e-12)


def test_winners_curse_raw_effects_of_shipped_tests_overstate_the_truth_and_shrinkage_corrects_it() -> None:
    raw, shrunk, truth = [], [], []
    for seed in range(100):
        h = hist.make_history(seed=seed)
        p = portfolio(h)
        shipped = h.set_index("experiment").loc[p.experiments.experiment[p.experiments.decision == "ship"]]
        raw.append(p.shipped_raw_mean)
        shrunk.append(p.shipped_shrunk_mean)
        truth.append(shipped.true_rel_effect.mean())
    raw, shrunk, truth = map(np.asarray, (raw, shrunk, truth))
    bias_raw, bias_shrunk = (raw - truth).mean(), (shrunk - truth).mean()
    se = (raw - truth).std() / 10  # Monte Carlo SE of the mean over 100 seeds (~0.0006)
    assert bias_raw > 5 * se  # shipped effects are overstated (about +1.2 points here)
    assert abs(bias_shrunk) < abs(bias_raw) / 3  # the shrunk mean removes most of it
    assert (raw > shrunk).mean() > 0.95


def test_cumulative_impact_is_the_sum_of_shrunk_shipped_effects_and_its_interval_covers_the_truth() -> None:
    p = portfolio(hist.make_history(seed=7))
    t = p.experiments[p.experiments.decision == "ship"]
    assert p.cumulative == pytest.approx(t.rel_shrunk.sum(), rel=1e-12)
    b = t.shrinkage_share.sum()
    half = 1.959964 * math.sqrt((t.rel_shrunk_sd**2).sum() + b**2 * p.prior.mu_se**2)
    assert p.cumulative_ci_upper - p.cumulative == pytest.approx(half, rel=1e-6)
    covered = 0
    for seed in range(200):
        h = hist.make_history(seed=seed)
        q = portfolio(h)
        truth = h.set_index("experiment").loc[q.experiments.experiment[q.experiments.decision == "ship"]]
        covered += q.cumulative_ci_lower <= truth.true_rel_effect.sum() <= q.cumulative_ci_upper
    # nominal 95%; binomial SE over 200 seeds is 1.5 points, and tau^2 is treated as known: 4 SE below
    assert covered / 200 >= 0.95 - 4 * 0.0154


def test_cumulative_interval_equals_a_monte_carlo_of_the_posterior_with_uncertain_mu() -> None:
    p = portfolio(hist.make_history(seed=7))
    t = p.experiments[p.experiments.decision == "ship"]
    rng = np.random.default_rng(5)
    draws = 200_000
    mu = rng.normal(p.prior.mu, p.prior.mu_se, draws)
    y, s2, tau2 = t.rel_effect_size.to_numpy(), t.rel_effect_se.to_numpy() ** 2, p.prior.tau2
    mean = (tau2 * y[None, :] + s2[None, :] * mu[:, None]) / (tau2 + s2[None, :])
    total = (mean + rng.normal(0, 1, mean.shape) * np.sqrt(tau2 * s2 / (tau2 + s2))[None, :]).sum(axis=1)
    lo, hi = np.quantile(total, [0.025, 0.975])
    # quantiles of 200k draws: MC SE about 0.0003 here; 0.002 is > 5 SE
    assert p.cumulative_ci_lower == pytest.approx(lo, abs=0.002)
    assert p.cumulative_ci_upper == pytest.approx(hi, abs=0.002)


def test_running_tests_are_left_out_and_the_latest_finished_readout_counts() -> None:
    h = hist.make_history(seed=7).iloc[:6]
    later = h.iloc[[0]].assign(end_date=pd.Timestamp("2026-09-01"), rel_effect_size=0.5, decision="ship")
    running = h.iloc[[1]].assign(experiment="new-test", decision="keep running")
    tests = finished_tests(pd.concat([h, later, running], ignore_index=True).pipe(validate_results))
    assert len(tests) == 6 and "new-test" not in set(tests.experiment)
    assert tests.set_index("experiment").loc["past-001", "rel_effect_size"] == 0.5


def test_too_little_history_says_so_instead_of_a_prior() -> None:
    p = portfolio(hist.make_history(seed=7).iloc[:4])
    assert p.status == "4 finished test(s) in the history; a prior needs at least 5"
    assert math.isnan(p.prior.mu) and math.isnan(p.cumulative)
    assert p.summary() == [f"No experiment prior: {p.status}."]


def test_history_reads_the_sample_and_the_store(tmp_path) -> None:
    store = tmp_path / "s.parquet"
    row = hist.make_history(seed=1).iloc[[0]].assign(experiment="checkout-redesign")
    record(row, store)
    assert len(experiment_history(store, sample_dir=tmp_path)) == 1  # no sample there: the store alone
    hist.write_history(tmp_path, seed=7)
    frame = experiment_history(store, sample_dir=tmp_path)
    assert len(frame) == hist.EXPERIMENTS + 1 and "checkout-redesign" in set(frame.experiment)
    assert portfolio(store).k == 1  # a path is read as a store


def test_rendered_portfolio_shows_percentages_and_the_interval() -> None:
    text = str(portfolio(hist.make_history(seed=7)))
    assert "Experiment portfolio" in text and "win_rate" in text and "25%" in text and "rel_cumulative_ci" in text


def test_shrinkage_figure_draws_raw_and_shrunk_points_and_says_the_numbers() -> None:
    import matplotlib.pyplot as plt

    from journey.display.plots import Chart
    from journey.experiments import figures

    p = portfolio(hist.make_history(seed=7))
    chart = figures.shrinkage(p)
    assert isinstance(chart, Chart)
    ax = chart.fig.axes[0]
    shrunk = np.concatenate([ln.get_xdata() for ln in ax.lines if ln.get_marker() == "o"])
    np.testing.assert_allclose(np.sort(shrunk), np.sort(p.experiments.rel_shrunk), rtol=1e-12)
    assert "60 finished tests" in chart.alt and "+5.7% on average, +4.5% after shrinkage" in chart.alt
    assert ax.get_xlabel() == "relative effect on the primary metric"
    empty = figures.shrinkage(portfolio(hist.make_history(seed=7).iloc[:2]))
    assert empty.alt.startswith("No data for the experiment portfolio")
    plt.close("all")


def test_distribution_of_effects_measured_shrunk_and_the_priors_normal_quantiles() -> None:
    from scipy import stats

    p = portfolio(hist.make_history(seed=7))
    d = p.distribution().set_index("effects")
    np.testing.assert_allclose(
        d.loc["measured", ["rel_q10", "rel_median", "rel_q90"]].to_numpy(float),
        np.quantile(p.experiments.rel_effect_size, [0.1, 0.5, 0.9]),
        rtol=1e-12,
    )
    # scipy.stats.norm(mu, tau).ppf([0.1, 0.5, 0.9]) and its survival function at 0
    prior = stats.norm(p.prior.mu, p.prior.tau)
    np.testing.assert_allclose(
        d.loc["true effects (prior)", ["rel_q10", "rel_median", "rel_q90"]].to_numpy(float),
        prior.ppf([0.1, 0.5, 0.9]),
        rtol=1e-9,
    )
    assert d.loc["true effects (prior)", "share_positive"] == pytest.approx(prior.sf(0), rel=1e-9)
    spread = d.rel_q90 - d.rel_q10
    assert spread["measured"] > spread["true effects (prior)"] and spread["measured"] > spread["shrunk"]


def test_without_a_prior_the_shrunk_row_has_no_share_positive() -> None:
    rows = portfolio(hist.make_history(seed=7).head(3)).distribution().set_index("effects")
    assert rows.loc["shrunk"].isna().all()  # not 0% positive
    assert 0 <= rows.loc["measured", "share_positive"] <= 1


@pytest.mark.parametrize("alpha", [0.0, 1.5, -0.1])
def test_alpha_outside_zero_one_is_an_input_error(alpha) -> None:
    with pytest.raises(JourneyInputError, match="alpha"):
        portfolio(hist.make_history(seed=7), alpha=alpha)


@pytest.mark.parametrize(
    ("column", "value"), [("rel_effect_size", math.nan), ("rel_effect_se", 0.0), ("rel_effect_se", math.nan)]
)
def test_a_history_row_without_an_estimate_is_named_not_a_meta_analysis_error(column, value) -> None:
    history = hist.make_history(seed=7).head(8)
    history.loc[history.index[2], column] = value
    with pytest.raises(JourneyInputError, match=r"1 row\(s\) without a finite 'rel_effect_size'.*rows 2"):
        portfolio(history)
