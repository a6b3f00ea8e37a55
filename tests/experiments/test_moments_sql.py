"""The aggregate plan: DuckDB SQL text and ibis renderings against numpy and each other."""

import ibis
import numpy as np
import pandas as pd
import pytest

from journey import experiments as ab
from journey.datasets.experiments import make_experiment
from journey.experiments import moments_sql as msql
from journey.experiments.stats import reduce_moments


def _frame(n: int = 3000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "v": rng.choice(["a", "b", "c"], n),
            "y": rng.gamma(2.0, 3.0, n),
            "x": rng.normal(size=n),
            "k": rng.integers(0, 2, n).astype(np.int8),
            "b": rng.random(n) < 0.3,
            "q": rng.poisson(3, n).astype(np.int64),
        }
    )


def _db_table(df: pd.DataFrame, name: str = "units") -> ibis.Table:
    con = ibis.duckdb.connect()
    con.con.from_df(df).create(name)  # a real DuckDB table (ibis memtables keep the ibis path)
    return con.table(name)


COLS = ["y", "x", "k", "b", "q"]


def test_sql_text_path_is_taken_on_duckdb_tables_and_not_on_memtables():
    df = _frame(50)
    assert msql.duckdb_source(_db_table(df)) is not None
    assert msql.duckdb_source(ibis.memtable(df)) is None


def test_sql_and_ibis_paths_match_numpy_per_variant():
    df = _frame()
    results = [
        reduce_moments(t, "v", COLS, binary=["k", "b"], minimum=["q"]) for t in (_db_table(df), ibis.memtable(df))
    ]
    for checks, moments in results:
        for arm in ("a", "b", "c"):
            sub = df[df.v == arm][COLS].astype(float).to_numpy()
            m = moments[(arm,)]
            assert m.n == len(sub)
            np.testing.assert_allclose(m.mean, sub.mean(axis=0), rtol=1e-12)
            np.testing.assert_allclose(m.cov, np.cov(sub, rowvar=False), rtol=1e-10, atol=1e-12)
        assert (checks["k:nonbinary"] == 0).all() and (checks["b:nonbinary"] == 0).all()
        assert checks["q:min"].tolist() == [df[df.v == g[0]].q.min() for g in checks["group"]]
        assert (checks["y:count"] == checks["n"]).all()


def test_decimal_columns_are_summed_as_double_on_both_paths():
    df = _frame(300, seed=2)
    con = ibis.duckdb.connect()
    con.con.from_df(df).create("raw")
    con.raw_sql("CREATE TABLE units AS SELECT v, CAST(y AS DECIMAL(18, 3)) AS y, x FROM raw")
    table = con.table("units")
    exact = con.table("units").execute()
    for t in (table, ibis.memtable(exact)):
        _, moments = reduce_moments(t, "v", ["y", "x"])
        for arm in ("a", "b", "c"):
            sub = exact[exact.v == arm][["y", "x"]].astype(float).to_numpy()
            np.testing.assert_allclose(moments[(arm,)].cov, np.cov(sub, rowvar=False), rtol=1e-10)


def test_nonbinary_and_null_counts_agree_between_paths():
    df = _frame(400, seed=3)
    df["k"] = df["k"].astype(np.int64)
    df.loc[::50, "k"] = 2  # 8 integer values outside {0, 1}
    df["f"] = df["k"].clip(upper=1).astype(float)
    df.loc[1::100, "f"] = 0.5  # 4 fractional values
    df["y"] = df["y"].where(df.index % 40 != 0)  # 10 NULLs
    for t in (_db_table(df), ibis.memtable(df)):
        checks, _ = reduce_moments(t, "v", ["y", "k", "f"], binary=["k", "f"])
        assert checks["k:nonbinary"].sum() == 8
        assert checks["f:nonbinary"].sum() == 4
        assert (checks["n"] - checks["y:count"]).sum() == 10


def test_large_offsets_rerun_shifted_on_the_sql_path():
    # variance 1 around 1e9: Σy² − (Σy)²/n loses every digit in double precision (here it
    # comes out near 3e8 instead of 5e4), so the query must be rerun on shifted values
    rng = np.random.default_rng(4)
    df = pd.DataFrame({"v": "a", "y": 1e9 + rng.normal(size=50_000), "x": rng.normal(size=50_000)})
    _, moments = reduce_moments(_db_table(df), "v", ["y", "x"])
    expected = np.cov(df[["y", "x"]].to_numpy(), rowvar=False)
    np.testing.assert_allclose(moments[("a",)].cov, expected, rtol=1e-8)


def test_shift_is_asked_only_when_the_mean_dominates_the_spread():
    rows = [{"n": 100, "s0": 100.0 * 5, "c0_0": 100 * (25.0 + 1.0)}]  # mean² / variance ≈ 25
    assert msql_shift(rows) is None
    rows = [{"n": 100, "s0": 100.0 * 50, "c0_0": 100 * (2500.0 + 1.0)}]  # ≈ 2500
    assert msql_shift(rows) == [50.0]
    rows = [{"n": 100, "s0": 0.0, "c0_0": 0.0}]  # all zeros: nothing to lose
    assert msql_shift(rows) is None


def msql_shift(rows):
    from journey.experiments.stats import _shift_needed

    return _shift_needed(rows, 1, set())


def test_quoted_identifiers_and_clip_on_the_sql_path():
    df = _frame(500, seed=5).rename(columns={"y": 'rev "usd"', "v": "arm name"})
    lo, hi = 1.0, 8.0
    _, moments = reduce_moments(_db_table(df), "arm name", ['rev "usd"'], clip={'rev "usd"': (lo, hi)})
    for arm in ("a", "b", "c"):
        sub = df[df["arm name"] == arm]['rev "usd"'].clip(lo, hi)
        assert moments[(arm,)].mean[0] == pytest.approx(sub.mean(), rel=1e-12)
        assert moments[(arm,)].cov[0, 0] == pytest.approx(sub.var(ddof=1), rel=1e-10)
    assert msql.quote('a"b') == '"a""b"'
    assert msql.number(0.1) == "0.1::DOUBLE" and float(msql.number(1 / 3).split("::")[0]) == 1 / 3


def test_analyze_on_a_duckdb_table_equals_analyze_on_the_dataframe():
    df = make_experiment(users=3000, seed=6, lift=0.1)
    metrics = [
        ab.Proportion("converted"),
        ab.Mean("revenue", covariates=["pre_revenue"], winsorize=0.99),
        ab.Ratio("orders", "sessions", covariates=["pre_orders", "pre_sessions"]),
    ]
    a = ab.analyze(df, metrics=metrics).details_frame()
    b = ab.analyze(_db_table(df), metrics=metrics).details_frame()
    num = a.select_dtypes("number").columns
    np.testing.assert_allclose(b[num].to_numpy(float), a[num].to_numpy(float), rtol=1e-9, atol=1e-12)
    assert (a.status == b.status).all()
