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
    checks, moments = reduce_moments(ibis.memtable(df), "v", ["y", "x", "c"], binary=["c"], minimum=["x"])
    for arm in ("a", "b"):
        sub = df[df.v == arm][["y", "x", "c"]].astype(float).to_numpy()
        m = moments[(arm,)]
        assert m.n == len(sub)
        np.testing.assert_allclose(m.mean, sub.mean(axis=0), rtol=1e-12)
        np.testing.assert_allclose(m.cov, np.cov(sub, rowvar=False), rtol=1e-9, atol=1e-12)
    assert (checks["c:nonbinary"] == 0).all()
    assert checks["x:min"].tolist() == [df[df.v == g[0]].x.min() for g in checks["group"]]
    assert "y:min" not in checks  # ranges only where asked


def test_shifted_sums_keep_precision_for_large_offsets():
    # variance 1 around 1e9: naive Σy² − n ȳ² would lose every digit in double precision
    rng = np.random.default_rng(4)
    y = 1e9 + rng.normal(size=50_000)
    _, moments = reduce_moments(ibis.memtable(pd.DataFrame({"v": "a", "y": y})), "v", ["y"])
    assert moments[("a",)].cov[0, 0] == pytest.approx(y.var(ddof=1), rel=1e-6)


def test_unrequested_covariances_are_nan():
    df = pd.DataFrame({"v": ["a"] * 4, "y": [1.0, 2, 3, 5], "x": [0.0, 1, 0, 1], "z": [1.0, 1, 2, 2]})
    _, moments = reduce_moments(ibis.memtable(df), "v", ["y", "x", "z"], pairs=[("y", "x")])
    cov = moments[("a",)].cov
    assert np.isfinite(cov[0, 1]) and np.isnan(cov[0, 2]) and np.isfinite(cov[2, 2])


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
