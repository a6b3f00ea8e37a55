"""A seeded history of past experiments with a known distribution of true effects.

The sample ships it (``data/sample/experiment_history.parquet``, written by
:func:`journey.datasets.build_sample`) so that the experiment portfolio
(:func:`journey.experiments.portfolio.portfolio`) has a history to learn from and the tests can
check that it recovers the truth. The generator:

* :data:`EXPERIMENTS` (60) two-arm conversion tests, 50/50 split, primary metric ``purchase``;
* true relative effects ``theta_i ~ N(MU, TAU^2)`` with ``MU = 0.01`` (+1% on average) and
  ``TAU = 0.04`` (most changes move conversion by less than ±8%);
* control conversion ``p_i ~ Uniform(0.03, 0.12)``, treatment ``p_i (1 + theta_i)``;
* users per arm log-uniform between 20,000 and 200,000 (a relative SE of about 1% to 6%);
* the observed counts are binomial draws per arm, and each experiment's relative effect, its
  delta-method SE and p-value are computed from those counts as
  :func:`journey.experiments.estimators.compare` does for an unadjusted proportion (a test pins
  this), so the standard errors are those of a real readout, not noise added to the truth;
* decisions by the house rule for one primary metric at the planned sample: ``ship`` when the
  two-sided p-value is below 0.05 and the effect is positive, else ``don't ship``;
* end dates spread uniformly over the two years before the sample's events begin (2026-08-03),
  each test 14 to 35 days long, recorded the day after it ended.

>>> h = make_history(seed=1)
>>> len(h), sorted(set(h.decision))
(60, ["don't ship", 'ship'])
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from journey import config
from journey.experiments.results import STORE_COLUMNS, read_results

EXPERIMENTS = 60
MU = 0.01
"""Mean true relative effect of the generator."""
TAU = 0.04
"""Standard deviation of the generator's true relative effects."""
BASELINE_RANGE = (0.03, 0.12)
USERS_PER_ARM_RANGE = (20_000, 200_000)
ALPHA = 0.05
LAST_END = dt.date(2026, 8, 2)
"""The latest end date: the day before the sample's events begin."""
DAYS_SPREAD = 730
FILE_NAME = "experiment_history.parquet"
TRUTH_COLUMNS = ("true_rel_effect", "baseline", "users_per_arm", "conversions_control", "conversions_treatment")
"""Columns beside the store's: the generator's truth and the counts the estimates come from."""


def simulate_estimates(
    theta: np.ndarray, baseline: np.ndarray, users_per_arm: np.ndarray, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Binomial counts per arm and, from them, the relative effect, its delta-method SE and the
    unpooled two-sided p-value of the difference (as ``compare(..., kind="proportion")``)."""
    from scipy.special import ndtr  # scipy loads only when the history is built, not with journey.datasets

    n = users_per_arm.astype(float)
    xc = rng.binomial(users_per_arm, baseline)
    xt = rng.binomial(users_per_arm, np.clip(baseline * (1 + theta), 0, 1))
    pc, pt = xc / n, xt / n
    var_c, var_t = pc * (1 - pc) / n, pt * (1 - pt) / n
    rel = pt / pc - 1
    # delta method for pt / pc: Var ~ Var(pt) / pc^2 + pt^2 Var(pc) / pc^4
    rel_se = np.sqrt(var_t / pc**2 + pt**2 * var_c / pc**4)
    z = (pt - pc) / np.sqrt(var_t + var_c)
    pvalue = 2 * ndtr(-np.abs(z))
    return {"xc": xc, "xt": xt, "rel": rel, "rel_se": rel_se, "pvalue": pvalue, "diff": pt - pc}


def make_history(experiments: int = EXPERIMENTS, seed: int = 7, mu: float = MU, tau: float = TAU) -> pd.DataFrame:
    """The history as results-store rows (:data:`~journey.experiments.results.STORE_COLUMNS`) plus
    :data:`TRUTH_COLUMNS`, one row per past experiment, oldest first (see the module doc)."""
    rng = np.random.default_rng([seed, 2011])
    theta = rng.normal(mu, tau, experiments)
    baseline = rng.uniform(*BASELINE_RANGE, experiments)
    low, high = np.log(USERS_PER_ARM_RANGE)
    users = np.round(np.exp(rng.uniform(low, high, experiments))).astype(np.int64)
    est = simulate_estimates(theta, baseline, users, rng)
    end_offset = rng.integers(0, DAYS_SPREAD, experiments)
    duration = rng.integers(14, 36, experiments)
    end = pd.to_datetime(LAST_END) - pd.to_timedelta(end_offset, unit="D")
    start = end - pd.to_timedelta(duration - 1, unit="D")
    ship = (est["pvalue"] < ALPHA) & (est["diff"] > 0)
    frame = pd.DataFrame(
        {
            "metric": "purchase",
            "variant": "treatment",
            "rel_effect_size": est["rel"],
            "rel_effect_se": est["rel_se"],
            "pvalue": est["pvalue"],
            "decision": np.where(ship, "ship", "don't ship"),
            "start_date": start,
            "end_date": end,
            "recorded_at": (end + pd.Timedelta(days=1, hours=9)).tz_localize("UTC"),
            "true_rel_effect": theta,
            "baseline": baseline,
            "users_per_arm": users,
            "conversions_control": est["xc"],
            "conversions_treatment": est["xt"],
        }
    )
    frame = frame.sort_values(["start_date", "end_date"], kind="stable", ignore_index=True)
    frame.insert(0, "experiment", [f"past-{i + 1:03d}" for i in range(experiments)])
    return frame.loc[:, [*STORE_COLUMNS, *TRUTH_COLUMNS]]


def history_path(sample_dir: Path | None = None) -> Path:
    """Where the sample keeps its history: ``data/sample/experiment_history.parquet``."""
    return (sample_dir or config.sample_dir()) / FILE_NAME


def write_history(sample_dir: Path, seed: int = 7) -> Path:
    """Write the history into a sample folder (``build_sample`` calls it on its temporary folder)."""
    path = history_path(sample_dir)
    make_history(seed=seed).to_parquet(path, index=False)
    return path


def sample_history(sample_dir: Path | None = None) -> pd.DataFrame:
    """The sample's history as store rows: the file ``journey data sample`` wrote; for a sample built
    before the history existed (a ``journey.duckdb`` without the file), the same rows generated with
    the default seed; with no sample at all, no rows (a project never gets made-up history)."""
    folder = sample_dir or config.sample_dir()
    path = history_path(folder)
    if path.exists():
        return read_results(path)
    if not (folder / "journey.duckdb").exists():
        return read_results_frame(make_history(seed=7).iloc[:0])
    from journey.datasets import DEFAULT_SEED

    return read_results_frame(make_history(seed=DEFAULT_SEED))


def read_results_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Store rows of a history frame (the truth columns dropped), validated like the store."""
    from journey.experiments.results import validate_results

    return validate_results(frame, "experiment history")
