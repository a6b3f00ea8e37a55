"""Sufficient statistics: engine reduction against numpy."""

import ibis
import numpy as np
import pandas as pd
import pytest

from journey.experiments.stats import Moments, pooled_quantiles, reduce_moments


def test_reduce_moments_matches_numpy_per_variant():
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "v": rng.choice(["a", "b"], 2000),
            "y": rng.normal(1e3, 1, 2000),
            "x": rng.normal(size=2000),
            "c": rng.random(2000) < 0.3,
        }
    )
    checks, moments = reduce_moments(ibis.memtable(df), "v", ["y", "x", "c"])
    for arm in ("a", "b"):
        sub = df[df.v == arm][["y", "x", "c"]].astype(float).to_numpy()
        m = moments[(arm,)]
        assert m.n == len(sub)
        np.testing.assert_allclose(m.mean, sub.mean(axis=0), rtol=1e-12)
        np.testing.assert_allclose(m.cov, np.cov(sub, rowvar=False), rtol=1e-9, atol=1e-12)
    assert set(checks["c:max"]) == {1.0}


def test_from_sums_and_sums_round_trip_and_pooling():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(50, 2)), rng.normal(size=(70, 2))
    ma, mb = Moments.from_arrays({"y": a[:, 0], "x": a[:, 1]}), Moments.from_arrays({"y": b[:, 0], "x": b[:, 1]})
    s, cross = ma.sums()
    np.testing.assert_allclose(s, a.sum(axis=0))
    np.testing.assert_allclose(cross, a.T @ a)
    both = np.vstack([a, b])
    pooled = ma + mb
    np.testing.assert_allclose(pooled.cov, np.cov(both, rowvar=False), rtol=1e-10)
    assert pooled.n == 120


def test_pooled_quantiles_equal_numpy_percentile():
    rng = np.random.default_rng(2)
    df = pd.DataFrame({"y": rng.lognormal(size=999)})
    q = pooled_quantiles(ibis.memtable(df), {"w": ("y", (0.01, 0.99))})
    assert q["w"] == pytest.approx(tuple(np.percentile(df.y, [1, 99])), rel=1e-12)
