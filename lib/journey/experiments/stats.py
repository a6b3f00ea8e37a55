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
    pairs: Iterable[tuple[str, str]] | None = None,
    minimum: Iterable[str] = (),
    binary: Iterable[str] = (),
) -> tuple[pd.DataFrame, dict[tuple, Moments]]:
    """One aggregate query: per variant (and ``by`` groups) n, means and covariances of ``columns``.

    Sums are of shifted values ``z − c`` with ``c`` the column mean of the first 10,000 rows
    (a cheap probe query): the "shifted data" algorithm, as accurate as ``covar_samp`` but
    only plain ``SUM`` aggregates, which DuckDB runs at nearly the speed of a scan. The cost
    of the scan grows with the number of aggregates, so only what is needed is computed:

    * ``pairs``: the covariances needed (default: all); others are NaN;
    * ``binary``: 0/1 columns; one aggregate ``Σ|z(z − 1)|`` checks them (0 iff every value is
      0 or 1) and replaces ``Σz²`` (equal to ``Σz`` for 0/1 values);
    * ``minimum``: columns whose minimum is returned (denominators must not be negative);
    * NULLs: one ``COUNT`` of the row-wise sum counts rows without any NULL; per-column counts
      are queried only when some are missing (the error path).

    ``clip`` maps a column to ``(low, high)`` applied first (winsorizing). Returns
    ``(checks, moments)``; ``checks`` has ``n``, ``<col>:count``, ``<col>:min`` and
    ``<col>:nonbinary`` per group.
    """
    columns = list(dict.fromkeys(columns))
    p = len(columns)
    index = {c: i for i, c in enumerate(columns)}
    binary_idx = {index[c] for c in binary if c in index}
    if pairs is None:
        wanted = {(i, j) for i in range(p) for j in range(i, p)}
    else:
        wanted = {tuple(sorted((index[a], index[b]))) for a, b in pairs} | {(i, i) for i in range(p)}
    values = {}
    for c in columns:
        v = _numeric(table, c)
        if clip and c in clip:
            lo, hi = clip[c]
            v = v.clip(lower=lo, upper=hi)
        values[c] = v
    keys = [variant, *by]
    probe_cols = {f"v{i}": values[c] for i, c in enumerate(columns)}
    raw = table.select(*[table[k] for k in keys], **probe_cols)
    probe = raw.limit(10_000).aggregate(**{f"s{i}": raw[f"v{i}"].mean() for i in range(p)}).execute() if p else None
    shift = [float(x) if x is not None and np.isfinite(x) else 0.0 for x in probe.iloc[0].tolist()] if p else []
    shift = [0.0 if i in binary_idx else c for i, c in enumerate(shift)]
    proj = table.select(
        *[table[k] for k in keys],
        **{f"d{i}": values[c] - shift[i] if shift[i] else values[c] for i, c in enumerate(columns)},
    )
    d = {i: proj[f"d{i}"] for i in range(p)}
    aggs: dict[str, ibis.Value] = {"n": proj.count()}
    if p:
        row_sum = d[0]
        for i in range(1, p):
            row_sum = row_sum + d[i]
        aggs["complete"] = row_sum.count()
    for i in range(p):
        aggs[f"s{i}"] = d[i].sum()
    for i in sorted(binary_idx):
        aggs[f"nb{i}"] = (d[i] * (d[i] - 1)).abs().sum()
    for i, j in sorted(wanted):
        if not (i == j and i in binary_idx):
            aggs[f"c{i}_{j}"] = (d[i] * d[j]).sum()
    minimum = [c for c in dict.fromkeys(minimum) if c in index]
    for c in minimum:
        aggs[f"lo{index[c]}"] = d[index[c]].min()
    frame = proj.group_by(keys).aggregate(**aggs).execute()
    if p and (frame["complete"] < frame["n"]).any():  # error path: which column has NULLs
        counts = proj.group_by(keys).aggregate(**{f"k{i}": d[i].count() for i in range(p)}).execute()
        frame = frame.merge(counts, on=keys)
    out: dict[tuple, Moments] = {}
    for row in frame.itertuples(index=False):
        r = row._asdict()
        n = int(r["n"])
        s = np.array([_num(r[f"s{i}"]) for i in range(p)])
        mean = np.asarray(shift) + s / n if n else np.full(p, np.nan)
        cov = np.full((p, p), np.nan)
        if n > 1:
            for i, j in wanted:
                cross = s[i] if (i == j and i in binary_idx) else _num(r[f"c{i}_{j}"])
                cov[i, j] = cov[j, i] = (cross - s[i] * s[j] / n) / (n - 1)
        key = tuple(str(r[k]) if k == variant else r[k] for k in keys)
        out[key] = Moments(n, tuple(columns), mean, cov)
    groups = [
        tuple(str(x) if k == variant else x for k, x in zip(keys, row, strict=True))
        for row in frame[keys].itertuples(index=False)
    ]
    checks = pd.DataFrame({"group": groups, "n": frame["n"].to_numpy()})
    for c, i in index.items():
        checks[f"{c}:count"] = frame[f"k{i}"].to_numpy() if f"k{i}" in frame else frame["n"].to_numpy()
    for c in minimum:
        checks[f"{c}:min"] = frame[f"lo{index[c]}"].to_numpy(dtype=float) + shift[index[c]]
    for i in sorted(binary_idx):
        checks[f"{columns[i]}:nonbinary"] = frame[f"nb{i}"].to_numpy(dtype=float)
    return checks, out


def _num(value) -> float:
    return float(value) if value is not None else 0.0


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
