"""The sample's experiment history: real estimates from counts, and the generator's prior is recoverable."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from journey.datasets import build_sample
from journey.datasets import history as hist
from journey.experiments.estimators import compare
from journey.experiments.results import STORE_COLUMNS, read_results
from journey.experiments.stats import Moments
from journey.stats.meta import random_effects

SEEDS = range(200)


@pytest.fixture(scope="module")
def many_seeds() -> pd.DataFrame:
    """DL and REML on 200 histories from the generator (about 1 s)."""
    rows = []
    for seed in SEEDS:
        h = hist.make_history(seed=seed)
        dl = random_effects(h.rel_effect_size, h.rel_effect_se, "dl")
        reml = random_effects(h.rel_effect_size, h.rel_effect_se, "reml")
        rows.append({"mu": dl.mu, "tau2_dl": dl.tau2, "mu_reml": reml.mu, "tau2_reml": reml.tau2})
    return pd.DataFrame(rows)


def test_history_has_store_columns_two_years_of_dates_and_house_decisions() -> None:
    h = hist.make_history()
    assert len(h) == hist.EXPERIMENTS >= 30
    assert list(h.columns[: len(STORE_COLUMNS)]) == list(STORE_COLUMNS)
    assert h["end_date"].max() <= pd.Timestamp(hist.LAST_END)
    assert (h["end_date"].max() - h["start_date"].min()).days > 600  # spread over the past two years
    ship = (h["pvalue"] < 0.05) & (h["rel_effect_size"] > 0)
    assert (h["decision"] == np.where(ship, "ship", "don't ship")).all()
    assert h["experiment"].is_unique


@pytest.mark.parametrize("row", [0, 7, 31, 59])
def test_each_estimate_equals_the_house_comparison_of_its_counts(row: int) -> None:
    h = hist.make_history().iloc[row]
    n = int(h["users_per_arm"])
    # compare(Moments.proportion(n, x_c), Moments.proportion(n, x_t), kind="proportion"): unadjusted, unpooled
    ref = compare(
        Moments.proportion(n, int(h["conversions_control"])),
        Moments.proportion(n, int(h["conversions_treatment"])),
        "y",
        kind="proportion",
    )
    assert h["rel_effect_size"] == pytest.approx(ref.rel_effect_size, rel=1e-10)
    assert h["rel_effect_se"] == pytest.approx(ref.rel_se, rel=1e-8)
    assert h["pvalue"] == pytest.approx(ref.pvalue, rel=1e-8, abs=1e-14)


def test_recovers_the_generators_mu_and_tau2_on_the_sample_seed(many_seeds) -> None:
    h = hist.make_history(seed=7)
    for method in ("dl", "reml"):
        r = random_effects(h.rel_effect_size, h.rel_effect_se, method)
        # mu: within 3 of its own standard errors (about 0.006 here: k = 60, tau 0.04, SEs 1-5%)
        assert abs(r.mu - hist.MU) < 3 * r.mu_se, (method, r.mu)
        # tau^2: within 3 sampling sd of the estimator, measured over 200 generator seeds (about 0.0004)
        sd = many_seeds[f"tau2_{method}"].std()
        assert abs(r.tau2 - hist.TAU**2) < 3 * sd, (method, r.tau2, sd)


def test_estimators_are_unbiased_over_many_seeds(many_seeds) -> None:
    n = len(many_seeds)
    for column, truth in [("mu", hist.MU), ("mu_reml", hist.MU), ("tau2_dl", hist.TAU**2), ("tau2_reml", hist.TAU**2)]:
        values = many_seeds[column]
        # mean over 200 seeds within 4 Monte Carlo SEs (sd / sqrt(200)) of the truth: about 0.0016 for mu
        # (the ratio estimator's small-sample bias is ~-0.0005 here) and 0.0001 for tau^2 (6% of 0.0016)
        assert abs(values.mean() - truth) < 4 * values.std() / np.sqrt(n), (column, values.mean(), truth)


def test_journey_data_sample_ships_the_history(tmp_path) -> None:
    build_sample(tmp_path / "sample", users=300, seed=3)
    path = hist.history_path(tmp_path / "sample")
    shipped = pd.read_parquet(path)
    expected = hist.make_history(seed=3)
    pd.testing.assert_series_equal(shipped["rel_effect_size"], expected["rel_effect_size"])
    assert len(hist.sample_history(tmp_path / "sample")) == hist.EXPERIMENTS
    assert list(read_results(path).columns) == list(STORE_COLUMNS)


def test_a_sample_built_before_the_history_generates_it_and_no_sample_gives_none(tmp_path) -> None:
    assert hist.sample_history(tmp_path).empty  # no sample here: no made-up history
    (tmp_path / "journey.duckdb").touch()  # an older sample: the database without the history file
    frame = hist.sample_history(tmp_path)
    assert frame["rel_effect_size"].tolist() == hist.make_history(seed=7)["rel_effect_size"].tolist()
