"""Sufficient statistics per arm, and the one engine query that computes them.

Every test in this package works on :class:`Moments`: the number of units ``n``, the
mean vector and the sample covariance matrix of a few named per-unit columns (metric,
denominator, covariates). These are the sums ``n, Σy, Σy², Σx, Σx², Σxy`` in centred form;
``from_sums`` / ``sums`` convert both ways. The engine (DuckDB, through ibis or one SQL
text) computes the sums in one grouped scan, so ten million users cost one scan and Python
only ever sees a few numbers per arm.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import ibis
import numpy as np
import pandas as pd

from journey.experiments import moments_sql as msql


@dataclass(frozen=True, slots=True, eq=False)
class Moments:
    """Sufficient statistics of one arm.

    ``n``: units; ``names``: the columns; ``mean``: their means (shape ``(p,)``);
    ``cov``: their sample covariance with ``n - 1`` in the denominator (shape ``(p, p)``).
    """

    n: int
    names: tuple[str, ...]
    mean: np.ndarray
    cov: np.ndarray

    def __post_init__(self) -> None:
        p = len(self.names)
        mean = np.asarray(self.mean, dtype=float).reshape(p)
        cov = np.asarray(self.cov, dtype=float).reshape(p, p)
        object.__setattr__(self, "names", tuple(self.names))
        object.__setattr__(self, "mean", mean)
        object.__setattr__(self, "cov", cov)

    @classmethod
    def from_arrays(cls, columns: Mapping[str, Iterable[float]]) -> Moments:
        """Moments of raw per-unit values (tests and small data)."""
        names = tuple(columns)
        data = np.column_stack(
            [np.asarray(list(v) if not hasattr(v, "__len__") else v, float) for v in columns.values()]
        )
        n = data.shape[0]
        mean = data.mean(axis=0) if n else np.full(len(names), np.nan)
        cov = (
            np.cov(data, rowvar=False, ddof=1).reshape(len(names), len(names))
            if n > 1
            else np.full((len(names), len(names)), np.nan)
        )
        return cls(n, names, mean, cov)

    @classmethod
    def from_sums(cls, n: int, names: Sequence[str], sums: Sequence[float], cross: np.ndarray) -> Moments:
        """From raw sums: ``sums[i] = Σ z_i`` and ``cross[i, j] = Σ z_i z_j``."""
        sums = np.asarray(sums, float)
        cross = np.asarray(cross, float)
        mean = sums / n if n else np.full(len(names), np.nan)
        cov = (cross - np.outer(sums, sums) / n) / (n - 1) if n > 1 else np.full_like(cross, np.nan)
        return cls(int(n), tuple(names), mean, cov)

    @classmethod
    def proportion(cls, n: int, successes: int, name: str = "y") -> Moments:
        """A 0/1 column with ``successes`` ones among ``n`` units."""
        return cls.from_sums(n, (name,), [successes], np.array([[successes]]))

    def sums(self) -> tuple[np.ndarray, np.ndarray]:
        """``(Σz, Σzzᵀ)`` back from the centred form."""
        s = self.mean * self.n
        return s, self.cov * (self.n - 1) + np.outer(s, s) / max(self.n, 1)

    def index(self, name: str) -> int:
        return self.names.index(name)

    def select(self, names: Sequence[str]) -> Moments:
        idx = [self.index(c) for c in names]
        return Moments(self.n, tuple(names), self.mean[idx], self.cov[np.ix_(idx, idx)])

    def __add__(self, other: Moments) -> Moments:
        """Pool two disjoint groups of units (segments, days) with the same columns."""
        if other.names != self.names:
            raise ValueError("cannot pool moments of different columns")
        if other.n == 0:
            return self
        if self.n == 0:
            return other
        a, b = self.sums(), other.sums()
        return Moments.from_sums(self.n + other.n, self.names, a[0] + b[0], a[1] + b[1])


def _numeric(table: ibis.Table, column: str) -> ibis.Value:
    msql.kind_of(table, column)  # numeric or boolean, else an input error
    return table[column].cast("float64")


SHIFT_RATIO = 100.0
"""Largest ``mean² / variance`` summed without shifting (the rounding error of ``Σz² − (Σz)²/n``
grows with this ratio, so it costs at most two of the ~16 digits before a shifted rerun)."""


def reduce_moments(
    table: ibis.Table,
    variant: str,
    columns: Sequence[str],
    by: Sequence[str] = (),
    clip: Mapping[str, tuple[float, float]] | None = None,
    pairs: Iterable[tuple[str, str]] | None = None,
    minimum: Iterable[str] = (),
    binary: Iterable[str] = (),
) -> tuple[pd.DataFrame, dict[tuple, Moments]]:
    """One aggregate query: per variant (and ``by`` groups) n, means and covariances of ``columns``.

    Only plain ``COUNT`` / ``SUM`` aggregates of raw values and their products, which DuckDB
    runs at nearly the speed of a scan (see :mod:`~journey.experiments.moments_sql` for the
    cost model and the SQL-text path on DuckDB). Covariances come from ``Σz_i z_j −
    Σz_i Σz_j / n``, which loses digits when a column's mean is large against its spread;
    when ``mean² > SHIFT_RATIO · variance`` in some group the query is rerun on shifted
    values ``z − c`` (``c`` the pooled mean from the first pass): the "shifted data"
    algorithm, as accurate as ``covar_samp``. Only what is needed is computed:

    * ``pairs``: the covariances needed (default: all); others are NaN;
    * ``binary``: 0/1 columns; a count of other values checks them (integer columns by range,
      which file statistics usually prove), and ``Σz²`` is taken as ``Σz``;
    * ``minimum``: columns whose minimum is returned (denominators must not be negative);
    * NULLs: ``COUNT(column)`` per column.

    ``clip`` maps a column to ``(low, high)`` applied first (winsorizing). Returns
    ``(checks, moments)``; ``checks`` has ``n``, ``<col>:count``, ``<col>:min`` and
    ``<col>:nonbinary`` per group.
    """
    columns = list(dict.fromkeys(columns))
    p = len(columns)
    index = {c: i for i, c in enumerate(columns)}
    binary_idx = sorted({index[c] for c in binary if c in index})
    if pairs is None:
        wanted = {(i, j) for i in range(p) for j in range(i, p)}
    else:
        wanted = {tuple(sorted((index[a], index[b]))) for a, b in pairs} | {(i, i) for i in range(p)}
    minimum = [c for c in dict.fromkeys(minimum) if c in index]
    keys = [variant, *by]
    plan = msql.plan_for(table, keys, columns, sorted(wanted), binary_idx, [index[c] for c in minimum], clip, [0.0] * p)
    source = msql.duckdb_source(table) if not by else None
    run = (lambda pl: msql.run_duckdb(*source, pl)) if source else (lambda pl: msql.run_ibis(table, pl))
    rows = [dict(zip(plan.names(), r, strict=True)) for r in run(plan)]
    shift = _shift_needed(rows, p, set(binary_idx))
    if shift is not None:
        plan = msql.plan_for(table, keys, columns, sorted(wanted), binary_idx, [index[c] for c in minimum], clip, shift)
        rows = [dict(zip(plan.names(), r, strict=True)) for r in run(plan)]
    else:
        shift = [0.0] * p
    out: dict[tuple, Moments] = {}
    groups = []
    for r in rows:
        n = int(r["n"])
        s = np.array([_num(r[f"s{i}"]) for i in range(p)])
        mean = np.asarray(shift) + s / n if n else np.full(p, np.nan)
        cov = np.full((p, p), np.nan)
        if n > 1:
            for i, j in wanted:
                cross = s[i] if (i == j and i in binary_idx) else _num(r[f"c{i}_{j}"])
                cov[i, j] = cov[j, i] = (cross - s[i] * s[j] / n) / (n - 1)
        key = tuple(str(r[k]) if k == variant else r[k] for k in keys)
        groups.append(key)
        out[key] = Moments(n, tuple(columns), mean, cov)
    data: dict[str, object] = {"group": groups, "n": np.array([int(r["n"]) for r in rows], dtype=np.int64)}
    for c, i in index.items():
        data[f"{c}:count"] = np.array([int(r[f"k{i}"]) for r in rows], dtype=np.int64)
    for c in minimum:
        data[f"{c}:min"] = np.array([_num_or_nan(r[f"lo{index[c]}"]) for r in rows], dtype=float)
    for i in binary_idx:
        data[f"{columns[i]}:nonbinary"] = np.array([float(r[f"nb{i}"]) for r in rows], dtype=float)
    checks = pd.DataFrame(data)  # one constructor call: column-by-column inserts cost ms
    return checks, out


def _shift_needed(rows: Sequence[Mapping], p: int, binary: set[int]) -> list[float] | None:
    """Pooled means to shift by when some group's unshifted sums would cancel, else ``None``.

    0/1 columns are never shifted: their sums are exact integers."""
    bad = False
    for r in rows:
        n = int(r["n"])
        if n < 2:
            continue
        for i in range(p):
            if i in binary:
                continue
            s, ss = _num(r[f"s{i}"]), _num(r[f"c{i}_{i}"])
            m2 = ss - s * s / n
            if ss > 0 and not (m2 > 0 and s * s / n <= SHIFT_RATIO * m2):
                bad = True
    if not bad:
        return None
    total = sum(int(r["n"]) for r in rows)
    return [0.0 if i in binary or not total else float(sum(_num(r[f"s{i}"]) for r in rows) / total) for i in range(p)]


def _num(value) -> float:
    return float(value) if value is not None else 0.0


def _num_or_nan(value) -> float:
    return float(value) if value is not None else math.nan


def pooled_quantiles(
    table: ibis.Table, bounds: Mapping[str, tuple[str, tuple[float, float]]]
) -> dict[str, tuple[float, float]]:
    """Pooled (all arms together) percentiles for winsorizing, in one query.

    ``bounds`` maps an output name to ``(column, (lower_q, upper_q))``.

    Uses ``quantile_cont`` (linear interpolation, numpy's default), so the clip points are
    the same as ``np.percentile`` on the pooled values.
    """
    if not bounds:
        return {}
    aggs = {}
    for i, (c, (lo, hi)) in enumerate(bounds.values()):
        v = _numeric(table, c)
        aggs[f"lo{i}"] = v.quantile(lo)
        aggs[f"hi{i}"] = v.quantile(hi)
    row = table.aggregate(**aggs).execute().iloc[0]
    return {c: (float(row[f"lo{i}"]), float(row[f"hi{i}"])) for i, c in enumerate(bounds)}
