"""Sufficient statistics per arm, and the one engine query that computes them.

Every test in this package works on :class:`Moments`: the number of units ``n``, the
mean vector and the sample covariance matrix of a few named per-unit columns (metric,
denominator, covariates). These are the sums ``n, Σy, Σy², Σx, Σx², Σxy`` in centred form;
``from_sums`` / ``sums`` convert both ways. The engine (DuckDB through ibis) computes them
with ``avg`` / ``covar_samp``, which are numerically stable single-pass aggregates, so ten
million users cost one scan and pandas only ever sees a few numbers per arm.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import ibis
import numpy as np
import pandas as pd

from journey.validation import input_error


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
    dtype = table[column].type()
    if dtype.is_boolean():
        return table[column].cast("float64")
    if not dtype.is_numeric():
        raise input_error(f"column {column!r}", f"has type {dtype}", "a numeric or boolean column")
    return table[column].cast("float64")


def reduce_moments(
    table: ibis.Table,
    variant: str,
    columns: Sequence[str],
    by: Sequence[str] = (),
    clip: Mapping[str, tuple[float, float]] | None = None,
) -> tuple[pd.DataFrame, dict[tuple, Moments]]:
    """One aggregate query: per variant (and ``by`` groups) n, means and covariances of ``columns``.

    ``clip`` maps a column to ``(low, high)`` values applied before aggregating (winsorizing).
    Also returns per-group checks: non-NULL counts and minima/maxima of every column, so
    callers can reject NULLs, non-0/1 proportions and negative denominators without a second scan.
    """
    columns = list(dict.fromkeys(columns))
    values = {}
    for c in columns:
        v = _numeric(table, c)
        if clip and c in clip:
            lo, hi = clip[c]
            v = v.clip(lower=lo, upper=hi)
        values[c] = v
    keys = [variant, *by]
    proj = table.select(*[table[k] for k in keys], **{f"v{i}": values[c] for i, c in enumerate(columns)})
    aggs: dict[str, ibis.Value] = {"n": proj.count()}
    for i in range(len(columns)):
        col = proj[f"v{i}"]
        aggs[f"m{i}"] = col.mean()
        aggs[f"k{i}"] = col.count()
        aggs[f"lo{i}"] = col.min()
        aggs[f"hi{i}"] = col.max()
        for j in range(i, len(columns)):
            aggs[f"c{i}_{j}"] = col.var(how="sample") if i == j else col.cov(proj[f"v{j}"], how="sample")
    frame = proj.group_by(keys).aggregate(**aggs).execute()
    out: dict[tuple, Moments] = {}
    p = len(columns)
    for row in frame.itertuples(index=False):
        r = row._asdict()
        mean = np.array([r[f"m{i}"] for i in range(p)], float)
        cov = np.full((p, p), np.nan)
        for i in range(p):
            for j in range(i, p):
                cov[i, j] = cov[j, i] = r[f"c{i}_{j}"] if r[f"c{i}_{j}"] is not None else np.nan
        key = tuple(str(r[k]) if k == variant else r[k] for k in keys)
        out[key] = Moments(int(r["n"]), tuple(columns), mean, cov)
    checks = pd.DataFrame(
        {
            "group": [
                tuple(str(x) if k == variant else x for k, x in zip(keys, row, strict=True))
                for row in frame[keys].itertuples(index=False)
            ],
            "n": frame["n"].to_numpy(),
        }
    )
    for i, c in enumerate(columns):
        checks[f"{c}:count"] = frame[f"k{i}"].to_numpy()
        checks[f"{c}:min"] = frame[f"lo{i}"].to_numpy(dtype=float)
        checks[f"{c}:max"] = frame[f"hi{i}"].to_numpy(dtype=float)
    return checks, out


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
